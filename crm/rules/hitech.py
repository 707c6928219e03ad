"""hitech_candidate: the quantitative conditions of 国科发火〔2016〕32号, art. 11.

The latest fiscal year is the one before the as-of date's year, or the year
before that in the reporting season (crm.rules.season). The R&D ratio
sums the last `rd_years` fiscal years the firm existed in, with the band set
by the latest year's sales. The innovation-capability estimate (growth and IP
quantity points) is reported in `info` only: experts score it, so it never
decides the rule.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from crm.rules import _conditions as cond
from crm.rules import _format as fmt
from crm.rules import season
from crm.rules.facts import FirmFacts, add_years
from crm.rules.parameters import HITECH as RULE
from crm.rules.parameters import resolve
from crm.rules.result import Bound, Condition, Eligibility

PointRange = tuple[int, int]

# (param name, points range) from the best growth band down; below 0 scores 0.
GROWTH_BANDS: tuple[tuple[str, PointRange], ...] = (
    ("growth_for_9", (9, 10)), ("growth_for_7", (7, 8)), ("growth_for_5", (5, 6)),
    ("growth_for_3", (3, 4)), ("growth_for_1", (1, 2)),
)
GROWTH_POINTS_MAX = 20
# 知识产权数量 is 8 of the 30 IP points; the rest (advancement, role in the main
# products, how it was acquired) needs an expert, so only this part is estimated.
IP_QUANTITY_POINTS_MAX = 8


def evaluate(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility:
    """Whether the firm meets the high-tech recognition conditions on `as_of`."""
    result = _evaluate(facts, as_of, params, screen=False)
    assert result is not None  # noqa: S101 - only screening gives up early
    return result


def evaluate_if_passing(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility | None:
    """`evaluate`'s result if the firm passes, else None, found out as cheaply as possible.

    Every condition must pass, so the first one that does not decides: the
    nightly run, which keeps passing results only, skips the rest (and the
    innovation estimate). A passing firm gets exactly `evaluate`'s result.
    """
    return _evaluate(facts, as_of, params, screen=True)


evaluate.if_passing = evaluate_if_passing  # type: ignore[attr-defined]  # see crm.rules.passing_evaluator


# Positions in the result of the conditions, in the order screening checks
# them: those failing most often first (R&D ratio, tech staff, high-tech
# revenue), the certificate and dates last.
_SCREEN_ORDER = (4, 3, 6, 2, 5, 1, 0)


def _evaluate(facts: FirmFacts, as_of: date, params: Mapping[str, Any], screen: bool) -> Eligibility | None:
    p = resolve(RULE, params)
    basis = season.basis(facts, as_of, season.season_params(params))
    latest = basis.year
    years = rd_years(facts, latest, p["rd_years"])
    threshold = rd_threshold(facts, latest, p)
    checks = (
        lambda: _certificate(facts, as_of, p),
        lambda: _registered(facts, as_of, p),
        lambda: _ip_items(facts, latest, p),
        lambda: _tech_staff(facts, latest, p),
        lambda: _rd_ratio(facts, years, threshold, latest),
        lambda: _domestic_rd(facts, years, p),
        lambda: _hitech_revenue(facts, latest, p),
    )
    if screen:
        if _surely_fails(facts, latest, years, threshold, p):
            return None
        found: list[Condition | None] = [None] * len(checks)
        for index in _SCREEN_ORDER:
            condition = checks[index]()
            if condition.passed is not True:
                return None
            found[index] = condition
        conditions = tuple(c for c in found if c is not None)
    else:
        conditions = tuple(check() for check in checks)
    info: dict[str, object] = {
        "latest_year": latest,
        **basis.info(),
        "rd_years": tuple(years),
        "rd_threshold": threshold,
        "hitech_field": facts.hitech_field,
        **innovation_estimate(facts, years, latest, p),
    }
    return Eligibility(RULE, cond.all_passed(conditions), conditions, info)


def _below(numerator: Decimal | int | None, denominator: Decimal | int | None, threshold: Decimal) -> bool:
    """True if numerator / denominator ≥ threshold surely fails: a figure missing, no base, or too low."""
    if numerator is None or denominator is None or denominator <= 0:
        return True
    return Decimal(numerator) < Decimal(denominator) * threshold  # cond.ratio's comparison


def _surely_fails(facts: FirmFacts, latest: int, years: Sequence[int], threshold: Decimal | None,
                  p: Mapping[str, Any]) -> bool:
    """A look at the three ratios that most often fail, without building messages.

    True only when one of those conditions cannot pass (so neither can the
    rule); False means "evaluate to find out".
    """
    if threshold is None or _below(_sum(facts, years, "rd_expense"), _sum(facts, years, "revenue"), threshold):
        return True
    if _below(facts.figure(latest, "tech_staff"), facts.figure(latest, "employees"), p["min_tech_staff_ratio"]):
        return True
    return _below(facts.figure(latest, "hitech_revenue"), facts.figure(latest, "total_revenue"),
                  p["min_hitech_revenue_ratio"])


def rd_years(facts: FirmFacts, latest: int, count: int) -> list[int]:
    """The fiscal years whose R&D is summed: the last `count`, only those the firm existed in."""
    years = [y for y in range(latest - count + 1, latest + 1) if facts.existed_in(y)]
    return years or [latest]  # founded this year: the latest year is still the one reported missing


def rd_threshold(facts: FirmFacts, latest: int, p: Mapping[str, Any]) -> Decimal | None:
    """The required R&D ratio for the latest year's sales (None if sales are unknown)."""
    revenue = facts.figure(latest, "revenue")
    if revenue is None:
        return None
    if revenue <= p["rd_band1_max_revenue"]:
        return p["rd_band1_min_ratio"]
    if revenue <= p["rd_band2_max_revenue"]:
        return p["rd_band2_min_ratio"]
    return p["rd_band3_min_ratio"]


