"""Builders shared by every rule, so each kind of check reads and rounds alike."""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from crm.rules import _format as fmt
from crm.rules.facts import FIGURE_LABELS, FILED_STATUSES, FirmFacts, HeldDesignation
from crm.rules.result import Bound, Condition

PERSONS = "人"
MONEY = "万元"


def _amount(value: Decimal | int, unit: str, rounding: str = ROUND_HALF_UP) -> str:
    """A quantity with its unit: money keeps cents, counts stay whole."""
    if unit == MONEY:
        return f"{fmt.money(value, rounding)} {unit}"
    return f"{fmt.count(value)} {unit}".rstrip()


def _whole_unless_money(gap: Decimal, unit: str) -> Decimal | int:
    """Persons, items and points come whole: 2.1 missing people means 3 to hire."""
    return math.ceil(gap) if unit != MONEY else gap


def missing_figures(facts: FirmFacts, years: Iterable[int], fields: Iterable[str] = ()) -> str | None:
    """Say which reports or figures are missing for these years, or None if all are there."""
    years, fields = tuple(years), tuple(fields)
    # Fast path, the common case: every year filed with every figure present.
    founded = facts.founded_on.year if facts.founded_on is not None else None
    reports = facts.reports
    for year in years:
        figures = reports.get(year)
        if (figures is None or figures.status not in FILED_STATUSES or (founded is not None and founded > year)
                or any(getattr(figures, f) is None for f in fields if f != "total_revenue")
                or ("total_revenue" in fields and figures.effective_total_revenue is None)):
            break
    else:
        return None
    problems: list[str] = []
    for year in years:
        figures = facts.report(year)
        if not facts.existed_in(year):
            problems.append(f"企业成立于{facts.founded_on.year}年，尚无{year}年度数据")  # type: ignore[union-attr]
        elif figures is None:
            problems.append(f"缺少{year}年度报表")
        elif figures.status == "draft":
            problems.append(f"{year}年度报表尚未提交")
        elif not figures.filed:
            problems.append(f"{year}年度报表已被退回，待修改后重新提交")
        else:
            absent = [FIGURE_LABELS[f] for f in fields if facts.figure(year, f) is None]
            if absent:
                problems.append(f"{year}年度报表缺少{'、'.join(absent)}")
    return "，".join(problems) if problems else None


def undecided(code: str, label: str, message: str, *, threshold: Decimal | int | str | None = None,
              unit: str = "", gap_unit: str = "", bound: Bound = Bound.minimum) -> Condition:
    """A condition that cannot be decided because data is missing."""
    return Condition(code, label, None, None, threshold, None, unit, message, gap_unit, bound)


def fact(code: str, label: str, passed: bool, message: str, *,
         actual: Decimal | int | str | None = None, threshold: Decimal | int | str | None = None,
         gap: Decimal | int | None = None, unit: str = "", gap_unit: str = "",
         bound: Bound = Bound.minimum) -> Condition:
    """A yes/no condition about the firm's standing (certificates, dates)."""
    return Condition(code, label, passed, actual, threshold, None if passed else gap, unit, message, gap_unit,
                     bound)


def ratio(code: str, label: str, *, numerator: Decimal | int | None, denominator: Decimal | int | None,
          threshold: Decimal, subject: str, denominator_name: str, gap_unit: str = MONEY,
          periods: int | None = None, missing: str | None = None, share: bool = False) -> Condition:
    """numerator / denominator ≥ threshold (inclusive), the one ratio check of all rules.

    With `periods`, the threshold is a growth rate per period and the actual
    value is the compound growth (numerator/denominator)^(1/periods) − 1.
    The comparison multiplies instead of dividing, so exactly 5% passes. The
    gap is the numerator still missing, in `gap_unit` (whole persons).
    With `share`, the numerator is part of the denominator (tech staff among
    all staff, high-tech among all revenue): what is added counts in both, so
    the gap is (threshold·denominator − numerator) / (1 − threshold).
    """
    if missing is not None or numerator is None or denominator is None:
        return undecided(code, label, missing or f"缺少计算{subject}所需数据",
                         threshold=threshold, unit="%", gap_unit=gap_unit)
    numerator, denominator = Decimal(numerator), Decimal(denominator)
    if denominator <= 0:
        return fact(code, label, False,
                    f"{denominator_name}为 {_amount(denominator, gap_unit)}，无法计算{subject}",
                    threshold=threshold, unit="%", gap_unit=gap_unit)
    factor = threshold if periods is None else (1 + threshold) ** periods
    passed = numerator >= denominator * factor
    quotient = numerator / denominator
    if periods is None:
        actual = quotient
    elif quotient <= 0:
        actual = Decimal(-1)  # everything lost: -100% a period
    elif periods == 1:
        actual = quotient - 1
    elif periods == 2:
        actual = quotient.sqrt() - 1
    else:
        actual = quotient ** (Decimal(1) / periods) - 1
    shown = fmt.percent(actual, ROUND_HALF_UP if passed else ROUND_FLOOR)
    required = fmt.threshold_amount(threshold, "%")
    if passed:
        return fact(code, label, True, f"{subject} {shown}，达到 {required} 的要求",
                    actual=actual, threshold=threshold, unit="%", gap_unit=gap_unit)
    missing_part = denominator * factor - numerator
    note = ""
    if share and periods is None and threshold < 1:
        # Adding x to a part raises the whole too: (n + x) / (d + x) ≥ t ⇔ x ≥ (t·d − n) / (1 − t).
        missing_part = missing_part / (1 - threshold)
        note = f"（新增部分同时计入{denominator_name}）"
    gap = _whole_unless_money(missing_part, gap_unit)
    return fact(code, label, False,
                f"{subject} {shown}，低于 {required} 的要求，差 {_gap(gap, gap_unit)}{note}",
                actual=actual, threshold=threshold, gap=gap, unit="%", gap_unit=gap_unit)


