"""What an innovation-points indicator can measure: values computed from a firm's records.

Each measure is a pure function of a firm's inputs, the fiscal year scored and the as-of
date, returning a `Decimal` or a `NotComputable` with the reason ("2025年度研发费用未填报",
"2024年度净利润为负数，增长率无法计算"). A missing figure is never read as zero, a zero
revenue makes a share not computable, and a growth rate needs a positive base. A count the
records hold (platforms, talents, awards) is a value even when it is 0.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from crm.rules.facts import FIGURE_LABELS, FirmFacts

# Levels of an R&D institution as points (国家级 3, 省级 2, 市级 1).
PLATFORM_LEVEL_POINTS = {"national": 3, "provincial": 2, "municipal": 1}
# Designations counted as qualifications (资质).
QUALIFICATION_KINDS = ("hitech", "innovative_sme", "srdi_sme", "little_giant", "gazelle")
# Awards and standards count over the fiscal year and the two before it.
RECENT_YEARS = 3
AWARD_POINTS = {"national_science_award": 2, "provincial_science_award": 1}
STANDARD_KINDS = ("led_national_standard", "led_industry_standard")
PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class NotComputable:
    """Why a value could not be computed (0 points, and this reason beside them)."""

    reason: str


Value = Decimal | NotComputable


@dataclass(frozen=True)
class FirmInputs:
    """What the scoring reads of one firm: the rules' facts plus its talents."""

    enterprise_id: int
    district_code: str
    facts: FirmFacts
    talent_years: tuple[int, ...] = field(default=())  # the year each talent or team came


@dataclass(frozen=True)
class Measure:
    label: str
    unit: str   # "万元", "%", "人", "项", "分", "个"
    compute: Callable[[FirmInputs, int, date], Value]


def _figure(inputs: FirmInputs, year: int, name: str) -> Value:
    value = inputs.facts.figure(year, name)
    if value is None:
        return NotComputable(f"{year}年度{FIGURE_LABELS[name]}未填报")
    return Decimal(value)


def _share(inputs: FirmInputs, year: int, part: str, whole: str) -> Value:
    top, bottom = _figure(inputs, year, part), _figure(inputs, year, whole)
    if isinstance(top, NotComputable):
        return top
    if isinstance(bottom, NotComputable):
        return bottom
    if bottom == 0:
        return NotComputable(f"{year}年度{FIGURE_LABELS[whole]}为0，比例无法计算")
    return (top / bottom).quantize(PLACES)


def _growth(inputs: FirmInputs, year: int, name: str) -> Value:
    now, before = _figure(inputs, year, name), _figure(inputs, year - 1, name)
    if isinstance(now, NotComputable):
        return now
    if isinstance(before, NotComputable):
        return before
    if before <= 0:
        base = "为0" if before == 0 else "为负数"
        return NotComputable(f"{year - 1}年度{FIGURE_LABELS[name]}{base}，增长率无法计算")
    return ((now - before) / before).quantize(PLACES)


def figure(name: str) -> Callable[[FirmInputs, int, date], Value]:
    return lambda inputs, year, _as_of: _figure(inputs, year, name)


def platforms(inputs: FirmInputs, _year: int, as_of: date) -> Value:
    return Decimal(sum(PLATFORM_LEVEL_POINTS.get(p.level, 0) for p in inputs.facts.platforms
                       if p.is_rd_institution and p.valid_on(as_of)))


def talents(inputs: FirmInputs, year: int, _as_of: date) -> Value:
    return Decimal(sum(1 for came in inputs.talent_years if came <= year))


def _recent(inputs: FirmInputs, year: int, points: dict[str, int]) -> Decimal:
    return Decimal(sum(points.get(h.kind, 0) for h in inputs.facts.honours if year - RECENT_YEARS < h.year <= year))


def awards(inputs: FirmInputs, year: int, _as_of: date) -> Value:
    return _recent(inputs, year, AWARD_POINTS)


def standards(inputs: FirmInputs, year: int, _as_of: date) -> Value:
    return _recent(inputs, year, dict.fromkeys(STANDARD_KINDS, 1))


def equity_raised(inputs: FirmInputs, year: int, _as_of: date) -> Value:
    return sum((h.amount or Decimal(0) for h in inputs.facts.honours if h.kind == "equity_raised" and h.year == year),
               Decimal(0))


def qualifications(inputs: FirmInputs, _year: int, as_of: date) -> Value:
    return Decimal(sum(1 for kind in QUALIFICATION_KINDS if inputs.facts.holds(kind, as_of)))


def digital_level(inputs: FirmInputs, _year: int, as_of: date) -> Value:
    declared = inputs.facts.declared(as_of)
    if declared is None or declared.digital_level is None:
        return NotComputable("数字化水平未申报或未核实")
    return Decimal(declared.digital_level)


def total_ip(inputs: FirmInputs, year: int, _as_of: date) -> Value:
    one, two = _figure(inputs, year, "ip_class1"), _figure(inputs, year, "ip_class2")
    if isinstance(one, NotComputable):
        return one
    if isinstance(two, NotComputable):
        return two
    return one + two


MEASURES: dict[str, Measure] = {
    "rd_expense": Measure("研发费用总额", "万元", figure("rd_expense")),
    "rd_ratio": Measure("研发费用占营业收入比例", "%", lambda i, y, _a: _share(i, y, "rd_expense", "revenue")),
    "rd_growth": Measure("研发费用增长率", "%", lambda i, y, _a: _growth(i, y, "rd_expense")),
    "rd_staff": Measure("研发人员数", "人", figure("rd_staff")),
    "rd_staff_share": Measure("研发人员占职工总数比例", "%", lambda i, y, _a: _share(i, y, "rd_staff", "employees")),
    "tech_staff_share": Measure("科技人员占职工总数比例", "%",
                                lambda i, y, _a: _share(i, y, "tech_staff", "employees")),
    "ip_class1": Measure("I类知识产权数", "项", figure("ip_class1")),
    "ip_class2": Measure("II类知识产权数", "项", figure("ip_class2")),
    "total_ip": Measure("知识产权总数（I类+II类）", "项", total_ip),
    "platforms": Measure("研发机构（国家级3分、省级2分、市级1分）", "分", platforms),
    "talents": Measure("高层次人才（团队）数", "个", talents),
    "revenue": Measure("营业收入", "万元", figure("revenue")),
    "revenue_growth": Measure("营业收入增长率", "%", lambda i, y, _a: _growth(i, y, "revenue")),
    "main_revenue_share": Measure("主营业务收入占营业收入比例", "%",
                                  lambda i, y, _a: _share(i, y, "main_revenue", "revenue")),
    "net_profit": Measure("净利润", "万元", figure("net_profit")),
    "profit_growth": Measure("净利润增长率", "%", lambda i, y, _a: _growth(i, y, "net_profit")),
    "hitech_revenue": Measure("高新技术产品（服务）收入", "万元", figure("hitech_revenue")),
    "hitech_revenue_share": Measure("高新技术产品（服务）收入占比", "%",
                                    lambda i, y, _a: _share(i, y, "hitech_revenue", "revenue")),
    "employees": Measure("职工总数", "人", figure("employees")),
    "equity_raised": Measure("当年股权融资额", "万元", equity_raised),
    "awards": Measure("近三年科技奖励（国家级2分、省级1分）", "分", awards),
    "standards": Measure("近三年主导制定国家或行业标准数", "项", standards),
    "qualifications": Measure("有效资质数（高企、创新型、专精特新、小巨人、瞪羚）", "项", qualifications),
    "digital_level": Measure("数字化水平（已核实的申报）", "级", digital_level),
}
