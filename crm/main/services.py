"""Figures for the home pages."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.extensions import db
from crm.ladder import STAGE_CODES, stage_from_rank, stage_rank_column
from crm.models import Enterprise, User
from crm.scoping import scoped


def stage_counts(user: User, as_of: date, district_code: str | None = None) -> dict[str, int]:
    """Number of firms per ladder stage (including "none") within `user`'s scope."""
    rank = stage_rank_column(Enterprise.id, as_of)
    inner = scoped(select(Enterprise.id, rank), user)
    if district_code:
        inner = inner.where(Enterprise.district_code == district_code)
    sub = inner.subquery()
    rows = db.session.execute(select(sub.c.stage_rank, func.count()).group_by(sub.c.stage_rank)).all()
    counts = dict.fromkeys(STAGE_CODES, 0)
    for rank_value, n in rows:
        counts[stage_from_rank(rank_value)] = n
    return counts


def district_stage_table(user: User, as_of: date) -> list[tuple[str, str, dict[str, int], int]]:
    """Per district in scope: (code, name, counts per stage, total)."""
    rank = stage_rank_column(Enterprise.id, as_of)
    sub = scoped(select(Enterprise.district_code, rank), user).subquery()
    rows = db.session.execute(
        select(sub.c.district_code, sub.c.stage_rank, func.count()).group_by(
            sub.c.district_code, sub.c.stage_rank
        )
    ).all()
    from crm.districts import DISTRICTS

    table: dict[str, dict[str, int]] = {}
    for code, rank_value, n in rows:
        table.setdefault(code, dict.fromkeys(STAGE_CODES, 0))[stage_from_rank(rank_value)] = n
    return [
        (code, DISTRICTS[code], counts, sum(counts.values()))
        for code, counts in sorted(table.items())
    ]
