"""Plan indicators computed live from the records, compared with the plans' targets.

Everything is computed set-wise: a handful of aggregate queries grouped by
district, whatever the number of firms. The city figure is the sum over the
districts (for ratios: sum of numerators over sum of denominators).

Conventions (also stated on the dashboard page):
- Counts are ints; ratios are fractions (0.0165 means 1.65%). Plan targets are
  stored as the plan writes them (1.65 with unit "%"); `plan_value()` converts a
  "%" target to a fraction so actual, baseline and targets compare directly.
- A designation or platform is valid on `as_of` when it started on or before it
  and ends on or after it: a certificate whose valid_to is `as_of` still counts.
- 规模以上工业企业 (the R&D ratio and the R&D institution coverage): above-size
  firms of industry — 采矿业, 制造业, 电力热力燃气及水 (sections B, C, D of GB/T 4754);
  one of another section (an above-size software or trading firm) does not count, nor
  does one whose industry is not recorded: the dashboard says how many of those were
  left out and lists them (`firms_behind(UNCLASSIFIED_ABOVE_SIZE)`).
- R&D ratio of above-size industrial firms: the latest fiscal year <= as_of.year - 1
  that has submitted or verified reports of such firms anywhere in the city
  (one year for all districts, so they compare), over firms reporting both R&D
  expense and a positive sales revenue.
- On track: actual >= the value linearly interpolated from the baseline (at the
  end of the baseline year) to the target (at the end of the target year), at
  `as_of`; for a falling target, actual <= it.
- The plan in force on `as_of` (crm.models.Plan: first_year <= its year <= last_year) decides
  the targets: through 2025 the 14th five-year plans (2023 and 2025 targets, later years of any
  plan beside them); once a later plan an administrator entered is in force (2026-2030), its
  rows, its target years and its last year's target (`plan_period`).
- Progress toward the 2025 target (or the plan in force's last target): (actual - baseline) / (target - baseline), 0..1
  (baseline 0 without one; a target equal to its baseline is 0 or 1: reached or not),
  shown to one decimal rounded down, so 100.0% means reached, on the page, the print
  page and in the workbook alike.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, or_, select

from crm.districts import DISTRICTS
from crm.extensions import db
from crm.ladder import NONE_STAGE, STAGE_CODES, STAGES, stage_from_rank, valid_on
from crm.models import (
    AnnualReport,
    Designation,
    DesignationKind,
    Enterprise,
    Plan,
    PlanTarget,
    Platform,
    ReportStatus,
    Role,
    Talent,
    User,
)
from crm.models.platform import RD_INSTITUTION_KINDS, PlatformKind, PlatformLevel
from crm.scoping import can_see_district, scoped

CITY = "city"
# The 14th five-year plans' target years: compared against through 2025, and whenever no later
# plan is in force.
TARGET_YEARS = ("2023", "2025")
# The plan that speaks for each jurisdiction first (city: 000, then 江门创造2025).
MAIN_PLANS: dict[str, tuple[str, ...]] = {
    CITY: ("000", "004"),
    "440783": ("001",),
    "440784": ("002",),
    "440704": ("003",),
}
PLAN_LABELS = {
    "000": _l("江门市科技创新“十四五”规划"),
    "001": _l("开平市科技创新“十四五”规划"),
    "002": _l("鹤山市科技创新“十四五”规划"),
    "003": _l("江门高新区（江海区）“十四五”规划"),
    "004": _l("江门创造2025"),
}
COUNTED_REPORT_STATUSES = (ReportStatus.submitted, ReportStatus.verified)
# GB/T 4754 sections of 工业: 采矿业, 制造业, 电力、热力、燃气及水生产和供应业 (divisions nest by prefix).
INDUSTRIAL_SECTIONS = ("B", "C", "D")
# 规模以上工业企业: above size and of industry (a firm whose industry nobody recorded is left
# out: whether it is industrial is not known).
ABOVE_SIZE_INDUSTRIAL = and_(
    Enterprise.above_size.is_(True),
    or_(*(Enterprise.industry_code.like(f"{s}%") for s in INDUSTRIAL_SECTIONS)),
)
# Above-size firms with no industry recorded: left out of ABOVE_SIZE_INDUSTRIAL, and counted
# so the dashboard can say how many (and list them under this pseudo-indicator key).
ABOVE_SIZE_UNCLASSIFIED = and_(
    Enterprise.above_size.is_(True),
    or_(Enterprise.industry_code.is_(None), Enterprise.industry_code == ""),
)
UNCLASSIFIED_ABOVE_SIZE = "above_size_unclassified"
PROVINCIAL_LEVELS = (PlatformLevel.provincial, PlatformLevel.national)
# 企业技术（工程）研究中心 at provincial level or above.
ENGINEERING_KINDS = (PlatformKind.engineering_center, PlatformKind.enterprise_tech_center)
# The plans count 科技企业孵化器、众创空间、星创天地 as one indicator, apart from the
# 科技创新平台 (labs, research centres...): an accelerator is neither.
CARRIER_KINDS = (PlatformKind.incubator, PlatformKind.maker_space, PlatformKind.star_space)
INNOVATION_PLATFORM_KINDS = tuple(sorted(RD_INSTITUTION_KINDS, key=lambda kind: kind.value))
# Platform counts: computation key -> SQL condition on Platform (valid on the as-of day).
PLATFORM_COUNTS: dict[str, Any] = {
    "provincial_platforms": and_(Platform.level.in_(PROVINCIAL_LEVELS), Platform.kind.in_(INNOVATION_PLATFORM_KINDS)),
    "provincial_engineering_centers": and_(Platform.level.in_(PROVINCIAL_LEVELS), Platform.kind.in_(ENGINEERING_KINDS)),
    "incubation_carriers": Platform.kind.in_(CARRIER_KINDS),
    "incubators": Platform.kind == PlatformKind.incubator,
    "provincial_incubators": and_(Platform.kind == PlatformKind.incubator, Platform.level.in_(PROVINCIAL_LEVELS)),
    # 科技部备案众创空间: maker spaces registered nationally.
    "registered_maker_spaces": and_(Platform.kind == PlatformKind.maker_space, Platform.level == PlatformLevel.national),
    "new_rd_institutions": Platform.kind == PlatformKind.new_rd_institution,
}


class JurisdictionError(ValueError):
    """An unknown jurisdiction code (message for people)."""


class JurisdictionForbidden(PermissionError):
    """The user may not see that jurisdiction."""


@dataclass(frozen=True)
class Computation:
    """One live computation: `key` is the plan_targets.csv `computable` code."""

    key: str
    slug: str  # the indicator code used when no plan row names it
    name: str
    unit: str
    ratio: bool = False
    # Query args of the officer workspace list (crm/enterprises/queries.EnterpriseFilter).
    filter_args: dict[str, str] | None = None


def _designation(key: str, kind: DesignationKind, slug: str, name: str) -> Computation:
    return Computation(key, slug, name, "家", filter_args={"designation": kind.value})


COMPUTATIONS: dict[str, Computation] = {
    c.key: c
    for c in (
        _designation("hitech_count", DesignationKind.hitech, "hitech_enterprises", _l("高新技术企业数量")),
        _designation("tech_sme_count", DesignationKind.tech_sme, "tech_smes", _l("科技型中小企业数量")),
        _designation("tech_micro_count", DesignationKind.tech_micro, "tech_micro_enterprises", _l("科技型小微企业数量")),
        _designation("gazelle_count", DesignationKind.gazelle, "gazelle_enterprises", _l("瞪羚企业数量")),
        # The MIIT ladder (创新型中小企业 → 专精特新中小企业 → 专精特新“小巨人”): no plan names
        # these, so their targets are whatever an administrator sets.
        _designation("innovative_sme_count", DesignationKind.innovative_sme, "innovative_smes", _l("创新型中小企业数量")),
        _designation("srdi_sme_count", DesignationKind.srdi_sme, "srdi_smes", _l("专精特新中小企业数量")),
        _designation("little_giant_count", DesignationKind.little_giant, "little_giant_enterprises", _l("专精特新“小巨人”企业数量")),
        _designation("listed_count", DesignationKind.listed, "listed_enterprises", _l("上市企业数量")),
        _designation("golden_seed_count", DesignationKind.golden_seed, "golden_seed_enterprises", _l("金种子企业数量")),
        _designation("incubated_count", DesignationKind.incubated, "incubated_firms", _l("在孵企业数量")),
        Computation("rd_ratio_above_size", "rd_ratio_above_size", _l("规模以上工业企业研发经费与营业收入之比"), "%",
                    ratio=True),
        Computation("rd_institution_coverage", "rd_institution_coverage", _l("规上工业企业研发机构覆盖率"), "%",
                    ratio=True),
        Computation("provincial_platforms", "provincial_platforms", _l("省级及以上科技创新平台数量"), "家"),
        Computation("provincial_engineering_centers", "provincial_engineering_centers",
                    _l("省级及以上企业技术（工程）研究中心数量"), "家"),
        Computation("incubation_carriers", "incubation_carriers", _l("科技企业孵化器、众创空间、星创天地等总数量"), "家"),
        Computation("incubators", "incubators", _l("科技企业孵化器数量"), "家"),
        Computation("provincial_incubators", "provincial_incubators", _l("省级及以上科技企业孵化器数量"), "家"),
        Computation("registered_maker_spaces", "registered_maker_spaces", _l("科技部备案众创空间数量"), "家"),
        Computation("new_rd_institutions", "new_rd_institutions", _l("新型研发机构数量"), "家"),
        Computation("talent_teams", "talent_teams", _l("高端创新创业人才团队数量"), "个"),
    )
}
DESIGNATION_COMPUTATIONS: dict[str, DesignationKind] = {
    c.key: DesignationKind(c.filter_args["designation"])
    for c in COMPUTATIONS.values()
    if c.filter_args and "designation" in c.filter_args
}


# ---------------------------------------------------------------------------
# Raw figures per district
# ---------------------------------------------------------------------------


@dataclass
class Figures:
    """Per district: counts (ints) and ratio parts (numerator, denominator)."""

    as_of: date
    rd_year: int | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    parts: dict[str, dict[str, tuple[Decimal, Decimal]]] = field(default_factory=dict)
    stages: dict[str, dict[str, int]] = field(default_factory=dict)
    # Above-size firms with no industry recorded, left out of the 规上工业 indicators.
    unclassified: dict[str, int] = field(default_factory=dict)

    def _districts(self, jurisdiction: str) -> list[str]:
        return list(DISTRICTS) if jurisdiction == CITY else [jurisdiction]

    def value(self, key: str, jurisdiction: str) -> int | float | None:
        """The figure of computation `key` for the city or one district."""
        districts = self._districts(jurisdiction)
        if COMPUTATIONS[key].ratio:
            num = sum((self.parts.get(d, {}).get(key, (Decimal(0), Decimal(0)))[0] for d in districts), Decimal(0))
            den = sum((self.parts.get(d, {}).get(key, (Decimal(0), Decimal(0)))[1] for d in districts), Decimal(0))
            return float(num / den) if den else None
        return sum(self.counts.get(d, {}).get(key, 0) for d in districts)

    def unclassified_above_size(self, jurisdiction: str) -> int:
        """How many above-size firms the 规上工业 indicators left out for want of an industry."""
        return sum(self.unclassified.get(d, 0) for d in self._districts(jurisdiction))

    def stage_counts(self, jurisdiction: str) -> dict[str, int]:
        out = dict.fromkeys(STAGE_CODES, 0)
        for d in self._districts(jurisdiction):
            for stage, n in self.stages.get(d, {}).items():
                out[stage] += n
        return out


def _add(target: dict[str, dict[str, int]], district: str, key: str, n: int | None) -> None:
    target.setdefault(district, {})[key] = target.get(district, {}).get(key, 0) + int(n or 0)


def rd_fiscal_year(as_of: date) -> int | None:
    """The fiscal year the R&D ratio uses: the latest <= as_of.year - 1 with counted reports.

    Chosen over the whole city, whoever asks: a district's ratio is the same figure on an
    officer's dashboard and on the bureau's (only a year number, no firm's data, is involved).
    """

    def counted(condition: Any) -> Any:
        return (
            select(AnnualReport.year)
            .select_from(AnnualReport)
            .join(Enterprise, Enterprise.id == AnnualReport.enterprise_id)
            .where(
                ABOVE_SIZE_INDUSTRIAL,
                AnnualReport.status.in_(COUNTED_REPORT_STATUSES),
                condition,
            )
        )

    # Usually last year has reports: a few cheap probes by year before a full max().
    for year in range(as_of.year - 1, as_of.year - 4, -1):
        if db.session.scalar(counted(AnnualReport.year == year).limit(1)) is not None:
            return year
    return db.session.scalar(
        select(func.max(counted(AnnualReport.year <= as_of.year - 4).subquery().c.year))
    )


def platform_valid_on(as_of: date) -> Any:
    """SQL condition: a platform is recognised on `as_of` (dates unknown count as valid)."""
    return and_(
        or_(Platform.recognized_on.is_(None), Platform.recognized_on <= as_of),
        or_(Platform.valid_to.is_(None), Platform.valid_to >= as_of),
    )


def compute_figures(user: User, as_of: date, district: str | None = None) -> Figures:
    """Every computed indicator per district in `user`'s scope on `as_of` (6 queries).

    `district` restricts the queries to one district (a district dashboard).
    """
    figures = Figures(as_of=as_of)

    def where_scope(stmt):  # noqa: ANN001, ANN202
        stmt = scoped(stmt, user)
        return stmt.where(Enterprise.district_code == district) if district else stmt

    # 1. Designations, one pass: per firm its highest valid stage and which kinds it holds
    #    (so a firm with two overlapping certificates counts once); then per district and stage.
    rank = case(*((Designation.kind == kind, r) for r, kind in enumerate(STAGES, start=1)), else_=0)
    holds = {
        key: func.max(case((Designation.kind == kind, 1), else_=0)).label(key)
        for key, kind in DESIGNATION_COMPUTATIONS.items()
    }
    per_firm = (
        select(Designation.enterprise_id.label("eid"), func.max(rank).label("stage_rank"), *holds.values())
        # No filter on kind: other kinds add nothing, and without one the covering index
        # (enterprise_id, kind, valid_from, valid_to) feeds the GROUP BY in order.
        .where(valid_on(as_of))
        .group_by(Designation.enterprise_id)
        .subquery()
    )
    rows = db.session.execute(
        where_scope(
            select(
                Enterprise.district_code,
                per_firm.c.stage_rank,
                func.count(),
                *(func.sum(per_firm.c[key]) for key in holds),
            )
            .select_from(per_firm)
            .join(Enterprise, Enterprise.id == per_firm.c.eid)
            .group_by(Enterprise.district_code, per_firm.c.stage_rank)
        )
    ).all()
    for code, stage_rank, n, *held in rows:
        figures.stages.setdefault(code, dict.fromkeys(STAGE_CODES, 0))[stage_from_rank(stage_rank)] += n
        for key, count in zip(holds, held):
            _add(figures.counts, code, key, count)

    # 2. Firms and above-size firms per district; those without a valid stage are the rest.
    rows = db.session.execute(
        where_scope(
            select(
                Enterprise.district_code,
                func.count(),
                func.sum(case((ABOVE_SIZE_INDUSTRIAL, 1), else_=0)),
                func.sum(case((ABOVE_SIZE_UNCLASSIFIED, 1), else_=0)),
            )
            .group_by(Enterprise.district_code)
        )
    ).all()
    above_size: dict[str, int] = {}
    for code, total, big, unclassified in rows:
        stages = figures.stages.setdefault(code, dict.fromkeys(STAGE_CODES, 0))
        stages[NONE_STAGE] = total - sum(n for stage, n in stages.items() if stage != NONE_STAGE)
        above_size[code] = int(big or 0)
        figures.unclassified[code] = int(unclassified or 0)

    # 3. R&D over revenue of above-size firms, for one fiscal year.
    figures.rd_year = rd_fiscal_year(as_of)
    if figures.rd_year is not None:
        rows = db.session.execute(
            where_scope(
                select(Enterprise.district_code, func.sum(AnnualReport.rd_expense), func.sum(AnnualReport.revenue))
                .select_from(AnnualReport)
            .join(Enterprise, Enterprise.id == AnnualReport.enterprise_id)
                .where(
                    ABOVE_SIZE_INDUSTRIAL,
                    AnnualReport.year == figures.rd_year,
                    AnnualReport.status.in_(COUNTED_REPORT_STATUSES),
                    AnnualReport.rd_expense.is_not(None),
                    AnnualReport.revenue > 0,
                )
                .group_by(Enterprise.district_code)
            )
        ).all()
        for code, rd, revenue in rows:
            figures.parts.setdefault(code, {})["rd_ratio_above_size"] = (Decimal(rd or 0), Decimal(revenue or 0))

    # 4. Platforms, per firm first (a small table), then per district: provincial-or-higher,
    #    engineering centres, incubation carriers..., and above-size firms with an R&D institution.
    def tally(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    per_firm_platforms = (
        select(
            Platform.enterprise_id.label("eid"),
            *(tally(condition).label(key) for key, condition in PLATFORM_COUNTS.items()),
            func.max(case((Platform.kind.in_(RD_INSTITUTION_KINDS), 1), else_=0)).label("rd_institution"),
        )
        .where(platform_valid_on(as_of))
        .group_by(Platform.enterprise_id)
        .subquery()
    )
    p = per_firm_platforms.c
    rows = db.session.execute(
        where_scope(
            select(
                Enterprise.district_code,
                func.sum(case((ABOVE_SIZE_INDUSTRIAL, p.rd_institution), else_=0)),
                *(func.sum(p[key]) for key in PLATFORM_COUNTS),
            )
            .select_from(per_firm_platforms)
            .join(Enterprise, Enterprise.id == p.eid)
            .group_by(Enterprise.district_code)
        )
    ).all()
    covered: dict[str, int] = {}
    for code, with_institution, *counts in rows:
        for key, n in zip(PLATFORM_COUNTS, counts):
            _add(figures.counts, code, key, n)
        covered[code] = int(with_institution or 0)
    for code, total in above_size.items():
        figures.parts.setdefault(code, {})["rd_institution_coverage"] = (
            Decimal(covered.get(code, 0)), Decimal(total)
        )

    # 6. High-end innovation talent teams brought in by as_of's year (cumulative).
    rows = db.session.execute(
        where_scope(
            select(Enterprise.district_code, func.count())
            .select_from(Talent)
            .join(Enterprise, Enterprise.id == Talent.enterprise_id)
            .where(Talent.high_end.is_(True), Talent.year <= as_of.year)
            .group_by(Enterprise.district_code)
        )
    ).all()
    for code, n in rows:
        _add(figures.counts, code, "talent_teams", n)
    return figures


# ---------------------------------------------------------------------------
# Targets, progress, on-track
# ---------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def plan_value(value: Any, unit: str) -> int | float | None:
    """A plan figure as the API and comparisons use it: "%" becomes a fraction (1.65 -> 0.0165)."""
    number = _decimal(value)
    if number is None:
        return None
    if unit == "%":
        return float(number / 100)
    return int(number) if number == number.to_integral_value() else float(number)


def expected_on(as_of: date, baseline_year: int | None, baseline: float | None, year: int, target: float) -> float | None:
    """Target value linearly interpolated from the baseline (end of its year) to the target year's end."""
    end = date(year, 12, 31)
    if as_of >= end:
        return target
    if baseline_year is None or baseline is None:
        return None
    start = date(baseline_year, 12, 31)
    if as_of <= start:
        return baseline
    share = (as_of - start).days / (end - start).days
    return baseline + (target - baseline) * share


@dataclass
class IndicatorRow:
    plan: str | None
    code: str
    name: str
    unit: str
    computable: str
    actual: int | float | None
    baseline_year: int | None
    baseline: int | float | None
    targets: dict[str, int | float | None]
    notes: str = ""
    target_id: int | None = None
    link_args: dict[str, str] | None = None
    on_track: dict[str, bool | None] = field(default_factory=dict)
    expected: dict[str, float | None] = field(default_factory=dict)
    progress: float | None = None  # 0..1 toward the 2025 target
    # Targets beyond 2025 (an administrator's next plan period), shown beside the others.
    later_targets: dict[str, int | float | None] = field(default_factory=dict)

    @property
    def is_ratio(self) -> bool:
        return self.unit == "%"

    @property
    def progress_percent(self) -> Decimal | None:
        """Progress toward the 2025 target as shown everywhere (one decimal, rounded down)."""
        return rounded_progress(self.progress)

    def api_item(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": str(self.name),
            "unit": self.unit,
            "actual": self.actual,
            "baseline": {"year": self.baseline_year, "value": self.baseline},
            "targets": dict(self.targets),
        }


def _evaluate(row: IndicatorRow, as_of: date, years: tuple[str, ...] = TARGET_YEARS) -> IndicatorRow:
    """On-track per target year and progress toward the last one (`years`: the plan in force's)."""
    for year in years:
        target = row.targets.get(year)
        if target is None:
            row.on_track[year] = None
            row.expected[year] = None
            continue
        expected = expected_on(as_of, row.baseline_year, row.baseline, int(year), float(target))
        row.expected[year] = expected
        if row.actual is None or expected is None:
            row.on_track[year] = None
            continue
        rising = row.baseline is None or float(target) >= float(row.baseline)
        row.on_track[year] = row.actual >= expected - 1e-12 if rising else row.actual <= expected + 1e-12
    goal = row.targets.get(years[-1])
    if row.actual is not None and goal is not None:
        row.progress = progress_toward(row.actual, row.baseline, goal)
    return row


def progress_toward(actual: float, baseline: float | None, goal: float) -> float:
    """Share of the way from the baseline (0 without one) to `goal`, clamped to 0..1.

    A goal equal to its baseline (hold the level) has no way to go: reached (1) or not (0).
    """
    start = float(baseline) if baseline is not None else 0.0
    span = float(goal) - start
    if span == 0:
        return 1.0 if float(actual) >= float(goal) else 0.0
    return max(0.0, min(1.0, (float(actual) - start) / span))


def rounded_progress(progress: float | None) -> Decimal | None:
    """Progress as a percentage to one decimal, rounded down: 100.0 only once the goal is reached.

    Twelve significant digits first, so a float such as 0.29999999999999993 reads 30.0 (as in
    Excel, whose ROUNDDOWN the workbook uses, working to 15 digits).
    """
    if progress is None:
        return None
    return (Decimal(f"{progress:.12g}") * 100).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


@dataclass(frozen=True)
class PlanPeriod:
    """The plans whose targets a jurisdiction's figures are compared against on a day.

    `plans` empty: the 14th five-year plans' view (every plan row of the jurisdiction, its main
    plans first, 2023 and 2025 compared, later years shown beside them). Otherwise the codes of
    the later plans in force, and the target years their rows name inside their period.
    """

    plans: tuple[str, ...] = ()
    years: tuple[str, ...] = TARGET_YEARS
    first_year: int | None = None
    last_year: int | None = None

    @property
    def goal(self) -> str:
        """The year whose target progress is measured toward (the last one)."""
        return self.years[-1]

    @property
    def later(self) -> bool:
        return bool(self.plans)


FOURTEENTH = PlanPeriod()


def plan_labels() -> dict[str, str]:
    """Every plan's name by code: the shipped plans' (translated) and those administrators entered."""
    return {**{code: name for code, name in db.session.execute(select(Plan.code, Plan.name))}, **PLAN_LABELS}


def plans_in_force(jurisdiction: str, year: int) -> list[Plan]:
    """The jurisdiction's plans whose period includes ``year``, latest-starting first."""
    rows = db.session.scalars(
        select(Plan).where(Plan.jurisdiction == jurisdiction, Plan.first_year <= year, Plan.last_year >= year)
    ).all()
    return sorted(rows, key=lambda p: (-p.first_year, p.code))


def plan_period(jurisdiction: str, as_of: date) -> PlanPeriod:
    """The period in force on ``as_of``: a later plan's (ending after 2025) when one is, else the 14th's."""
    later = [p for p in plans_in_force(jurisdiction, as_of.year) if p.last_year > int(TARGET_YEARS[-1])]
    if not later:
        return FOURTEENTH
    first, last = min(p.first_year for p in later), max(p.last_year for p in later)
    codes = tuple(p.code for p in later)
    named: set[str] = set()
    for targets in db.session.scalars(select(PlanTarget.targets).where(PlanTarget.plan.in_(codes))):
        named.update(y for y in (targets or {}) if y.isdigit() and first <= int(y) <= last)
    return PlanPeriod(codes, tuple(sorted(named)) or (str(last),), first, last)


def plan_targets_for(jurisdiction: str, period: PlanPeriod = FOURTEENTH) -> list[PlanTarget]:
    """Target rows of the jurisdiction's plans in table order: its main plans first, then any
    plan an administrator added (the next plan period), by plan number. A later plan in force:
    its rows only."""
    if period.later:
        rows = db.session.scalars(select(PlanTarget).where(PlanTarget.plan.in_(period.plans))).all()
        return sorted(rows, key=lambda t: (period.plans.index(t.plan), t.id))
    plans = MAIN_PLANS.get(jurisdiction, ())
    rows = db.session.scalars(select(PlanTarget).where(PlanTarget.jurisdiction == jurisdiction)).all()
    return sorted(rows, key=lambda t: (plans.index(t.plan) if t.plan in plans else len(plans), t.plan, t.id))


def later_targets(target: PlanTarget, period: PlanPeriod = FOURTEENTH) -> dict[str, int | float | None]:
    """A row's targets for years after the ones the dashboard compares against (next plan period)."""
    last = period.years[-1]
    return {
        year: plan_value(value, target.unit)
        for year, value in sorted((target.targets or {}).items())
        if year not in period.years and year > last
    }


def indicator_rows(figures: Figures, jurisdiction: str, *, computable_only: bool = False,
                   period: PlanPeriod | None = None) -> list[IndicatorRow]:
    """One row per indicator: the plans' rows first (a code once), then computed ones no plan names.

    `period` (default: the one in force on the figures' day) decides the plans and target years.
    """
    if period is None:
        period = plan_period(jurisdiction, figures.as_of)
    years = period.years
    rows: list[IndicatorRow] = []
    by_code: dict[str, IndicatorRow] = {}
    used: set[str] = set()
    for target in plan_targets_for(jurisdiction, period):
        if computable_only and not target.computable:
            continue
        if target.code in by_code:
            # The same indicator in a later plan: its further target years join the first row.
            known = by_code[target.code].later_targets
            for year, value in later_targets(target, period).items():
                known.setdefault(year, value)
            continue
        computation = COMPUTATIONS.get(target.computable)
        if computation:
            used.add(computation.key)
        rows.append(
            _evaluate(
                IndicatorRow(
                    plan=target.plan,
                    code=target.code,
                    name=target.name,
                    unit=target.unit,
                    computable=target.computable,
                    actual=figures.value(computation.key, jurisdiction) if computation else None,
                    baseline_year=target.baseline_year,
                    baseline=plan_value(target.baseline_value, target.unit),
                    targets={y: plan_value((target.targets or {}).get(y), target.unit) for y in years},
                    notes=target.notes,
                    target_id=target.id,
                    link_args=computation.filter_args if computation else None,
                    later_targets=later_targets(target, period),
                ),
                figures.as_of,
                years,
            )
        )
        by_code[target.code] = rows[-1]
    for computation in COMPUTATIONS.values():
        if computation.key in used or computation.slug in by_code:
            continue
        rows.append(
            IndicatorRow(
                plan=None,
                code=computation.slug,
                name=computation.name,
                unit=computation.unit,
                computable=computation.key,
                actual=figures.value(computation.key, jurisdiction),
                baseline_year=None,
                baseline=None,
                targets=dict.fromkeys(years),
                link_args=computation.filter_args,
                on_track=dict.fromkeys(years),
                expected=dict.fromkeys(years),
            )
        )
    return rows


# ---------------------------------------------------------------------------
# Jurisdictions and the dashboard as a whole
# ---------------------------------------------------------------------------


def resolve_jurisdiction(user: User, requested: str | None) -> str:
    """The jurisdiction `user` asks for: "city" or a district code.

    Officers are fixed to their district (asking for another, or the city, is
    forbidden); bureau staff and admins choose. Unknown codes raise JurisdictionError.
    """
    code = (requested or "").strip() or None
    if code not in (None, CITY) and code not in DISTRICTS:
        raise JurisdictionError(f"未知的区（市）代码：{code}")
    if user.role is Role.officer:
        if code is None:
            return user.district_code or ""
        if code == CITY or not can_see_district(user, code):
            raise JurisdictionForbidden("只能查看本区（市）的指标")
        return code
    if user.role not in (Role.admin, Role.bureau):
        raise JurisdictionForbidden("无权查看规划指标")
    return code or CITY


def jurisdiction_label(jurisdiction: str) -> str:
    return _("江门市（全市）") if jurisdiction == CITY else DISTRICTS.get(jurisdiction, jurisdiction)


@dataclass
class Dashboard:
    jurisdiction: str
    as_of: date
    figures: Figures
    rows: list[IndicatorRow]
    period: PlanPeriod = FOURTEENTH

    @property
    def has_plan(self) -> bool:
        return any(row.plan is not None for row in self.rows)

    @property
    def funnel(self) -> list[tuple[str, int]]:
        counts = self.figures.stage_counts(self.jurisdiction)
        return [(stage, counts[stage]) for stage in STAGE_CODES]

    def by_district(self, keys: Iterable[str]) -> dict[str, dict[str, int | float | None]]:
        """Per district in this dashboard, the value of each computation in `keys`."""
        districts = list(DISTRICTS) if self.jurisdiction == CITY else [self.jurisdiction]
        return {key: {d: self.figures.value(key, d) for d in districts} for key in keys}


def build_dashboard(user: User, jurisdiction: str, as_of: date) -> Dashboard:
    """Figures, targets and statuses for one jurisdiction (already resolved for `user`)."""
    figures = compute_figures(user, as_of, None if jurisdiction == CITY else jurisdiction)
    period = plan_period(jurisdiction, as_of)
    return Dashboard(jurisdiction, as_of, figures, indicator_rows(figures, jurisdiction, period=period), period)


def trend(user: User, jurisdiction: str, years: Iterable[int], as_of: date,
          keys: Iterable[str]) -> dict[str, list[int | float | None]]:
    """Each computation's value at the end of each year (or `as_of` in its own year)."""
    keys = list(keys)
    series: dict[str, list[int | float | None]] = {key: [] for key in keys}
    district = None if jurisdiction == CITY else jurisdiction
    for year in years:
        day = min(date(year, 12, 31), as_of)
        figures = compute_figures(user, day, district)
        for key in keys:
            series[key].append(figures.value(key, jurisdiction))
    return series


def api_items(user: User, jurisdiction: str, as_of: date) -> list[dict[str, Any]]:
    """The items of GET /api/v1/indicators."""
    return [row.api_item() for row in build_dashboard(user, jurisdiction, as_of).rows]


LinkBuilder = Callable[[IndicatorRow], str | None]


# ---------------------------------------------------------------------------
# The firms behind a figure
# ---------------------------------------------------------------------------


def firms_behind(user: User, key: str, jurisdiction: str, as_of: date, *, missing: bool = False) -> Any:
    """select(Enterprise) of the firms behind computation `key` (or ladder stage "stage:<code>").

    For counts of platforms or teams, a firm with several is listed once.
    `missing` (coverage only): the above-size firms *without* a valid R&D institution.
    :data:`UNCLASSIFIED_ABOVE_SIZE`: the above-size firms those indicators left out for want
    of an industry.
    """
    stmt = scoped(select(Enterprise), user)
    if jurisdiction != CITY:
        stmt = stmt.where(Enterprise.district_code == jurisdiction)
    if key == UNCLASSIFIED_ABOVE_SIZE:
        return stmt.where(ABOVE_SIZE_UNCLASSIFIED)
    if key.startswith("stage:"):
        stage = key.split(":", 1)[1]
        if stage not in STAGE_CODES:
            raise JurisdictionError(f"未知的梯队阶段：{stage}")
        rank = case(*((Designation.kind == kind, r) for r, kind in enumerate(STAGES, start=1)), else_=0)
        firm_rank = (
            select(func.coalesce(func.max(rank), 0))
            .where(Designation.enterprise_id == Enterprise.id, Designation.kind.in_(STAGES), valid_on(as_of))
            .correlate(Enterprise)
            .scalar_subquery()
        )
        return stmt.where(firm_rank == STAGE_CODES.index(stage))
    if key not in COMPUTATIONS:
        raise JurisdictionError(f"未知的指标：{key}")
    if key in DESIGNATION_COMPUTATIONS:
        return stmt.where(
            exists().where(
                Designation.enterprise_id == Enterprise.id,
                Designation.kind == DESIGNATION_COMPUTATIONS[key],
                valid_on(as_of),
            )
        )
    if key == "rd_ratio_above_size":
        year = rd_fiscal_year(as_of)
        return stmt.where(
            ABOVE_SIZE_INDUSTRIAL,
            exists().where(
                AnnualReport.enterprise_id == Enterprise.id,
                AnnualReport.year == year,
                AnnualReport.status.in_(COUNTED_REPORT_STATUSES),
                AnnualReport.rd_expense.is_not(None),
                AnnualReport.revenue > 0,
            ),
        )
    if key == "rd_institution_coverage":
        has = exists().where(
            Platform.enterprise_id == Enterprise.id, Platform.kind.in_(RD_INSTITUTION_KINDS), platform_valid_on(as_of)
        )
        return stmt.where(ABOVE_SIZE_INDUSTRIAL, ~has if missing else has)
    if key == "talent_teams":
        return stmt.where(
            exists().where(Talent.enterprise_id == Enterprise.id, Talent.high_end.is_(True), Talent.year <= as_of.year)
        )
    platform_condition = PLATFORM_COUNTS[key]
    return stmt.where(
        exists().where(Platform.enterprise_id == Enterprise.id, platform_condition, platform_valid_on(as_of))
    )


def counts_items(key: str) -> bool:
    """Whether computation `key` counts platforms or teams (several per firm), not firms."""
    return key in PLATFORM_COUNTS or key == "talent_teams"


def items_per_firm(key: str, as_of: date, firms: Any) -> dict[int, int]:
    """For a computation counting platforms or teams: how many each firm of `firms` holds.

    `firms` is a select of Enterprise.id (the firms behind the figure) or a page's ids;
    the numbers add up to the figure over all the firms behind it.
    """
    if key == "talent_teams":
        column, condition = Talent.enterprise_id, and_(Talent.high_end.is_(True), Talent.year <= as_of.year)
    else:
        column, condition = Platform.enterprise_id, and_(PLATFORM_COUNTS[key], platform_valid_on(as_of))
    rows = db.session.execute(
        select(column, func.count()).where(condition, column.in_(firms)).group_by(column)
    ).all()
    return {firm_id: n for firm_id, n in rows}
