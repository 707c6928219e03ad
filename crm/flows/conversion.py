"""Conversion of candidates, renewal of certificates and the time from one rung to the next.

Pure counting over `LadderRecords` (no Flask, no queries), which `load_records()` reads
set-wise: one query per table, whatever the number of firms.

- Conversion: of the firms flagged as candidates for a rung in year Y (a flag of the rule open
  at some time in Y: raised_on <= 31 Dec Y and cleared_on null or >= 1 Jan Y), how many obtained
  the rung (a designation of that kind with valid_from in 1 Jan Y .. 31 Dec Y+1, resp. Y+2).
  A firm counts in the district it was in on 31 December of Y.
- Renewal: designations of a kind whose valid_to falls in year Y (the firm still open that day),
  and of them those followed by a new one of the kind starting after the old one's start and
  no later than a year after its end. Counted in the district the firm was in on valid_to.
  For high-tech certificates this is the renewal rate; for the yearly lists (科技型中小企业 入库,
  瞪羚, 金种子...) it is the re-listing rate, computed the same way.
- Time between rungs: from the first valid_from of the lower rung to the first valid_from of
  the higher one, in the district the firm was in when it reached the higher one; a firm that
  held the higher rung before the lower one never moved up between them and is left out.

A cohort is complete once its window has ended (31 December of Y+1, resp. Y+2): rates use
complete cohorts only, so a rate "as known on" a day uses nothing that day could not know.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from crm.flows.history import FirmHistory, Held, Move

CITY = None
# Candidate rule -> the rung (designation kind) it is a candidate for (crm/rules RULES codes).
RULE_RUNGS: dict[str, str] = {
    "hitech_candidate": "hitech",
    "tech_sme_candidate": "tech_sme",
    "gazelle_candidate": "gazelle",
    "golden_seed_candidate": "golden_seed",
    "innovative_sme_candidate": "innovative_sme",
    "srdi_sme_candidate": "srdi_sme",
    "little_giant_candidate": "little_giant",
}
RUNG_RULES: dict[str, str] = {kind: rule for rule, kind in RULE_RUNGS.items()}
# (lower rung, higher rung) whose median time the bureau watches.
RUNG_PAIRS: tuple[tuple[str, str], ...] = (
    ("incubated", "tech_sme"),
    ("tech_sme", "hitech"),
    ("hitech", "gazelle"),
    ("hitech", "little_giant"),
    ("innovative_sme", "srdi_sme"),
    ("srdi_sme", "little_giant"),
)
# Rates pool this many of the latest complete cohort years.
RATE_YEARS = 3
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Candidacy:
    """One period during which a candidate rule passed for a firm (a Flag row)."""

    rule: str
    raised_on: date
    cleared_on: date | None = None   # None: still open

    def open_in(self, year: int) -> bool:
        """Open at some time in ``year``."""
        return self.raised_on <= date(year, 12, 31) and (self.cleared_on is None or self.cleared_on >= date(year, 1, 1))

    def open_on(self, day: date) -> bool:
        """Open at the end of ``day`` (a flag cleared on a day is no longer open that day)."""
        return self.raised_on <= day and (self.cleared_on is None or self.cleared_on > day)


@dataclass(frozen=True)
class FirmRecord:
    """A firm's designations (every kind the plans count), moves, closure and candidacies."""

    history: FirmHistory
    candidacies: tuple[Candidacy, ...] = ()

    @property
    def enterprise_id(self) -> int:
        return self.history.enterprise_id

    def held(self, kind: str) -> list[Held]:
        return [d for d in self.history.designations if d.kind == kind]


@dataclass
class LadderRecords:
    firms: list[FirmRecord] = field(default_factory=list)

    def first_year(self) -> int | None:
        """The year of the earliest designation recorded (nothing before it is known)."""
        years = [d.valid_from.year for f in self.firms for d in f.history.designations]
        return min(years) if years else None


