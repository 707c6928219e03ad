"""The ladder's flows from the database: every firm's rungs, moves and closure, read set-wise
(one query per table), then counted by crm.flows.history."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, String, bindparam, case, cast, func, or_, select, type_coerce

from crm.extensions import db
from crm.kept import KeptByState
from crm.flows.history import STAGES, Counted, FirmHistory, Flow, Held, Move, all_flows, flows, members
from crm.models import Designation, DistrictMove, Enterprise, User
from crm.scoping import scoped



def histories(district: str | None = None, *, moved_or_closed: bool = False) -> list[FirmHistory]:
    """Every firm that ever held a stage (in ``district`` now or before, when given; only
    those that moved or closed, with ``moved_or_closed``)."""
    conn = db.session.connection()
    rows: dict[int, list[tuple[str, date, date | None]]] = defaultdict(list)
    held_query = select(Designation.enterprise_id, type_coerce(Designation.kind, String), Designation.valid_from,
                        Designation.valid_to).where(Designation.kind.in_(STAGES))
    if moved_or_closed:
        held_query = held_query.where(or_(
            Designation.enterprise_id.in_(select(Enterprise.id).where(Enterprise.closed_on.is_not(None))),
            Designation.enterprise_id.in_(select(DistrictMove.enterprise_id))))
    # Fetched at once, the kind as its stored code: a hundred thousand firms' rows are read
    # in a fraction of the time row-by-row fetching and enum conversion take.
    for eid, kind, valid_from, valid_to in conn.execute(held_query).all():
        rows[eid].append((kind, valid_from, valid_to))
    moves: dict[int, list[Move]] = defaultdict(list)
    for eid, moved_on, before, after in conn.execute(
        select(DistrictMove.enterprise_id, DistrictMove.moved_on, DistrictMove.from_district,
               DistrictMove.to_district).order_by(DistrictMove.enterprise_id, DistrictMove.moved_on, DistrictMove.id)
    ):
        moves[eid].append(Move(moved_on, before, after))
    query = select(Enterprise.id, Enterprise.district_code, Enterprise.closed_on).where(
        Enterprise.id.in_(select(Designation.enterprise_id).where(Designation.kind.in_(STAGES))))
    if moved_or_closed:
        query = query.where(or_(Enterprise.closed_on.is_not(None),
                                Enterprise.id.in_(select(DistrictMove.enterprise_id))))
    # The same designation held by many firms (a list published on one day) is one object.
    held_once: dict[tuple[str, date, date | None], Held] = {}
    out = []
    for eid, current, closed_on in conn.execute(query).all():
        firm_moves = tuple(moves.get(eid, ()))
        if district is not None and current != district and not any(
                district in (m.from_district, m.to_district) for m in firm_moves):
            continue
        held = []
        for row in rows[eid]:
            found = held_once.get(row)
            if found is None:
                found = held_once[row] = Held(*row)
            held.append(found)
        out.append(FirmHistory(eid, current, tuple(held), firm_moves, closed_on))
    return out


def _as_counted_sql() -> ColumnElement[str]:
    """A stage designation as the flows of a firm that never moved or closed read it
    (crm.flows.history._as_counted), as text: "hitech 2019b 2022y" is a certificate from a day
    of 2019 other than 1 January to a day of 2022 other than 31 December; "a" for a start on
    1 January, "z" for an end on 31 December, "-" for no end. Dates are read as their ISO text
    (SQLite stores them so; PostgreSQL casts them so)."""
    start = cast(Designation.valid_from, String)
    end = cast(Designation.valid_to, String)
    return (cast(Designation.kind, String) + " " + func.substr(start, 1, 4)
            + case((func.substr(start, 6, 5) == "01-01", "a"), else_="b") + " "
            + func.coalesce(func.substr(end, 1, 4) + case((func.substr(end, 6, 5) == "12-31", "z"), else_="y"), "-"))


def _from_text(code: str) -> Counted:
    kind, start, end = code.split(" ")
    return (kind, date(int(start[:4]), 1, 1) if start[4] == "a" else date(int(start[:4]), 7, 1),
            None if end == "-" else date(int(end[:4]), 12, 31) if end[4] == "z" else date(int(end[:4]), 7, 1))


def alike_firms() -> Counter[tuple[frozenset[Counted], str]]:
    """Firms on the ladder that never moved or closed, grouped by the database: (their stage
    designations as counted, their district) -> how many. A firm's designations are joined
    into one text per firm and firms counted per text and district, so a hundred thousand
    firms come back as a few thousand rows."""
    per_firm = (select(Designation.enterprise_id, func.aggregate_strings(_as_counted_sql(), ",").label("held"))
                .where(Designation.kind.in_(STAGES)).group_by(Designation.enterprise_id).subquery())
    query = (select(Enterprise.district_code, per_firm.c.held, func.count())
             .join(per_firm, per_firm.c.enterprise_id == Enterprise.id)
             .where(Enterprise.closed_on.is_(None),
                    ~select(DistrictMove.id).where(DistrictMove.enterprise_id == Enterprise.id).exists())
             .group_by(Enterprise.district_code, per_firm.c.held))
    parsed: dict[str, frozenset[Counted]] = {}
    out: Counter[tuple[frozenset[Counted], str]] = Counter()
    for district, held, n in db.session.connection().execute(query).all():
        found = parsed.get(held)
        if found is None:
            found = parsed[held] = frozenset(map(_from_text, held.split(",")))
        out[found, district] += n
    return out


def one_each(*aggregates: Select) -> tuple:
    """Single-aggregate selects asked in one statement, each its own subquery: alone, a max()
    or min() is read off an index (several in one select make both databases scan)."""
    return tuple(db.session.connection().execute(select(*(a.scalar_subquery() for a in aggregates))).one())


def ladder_state() -> tuple:
    """A cheap fingerprint of what the flows read: designations added, removed or changed (they
    carry updated_at), moves (rows, never edited) and closures; each figure off an index."""
    return (str(db.engine.url), *one_each(
        select(func.count()).select_from(Designation), select(func.max(Designation.id)),
        select(func.max(Designation.updated_at)),
        select(func.count()).select_from(DistrictMove), select(func.max(DistrictMove.id)),
        select(func.count()).select_from(Enterprise).where(Enterprise.closed_on.is_not(None)),
        select(func.max(Enterprise.closed_on)), select(func.min(Enterprise.closed_on)),
    ))


Tables = dict[str | None, dict[tuple[int, str], Flow]]
_KEPT: KeptByState[Tables] = KeptByState(8)


def city_and_district_flows(years: range) -> Tables:
    """Flows of every stage and year of ``years`` for the city (key None) and every district,
    counted in one pass and kept per state of the records (``ladder_state``): a page asked
    again, or for another district, reuses them until a designation, move or closure changes."""
    return _KEPT.get((ladder_state(), years.start, years.stop),
                     lambda: all_flows(histories(moved_or_closed=True), years, alike_firms()))


def forget_flows() -> None:
    _KEPT.clear()


def ladder_flows(years: range, district: str | None = None) -> dict[tuple[int, str], Flow]:
    """Flows of every stage and year of ``years``, in a district or (None) the city."""
    tables = city_and_district_flows(years)
    found = tables.get(district)
    # A district no firm on the ladder was ever in: nothing entered, nothing left.
    return found if found is not None else flows((), years, district)


def id_among(ids: Sequence[int]) -> ColumnElement[bool]:
    """Enterprise.id IN ids, the ids written into the statement: the firms behind a city-wide
    number can be tens of thousands, more than SQLite (32,766) or PostgreSQL (65,535) take
    as bound parameters. Ids are integers, so writing them in is safe."""
    return Enterprise.id.in_(bindparam("member_ids", [int(i) for i in ids], expanding=True, literal_execute=True))


def records_begin() -> int | None:
    """The first year any stage designation is recorded for (before it, no flow is known)."""
    first = db.session.scalar(select(func.min(Designation.valid_from)).where(Designation.kind.in_(STAGES)))
    return first.year if first is not None else None


def member_query(year: int, stage: str, part: str, reason: str | None, district: str | None, user: User
                 ) -> tuple[Select, int]:
    """The firms behind one number as a select of the Enterprise rows ``user`` may see (to count and
    page), and how many more are behind it out of the user's scope (firms now in another district)."""
    ids = members(histories(district), year, stage, part, reason, district)
    stmt = scoped(select(Enterprise).where(id_among(ids)), user)
    seen = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return stmt, len(ids) - seen


