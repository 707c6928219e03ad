"""How numbers and dates read in the rules' Chinese messages.

Values stay exact Decimals in results; only messages are rounded, and in the
direction that never misleads: a gap is rounded up (a firm that adds the shown
amount really passes), an actual ratio down (4.999% never shows as "5.00%"
beside "低于 5%").
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from crm.rules.result import Bound

CENT = Decimal("0.01")


def _strip(text: str) -> str:
    """Drop a decimal part made of zeros only, and trailing zeros after it."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money(value: Decimal | int, rounding: str = ROUND_HALF_UP) -> str:
    """万元 amount with thousands separators and at most 2 decimals: 1234.50 → '1,234.5'."""
    amount = Decimal(value).quantize(CENT, rounding=rounding)
    if amount == 0:
        amount = abs(amount)  # no "-0"
    return _strip(f"{amount:,.2f}")


def gap_money(value: Decimal | int) -> str:
    """A missing amount in 万元, rounded up to the cent."""
    return money(value, ROUND_CEILING)


def percent(ratio: Decimal, rounding: str = ROUND_FLOOR) -> str:
    """An actual fraction as a percentage with 2 decimals: 0.04987 → '4.98%'."""
    shown = (Decimal(ratio) * 100).quantize(CENT, rounding=rounding)
    if shown == 0:
        shown = abs(shown)
    return f"{shown:.2f}%"


def threshold_percent(ratio: Decimal) -> str:
    """A threshold fraction as a percentage without noise: 0.05 → '5%', 0.035 → '3.5%'."""
    return _strip(f"{Decimal(ratio) * 100:f}") + "%"


def threshold_amount(value: Decimal | int | float, unit: str) -> str:
    """A threshold with its unit, as rules state it: '5%', '20,000 万元', '500 人', '1 年'."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if unit == "%":
        return threshold_percent(number)
    if unit == "万元":
        return f"{money(number)} {unit}"
    return f"{count(number)} {unit}".rstrip()


def requirement(bound: Bound, value: Decimal | int | float, unit: str) -> str:
    """What a threshold asks, in the words of the candidate lists' 关键指标 and of the
    rules' reasons alike: '要求 5%', '上限 500 人', '成立满 1 年', '成立不超过 10 年'."""
    amount = threshold_amount(value, unit)
    if bound is Bound.maximum:
        return f"上限 {amount}"
    if bound is Bound.founded_at_least:
        return f"成立满 {amount}"
    if bound is Bound.founded_at_most:
        return f"成立不超过 {amount}"
    return f"要求 {amount}"


def count(value: int | Decimal) -> str:
    """An integer count (persons, items, points)."""
    return _strip(f"{Decimal(value):f}")


def day(value: date) -> str:
    """A date as people write it: 2026年5月31日."""
    return f"{value.year}年{value.month}月{value.day}日"
