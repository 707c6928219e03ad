"""Innovation points in the database: scheme versions, scoring rounds, publishing, reading.

`run_round` loads every firm's facts a chunk at a time, scores them all with the scheme's
latest version (crm.innovation.scoring, pure), and stores the round and one row per firm —
scored or not, with why — in one transaction, so a failed run leaves nothing behind.
"""
from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, case, delete, func, insert, select

from crm.audit import acting_as
from crm.clock import local_time, utcnow
from crm.eligibility.facts import iter_facts
from crm.extensions import db
from crm.innovation.measures import MEASURES, FirmInputs
from crm.innovation.scheme import DEFAULT_SCHEME, GROUPS, Scheme, check, from_json, to_json
from crm.innovation.scoring import RoundResult, biggest_lifts, score_round
from crm.models import Enterprise, InnovationRound, InnovationScheme, InnovationScore, JobLease, Talent, User
from crm.scoping import enterprise_scope

JOB = "innovation_points"
INSERT_CHUNK = 5000
# Longer than any round takes; a server that died mid-round frees the lease after it.
RUN_LEASE = timedelta(minutes=30)


class RoundError(ValueError):
    """A round that cannot be published or changed (message for people)."""


# -- scheme versions ------------------------------------------------------------------------------

def latest_scheme() -> InnovationScheme:
    """The scheme's latest version; the default is stored as version 1 the first time."""
    row = db.session.scalar(select(InnovationScheme).order_by(InnovationScheme.version.desc()).limit(1))
    if row is None:
        row = InnovationScheme(version=1, definition=to_json(DEFAULT_SCHEME), note="默认方案（系统内置）")
        db.session.add(row)
        db.session.flush()
    return row


@lru_cache(maxsize=32)
def _parsed(definition: str) -> Scheme:
    return from_json(json.loads(definition))


def scheme_of(row: InnovationScheme) -> Scheme:
    """The scheme a stored version holds (parsed once per distinct definition)."""
    return _parsed(json.dumps(row.definition, sort_keys=True))


def save_scheme(scheme: Scheme, note: str, user: User | None) -> InnovationScheme:
    """Store ``scheme`` as the next version (SchemeError if it cannot be used); not committed."""
    check(scheme)
    latest = latest_scheme()
    row = InnovationScheme(version=latest.version + 1, definition=to_json(scheme), note=note.strip(),
                           created_by_id=user.id if user else None)
    db.session.add(row)
    db.session.flush()
    return row


# -- rounds -----------------------------------------------------------------------------------------

def _inputs(as_of: date) -> Iterator[FirmInputs]:
    """Every firm's inputs, a chunk of facts at a time."""
    session = db.session.connection()
    districts = dict(session.execute(select(Enterprise.id, Enterprise.district_code)).all())
    talents: dict[int, list[int]] = defaultdict(list)
    for enterprise_id, year in session.execute(select(Talent.enterprise_id, Talent.year)):
        talents[enterprise_id].append(year)
    for chunk in iter_facts(as_of, years_back=2):
        for enterprise_id, facts in chunk.items():
            yield FirmInputs(enterprise_id, districts[enterprise_id], facts, tuple(talents.get(enterprise_id, ())))


@contextmanager
def full_collections_deferred() -> Iterator[None]:
    """Defer the cycle collector's full passes while a round is scored and stored.

    A round holds millions of small objects (every firm's values, points and rows) and makes no
    reference cycles, yet each full pass walks them all: at 100,000 firms the 30 passes took
    7 of 27 s. Young collections go on as usual (in every thread: a request's cycles are freed
    as ever); only the oldest generation waits until the round is stored."""
    young, middle, oldest = gc.get_threshold()
    gc.set_threshold(young, middle, max(oldest, 1000))
    try:
        yield
    finally:
        gc.set_threshold(young, middle, oldest)


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def run_round(as_of: date, trigger: str = "cli") -> InnovationRound:
    """Score every firm as of ``as_of`` for fiscal year as_of.year - 1 and store the round."""
    from crm.eligibility.services import recorded_run

    # Stored (on first use) and committed before the round: no write, and so on SQLite no lock,
    # is held while the firms are scored, and a run started meanwhile is refused at once.
    scheme_row = latest_scheme()
    db.session.commit()
    with recorded_run(JOB, as_of, trigger) as run, acting_as(f"job:{JOB}", job_run_id=run.id):
        scheme_row = db.session.get(InnovationScheme, scheme_row.id)
        scheme = scheme_of(scheme_row)
        fiscal_year = as_of.year - 1
        names: dict[int, tuple[str, str]] = {}

        def remembered() -> Iterator[FirmInputs]:
            for inputs in _inputs(as_of):
                names[inputs.enterprise_id] = (inputs.facts.uscc, inputs.facts.name)
                yield inputs

        with full_collections_deferred():
            result = score_round(remembered(), scheme, fiscal_year, as_of)
            round_ = InnovationRound(as_of=as_of, fiscal_year=fiscal_year, scheme_id=scheme_row.id, trigger=trigger,
                                     cohorts=_cohorts_json(result), counts=_counts(result))
            db.session.add(round_)
            db.session.flush()
            _store_scores(round_.id, result, names)
        run.counts = {"round": round_.id, **round_.counts}
        db.session.commit()
    return round_


