"""The innovation points scheme (企业创新积分) as data: indicators, weights per stage, cohorts, stars.

Plan 003 asks for 企业创新积分 with 五星/四星/三星 labels; the national frame is 科技部火炬中心
《企业创新积分制工作指引（全国试行版）》 (2024, ../shared/DOMAIN.md "Innovation points"):
indicators in three groups — 技术创新, 成长经营, 辅助 — weighted by the firm's stage
(初创期, 成长期, 稳定期), with local additions. The guideline's own text is not in this
project's library; the indicators below are the ones it names that the CRM's records can
compute, and NATIONAL_NOT_COMPUTED lists those it cannot. Local practice (温州龙湾) ranks
firms within revenue bands and gives the top 5% / next 5% / next 10% of each band a label.

A scheme is a plain value, stored as JSON in a numbered version (crm.models.InnovationScheme);
an administrator's edit makes a new version, so a round keeps the scheme it was scored with.
Pure: no Flask, no database.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

GROUPS: dict[str, str] = {"tech": "技术创新", "growth": "成长经营", "extra": "辅助"}
STAGES: dict[str, str] = {"startup": "初创期", "growth": "成长期", "mature": "稳定期"}
METHODS: dict[str, str] = {"rank": "队列内排位", "bands": "分档"}
DIRECTIONS: dict[str, str] = {"higher": "越高越好", "lower": "越低越好"}
COHORT_BASES: dict[str, str] = {"stage": "按发展阶段", "revenue_band": "按营业收入规模"}

# The guideline's indicators the CRM records nothing for, so the default scheme leaves them out.
NATIONAL_NOT_COMPUTED: tuple[tuple[str, str], ...] = (
    ("技术合同成交额", "未记录企业技术合同登记数据"),
    ("承担省级以上科技计划项目", "未记录科技计划项目立项"),
    ("上缴税费 / 研发费用加计扣除额", "未对接税务数据"),
    ("吸纳高校毕业生 / 新增就业", "只记录职工总数，不记录当年新增与学历"),
    ("获得银行授信 / 科技信贷额", "扶持记录中的科技信贷为财政贴息，不等于授信额"),
    ("参与制定标准（非主导）", "只记录主导制定国家或行业标准"),
)


class SchemeError(ValueError):
    """A scheme that cannot be used; `problems` are (field, message) pairs for people."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("；".join(message for _field, message in problems))
        self.problems = problems


@dataclass(frozen=True)
class Indicator:
    """One scored indicator: what it measures, in which group, and how a value becomes points.

    ``weights`` are the points a stage's firm can get at most (they sum to 100 per stage
    over the enabled indicators). ``rank``: the share of its cohort's firms (among those for
    which the indicator is computable) that the firm does strictly better than, times the
    weight. ``bands``: (threshold, share of the weight) pairs, a band counting from its
    threshold on, inclusive ("10% 以上" includes 10%); for a lower-is-better indicator
    the threshold is an upper bound instead.
    """

    code: str
    name: str
    group: str
    measure: str
    weights: Mapping[str, Decimal]
    direction: str = "higher"
    method: str = "rank"
    bands: tuple[tuple[Decimal, Decimal], ...] = ()
    enabled: bool = True

    def weight(self, stage: str) -> Decimal:
        return self.weights.get(stage, Decimal(0)) if self.enabled else Decimal(0)


@dataclass(frozen=True)
class Scheme:
    """Indicators plus how firms are staged, grouped into cohorts and given stars."""

    indicators: tuple[Indicator, ...]
    # Stages: a firm younger than startup_max_age years or with revenue under startup_max_revenue
    # (万元) is 初创期; one at least mature_min_age years old with revenue of at least
    # mature_min_revenue is 稳定期; every other firm 成长期.
    startup_max_age: int = 3
    startup_max_revenue: Decimal = Decimal(500)
    mature_min_age: int = 10
    mature_min_revenue: Decimal = Decimal(5000)
    cohort_basis: str = "stage"
    # Lower bounds (万元) of the revenue bands, from the first band's 0: 龙湾's stages.
    revenue_bands: tuple[Decimal, ...] = (Decimal(0), Decimal(100), Decimal(500), Decimal(2000), Decimal(10000))
    min_cohort: int = 10
    # Shares of a cohort, best first: 五星 the top five_star_share, 四星 the next four_star_share,
    # 三星 the next three_star_share (each a whole number of firms, rounded down).
    five_star_share: Decimal = Decimal("0.05")
    four_star_share: Decimal = Decimal("0.05")
    three_star_share: Decimal = Decimal("0.10")

    @property
    def enabled(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.enabled)

    def indicator(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)

    def with_indicator(self, indicator: Indicator) -> Scheme:
        """This scheme with ``indicator`` replacing the one of its code, or added last."""
        others = [i for i in self.indicators if i.code != indicator.code]
        position = next((n for n, i in enumerate(self.indicators) if i.code == indicator.code), len(others))
        others.insert(position, indicator)
        return replace(self, indicators=tuple(others))


