"""Stocks and flows of the ladder: who held a rung on 1 January and on 31 December, who
entered and who left in between, and why. Pure: no Flask, no database.

CONTRACT.md ("Flows of the ladder"): for a stage and a calendar year, `start` counts the firms
holding a valid designation of that kind on 1 January, `end` those holding one on 31
December, `entered` those in `end` but not in `start`, `left` those in `start` but not in
`end`, so that start + entered - left == end exactly. In a district, a firm counts in the
district it was in on that day: a firm that moved mid-year leaves one district and enters
the other, and the city's figures show neither. A firm holds nothing from the day it closed.

Why a firm entered: it moved in (holding the rung already), returned (it held the rung in
an earlier year) or came the first time. Why it left: it moved away (still holding the rung),
closed, moved up (holds a higher stage at the year's end and gave this one up), or its
certificate lapsed without renewal.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

STAGES = ("incubated", "tech_sme", "hitech", "gazelle", "little_giant", "listed")
STAGE_RANK = {stage: rank for rank, stage in enumerate(STAGES, start=1)}
ENTERED = ("first", "returning", "moved_in")
LEFT = ("lapsed", "moved_up", "moved_away", "closed")
ENTERED_LABELS = {"first": "首次进入", "returning": "再次进入", "moved_in": "从其他区（市）迁入"}
LEFT_LABELS = {"lapsed": "到期未续", "moved_up": "升级后不再保留", "moved_away": "迁往其他区（市）", "closed": "注销"}
CITY = None


@dataclass(frozen=True)
class Held:
    kind: str
    valid_from: date
    valid_to: date | None = None   # None: open-ended

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Move:
    moved_on: date
    from_district: str
    to_district: str


@dataclass(frozen=True)
class FirmHistory:
    """What the flows read of one firm: its rungs, its district today and its moves, its closure."""

    enterprise_id: int
    district: str                       # today's
    designations: tuple[Held, ...] = ()
    moves: tuple[Move, ...] = ()        # oldest first
    closed_on: date | None = None

    def district_on(self, day: date) -> str:
        """The district the firm was in at the end of ``day`` (a move counts from its day)."""
        later = [m for m in self.moves if m.moved_on > day]
        return later[0].from_district if later else self.district

    def open_on(self, day: date) -> bool:
        return self.closed_on is None or day < self.closed_on

    def holds(self, kind: str, day: date) -> bool:
        return self.open_on(day) and any(d.kind == kind and d.valid_on(day) for d in self.designations)

    def top_stage(self, day: date) -> int:
        """The rank of the highest stage held on ``day`` (0: none)."""
        if not self.open_on(day):
            return 0
        return max((STAGE_RANK[d.kind] for d in self.designations if d.kind in STAGE_RANK and d.valid_on(day)),
                   default=0)


@dataclass
class Flow:
    """One stage in one year (and district, or the city)."""

    year: int
    stage: str
    start: int = 0
    end: int = 0
    entered: Counter[str] = field(default_factory=Counter)
    left: Counter[str] = field(default_factory=Counter)

    @property
    def entered_total(self) -> int:
        return sum(self.entered.values())

    @property
    def left_total(self) -> int:
        return sum(self.left.values())


def _years(first: date, last: date | None, window: range, *, at_start: bool) -> range:
    """The window's years whose 1 January (``at_start``) or 31 December falls in first..last."""
    if at_start:
        low = first.year if (first.month, first.day) == (1, 1) else first.year + 1
        high = last.year if last is not None else window.stop - 1
    else:
        low = first.year
        high = (last.year if (last.month, last.day) == (12, 31) else last.year - 1) if last is not None \
            else window.stop - 1
    return range(max(low, window.start), min(high, window.stop - 1) + 1)


def _held_years(firm: FirmHistory, window: range) -> dict[str, tuple[set[int], set[int]]]:
    """Per stage: (years it held the stage on 1 January, years it held it on 31 December)."""
    out: dict[str, tuple[set[int], set[int]]] = {}
    for held in firm.designations:
        if held.kind not in STAGE_RANK:
            continue
        jan, dec = out.setdefault(held.kind, (set(), set()))
        jan.update(_years(held.valid_from, held.valid_to, window, at_start=True))
        dec.update(_years(held.valid_from, held.valid_to, window, at_start=False))
    if firm.closed_on is not None:
        for jan, dec in out.values():
            jan.difference_update({y for y in jan if date(y, 1, 1) >= firm.closed_on})
            dec.difference_update({y for y in dec if date(y, 12, 31) >= firm.closed_on})
    return out


