"""tech_sme_candidate: 科技型中小企业评价办法 (2017, revised 2022).

Size limits always apply. Then either the score (staff + R&D + IP ≥ 60 with a
non-zero staff score) or one direct qualification. A firm already registered
for the as-of year is not a candidate. Figures are the latest fiscal year's
(in the reporting season possibly the year before: crm.rules.season).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from crm.rules import _conditions as cond
from crm.rules import _format as fmt
from crm.rules import season
from crm.rules.facts import FirmFacts
from crm.rules.parameters import TECH_SME as RULE
from crm.rules.parameters import resolve
from crm.rules.result import Condition, Eligibility

Tiers = tuple[tuple[int, str], ...]

# Points by band, best first; the cut-offs are parameters.
STAFF_TIERS: Tiers = tuple((pts, f"staff_share_for_{pts}") for pts in (20, 16, 12, 8, 4))
RD_SALES_TIERS: Tiers = tuple((pts, f"rd_sales_for_{pts}") for pts in (50, 40, 30, 20, 10))
RD_COSTS_TIERS: Tiers = tuple((pts, f"rd_costs_for_{pts}") for pts in (50, 40, 30, 20, 10))
IP_CLASS2_TIERS: Tiers = tuple((pts, f"ip_class2_for_{pts}") for pts in (24, 18, 12, 6))
IP_CLASS1_POINTS = 30
RD_POINTS_MAX = 50

STANDARD_KINDS: dict[str, str] = {"led_national_standard": "国家标准", "led_industry_standard": "行业标准"}


@dataclass(frozen=True)
class Points:
    """One score component; `known` is False when data is missing, so `points` is a lower bound."""

    points: int
    known: bool


def evaluate(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility:
    """Whether the firm can be evaluated and registered as a tech SME in `as_of`'s year."""
    result = _evaluate(facts, as_of, params, screen=False)
    assert result is not None  # noqa: S101 - only screening gives up early
    return result