def add_year(day: date) -> date:
    """The same day a year later (29 February -> 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


# ---------------------------------------------------------------------------
# Cohorts
# ---------------------------------------------------------------------------


@dataclass
class ConversionCohort:
    """The candidates of one rule in one year (and district, or the city)."""

    candidates: int = 0
    within_1: int = 0      # obtained the rung by 31 Dec Y+1
    within_2: int = 0      # by 31 Dec Y+2
    firms: list[int] = field(default_factory=list)


@dataclass
class RenewalCohort:
    """Designations of one kind ending in one year (and district, or the city)."""

    ending: int = 0
    renewed: int = 0


Key = tuple[str, int, str | None]   # (rule or kind, year, district or None for the city)


def conversion_cohorts(records: LadderRecords, years: Iterable[int],
                       rules: Iterable[str] = tuple(RULE_RUNGS)) -> dict[Key, ConversionCohort]:
    """Per (rule, year, district) and (rule, year, None) for the city: candidates and conversions."""
    years = list(years)
    rules = set(rules)
    out: dict[Key, ConversionCohort] = defaultdict(ConversionCohort)
    for firm in records.firms:
        by_rule: dict[str, list[Candidacy]] = defaultdict(list)
        for c in firm.candidacies:
            if c.rule in rules:
                by_rule[c.rule].append(c)
        for rule, periods in by_rule.items():
            starts = [d.valid_from for d in firm.held(RULE_RUNGS[rule])]
            for year in years:
                if not any(c.open_in(year) for c in periods):
                    continue
                first = date(year, 1, 1)
                within_1 = any(first <= s <= date(year + 1, 12, 31) for s in starts)
                within_2 = within_1 or any(first <= s <= date(year + 2, 12, 31) for s in starts)
                district = firm.history.district_on(date(year, 12, 31))
                for where in (district, CITY):
                    cohort = out[rule, year, where]
                    cohort.candidates += 1
                    cohort.within_1 += within_1
                    cohort.within_2 += within_2
                    cohort.firms.append(firm.enterprise_id)
    return dict(out)


def renewal_cohorts(records: LadderRecords, years: Iterable[int], kinds: Iterable[str]) -> dict[Key, RenewalCohort]:
    """Per (kind, year, district) and (kind, year, None): designations ending in the year, renewed."""
    years = set(years)
    kinds = set(kinds)
    out: dict[Key, RenewalCohort] = defaultdict(RenewalCohort)
    for firm in records.firms:
        by_kind: dict[str, list[Held]] = defaultdict(list)
        for d in firm.history.designations:
            if d.kind in kinds:
                by_kind[d.kind].append(d)
        for kind, held in by_kind.items():
            for old in held:
                if old.valid_to is None or old.valid_to.year not in years or not firm.history.open_on(old.valid_to):
                    continue
                limit = add_year(old.valid_to)
                renewed = any(old.valid_from < new.valid_from <= limit for new in held)
                district = firm.history.district_on(old.valid_to)
                for where in (district, CITY):
                    cohort = out[kind, old.valid_to.year, where]
                    cohort.ending += 1
                    cohort.renewed += renewed
    return dict(out)


@dataclass
class RungTime:
    days: list[int] = field(default_factory=list)

    @property
    def firms(self) -> int:
        return len(self.days)

    @property
    def median_months(self) -> float | None:
        return statistics.median(self.days) / DAYS_PER_MONTH if self.days else None


def rung_times(records: LadderRecords, as_of: date,
               pairs: Iterable[tuple[str, str]] = RUNG_PAIRS) -> dict[tuple[str, str, str | None], RungTime]:
    """Per (lower, higher, district) and (lower, higher, None): days from the first lower rung to
    the first higher one (not before it), over designations starting by ``as_of``."""
    pairs = list(pairs)
    out: dict[tuple[str, str, str | None], RungTime] = defaultdict(RungTime)
    for firm in records.firms:
        firsts: dict[str, list[date]] = defaultdict(list)
        for d in firm.history.designations:
            if d.valid_from <= as_of:
                firsts[d.kind].append(d.valid_from)
        for lower, higher in pairs:
            if lower not in firsts or higher not in firsts:
                continue
            start, reached = min(firsts[lower]), min(firsts[higher])
            if reached < start:
                continue   # it held the higher rung first: it never moved up from the lower
            district = firm.history.district_on(reached)
            for where in (district, CITY):
                out[lower, higher, where].days.append((reached - start).days)
    return dict(out)


# ---------------------------------------------------------------------------
# Rates
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A pooled rate: numerator over denominator, over the cohort years named."""

    hits: int
    total: int
    years: tuple[int, ...]
    source: str = "district"    # "district", "city" (the district had none) or "none"

    @property
    def value(self) -> float:
        return self.hits / self.total if self.total else 0.0

    @property
    def known(self) -> bool:
        return self.total > 0