def _span(years: Sequence[int]) -> str:
    return f"{years[0]}年" if len(years) == 1 else f"{years[0]}–{years[-1]}年"


def _certificate(facts: FirmFacts, as_of: date, p: Mapping[str, Any]) -> Condition:
    code, label = "certificate", "未持有有效高企证书或证书当年到期"
    renewal = facts.upcoming("hitech", as_of)
    if renewal is not None:
        start = renewal.valid_from
        return cond.fact(code, label, False, f"已取得新的高企证书（自{fmt.day(start)}起有效），无需重新认定",
                         actual=start.isoformat())
    held = facts.holds("hitech", as_of)
    if held is None:
        return cond.fact(code, label, True, "未持有有效的高新技术企业证书")
    if held.valid_to is None:
        return cond.fact(code, label, False, "已持有长期有效的高企证书", actual="")
    ends = fmt.day(held.valid_to)
    last_year = as_of.year + p["rerecognition_lead_years"]
    if held.valid_to.year <= last_year:
        return cond.fact(code, label, True, f"高企证书有效期至{ends}，应于{held.valid_to.year}年申请重新认定",
                         actual=held.valid_to.isoformat())
    return cond.fact(code, label, False,
                     f"已持有有效高企证书（有效期至{ends}），"
                     f"{held.valid_to.year - p['rerecognition_lead_years']}年方可申请重新认定",
                     actual=held.valid_to.isoformat())


def _registered(facts: FirmFacts, as_of: date, p: Mapping[str, Any]) -> Condition:
    code, label = "registered_years", "注册成立满一年"
    years = p["min_registered_years"]
    bound = Bound.founded_at_least
    if facts.founded_on is None:
        return cond.undecided(code, label, "缺少注册成立日期", threshold=years, unit="年", gap_unit="天", bound=bound)
    anniversary = add_years(facts.founded_on, years)
    founded = fmt.day(facts.founded_on)
    required = fmt.requirement(bound, years, "年")
    if anniversary <= as_of:
        return cond.fact(code, label, True, f"注册成立于{founded}，已{required}",
                         actual=facts.founded_on.isoformat(), threshold=years, unit="年", bound=bound)
    days = (anniversary - as_of).days
    return cond.fact(code, label, False,
                     f"注册成立于{founded}，至{fmt.day(anniversary)}方{required}，还差 {days} 天",
                     actual=facts.founded_on.isoformat(), threshold=years, gap=days, unit="年", gap_unit="天",
                     bound=bound)


def _ip_items(facts: FirmFacts, latest: int, p: Mapping[str, Any]) -> Condition:
    code, label = "ip_items", "拥有I类或II类知识产权"
    missing = cond.missing_figures(facts, [latest])
    total = None
    figures = facts.filed_report(latest)
    if missing is None and figures is not None:
        if figures.ip_class1 is None and figures.ip_class2 is None:
            missing = f"{latest}年度报表缺少知识产权数量"
        else:
            # A class left blank while the other is filled in means none of it.
            total = (figures.ip_class1 or 0) + (figures.ip_class2 or 0)
    return cond.at_least(code, label, value=total, threshold=p["min_ip_items"], unit="项",
                         subject=f"{latest}年度I类和II类知识产权合计", missing=missing)


def _tech_staff(facts: FirmFacts, latest: int, p: Mapping[str, Any]) -> Condition:
    return cond.ratio(
        "tech_staff_ratio", "科技人员占职工总数比例",
        numerator=facts.figure(latest, "tech_staff"), denominator=facts.figure(latest, "employees"),
        threshold=p["min_tech_staff_ratio"],
        subject=f"{latest}年度科技人员占职工总数比例", denominator_name=f"{latest}年度职工总数",
        gap_unit=cond.PERSONS, share=True,
        missing=cond.missing_figures(facts, [latest], ["employees", "tech_staff"]),
    )


def _sum(facts: FirmFacts, years: Sequence[int], name: str) -> Decimal | None:
    values = [facts.figure(y, name) for y in years]
    return None if any(v is None for v in values) else sum(values, Decimal(0))