def run_round_once(as_of: date, trigger: str) -> InnovationRound | None:
    """run_round, unless a round started this way is still being computed (None then): two
    clicks on the page, or two people at once, make one round."""
    from crm.eligibility.scheduler import acquire_lease, holder_name

    lease = f"{JOB}@running"
    if not acquire_lease(lease, holder_name(), RUN_LEASE):
        return None
    try:
        return run_round(as_of, trigger)
    finally:
        with db.engine.begin() as conn:
            conn.execute(delete(JobLease.__table__).where(JobLease.__table__.c.name == lease))


def _counts(result: RoundResult) -> dict[str, int]:
    counts = {"scored": len(result.scored), "not_scored": len(result.unscored)}
    for stars in (5, 4, 3):
        counts[f"stars_{stars}"] = sum(1 for f in result.scored if f.stars == stars)
    return counts


def _cohorts_json(result: RoundResult) -> list[dict[str, Any]]:
    return [{"key": c.key, "label": c.label, "size": c.size, "note": c.note, "star_cuts": list(c.star_cuts),
             "median": {k: _number(v) for k, v in c.median.items()},
             "top_decile": {k: _number(v) for k, v in c.top_decile.items()}} for c in result.cohorts]


def _store_scores(round_id: int, result: RoundResult, names: dict[int, tuple[str, str]]) -> None:
    rows: list[dict[str, Any]] = []
    conn = db.session.connection()

    def flush() -> None:
        if rows:
            conn.execute(insert(InnovationScore), rows)
            rows.clear()

    for firm in result.scored:
        uscc, name = names[firm.enterprise_id]
        rows.append({
            "round_id": round_id, "enterprise_id": firm.enterprise_id, "uscc": uscc, "name": name,
            "district_code": firm.district_code, "stage": firm.stage, "cohort": firm.cohort,
            "cohort_size": firm.cohort_size, "score": firm.score, "rank": firm.rank, "stars": firm.stars,
            "groups": {g: _number(v) for g, v in firm.groups.items()},
            "indicators": {code: [_number(s.value), _number(s.points), s.note] for code, s in firm.indicators.items()},
            "reason": None,
        })
        if len(rows) >= INSERT_CHUNK:
            flush()
    for firm in result.unscored:
        uscc, name = names[firm.enterprise_id]
        rows.append({
            "round_id": round_id, "enterprise_id": firm.enterprise_id, "uscc": uscc, "name": name,
            "district_code": firm.district_code, "stage": None, "cohort": None, "cohort_size": None,
            "score": None, "rank": None, "stars": None, "groups": {}, "indicators": {}, "reason": firm.reason,
        })
        if len(rows) >= INSERT_CHUNK:
            flush()
    flush()


def publish_round(round_: InnovationRound, user: User) -> None:
    """Publish a round (what enterprises and the announcement see); not committed."""
    if round_.published:
        raise RoundError(f"第 {round_.id} 轮已于{local_time(round_.published_at):%Y-%m-%d}发布")
    round_.published_at = utcnow()
    round_.published_by_id = user.id


def latest_round(published_only: bool = False) -> InnovationRound | None:
    query = select(InnovationRound).order_by(InnovationRound.id.desc()).limit(1)
    if published_only:
        query = query.where(InnovationRound.published_at.is_not(None))
    return db.session.scalar(query)


def rounds(published_only: bool = False) -> list[InnovationRound]:
    query = select(InnovationRound).order_by(InnovationRound.id.desc())
    if published_only:
        query = query.where(InnovationRound.published_at.is_not(None))
    return list(db.session.scalars(query))