def _entered_why(firm: FirmHistory, stage: str, year: int, jan: set[int], district: str | None) -> str:
    if district is not None and year in jan:
        return "moved_in"            # it held the rung on 1 January, in another district
    first_day = date(year, 1, 1)
    held_before = any(d.kind == stage and d.valid_from < first_day and firm.open_on(d.valid_from)
                      for d in firm.designations)
    return "returning" if held_before else "first"


def _left_why(firm: FirmHistory, stage: str, year: int, dec: set[int], district: str | None) -> str:
    last_day = date(year, 12, 31)
    if district is not None and year in dec:
        return "moved_away"          # it still holds the rung on 31 December, elsewhere
    if not firm.open_on(last_day):
        return "closed"
    if firm.top_stage(last_day) > STAGE_RANK[stage]:
        return "moved_up"
    return "lapsed"


def firm_flows(firm: FirmHistory, window: range, district: str | None = CITY
               ) -> Iterable[tuple[int, str, str, str | None]]:
    """The firm's part in the flows: (year, stage, part, reason) with part "start", "end",
    "entered" or "left" (reason None for start and end), in ``district`` or the city."""
    for stage, (jan, dec) in _held_years(firm, window).items():
        for year in sorted(jan | dec):
            if district is None:
                in_start, in_end = year in jan, year in dec
            else:
                in_start = year in jan and firm.district_on(date(year, 1, 1)) == district
                in_end = year in dec and firm.district_on(date(year, 12, 31)) == district
            if in_start:
                yield year, stage, "start", None
            if in_end:
                yield year, stage, "end", None
            if in_end and not in_start:
                yield year, stage, "entered", _entered_why(firm, stage, year, jan, district)
            elif in_start and not in_end:
                yield year, stage, "left", _left_why(firm, stage, year, dec, district)


def flows(firms: Iterable[FirmHistory], window: range, district: str | None = CITY) -> dict[tuple[int, str], Flow]:
    """Every stage's flow in every year of ``window`` (a range of years), in a district or the city."""
    table = _empty(window)
    for firm in firms:
        if district is not None and firm.district != district and not firm.moves:
            continue   # never was in the district
        _tally(table, firm_flows(firm, window, district))
    return table


def _tally(table: dict[tuple[int, str], Flow], parts: Iterable[tuple[int, str, str, str | None]], n: int = 1) -> None:
    for year, stage, part, reason in parts:
        flow = table[year, stage]
        if part == "start":
            flow.start += n
        elif part == "end":
            flow.end += n
        elif part == "entered":
            flow.entered[reason] += n  # type: ignore[index]
        else:
            flow.left[reason] += n  # type: ignore[index]


def _empty(window: range) -> dict[tuple[int, str], Flow]:
    return {(year, stage): Flow(year, stage) for year in window for stage in STAGES}


def _as_counted(held: Held) -> tuple[str, date, date | None]:
    """A designation as the flows of a firm that never closed read it: whether it is held on a
    1 January depends only on its start's year and whether it starts on 1 January, and on its
    end's year; on a 31 December, on its start's year and its end's year and whether it ends on
    31 December; and "returning" asks only whether it started in an earlier year. Every other
    day of the year is one: 1 July stands for it."""
    start = held.valid_from if (held.valid_from.month, held.valid_from.day) == (1, 1) \
        else date(held.valid_from.year, 7, 1)
    end = held.valid_to
    if end is not None and (end.month, end.day) != (12, 31):
        end = date(end.year, 7, 1)
    return held.kind, start, end


Counted = tuple[str, date, date | None]   # a designation as _as_counted reads it


