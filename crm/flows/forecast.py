"""Next year-end's count of each designation the plans watch, as a range, and its back-test.

The method (also written on the forecast page), for a kind K, an as-of day A and the next
year-end E (31 December of A's year; of the year after when A is itself 31 December), per
district, over firms open on A and in the district on A, using only designations that had
started by A and flags raised by A:

- kept: firms holding K on A whose designation runs through E (or has no end): certain;
- due: firms holding K on A whose designations all end before E, and firms whose K ended on
  or after the last year-end before E but before A (a yearly list not yet renewed): each renews
  with the district's renewal (re-listing) rate r of K;
- candidates: firms with an open candidate flag for K holding none of it: each obtains K with
  the district's conversion rate c (candidates of a year holding it by the end of the next);
- point = kept + due * r + candidates * c;
- range = point +- 1.645 * sqrt(due * r(1-r) + candidates * c(1-c)): 90% if firms decide
  independently and the rates are right (the back-test shows how far that holds).

Rates pool the latest RATE_YEARS complete cohorts before A (crm.flows.conversion); a district
without any uses the city's, and without the city's the term counts 0 (said on the page).
A firm is counted in the district it was in on the day, and a closed firm holds nothing, as in
the ladder's flows (crm.flows.history).
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from crm.flows.conversion import (
    CITY,
    RULE_RUNGS,
    RUNG_RULES,
    ConversionCohort,
    LadderRecords,
    Rate,
    RenewalCohort,
    complete_years,
    rate_for,
)

Z_90 = 1.645
BACKTEST_MAX_YEARS = 10


def horizon(as_of: date) -> date:
    """The next year-end after ``as_of`` (31 December of its year, or of the next on that day)."""
    end = date(as_of.year, 12, 31)
    return end if as_of < end else date(as_of.year + 1, 12, 31)


@dataclass
class Tally:
    """One kind in one district on one day: the firms behind each term of the forecast."""

    kept: int = 0
    due: int = 0           # held now but ending before E, or lapsed since the last year-end
    ending: int = 0        # of `due`: those holding K on the day
    candidates: list[int] = field(default_factory=list)

    @property
    def stock(self) -> int:
        return self.kept + self.ending


def tally(records: LadderRecords, kinds: Iterable[str], as_of: date) -> dict[tuple[str, str], Tally]:
    """Per (kind, district): kept, due and candidates on ``as_of`` toward ``horizon(as_of)``."""
    kinds = set(kinds)
    end = horizon(as_of)
    last_year_end = date(end.year - 1, 12, 31)
    out: dict[tuple[str, str], Tally] = defaultdict(Tally)
    for firm in records.firms:
        history = firm.history
        if not history.open_on(as_of):
            continue
        district = None
        latest: dict[str, tuple[bool, date | None]] = {}   # kind -> (valid on as_of, latest end)
        for d in history.designations:
            if d.kind not in kinds or d.valid_from > as_of:
                continue
            valid_now = d.valid_to is None or d.valid_to >= as_of
            was_valid, was_end = latest.get(d.kind, (False, date.min))
            end_of = None if d.valid_to is None or was_end is None else max(d.valid_to, was_end)
            latest[d.kind] = (was_valid or valid_now, end_of)
        counted = set()
        for kind, (valid_now, last_end) in latest.items():
            if last_end is None or last_end >= end:
                kept = True
            elif valid_now or last_end >= last_year_end:
                kept = False
            else:
                continue   # lapsed before the last year-end: a candidate again, if flagged
            counted.add(kind)
            district = district or history.district_on(as_of)
            t = out[kind, district]
            if kept:
                t.kept += 1
            else:
                t.due += 1
                t.ending += valid_now
        for c in firm.candidacies:
            kind = RULE_RUNGS.get(c.rule)
            if kind in kinds and kind not in counted and c.open_on(as_of):
                district = district or history.district_on(as_of)
                t = out[kind, district]
                if not t.candidates or t.candidates[-1] != firm.enterprise_id:
                    t.candidates.append(firm.enterprise_id)
    return dict(out)


def holders(records: LadderRecords, kinds: Iterable[str], day: date) -> dict[tuple[str, str], int]:
    """Per (kind, district): firms open on ``day`` holding a designation of the kind valid that day."""
    kinds = set(kinds)
    out: dict[tuple[str, str], int] = defaultdict(int)
    for firm in records.firms:
        history = firm.history
        if not history.open_on(day):
            continue
        held = {d.kind for d in history.designations if d.kind in kinds and d.valid_on(day)}
        if held:
            district = history.district_on(day)
            for kind in held:
                out[kind, district] += 1
    return dict(out)


@dataclass(frozen=True)
class DistrictForecast:
    district: str
    kept: int
    due: int
    ending: int
    candidates: int
    renewal: Rate
    conversion: Rate | None     # None: the kind has no candidate rule

    @property
    def point(self) -> float:
        c = self.conversion.value if self.conversion else 0.0
        return self.kept + self.due * self.renewal.value + self.candidates * c

    @property
    def variance(self) -> float:
        r = self.renewal.value
        c = self.conversion.value if self.conversion else 0.0
        return self.due * r * (1 - r) + self.candidates * c * (1 - c)


@dataclass(frozen=True)
class Forecast:
    """One kind's forecast for a jurisdiction (the sum of its districts)."""

    kind: str
    as_of: date
    end: date
    parts: tuple[DistrictForecast, ...]

    @property
    def point(self) -> float:
        return sum(p.point for p in self.parts)

    @property
    def margin(self) -> float:
        return Z_90 * math.sqrt(sum(p.variance for p in self.parts))

    @property
    def stock(self) -> int:
        return sum(p.kept + p.ending for p in self.parts)

    @property
    def kept(self) -> int:
        return sum(p.kept for p in self.parts)

    @property
    def due(self) -> int:
        return sum(p.due for p in self.parts)

    @property
    def ending(self) -> int:
        return sum(p.ending for p in self.parts)

    @property
    def candidates(self) -> int:
        return sum(p.candidates for p in self.parts)

    @property
    def low(self) -> int:
        """The range's lower end in whole firms (never below the certain part)."""
        return max(self.kept, math.floor(self.point - self.margin + 1e-9))

    @property
    def high(self) -> int:
        """The range's upper end in whole firms (never above every possible firm)."""
        return min(self.kept + self.due + self.candidates, math.ceil(self.point + self.margin - 1e-9))

    @property
    def rounded(self) -> int:
        return int(math.floor(self.point + 0.5))


