"""Figures for the home page: the ladder in scope and the staff's to-do counts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from crm.clock import local_time
from crm.districts import DISTRICTS
from crm.eligibility.parameters import params_for
from crm.eligibility.services import candidate_flags
from crm.enterprises.services import awaiting_verification
from crm.extensions import db
from crm.imports.services import can_import
from crm.ladder import STAGE_CODES, stage_from_rank, staged_firms
from crm.models import AnnualReport, Enterprise, Flag, ImportBatch, JobRun, User
from crm.notifications.services import unread_count
from crm.portal.services import pending_change_requests
from crm.rules_catalogue import RULE_CODES
from crm.scoping import scoped


def _stage_rows(user: User, as_of: date, district_code: str | None = None) -> list[tuple[str, int, int]]:
    """(district, stage rank, firms) in scope; firms without a stage have rank 0."""
    staged = staged_firms(as_of)
    rank = func.coalesce(staged.c.stage_rank, 0)
    stmt = scoped(
        select(Enterprise.district_code, rank, func.count())
        .select_from(Enterprise)
        .outerjoin(staged, staged.c.enterprise_id == Enterprise.id),
        user,
    ).group_by(Enterprise.district_code, rank)
    if district_code:
        stmt = stmt.where(Enterprise.district_code == district_code)
    return [tuple(row) for row in db.session.execute(stmt)]


def stage_counts(user: User, as_of: date, district_code: str | None = None) -> dict[str, int]:
    """Number of firms per ladder stage (including "none") within `user`'s scope.

    Counts the staged firms per rank, then "none" as the rest of the scope: two
    grouped queries that touch only designated firms, not a pass per firm.
    """
    staged = staged_firms(as_of)
    in_scope = scoped(select(func.count()).select_from(Enterprise), user)
    per_rank = scoped(
        select(staged.c.stage_rank, func.count()).join(Enterprise, Enterprise.id == staged.c.enterprise_id), user
    ).group_by(staged.c.stage_rank)
    if district_code:
        in_scope = in_scope.where(Enterprise.district_code == district_code)
        per_rank = per_rank.where(Enterprise.district_code == district_code)
    counts = dict.fromkeys(STAGE_CODES, 0)
    for rank_value, n in db.session.execute(per_rank):
        counts[stage_from_rank(rank_value)] = n
    counts[STAGE_CODES[0]] = (db.session.scalar(in_scope) or 0) - sum(counts.values())
    return counts


def district_stage_table(user: User, as_of: date) -> list[tuple[str, str, dict[str, int], int]]:
    """Per district in scope: (code, name, counts per stage, total)."""
    table: dict[str, dict[str, int]] = {}
    for code, rank_value, n in _stage_rows(user, as_of):
        table.setdefault(code, dict.fromkeys(STAGE_CODES, 0))[stage_from_rank(rank_value)] += n
    return [
        (code, DISTRICTS[code], counts, sum(counts.values()))
        for code, counts in sorted(table.items())
    ]


# --- The to-do panel ----------------------------------------------------------------------

RECENT_IMPORTS = 5


@dataclass(frozen=True)
class RuleWork:
    """Open flags of one rule in scope, and how many of them nobody has followed up yet."""

    rule: str
    open: int
    unhandled: int


@dataclass
class WorkList:
    """What waits for a staff user today, counted in their scope (officer: own district)."""

    reports_to_verify: int
    oldest_submitted_on: date | None
    change_requests: int
    flags: dict[str, RuleWork]
    expiry_window_months: int
    unread_messages: int
    # Bureau and admin only (officers do not import; the job runs for the whole city).
    recent_imports: list[ImportBatch] = field(default_factory=list)
    last_eligibility_run: JobRun | None = None
    shows_city_work: bool = False


def _flags_per_rule(user: User, handled: str) -> dict[str, int]:
    stmt = candidate_flags(user, handled=handled).with_only_columns(Flag.rule, func.count()).group_by(Flag.rule)
    return dict(db.session.execute(stmt).all())


def work_list(user: User, as_of: date) -> WorkList:
    """The home page's to-do counts for a staff user: a few COUNT queries, each through
    the select its own area's page lists, so a count always equals what its link shows."""
    to_verify, oldest = db.session.execute(
        awaiting_verification(user).with_only_columns(func.count(), func.min(AnnualReport.submitted_at))
    ).one()
    change_requests = db.session.scalar(pending_change_requests(user).with_only_columns(func.count())) or 0
    open_flags, unhandled = _flags_per_rule(user, "all"), _flags_per_rule(user, "open")
    flags = {rule: RuleWork(rule, open_flags.get(rule, 0), unhandled.get(rule, 0)) for rule in RULE_CODES}
    work = WorkList(
        reports_to_verify=to_verify or 0,
        oldest_submitted_on=local_time(oldest).date() if oldest else None,
        change_requests=change_requests,
        flags=flags,
        expiry_window_months=int(params_for(as_of)["hitech_expiring"]["window_months"]),
        unread_messages=unread_count(user),
    )
    if can_import(user):
        work.shows_city_work = True
        work.recent_imports = list(
            db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(RECENT_IMPORTS))
        )
        work.last_eligibility_run = db.session.scalars(
            select(JobRun).where(JobRun.job == "eligibility").order_by(JobRun.started_at.desc(), JobRun.id.desc())
            .limit(1)
        ).first()
    return work
