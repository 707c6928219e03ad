"""How numbers and dates read in the rules' Chinese messages.

Values stay exact Decimals in results; only messages are rounded, and in the
direction that never misleads: a gap is rounded up (a firm that adds the shown
amount really passes), an actual ratio down (4.999% never shows as "5.00%"
beside "低于 5%").
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

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


def count(value: int | Decimal) -> str:
    """An integer count (persons, items, points)."""
    return _strip(f"{Decimal(value):f}")


def day(value: date) -> str:
    """A date as people write it: 2026年5月31日."""
    return f"{value.year}年{value.month}月{value.day}日"