def forecast(tallies: Mapping[tuple[str, str], Tally], kind: str, districts: Iterable[str], as_of: date,
             renewals: Mapping, conversions: Mapping, first_year: int | None) -> Forecast:
    """The forecast of ``kind`` over ``districts`` from the tallies on ``as_of`` and the cohorts:
    each district's rates pooled over the complete cohorts before ``as_of``."""
    years = complete_years(as_of, first_year, lag=1)
    rule = RUNG_RULES.get(kind)
    parts = []
    for district in districts:
        t = tallies.get((kind, district), Tally())
        parts.append(DistrictForecast(
            district, t.kept, t.due, t.ending, len(t.candidates),
            rate_for(renewals, kind, years, district),
            rate_for(conversions, rule, years, district) if rule else None,
        ))
    return Forecast(kind, as_of, horizon(as_of), tuple(parts))


@dataclass(frozen=True)
class BacktestYear:
    year: int
    forecast: Forecast
    actual: int

    @property
    def error(self) -> float:
        """Forecast minus actual (positive: the forecast was too high)."""
        return self.forecast.point - self.actual

    @property
    def error_percent(self) -> float | None:
        return abs(self.error) / self.actual * 100 if self.actual else None

    @property
    def within_range(self) -> bool:
        return self.forecast.low <= self.actual <= self.forecast.high


@dataclass(frozen=True)
class Backtest:
    kind: str
    years: tuple[BacktestYear, ...]

    @property
    def mean_absolute_error(self) -> float | None:
        return sum(abs(y.error) for y in self.years) / len(self.years) if self.years else None

    @property
    def mean_absolute_percent(self) -> float | None:
        shares = [y.error_percent for y in self.years if y.error_percent is not None]
        return sum(shares) / len(shares) if shares else None

    @property
    def covered(self) -> int:
        return sum(y.within_range for y in self.years)


def backtest_years(first_year: int | None, as_of: date) -> list[int]:
    """Years Y whose end is past by ``as_of`` and that have a complete cohort before them (Y-2 or
    later than the first record), the latest BACKTEST_MAX_YEARS."""
    if first_year is None:
        return []
    last = as_of.year if as_of >= date(as_of.year, 12, 31) else as_of.year - 1
    first = max(first_year + 2, last - BACKTEST_MAX_YEARS + 1)
    return list(range(first, last + 1))


def backtest(records: LadderRecords, kinds: Iterable[str], districts: Iterable[str], years: Iterable[int],
             renewals: Mapping[tuple, RenewalCohort], conversions: Mapping[tuple, ConversionCohort],
             first_year: int | None) -> dict[str, Backtest]:
    """Per kind: the forecast made on 1 January of each year (records, flags and rates as known
    then) against the firms holding it on 31 December of that year."""
    kinds = list(kinds)
    districts = list(districts)
    out: dict[str, list[BacktestYear]] = {kind: [] for kind in kinds}
    for year in years:
        start = date(year, 1, 1)
        tallies = tally(records, kinds, start)
        actual = holders(records, kinds, date(year, 12, 31))
        for kind in kinds:
            made = forecast(tallies, kind, districts, start, renewals, conversions, first_year)
            out[kind].append(BacktestYear(year, made, sum(actual.get((kind, d), 0) for d in districts)))
    return {kind: Backtest(kind, tuple(rows)) for kind, rows in out.items()}


def shortfall(target: float | None, point: float) -> int | None:
    """Firms missing from the forecast to reach ``target`` (0 when it is reached)."""
    if target is None:
        return None
    return max(0, math.ceil(target - point - 1e-9))


def needed_candidates(gap: int, conversion: float) -> int:
    """How many candidates must obtain the rung beyond what the forecast expects of them to
    close ``gap`` firms: each one certain instead of converting at ``conversion`` adds 1 - c."""
    if gap <= 0:
        return 0
    return math.ceil(gap / (1 - conversion)) if conversion < 1 else gap


__all__ = [
    "Backtest", "BacktestYear", "CITY", "DistrictForecast", "Forecast", "Tally", "Z_90", "backtest",
    "backtest_years", "forecast", "holders", "horizon", "needed_candidates", "shortfall", "tally",
]