def _rd_ratio(facts: FirmFacts, years: Sequence[int], threshold: Decimal | None, latest: int) -> Condition:
    code, label = "rd_ratio_3y", "近三年研发费用占销售收入比例"
    span = _span(years)
    missing = cond.missing_figures(facts, years, ["revenue", "rd_expense"])
    if missing is not None or threshold is None:
        return cond.undecided(code, label, missing or f"缺少{latest}年度销售收入",
                              unit="%", gap_unit=cond.MONEY)
    result = cond.ratio(code, label, numerator=_sum(facts, years, "rd_expense"),
                        denominator=_sum(facts, years, "revenue"), threshold=threshold,
                        subject=f"{span}研发费用占销售收入比例", denominator_name=f"{span}销售收入合计")
    # Say which band applies: the threshold depends on the latest year's sales.
    revenue = facts.figure(latest, "revenue")
    note = f"（{latest}年销售收入 {fmt.money(revenue)} 万元，适用 {fmt.threshold_percent(threshold)} 的标准）"
    return dataclasses.replace(result, message=result.message + note)


def _domestic_rd(facts: FirmFacts, years: Sequence[int], p: Mapping[str, Any]) -> Condition:
    span = _span(years)
    return cond.ratio(
        "rd_domestic_ratio", "境内研发费用占全部研发费用比例",
        numerator=_sum(facts, years, "rd_expense_domestic"), denominator=_sum(facts, years, "rd_expense"),
        threshold=p["min_domestic_rd_ratio"],
        subject=f"{span}境内研发费用占全部研发费用比例", denominator_name=f"{span}研发费用合计", share=True,
        missing=cond.missing_figures(facts, years, ["rd_expense", "rd_expense_domestic"]),
    )


def _hitech_revenue(facts: FirmFacts, latest: int, p: Mapping[str, Any]) -> Condition:
    return cond.ratio(
        "hitech_revenue_ratio", "高新技术产品（服务）收入占总收入比例",
        numerator=facts.figure(latest, "hitech_revenue"), denominator=facts.figure(latest, "total_revenue"),
        threshold=p["min_hitech_revenue_ratio"],
        subject=f"{latest}年度高新技术产品（服务）收入占总收入比例", denominator_name=f"{latest}年度总收入",
        share=True, missing=cond.missing_figures(facts, [latest], ["hitech_revenue", "total_revenue"]),
    )


def growth_rate(values: Sequence[Decimal]) -> Decimal | None:
    """DOMAIN.md's growth rate: the mean of year-over-year ratios, minus 1.

    Three years give ((y2/y1)+(y3/y2))/2 − 1; a younger firm uses the years it
    has. None when fewer than two years or a base year is not positive.
    """
    if len(values) < 2 or any(v <= 0 for v in values[:-1]):
        return None
    ratios = [b / a for a, b in zip(values, values[1:])]
    return sum(ratios, Decimal(0)) / len(ratios) - 1


def growth_points(rate: Decimal | None, p: Mapping[str, Any]) -> PointRange | None:
    """The (low, high) points an expert may give for that growth rate (of 10)."""
    if rate is None:
        return None
    for name, points in GROWTH_BANDS:
        if rate >= p[name]:
            return points
    return (0, 0)


def ip_quantity_points(ip_class1: int | None, ip_class2: int | None, p: Mapping[str, Any]) -> PointRange | None:
    """The (low, high) points of the 知识产权数量 sub-item (of 8), or None if unreported."""
    if ip_class1 is None and ip_class2 is None:
        return None
    if (ip_class1 or 0) >= p["ip_class1_for_7"]:
        return (7, 8)
    for name, points in (("ip_class2_for_5", (5, 6)), ("ip_class2_for_3", (3, 4)), ("ip_class2_for_1", (1, 2))):
        if (ip_class2 or 0) >= p[name]:
            return points
    return (0, 0)


def innovation_estimate(facts: FirmFacts, years: Sequence[int], latest: int,
                        p: Mapping[str, Any]) -> dict[str, object]:
    """Growth (net assets, sales) and IP-quantity point ranges, as information only."""
    estimate: dict[str, object] = {}
    ranges: list[PointRange | None] = []
    for name in ("net_assets", "revenue"):
        values = [facts.figure(y, name) for y in years]
        rate = None if any(v is None for v in values) else growth_rate(values)
        points = growth_points(rate, p)
        estimate[f"{name}_growth"] = rate
        estimate[f"{name}_growth_points"] = points
        ranges.append(points)
    estimate["growth_points"] = (
        None if None in ranges else (sum(r[0] for r in ranges), sum(r[1] for r in ranges))  # type: ignore[index]
    )
    estimate["growth_points_max"] = GROWTH_POINTS_MAX
    figures = facts.filed_report(latest)
    estimate["ip_quantity_points"] = (
        ip_quantity_points(figures.ip_class1, figures.ip_class2, p) if figures is not None else None
    )
    estimate["ip_quantity_points_max"] = IP_QUANTITY_POINTS_MAX
    return estimate
