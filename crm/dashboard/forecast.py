"""The forecast page: every designation count the plans watch, next year-end, against the plan.

Reads the ladder's records once (crm.flows.conversion.load_records: four set-wise queries), then
counts in memory (crm.flows.forecast); the candidates' order and names take one more query.
The counting depends only on the records, so it is kept per state of the tables
(`records_state`) and a page asked again for another day or district reuses it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select

from crm.clock import today
from crm.dashboard.innovation import shown_rounds
from crm.dashboard.services import (
    CITY,
    COMPUTATIONS,
    DESIGNATION_COMPUTATIONS,
    Figures,
    IndicatorRow,
    PlanPeriod,
    expected_on,
    indicator_rows,
    plan_period,
)
from crm.districts import DISTRICTS
from crm.extensions import db
from crm.flows import conversion as conv
from crm.flows import forecast as fc
from crm.flows.services import ladder_state, one_each
from crm.kept import KeptByState
from crm.models import AnnualReport, Enterprise, Flag, InnovationScore, User
from crm.scoping import enterprise_scope

KINDS: tuple[str, ...] = tuple(kind.value for kind in DESIGNATION_COMPUTATIONS.values())
CANDIDATES_SHOWN = 100
COHORT_YEARS_SHOWN = 6


# ---------------------------------------------------------------------------
# The counting, kept per state of the records
# ---------------------------------------------------------------------------


@dataclass
class Model:
    """Everything counted from the records that does not depend on the day asked about."""

    records: conv.LadderRecords
    first_year: int | None
    conversions: dict[conv.Key, conv.ConversionCohort]
    renewals: dict[conv.Key, conv.RenewalCohort]
    # (year, district tuple) -> per kind Backtest; filled as asked.
    backtests: dict[tuple[int, tuple[str, ...]], dict[str, fc.Backtest]] = field(default_factory=dict)
    tallies: dict[date, dict] = field(default_factory=dict)
    holders: dict[date, dict] = field(default_factory=dict)
    times: dict[date, dict] = field(default_factory=dict)

    def tally_on(self, day: date) -> dict:
        if day not in self.tallies:
            _bounded(self.tallies)
            self.tallies[day] = fc.tally(self.records, KINDS, day)
        return self.tallies[day]

    def holders_on(self, day: date) -> dict:
        if day not in self.holders:
            _bounded(self.holders)
            self.holders[day] = fc.holders(self.records, KINDS, day)
        return self.holders[day]

    def times_on(self, day: date) -> dict:
        if day not in self.times:
            _bounded(self.times)
            self.times[day] = conv.rung_times(self.records, day)
        return self.times[day]


def _bounded(kept: dict, limit: int = 32) -> None:
    """Forget the oldest entries of a per-day store before adding one."""
    while len(kept) >= limit:
        kept.pop(next(iter(kept)))


_MODELS: KeptByState[Model] = KeptByState(4)


def records_state() -> tuple:
    """A cheap fingerprint of the tables the counting reads: the flows' (designations, moves,
    closures) and flags (raised as rows, cleared by setting cleared_on)."""
    return (*ladder_state(), *one_each(
        select(func.count()).select_from(Flag), select(func.max(Flag.id)),
        select(func.count()).select_from(Flag).where(Flag.cleared_on.is_not(None)), select(func.max(Flag.cleared_on)),
    ))


def model() -> Model:
    """The counted records for the tables as they are now (recounted when they change)."""
    return _MODELS.get(records_state(), _count_model)


def _count_model() -> Model:
    records = conv.load_records(KINDS)
    first = records.first_year()
    years = range(first, today().year + 3) if first is not None else range(0)
    return Model(records, first, conv.conversion_cohorts(records, years), conv.renewal_cohorts(records, years, KINDS))


def forget_models() -> None:
    _MODELS.clear()


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PastTarget:
    year: int
    target: float
    actual: int

    @property
    def reached(self) -> bool:
        return self.actual >= self.target


@dataclass(frozen=True)
class Candidate:
    enterprise_id: int
    uscc: str
    name: str
    district: str
    score: Decimal | None
    rd_expense: Decimal | None


@dataclass
class IndicatorForecast:
    row: IndicatorRow
    key: str
    kind: str
    forecast: fc.Forecast
    backtest: fc.Backtest
    target_year: int | None = None
    target: float | None = None
    target_on_path: bool = False      # the target is the plan's path at the year-end, not a stated target
    shortfall: int | None = None
    needed: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    past: list[PastTarget] = field(default_factory=list)

    @property
    def has_rule(self) -> bool:
        return self.kind in conv.RUNG_RULES

    @property
    def conversion(self) -> float | None:
        """The candidates' rate over the jurisdiction (their districts' rates, weighted)."""
        parts = [p for p in self.forecast.parts if p.conversion is not None and p.candidates]
        n = sum(p.candidates for p in parts)
        return sum(p.candidates * p.conversion.value for p in parts) / n if n else None


@dataclass(frozen=True)
class NotForecast:
    row: IndicatorRow
    reason: str


@dataclass
class ForecastPage:
    jurisdiction: str
    as_of: date
    end: date
    period: PlanPeriod
    items: list[IndicatorForecast]
    not_forecast: list[NotForecast]
    districts: list[str]
    rate_years: tuple[int, ...]
    conversion_rates: dict[str, dict[str, conv.Rate]]     # rule -> district -> rate
    renewal_rates: dict[str, dict[str, conv.Rate]]        # kind -> district -> rate
    cohorts: list[tuple[str, int, conv.ConversionCohort, bool, bool]]   # rule, year, cohort, complete 1, 2
    times: dict[tuple[str, str], dict[str | None, conv.RungTime]]
    backtest_years: list[int]
    first_year: int | None


def _districts(jurisdiction: str) -> list[str]:
    return list(DISTRICTS) if jurisdiction == CITY else [jurisdiction]


def _reason(row: IndicatorRow) -> str:
    from flask_babel import gettext as _

    if not row.computable or row.computable not in COMPUTATIONS:
        return _("系统无法由企业数据计算此指标。")
    if COMPUTATIONS[row.computable].ratio:
        return _("比率类指标：本方法只预测认定（入库）企业数量。")
    return _("平台、载体或人才团队数量，不是认定（入库）企业数量：没有续期率与候选转化率可用。")


def _target_for(row: IndicatorRow, end: date) -> tuple[int | None, float | None, bool]:
    """(year, target, on the path?) the year-end's forecast is compared with: the plan's target
    for that year, else the plan's path at the year-end toward its next target."""
    stated = row.targets.get(str(end.year))
    if stated is not None:
        return end.year, float(stated), False
    later = sorted((int(y), float(v)) for y, v in row.targets.items() if v is not None and int(y) > end.year)
    if later:
        year, value = later[0]
        path = expected_on(end, row.baseline_year, row.baseline, year, value)
        if path is not None:
            return end.year, path, True
    return None, None, False