# The years a flows page or the API may be asked for: from the first designations anyone
# could have recorded to this year (a later year's 31 December is not known yet).
FIRST_ASKABLE_YEAR = 1980
MAX_YEARS = 30
DEFAULT_YEARS = 10


@dataclass
class YearRangeError(ValueError):
    """A year range that cannot be shown: ``param`` ("from" or "to") and why, for people."""

    param: str
    message: str

    def __str__(self) -> str:
        return self.message


def _whole_year(param: str, raw: str, this_year: int) -> int:
    text = raw.strip()
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise YearRangeError(param, _("应为四位数的年份（如 %(year)s）：%(value)s", year=this_year, value=raw[:20]))
    year = int(text)
    if not FIRST_ASKABLE_YEAR <= year <= this_year:
        raise YearRangeError(param, _("年份应在 %(first)s 至 %(last)s 之间：%(value)s",
                                      first=FIRST_ASKABLE_YEAR, last=this_year, value=text))
    return year


def year_range(raw_from: str | None, raw_to: str | None, this_year: int) -> range:
    """The years from ``raw_from`` to ``raw_to`` (query arguments, whole years), by default the last
    ten up to ``this_year``; raises YearRangeError naming the argument that is wrong."""
    first = _whole_year("from", raw_from or "", this_year) if (raw_from or "").strip() else None
    last = _whole_year("to", raw_to or "", this_year) if (raw_to or "").strip() else this_year
    if first is None:
        first = max(FIRST_ASKABLE_YEAR, last - DEFAULT_YEARS + 1)
    if first > last:
        raise YearRangeError("from", _("起始年份 %(first)s 晚于结束年份 %(last)s", first=first, last=last))
    if last - first + 1 > MAX_YEARS:
        raise YearRangeError("from", _("一次最多查看 %(n)s 年（%(first)s 至 %(last)s 共 %(span)s 年）",
                                       n=MAX_YEARS, first=first, last=last, span=last - first + 1))
    return range(first, last + 1)
