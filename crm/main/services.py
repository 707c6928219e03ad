"""Figures for the home pages."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.extensions import db
from crm.districts import DISTRICTS
from crm.ladder import STAGE_CODES, stage_from_rank, staged_firms
from crm.models import Enterprise, User
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