def round_sizes(round_id: int) -> dict[str, int]:
    """Scored firms per district in a round."""
    return dict(db.session.execute(
        select(InnovationScore.district_code, func.count()).where(
            InnovationScore.round_id == round_id, InnovationScore.score.is_not(None))
        .group_by(InnovationScore.district_code)).all())


def score_query(round_id: int, user: User | None, *, district: str | None = None, cohort: str | None = None,
                stars: int | None = None, scored: bool = True) -> Select[tuple[InnovationScore]]:
    """A round's results in ``user``'s scope, best first (or the firms not scored, by name).

    Scope is the firm's district today (an officer never reads another district's firm), while
    ``district`` filters on the district the firm was scored in: a firm that moved since keeps
    the round's district, cohort and rank as scored.
    """
    query = (select(InnovationScore).join(Enterprise, Enterprise.id == InnovationScore.enterprise_id)
             .where(InnovationScore.round_id == round_id, enterprise_scope(user)))
    if district is not None:
        query = query.where(InnovationScore.district_code == district)
    if not scored:
        return query.where(InnovationScore.score.is_(None)).order_by(InnovationScore.name, InnovationScore.id)
    query = query.where(InnovationScore.score.is_not(None))
    if cohort is not None:
        query = query.where(InnovationScore.cohort == cohort)
    if stars is not None:
        query = query.where(InnovationScore.stars == stars)
    # Cohorts in the round's order (初创期 first, the smallest revenue band first), then by rank.
    keys = db.session.scalar(select(InnovationRound.cohorts).where(InnovationRound.id == round_id)) or []
    if keys:
        query = query.order_by(case({c["key"]: n for n, c in enumerate(keys)}, value=InnovationScore.cohort,
                                    else_=len(keys)))
    return query.order_by(InnovationScore.rank, InnovationScore.name, InnovationScore.id)


# -- the portrait ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PortraitLine:
    """One indicator or group on the portrait: the firm's points against its cohort's."""

    code: str
    label: str
    group: str
    value: str | None        # the measured value, as stored
    unit: str
    points: Decimal
    weight: Decimal
    median: Decimal
    top_decile: Decimal
    note: str | None


@dataclass(frozen=True)
class Portrait:
    round: InnovationRound
    score: InnovationScore
    cohort: dict[str, Any]
    groups: list[PortraitLine]
    indicators: list[PortraitLine]
    lifts: list[tuple[PortraitLine, Decimal]]


def portrait(round_: InnovationRound, score: InnovationScore) -> Portrait | None:
    """The firm's points per group and indicator beside its cohort's median and top decile,
    and the three indicators that would lift it most; None when it was not scored."""
    if score.score is None or score.cohort is None:
        return None
    scheme = scheme_of(round_.scheme)
    cohort = round_.cohort(score.cohort) or {"median": {}, "top_decile": {}}

    def stat(kind: str, name: str) -> Decimal:
        return Decimal(cohort[kind].get(name) or 0)

    lines = []
    for code, (value, points, note) in score.indicators.items():
        indicator = scheme.indicator(code)
        if indicator is None:
            continue
        lines.append(PortraitLine(code, indicator.name, indicator.group, value, MEASURES[indicator.measure].unit,
                                  Decimal(points), indicator.weight(score.stage or "growth"),
                                  stat("median", code), stat("top_decile", code), note))
    weights: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        weights[line.group] += line.weight
    groups = [PortraitLine(g, label, g, None, "分", Decimal(score.groups.get(g) or 0), weights[g],
                           stat("median", g), stat("top_decile", g), None) for g, label in GROUPS.items()]
    by_code = {line.code: line for line in lines}
    lifts = [(by_code[code], gap) for code, gap in biggest_lifts(
        {line.code: line.points for line in lines}, {line.code: line.top_decile for line in lines})]
    return Portrait(round_, score, cohort, groups, lines, lifts)


def firm_history(enterprise_id: int, published_only: bool = False) -> list[tuple[InnovationRound, InnovationScore]]:
    """The firm's result in every round, oldest first."""
    query = (select(InnovationRound, InnovationScore).join(InnovationScore, InnovationScore.round_id == InnovationRound.id)
             .where(InnovationScore.enterprise_id == enterprise_id).order_by(InnovationRound.id))
    if published_only:
        query = query.where(InnovationRound.published_at.is_not(None))
    return [(r, s) for r, s in db.session.execute(query).all()]


def score_of(round_id: int, enterprise_id: int) -> InnovationScore | None:
    return db.session.scalar(select(InnovationScore).where(
        InnovationScore.round_id == round_id, InnovationScore.enterprise_id == enterprise_id))