def _w(startup: int, growth: int, mature: int) -> dict[str, Decimal]:
    return {"startup": Decimal(startup), "growth": Decimal(growth), "mature": Decimal(mature)}


def _bands(*pairs: tuple[str, str]) -> tuple[tuple[Decimal, Decimal], ...]:
    return tuple((Decimal(t), Decimal(s)) for t, s in pairs)


# The default: technology weighs most for a start-up, growth and size for an established firm.
DEFAULT_SCHEME = Scheme(indicators=(
    Indicator("rd_expense", "研发费用总额", "tech", "rd_expense", _w(6, 8, 10)),
    Indicator("rd_ratio", "研发费用占营业收入比例", "tech", "rd_ratio", _w(14, 10, 8)),
    Indicator("rd_growth", "研发费用增长率", "tech", "rd_growth", _w(6, 6, 5)),
    Indicator("rd_staff", "研发人员数", "tech", "rd_staff", _w(4, 5, 6)),
    Indicator("rd_staff_share", "研发人员占职工总数比例", "tech", "rd_staff_share", _w(8, 6, 4)),
    Indicator("ip_class1", "I类知识产权数", "tech", "ip_class1", _w(12, 10, 8)),
    Indicator("ip_class2", "II类知识产权数", "tech", "ip_class2", _w(4, 4, 3)),
    Indicator("platforms", "研发机构（按级别计分）", "tech", "platforms", _w(4, 6, 8), method="bands",
              bands=_bands(("1", "0.4"), ("2", "0.7"), ("3", "1"))),
    Indicator("talents", "高层次人才数", "tech", "talents", _w(4, 3, 3), method="bands",
              bands=_bands(("1", "0.6"), ("2", "0.8"), ("3", "1"))),
    Indicator("revenue", "营业收入", "growth", "revenue", _w(4, 6, 9)),
    Indicator("revenue_growth", "营业收入增长率", "growth", "revenue_growth", _w(10, 9, 7)),
    Indicator("net_profit", "净利润", "growth", "net_profit", _w(2, 4, 6)),
    Indicator("profit_growth", "净利润增长率", "growth", "profit_growth", _w(3, 4, 4)),
    Indicator("hitech_revenue_share", "高新技术产品（服务）收入占比", "growth", "hitech_revenue_share",
              _w(7, 5, 5)),
    Indicator("equity_raised", "股权融资额", "extra", "equity_raised", _w(6, 4, 2), method="bands",
              bands=_bands(("0.01", "0.5"), ("500", "0.8"), ("2000", "1"))),
    Indicator("awards", "科技奖励（国家级计2，省级计1）", "extra", "awards", _w(2, 3, 4), method="bands",
              bands=_bands(("1", "0.6"), ("2", "1"))),
    Indicator("standards", "主导制定国家或行业标准", "extra", "standards", _w(2, 3, 4), method="bands",
              bands=_bands(("1", "0.7"), ("2", "1"))),
    Indicator("qualifications", "资质（高企、专精特新等，按级别计分）", "extra", "qualifications", _w(2, 4, 4),
              method="bands", bands=_bands(("1", "0.5"), ("2", "0.75"), ("3", "1"))),
))


# -- JSON --------------------------------------------------------------------------------------

_DECIMAL_FIELDS = ("startup_max_revenue", "mature_min_revenue", "five_star_share", "four_star_share",
                   "three_star_share")
_INT_FIELDS = ("startup_max_age", "mature_min_age", "min_cohort")


def to_json(scheme: Scheme) -> dict[str, Any]:
    """The scheme as JSON-ready data (decimals as exact strings)."""
    data = asdict(scheme)
    for name in _DECIMAL_FIELDS:
        data[name] = str(data[name])
    data["revenue_bands"] = [str(b) for b in scheme.revenue_bands]
    data["indicators"] = [
        {**asdict(i), "weights": {k: str(v) for k, v in i.weights.items()},
         "bands": [[str(t), str(s)] for t, s in i.bands]}
        for i in scheme.indicators
    ]
    return data


def _decimal(value: Any, where: str, problems: list[tuple[str, str]]) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        problems.append((where, f"{where}：“{value}”不是数字"))
        return Decimal(0)
    if not number.is_finite():
        problems.append((where, f"{where}：“{value}”不是有限的数"))
        return Decimal(0)
    return number