def complete_years(as_of: date, first_year: int | None, lag: int, count: int = RATE_YEARS) -> tuple[int, ...]:
    """The latest ``count`` cohort years whose window (to 31 Dec of Y + lag) ended by ``as_of``."""
    last = as_of.year - lag if as_of >= date(as_of.year, 12, 31) else as_of.year - lag - 1
    first = max(last - count + 1, first_year if first_year is not None else last + 1)
    return tuple(range(first, last + 1))


def pooled(cohorts: Mapping[Key, ConversionCohort | RenewalCohort], code: str, years: Iterable[int],
           district: str | None, attr: str) -> tuple[int, int]:
    """(hits, total) of ``code``'s cohorts over ``years`` in a district (None: the city)."""
    hits = total = 0
    for year in years:
        cohort = cohorts.get((code, year, district))
        if cohort is None:
            continue
        if isinstance(cohort, RenewalCohort):
            hits, total = hits + cohort.renewed, total + cohort.ending
        else:
            hits, total = hits + getattr(cohort, attr), total + cohort.candidates
    return hits, total


def rate_for(cohorts: Mapping[Key, ConversionCohort | RenewalCohort], code: str, years: tuple[int, ...],
             district: str | None, attr: str = "within_1") -> Rate:
    """The district's pooled rate; the city's when the district has no cohort to rest on."""
    hits, total = pooled(cohorts, code, years, district, attr)
    if total:
        return Rate(hits, total, years, "district" if district is not None else "city")
    if district is not None:
        hits, total = pooled(cohorts, code, years, CITY, attr)
        if total:
            return Rate(hits, total, years, "city")
    return Rate(0, 0, years, "none")


# ---------------------------------------------------------------------------
# Reading the records (set-wise)
# ---------------------------------------------------------------------------


def load_records(kinds: Iterable[str], rules: Iterable[str] = tuple(RULE_RUNGS)) -> LadderRecords:
    """Every firm that ever held one of ``kinds`` or was a candidate of ``rules``: 4 queries."""
    from sqlalchemy import String, select, type_coerce

    from crm.extensions import db
    from crm.models import Designation, DistrictMove, Enterprise, Flag

    kinds = [getattr(k, "value", k) for k in kinds]
    rules = list(rules)
    conn = db.session.connection()
    held: dict[int, list[Held]] = defaultdict(list)
    kind_text = type_coerce(Designation.kind, String())
    for eid, kind, valid_from, valid_to in conn.execute(
        select(Designation.enterprise_id, kind_text, Designation.valid_from, Designation.valid_to)
        .where(kind_text.in_(kinds))
    ):
        held[eid].append(Held(kind, valid_from, valid_to))
    flags: dict[int, list[Candidacy]] = defaultdict(list)
    for eid, rule, raised_on, cleared_on in conn.execute(
        select(Flag.enterprise_id, Flag.rule, Flag.raised_on, Flag.cleared_on).where(Flag.rule.in_(rules))
    ):
        flags[eid].append(Candidacy(rule, raised_on, cleared_on))
    moves: dict[int, list[Move]] = defaultdict(list)
    for eid, moved_on, before, after in conn.execute(
        select(DistrictMove.enterprise_id, DistrictMove.moved_on, DistrictMove.from_district,
               DistrictMove.to_district).order_by(DistrictMove.enterprise_id, DistrictMove.moved_on, DistrictMove.id)
    ):
        moves[eid].append(Move(moved_on, before, after))
    wanted = held.keys() | flags.keys()
    records = LadderRecords()
    if not wanted:
        return records
    for eid, district, closed_on in conn.execute(select(Enterprise.id, Enterprise.district_code, Enterprise.closed_on)):
        if eid in wanted:
            records.firms.append(FirmRecord(
                FirmHistory(eid, district, tuple(held.get(eid, ())), tuple(moves.get(eid, ())), closed_on),
                tuple(flags.get(eid, ())),
            ))
    return records


__all__ = [
    "CITY", "Candidacy", "ConversionCohort", "FirmRecord", "LadderRecords", "RATE_YEARS", "RULE_RUNGS",
    "RUNG_PAIRS", "RUNG_RULES", "Rate", "RenewalCohort", "RungTime", "add_year", "complete_years",
    "conversion_cohorts", "load_records", "pooled", "rate_for", "renewal_cohorts", "rung_times",
]