def _candidate_details(user: User, jurisdiction: str, as_of: date, rules: list[str]) -> dict[tuple[str, int], Candidate]:
    """(rule, firm) -> the firm's name, latest innovation points and R&D expense, for the flags
    open on ``as_of`` in the user's scope (one query)."""
    round_, _pending, _previous = shown_rounds()
    score = InnovationScore.score if round_ is not None else None
    columns = [Flag.rule, Enterprise.id, Enterprise.uscc, Enterprise.name, Enterprise.district_code,
               AnnualReport.rd_expense]
    stmt = (
        select(*columns, *( [score] if score is not None else []))
        .select_from(Flag)
        .join(Enterprise, Enterprise.id == Flag.enterprise_id)
        .outerjoin(AnnualReport, and_(AnnualReport.enterprise_id == Enterprise.id,
                                      AnnualReport.year == Enterprise.latest_year))
        .where(Flag.rule.in_(rules), Flag.raised_on <= as_of,
               or_(Flag.cleared_on.is_(None), Flag.cleared_on > as_of), enterprise_scope(user))
    )
    if score is not None:
        stmt = stmt.outerjoin(InnovationScore, and_(InnovationScore.enterprise_id == Enterprise.id,
                                                    InnovationScore.round_id == round_.id))
    if jurisdiction != CITY:
        stmt = stmt.where(Enterprise.district_code == jurisdiction)
    out = {}
    for rule, eid, uscc, name, district, rd, *points in db.session.execute(stmt):
        out[rule, eid] = Candidate(eid, uscc, name, district, points[0] if points else None, rd)
    return out


def best_first(candidates: list[Candidate]) -> list[Candidate]:
    """Highest innovation points first (none last), then the larger R&D expense, then the name."""
    return sorted(candidates, key=lambda c: (c.score is None, -(c.score or 0), c.rd_expense is None,
                                              -(c.rd_expense or 0), c.name))