def all_flows(firms: Iterable[FirmHistory], window: range,
              alike: Mapping[tuple[frozenset[Counted], str], int] | None = None,
              ) -> dict[str | None, dict[tuple[int, str], Flow]]:
    """Every stage's flow in every year of ``window`` for the city (key CITY) and every district
    any firm was in, in one pass: the same figures as ``flows(firms, window, district)`` for each.

    A firm that never moved or closed plays the same part in the city and in its district, and
    that part depends only on its designations as ``_as_counted`` reads them (a set: a repeated
    one changes nothing). Firms alike in those (those on one published list, renewed on the same
    list) are worked out once and counted together. A firm that moved is worked out for the city
    and each of its districts; one that closed, alone (the day it closed counts).

    ``alike``: firms that never moved or closed, already grouped (by the database) as
    (their designations as counted, their district) -> how many; ``firms`` are then the others.
    """
    # Counted in flat lists of ints, one per district (and the city): position = year, stage,
    # then start, end, each reason entered, each reason left. A firm's parts become positions
    # once; adding them up is then a few hundred thousand list additions, not Flow updates.
    slots = {("start", None): 0, ("end", None): 1,
             **{("entered", r): 2 + i for i, r in enumerate(ENTERED)},
             **{("left", r): 2 + len(ENTERED) + i for i, r in enumerate(LEFT)}}
    per_stage = len(slots)
    per_year = per_stage * len(STAGES)
    stage_at = {stage: i * per_stage for i, stage in enumerate(STAGES)}

    def positions(parts: Iterable[tuple[int, str, str, str | None]]) -> list[int]:
        return [(year - window.start) * per_year + stage_at[stage] + slots[part, reason]
                for year, stage, part, reason in parts]

    counts: dict[str | None, list[int]] = {}

    def add(district: str | None, at: list[int], n: int = 1) -> None:
        found = counts.get(district)
        if found is None:
            found = counts[district] = [0] * (len(window) * per_year)
        for i in at:
            found[i] += n

    add(CITY, [])
    grouped: Counter[tuple[frozenset[Counted], str]] = Counter(alike or {})
    for firm in firms:
        if firm.moves:
            add(CITY, positions(firm_flows(firm, window)))
            for district in {firm.district, *(m.from_district for m in firm.moves),
                             *(m.to_district for m in firm.moves)}:
                add(district, positions(firm_flows(firm, window, district)))
        elif firm.closed_on is not None:
            at = positions(firm_flows(firm, window))
            add(CITY, at)
            add(firm.district, at)
        else:
            grouped[frozenset(map(_as_counted, firm.designations)), firm.district] += 1
    positions_of: dict[frozenset[Counted], list[int]] = {}
    in_city: Counter[frozenset[Counted]] = Counter()
    for (held, district), n in grouped.items():
        at = positions_of.get(held)
        if at is None:
            at = positions_of[held] = positions(firm_flows(FirmHistory(0, district, tuple(Held(*h) for h in held)),
                                                           window))
        add(district, at, n)
        in_city[held] += n
    for held, n in in_city.items():
        add(CITY, positions_of[held], n)

    def table(flat: list[int]) -> dict[tuple[int, str], Flow]:
        out = {}
        for y, year in enumerate(window):
            for stage in STAGES:
                base = y * per_year + stage_at[stage]
                out[year, stage] = Flow(
                    year, stage, flat[base], flat[base + 1],
                    Counter({r: flat[base + slots["entered", r]] for r in ENTERED if flat[base + slots["entered", r]]}),
                    Counter({r: flat[base + slots["left", r]] for r in LEFT if flat[base + slots["left", r]]}))
        return out

    return {district: table(flat) for district, flat in counts.items()}


def members(firms: Iterable[FirmHistory], year: int, stage: str, part: str, reason: str | None = None,
            district: str | None = CITY) -> list[int]:
    """The firms behind one number: ids of those in ``part`` (and for ``reason``) of a flow."""
    window = range(year, year + 1)
    found = []
    for firm in firms:
        if district is not None and firm.district != district and not firm.moves:
            continue
        for y, s, p, why in firm_flows(firm, window, district):
            if s == stage and p == part and (reason is None or why == reason):
                found.append(firm.enterprise_id)
                break
    return found


def first_year(firms: Sequence[FirmHistory]) -> int | None:
    """The year of the earliest stage designation recorded (flows before it are not known)."""
    years = [d.valid_from.year for f in firms for d in f.designations if d.kind in STAGE_RANK]
    return min(years) if years else None


__all__ = ["CITY", "ENTERED", "all_flows", "ENTERED_LABELS", "FirmHistory", "Flow", "Held", "LEFT", "LEFT_LABELS", "Move",
           "STAGES", "STAGE_RANK", "first_year", "flows", "members"]