def _gap(gap: Decimal | int, unit: str) -> str:
    """A gap rounded up, with its unit."""
    return _amount(gap, unit, ROUND_CEILING)


def at_least(code: str, label: str, *, value: Decimal | int | None, threshold: Decimal | int,
             unit: str, subject: str, missing: str | None = None) -> Condition:
    """value ≥ threshold (inclusive); the gap is threshold − value in `unit`."""
    if missing is not None or value is None:
        return undecided(code, label, missing or f"缺少{subject}", threshold=threshold, unit=unit, gap_unit=unit)
    required = fmt.threshold_amount(threshold, unit)
    if value >= threshold:
        return fact(code, label, True, f"{subject} {_amount(value, unit)}，达到 {required}的要求",
                    actual=value, threshold=threshold, unit=unit, gap_unit=unit)
    gap = _whole_unless_money(Decimal(threshold) - Decimal(value), unit)
    return fact(code, label, False,
                f"{subject} {_amount(value, unit, ROUND_FLOOR)}，低于 {required}的要求，差 {_gap(gap, unit)}",
                actual=value, threshold=threshold, gap=gap, unit=unit, gap_unit=unit)


def at_most(code: str, label: str, *, value: Decimal | int | None, limit: Decimal | int,
            unit: str, subject: str, missing: str | None = None) -> Condition:
    """value ≤ limit (inclusive); the gap is the excess value − limit in `unit`."""
    if missing is not None or value is None:
        return undecided(code, label, missing or f"缺少{subject}", threshold=limit, unit=unit, gap_unit=unit,
                         bound=Bound.maximum)
    allowed = fmt.requirement(Bound.maximum, limit, unit)
    if value <= limit:
        return fact(code, label, True, f"{subject} {_amount(value, unit)}，未超过{allowed}",
                    actual=value, threshold=limit, unit=unit, gap_unit=unit, bound=Bound.maximum)
    excess = _whole_unless_money(Decimal(value) - Decimal(limit), unit)
    return fact(code, label, False,
                f"{subject} {_amount(value, unit, ROUND_CEILING)}，超过{allowed}，超出 {_gap(excess, unit)}",
                actual=value, threshold=limit, gap=excess, unit=unit, gap_unit=unit, bound=Bound.maximum)


def all_passed(conditions: Iterable[Condition]) -> bool:
    """A rule without alternatives passes when every condition is decided and passed."""
    return all(c.passed is True for c in conditions)


def _validity(designation: HeldDesignation) -> str:
    return f"有效期至{fmt.day(designation.valid_to)}" if designation.valid_to else "长期有效"


def holding(code: str, label: str, facts: FirmFacts, kind: str, as_of: date, noun: str, *,
            wanted: bool) -> Condition:
    """The firm holds (wanted) or does not yet hold (not wanted) a valid designation of `kind`."""
    held = facts.holds(kind, as_of)
    if wanted:
        if held is None:
            return fact(code, label, False, f"未持有有效的{noun}资格")
        return fact(code, label, True, f"持有有效的{noun}资格（{_validity(held)}）",
                    actual=held.valid_to.isoformat() if held.valid_to else "")
    if held is None:
        return fact(code, label, True, f"目前不是{noun}")
    return fact(code, label, False, f"已是{noun}（{_validity(held)}）",
                actual=held.valid_to.isoformat() if held.valid_to else "")


def revenue_growth(facts: FirmFacts, latest: int, years: int, threshold: Decimal, code: str,
                   label: str) -> Condition:
    """Sales growth per year from the first to the latest of `years` fiscal years, ≥ threshold.

    Only the two end years matter for a compound rate; a firm founded after
    the first year cannot show that growth, which fails rather than waits.
    """
    first = latest - years + 1
    periods = years - 1
    span = f"{first}–{latest}年" if periods > 1 else f"{latest}年较{first}年"
    subject = f"{span}销售收入{'年均复合' if periods > 1 else ''}增长率"
    if not facts.existed_in(first):
        founded = facts.founded_on.year  # type: ignore[union-attr]  # existed_in is True without a date
        return fact(code, label, False, f"企业成立于{founded}年，经营不足{years}个会计年度，无法计算{subject}",
                    threshold=threshold, unit="%", gap_unit=MONEY)
    return ratio(code, label, numerator=facts.figure(latest, "revenue"),
                 denominator=facts.figure(first, "revenue"), threshold=threshold,
                 subject=subject, denominator_name=f"{first}年度销售收入", periods=periods,
                 missing=missing_figures(facts, [first, latest], ["revenue"]))