def from_json(data: Mapping[str, Any]) -> Scheme:
    """A scheme from its JSON form, checked; SchemeError listing every problem."""
    problems: list[tuple[str, str]] = []
    indicators = []
    for n, raw in enumerate(data.get("indicators", ())):
        where = f"indicators[{n}]"
        indicators.append(Indicator(
            code=str(raw.get("code", "")).strip(), name=str(raw.get("name", "")).strip(),
            group=str(raw.get("group", "")), measure=str(raw.get("measure", "")),
            weights={stage: _decimal(raw.get("weights", {}).get(stage, 0), f"{where}.weights.{stage}", problems)
                     for stage in STAGES},
            direction=str(raw.get("direction", "higher")), method=str(raw.get("method", "rank")),
            bands=tuple((_decimal(t, f"{where}.bands", problems), _decimal(s, f"{where}.bands", problems))
                        for t, s in raw.get("bands", ())),
            enabled=bool(raw.get("enabled", True)),
        ))
    values: dict[str, Any] = {"indicators": tuple(indicators)}
    for name in _DECIMAL_FIELDS:
        if name in data:
            values[name] = _decimal(data[name], name, problems)
    for name in _INT_FIELDS:
        if name in data:
            try:
                values[name] = int(data[name])
            except (TypeError, ValueError):
                problems.append((name, f"{name}：“{data[name]}”不是整数"))
    if "cohort_basis" in data:
        values["cohort_basis"] = str(data["cohort_basis"])
    if "revenue_bands" in data:
        values["revenue_bands"] = tuple(_decimal(b, "revenue_bands", problems) for b in data["revenue_bands"])
    if problems:
        raise SchemeError(problems)
    scheme = Scheme(**values)
    check(scheme)
    return scheme


def check(scheme: Scheme) -> None:
    """Refuse a scheme the scoring cannot use, naming each problem (SchemeError)."""
    from crm.innovation.measures import MEASURES

    problems: list[tuple[str, str]] = []
    codes = [i.code for i in scheme.indicators]
    for i in scheme.indicators:
        label = i.name or i.code
        if not i.code or not i.code.replace("_", "").isalnum() or not i.code.isascii():
            problems.append(("code", f"指标“{label}”的代码须为英文字母、数字或下划线"))
        if codes.count(i.code) > 1:
            problems.append(("code", f"指标代码 {i.code} 重复"))
        if not i.name:
            problems.append(("name", f"指标 {i.code} 缺少名称"))
        if i.group not in GROUPS:
            problems.append(("group", f"指标“{label}”的分组“{i.group}”无效"))
        if i.measure not in MEASURES:
            problems.append(("measure", f"指标“{label}”的计算口径“{i.measure}”不存在"))
        if i.direction not in DIRECTIONS:
            problems.append(("direction", f"指标“{label}”的方向“{i.direction}”无效"))
        if i.method not in METHODS:
            problems.append(("method", f"指标“{label}”的赋分方式“{i.method}”无效"))
        if any(w < 0 for w in i.weights.values()):
            problems.append(("weights", f"指标“{label}”的权重不能为负"))
        if i.method == "bands":
            if not i.bands:
                problems.append(("bands", f"指标“{label}”按分档赋分，须至少设一档"))
            thresholds = [t for t, _s in i.bands]
            if thresholds != sorted(set(thresholds)):
                problems.append(("bands", f"指标“{label}”的分档门槛须从低到高且不重复"))
            if any(not (0 <= s <= 1) for _t, s in i.bands):
                problems.append(("bands", f"指标“{label}”每档得分比例须在 0 到 1 之间"))
    for stage, stage_label in STAGES.items():
        total = sum((i.weight(stage) for i in scheme.indicators), Decimal(0))
        if total != 100:
            problems.append(("weights", f"{stage_label}启用指标的权重合计为 {total.normalize():f}，应为 100"))
    if scheme.cohort_basis not in COHORT_BASES:
        problems.append(("cohort_basis", f"分组方式“{scheme.cohort_basis}”无效"))
    bands = list(scheme.revenue_bands)
    if not bands or bands[0] != 0 or bands != sorted(set(bands)):
        problems.append(("revenue_bands", "营业收入分档须从 0 开始、从低到高且不重复"))
    if scheme.min_cohort < 1:
        problems.append(("min_cohort", "最小排名队列须至少 1 家"))
    if scheme.startup_max_age < 0 or scheme.mature_min_age < scheme.startup_max_age:
        problems.append(("mature_min_age", "稳定期的成立年限下限不能低于初创期的上限"))
    if scheme.startup_max_revenue < 0 or scheme.mature_min_revenue < scheme.startup_max_revenue:
        problems.append(("mature_min_revenue", "稳定期的营业收入下限不能低于初创期的上限"))
    shares = (scheme.five_star_share, scheme.four_star_share, scheme.three_star_share)
    if any(s < 0 for s in shares) or sum(shares) > 1:
        problems.append(("five_star_share", "星级比例不能为负，合计不能超过 100%"))
    if problems:
        raise SchemeError(problems)


def default_scheme_json() -> dict[str, Any]:
    return to_json(DEFAULT_SCHEME)


__all__ = [
    "COHORT_BASES", "DEFAULT_SCHEME", "DIRECTIONS", "GROUPS", "Indicator", "METHODS", "NATIONAL_NOT_COMPUTED",
    "STAGES", "Scheme", "SchemeError", "check", "default_scheme_json", "from_json", "to_json",
]
