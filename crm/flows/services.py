"""The ladder's flows from the database: every firm's rungs, moves and closure, read set-wise
(one query per table), then counted by crm.flows.history."""
from __future__ import annotations

from collections import defaultdict
from sqlalchemy import func, select

from crm.extensions import db
from crm.flows.history import STAGES, FirmHistory, Flow, Held, Move, flows, members
from crm.models import Designation, DistrictMove, Enterprise, User
from crm.scoping import enterprise_scope


def _code(value: object) -> str:
    return getattr(value, "value", value)  # type: ignore[return-value]


def histories(district: str | None = None) -> list[FirmHistory]:
    """Every firm that ever held a stage (in ``district`` now or before, when given)."""
    conn = db.session.connection()
    held: dict[int, list[Held]] = defaultdict(list)
    for eid, kind, valid_from, valid_to in conn.execute(
        select(Designation.enterprise_id, Designation.kind, Designation.valid_from, Designation.valid_to)
        .where(Designation.kind.in_(STAGES))
    ):
        held[eid].append(Held(_code(kind), valid_from, valid_to))
    moves: dict[int, list[Move]] = defaultdict(list)
    for eid, moved_on, before, after in conn.execute(
        select(DistrictMove.enterprise_id, DistrictMove.moved_on, DistrictMove.from_district,
               DistrictMove.to_district).order_by(DistrictMove.enterprise_id, DistrictMove.moved_on, DistrictMove.id)
    ):
        moves[eid].append(Move(moved_on, before, after))
    query = select(Enterprise.id, Enterprise.district_code, Enterprise.closed_on).where(
        Enterprise.id.in_(select(Designation.enterprise_id).where(Designation.kind.in_(STAGES))))
    out = []
    for eid, current, closed_on in conn.execute(query):
        firm_moves = tuple(moves.get(eid, ()))
        if district is not None and current != district and not any(
                district in (m.from_district, m.to_district) for m in firm_moves):
            continue
        out.append(FirmHistory(eid, current, tuple(held[eid]), firm_moves, closed_on))
    return out


def ladder_flows(years: range, district: str | None = None) -> dict[tuple[int, str], Flow]:
    """Flows of every stage and year of ``years``, in a district or (None) the city."""
    return flows(histories(district), years, district)


def flow_members(year: int, stage: str, part: str, reason: str | None, district: str | None, user: User) -> list[Enterprise]:
    """The firms behind one number that ``user`` may see (a firm that moved away is now another
    district's: its officer sees it, the old district's does not)."""
    ids = members(histories(district), year, stage, part, reason, district)
    if not ids:
        return []
    return list(db.session.scalars(select(Enterprise).where(Enterprise.id.in_(ids), enterprise_scope(user))
                                   .order_by(Enterprise.name)))


def records_begin() -> int | None:
    """The first year any stage designation is recorded for (before it, no flow is known)."""
    first = db.session.scalar(select(func.min(Designation.valid_from)).where(Designation.kind.in_(STAGES)))
    return first.year if first is not None else None