def build_forecast(user: User, jurisdiction: str, as_of: date) -> ForecastPage:
    """The forecast page's figures for a jurisdiction already resolved for ``user``."""
    counted = model()
    end = fc.horizon(as_of)
    districts = _districts(jurisdiction)
    period = plan_period(jurisdiction, end)
    rows = indicator_rows(Figures(as_of=end), jurisdiction, period=period)
    tallies = counted.tally_on(as_of)
    rate_years = conv.complete_years(as_of, counted.first_year, lag=1)
    years = fc.backtest_years(counted.first_year, as_of)
    key = (years[-1] if years else 0, tuple(districts))
    if key not in counted.backtests:
        counted.backtests[key] = fc.backtest(counted.records, KINDS, districts, years, counted.renewals,
                                             counted.conversions, counted.first_year)
    backtests = counted.backtests[key]

    items: list[IndicatorForecast] = []
    not_forecast: list[NotForecast] = []
    for row in rows:
        kind = DESIGNATION_COMPUTATIONS.get(row.computable)
        if kind is None:
            not_forecast.append(NotForecast(row, _reason(row)))
            continue
        made = fc.forecast(tallies, kind.value, districts, as_of, counted.renewals, counted.conversions,
                           counted.first_year)
        item = IndicatorForecast(row, row.computable, kind.value, made, backtests[kind.value])
        for year, target in sorted(row.targets.items()):
            if target is not None and date(int(year), 12, 31) <= as_of and int(year) >= (counted.first_year or 0):
                held = counted.holders_on(date(int(year), 12, 31))
                item.past.append(PastTarget(int(year), float(target), sum(held.get((kind.value, d), 0)
                                                                         for d in districts)))
        item.target_year, item.target, item.target_on_path = _target_for(row, end)
        item.shortfall = fc.shortfall(item.target, made.point)
        items.append(item)

    rules = sorted({conv.RUNG_RULES[i.kind] for i in items if i.has_rule and i.shortfall})
    details = _candidate_details(user, jurisdiction, as_of, rules) if rules else {}
    for item in items:
        if not item.shortfall or not item.has_rule:
            continue
        rule = conv.RUNG_RULES[item.kind]
        ids = [eid for d in districts for eid in tallies.get((item.kind, d), fc.Tally()).candidates]
        ranked = best_first([details[rule, eid] for eid in ids if (rule, eid) in details])
        item.needed = fc.needed_candidates(item.shortfall, item.conversion or 0.0)
        item.candidates = ranked[:min(item.needed, CANDIDATES_SHOWN)]

    shown_districts = districts
    conversion_rates = {rule: {d: conv.rate_for(counted.conversions, rule, rate_years, d) for d in shown_districts}
                        for rule in conv.RULE_RUNGS}
    renewal_rates = {kind: {d: conv.rate_for(counted.renewals, kind, rate_years, d) for d in shown_districts}
                     for kind in KINDS}
    if jurisdiction == CITY:
        for rule in conv.RULE_RUNGS:
            conversion_rates[rule][CITY] = conv.rate_for(counted.conversions, rule, rate_years, None)
        for kind in KINDS:
            renewal_rates[kind][CITY] = conv.rate_for(counted.renewals, kind, rate_years, None)
    where = None if jurisdiction == CITY else jurisdiction
    last_cohort = as_of.year if as_of >= date(as_of.year, 12, 31) else as_of.year - 1
    cohorts = []
    for rule in conv.RULE_RUNGS:
        for year in range(max(last_cohort - COHORT_YEARS_SHOWN + 1, counted.first_year or last_cohort), last_cohort + 1):
            cohort = counted.conversions.get((rule, year, where))
            if cohort is not None:
                cohorts.append((rule, year, cohort, date(year + 1, 12, 31) <= as_of, date(year + 2, 12, 31) <= as_of))
    all_times = counted.times_on(as_of)
    time_keys = list(districts) + ([None] if jurisdiction == CITY else [])
    times = {pair: {d: all_times.get((*pair, d), conv.RungTime()) for d in time_keys} for pair in conv.RUNG_PAIRS}
    return ForecastPage(jurisdiction, as_of, end, period, items, not_forecast, list(districts), rate_years,
                        conversion_rates, renewal_rates, cohorts, times, years, counted.first_year)


def months(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def percent(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.1f}%"


def template_helpers() -> dict[str, Any]:
    return {"months": months, "percent": percent}