def evaluate_if_passing(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility | None:
    """`evaluate`'s result if the firm passes, else None, found out as cheaply as possible.

    The size limits and the not-yet-registered check must all pass: the
    nightly run, which keeps passing results only, stops at the first that
    does not. A passing firm gets exactly `evaluate`'s result.
    """
    return _evaluate(facts, as_of, params, screen=True)


evaluate.if_passing = evaluate_if_passing  # type: ignore[attr-defined]  # see crm.rules.passing_evaluator


# Positions of the gate's conditions in the order screening checks them:
# sales and staff limits fail most often.
_GATE_SCREEN_ORDER = (2, 1, 3, 0)


def _evaluate(facts: FirmFacts, as_of: date, params: Mapping[str, Any], screen: bool) -> Eligibility | None:
    p = resolve(RULE, params)
    basis = season.basis(facts, as_of, season.season_params(params))
    latest = basis.year
    checks = (
        lambda: _not_registered(facts, as_of),
        lambda: _size(facts, latest, "employees", "职工总数", p["max_employees"], cond.PERSONS, "employees_max"),
        lambda: _size(facts, latest, "revenue", "销售收入", p["max_revenue"], cond.MONEY, "revenue_max"),
        lambda: _size(facts, latest, "total_assets", "资产总额", p["max_total_assets"], cond.MONEY,
                      "total_assets_max"),
    )
    if screen:
        # The size limits without messages: a figure missing or over its limit fails the gate.
        for name, limit in (("revenue", "max_revenue"), ("employees", "max_employees"),
                            ("total_assets", "max_total_assets")):
            value = facts.figure(latest, name)
            if value is None or value > p[limit]:
                return None
        found: list[Condition | None] = [None] * len(checks)
        for index in _GATE_SCREEN_ORDER:
            condition = checks[index]()
            if condition.passed is not True:
                return None
            found[index] = condition
        gate = tuple(c for c in found if c is not None)
    else:
        gate = tuple(check() for check in checks)
    staff, rd, ip = staff_points(facts, latest, p), rd_points(facts, latest, p), ip_points(facts, latest, p)
    staff_share = _staff_share(facts, latest, p)
    score = _score(facts, latest, p, staff, rd, ip)
    qualifications = direct_qualifications(facts, as_of, p)
    direct = _direct(qualifications, p)
    conditions = (*gate, staff_share, score, direct)
    by_score = staff_share.passed is True and score.passed is True
    passed = cond.all_passed(gate) and (by_score or direct.passed is True)
    info = {
        "latest_year": latest,
        **basis.info(),
        "staff_points": staff.points if staff.known else None,
        "rd_points": rd.points if rd.known else None,
        "ip_points": ip.points if ip.known else None,
        "score": score.actual if score.passed is not None else None,
        "direct_qualifications": tuple(qualifications),
    }
    if screen and not passed:
        return None
    return Eligibility(RULE, passed, conditions, info)


def _not_registered(facts: FirmFacts, as_of: date) -> Condition:
    label = "当年尚未入库"
    registered = [d for d in facts.designations
                  if d.kind == "tech_sme" and (d.valid_from.year == as_of.year or d.valid_on(as_of))]
    if not registered:
        return cond.fact("not_registered", label, True, f"{as_of.year}年尚未入库科技型中小企业")
    entry = max(registered, key=lambda d: d.valid_from)
    number = f"，入库登记编号 {entry.certificate_no}" if entry.certificate_no else ""
    return cond.fact("not_registered", label, False,
                     f"已入库科技型中小企业（{fmt.day(entry.valid_from)}起{number}），无需重复评价",
                     actual=entry.valid_from.isoformat())


def _size(facts: FirmFacts, latest: int, name: str, noun: str, limit: Decimal | int, unit: str,
          code: str) -> Condition:
    return cond.at_most(code, f"{noun}不超过上限", value=facts.figure(latest, name), limit=limit, unit=unit,
                        subject=f"{latest}年度{noun}", missing=cond.missing_figures(facts, [latest], [name]))


def _tier(numerator: Decimal | int, denominator: Decimal | int, tiers: Tiers, p: Mapping[str, Any]) -> int:
    """Points of the best band the ratio reaches; a zero base scores nothing."""
    if denominator <= 0:
        return 0
    for points, name in tiers:
        if numerator >= denominator * p[name]:  # multiply, so a cut-off hit exactly counts
            return points
    return 0


def staff_points(facts: FirmFacts, latest: int, p: Mapping[str, Any]) -> Points:
    """Tech staff over total staff: 20/16/12/8/4 points."""
    staff, employees = facts.figure(latest, "tech_staff"), facts.figure(latest, "employees")
    if staff is None or employees is None:
        return Points(0, False)
    return Points(_tier(staff, employees, STAFF_TIERS, p), True)


def rd_points(facts: FirmFacts, latest: int, p: Mapping[str, Any]) -> Points:
    """The better of R&D over sales and R&D over total costs: up to 50 points."""
    rd = facts.figure(latest, "rd_expense")
    revenue, costs = facts.figure(latest, "revenue"), facts.figure(latest, "total_costs")
    if rd is None or (revenue is None and costs is None):
        return Points(0, False)
    by_sales = _tier(rd, revenue, RD_SALES_TIERS, p) if revenue is not None else 0
    by_costs = _tier(rd, costs, RD_COSTS_TIERS, p) if costs is not None else 0
    best = max(by_sales, by_costs)
    # With one base unreported the other might score better, unless this is already the maximum.
    return Points(best, (revenue is not None and costs is not None) or best == RD_POINTS_MAX)


def ip_points(facts: FirmFacts, latest: int, p: Mapping[str, Any]) -> Points:
    """30 points for I-class IP, else 24/18/12/6 by the count of II-class items."""
    class1, class2 = facts.figure(latest, "ip_class1"), facts.figure(latest, "ip_class2")
    if class1 is None and class2 is None:
        return Points(0, False)
    # A class left blank while the other is filled in means none of it.
    if (class1 or 0) >= p["ip_class1_for_30"]:
        return Points(IP_CLASS1_POINTS, True)
    for points, name in IP_CLASS2_TIERS:
        if (class2 or 0) >= p[name]:
            return Points(points, True)
    return Points(0, True)


def _staff_share(facts: FirmFacts, latest: int, p: Mapping[str, Any]) -> Condition:
    result = cond.ratio(
        "staff_score", "科技人员得分不为0", numerator=facts.figure(latest, "tech_staff"),
        denominator=facts.figure(latest, "employees"), threshold=p["staff_share_for_4"],
        subject=f"{latest}年度科技人员占职工总数比例", denominator_name=f"{latest}年度职工总数",
        gap_unit=cond.PERSONS, share=True,
        missing=cond.missing_figures(facts, [latest], ["employees", "tech_staff"]),
    )
    if result.passed is False:
        result = dataclasses.replace(result, message=result.message + "，科技人员指标得0分，不能参加评价")
    return result


def _score(facts: FirmFacts, latest: int, p: Mapping[str, Any], staff: Points, rd: Points, ip: Points) -> Condition:
    parts = (("科技人员", staff), ("研发投入", rd), ("科技成果", ip))
    total = sum(part.points for _, part in parts)
    breakdown = "（" + "、".join(f"{name} {part.points if part.known else '?'} 分" for name, part in parts) + "）"
    if all(part.known for _, part in parts) or total >= p["min_score"]:
        # Unknown parts only add points, so a known total that already passes is decided.
        result = cond.at_least("score", "评价得分", value=total, threshold=p["min_score"], unit="分",
                               subject="评价得分")
        return dataclasses.replace(result, message=result.message + breakdown)
    needed = {"科技人员": ["employees", "tech_staff"], "研发投入": ["rd_expense", "revenue", "total_costs"],
              "科技成果": ["ip_class1", "ip_class2"]}
    missing = cond.missing_figures(
        facts, [latest], [name for part_name, part in parts if not part.known for name in needed[part_name]],
    )
    return cond.undecided("score", "评价得分",
                          f"{missing or '评价数据不全'}，按已填数据评价得分 {total} 分{breakdown}，无法确定是否达到 "
                          f"{p['min_score']} 分", threshold=p["min_score"], unit="分", gap_unit="分")


def _within(year: int, as_of: date, years: int) -> bool:
    return as_of.year - years <= year <= as_of.year


def direct_qualifications(facts: FirmFacts, as_of: date, p: Mapping[str, Any]) -> list[str]:
    """The direct-qualification grounds the firm has on `as_of`, as sentences."""
    found: list[str] = []
    held = facts.holds("hitech", as_of)
    if held is not None:
        until = f"，有效期至{fmt.day(held.valid_to)}" if held.valid_to else ""
        found.append(f"持有有效高企证书{until}")
    levels = {"national": "国家级", "provincial": "省级"}
    institutions = sorted({levels[pl.level] for pl in facts.platforms
                           if pl.is_rd_institution and pl.level in levels and pl.valid_on(as_of)})
    if institutions:
        found.append(f"拥有{'、'.join(institutions)}研发机构")
    for honour in sorted(facts.honours, key=lambda h: h.year):
        if honour.kind == "national_science_award" and _within(honour.year, as_of, p["direct_award_years"]):
            found.append(f"{honour.year}年获国家级科技奖励")
        elif honour.kind in STANDARD_KINDS and _within(honour.year, as_of, p["direct_standard_years"]):
            found.append(f"{honour.year}年主导制定{STANDARD_KINDS[honour.kind]}")
    return found


def _direct(qualifications: Sequence[str], p: Mapping[str, Any]) -> Condition:
    label = "直接认定条件"
    if qualifications:
        return cond.fact("direct", label, True, "符合直接认定条件：" + "；".join(qualifications),
                         actual="；".join(qualifications))
    return cond.fact("direct", label, False,
                     f"无直接认定条件（有效高企证书、省级以上研发机构、近{p['direct_award_years']}年国家级科技奖励、"
                     f"近{p['direct_standard_years']}年主导制定国家或行业标准）")
