"""The dashboard's innovation-points section: stars per district, and firms' movement between rounds.

The round shown is the latest published one (what the bureau has announced); before any is
published, the latest round, marked as not published (the dashboard is for staff only). The
movement compares it with the round before it (the published one before it, when it is
published). Counts are in the user's scope like every query of firms (crm.innovation.services
.score_query): an officer counts the firms of their district. A firm counts in the district it
was scored in; one that lost its stars, in the district of the round where it had them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from crm.dashboard.services import CITY
from crm.districts import DISTRICTS
from crm.extensions import db
from crm.innovation.services import latest_round, score_query
from crm.models import InnovationRound, InnovationScore, User

STARS = (5, 4, 3)
MOVES = ("up", "down", "same", "new", "lost")


@dataclass
class StarCounts:
    """Firms per star rating, and the firms scored, in one district (or the city)."""

    stars: dict[int, int] = field(default_factory=lambda: dict.fromkeys(STARS, 0))
    scored: int = 0

    @property
    def starred(self) -> int:
        return sum(self.stars.values())

    def add(self, other: StarCounts) -> None:
        for stars in STARS:
            self.stars[stars] += other.stars[stars]
        self.scored += other.scored


@dataclass
class Movement:
    """Firms' stars from one round to the next: up, down, same (starred in both), new, lost."""

    moves: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MOVES, 0))

    def add(self, other: Movement) -> None:
        for move in MOVES:
            self.moves[move] += other.moves[move]


@dataclass
class StarsSection:
    round: InnovationRound | None
    # A newer round computed but not published (shown only as a note).
    pending: InnovationRound | None
    previous: InnovationRound | None
    districts: list[str]
    counts: dict[str, StarCounts]
    movement: dict[str, Movement]
    # The city's totals (only when the whole city is shown).
    total: StarCounts | None
    total_movement: Movement | None


def shown_rounds() -> tuple[InnovationRound | None, InnovationRound | None, InnovationRound | None]:
    """(round shown, a newer round not yet published, the round before the one shown)."""
    latest = latest_round()
    published = latest_round(published_only=True)
    current = published or latest
    if current is None:
        return None, None, None
    pending = latest if latest is not None and latest.id != current.id else None
    return current, pending, previous_round(current)


def previous_round(round_: InnovationRound) -> InnovationRound | None:
    """The round before ``round_``: the published one before it when it is published."""
    query = select(InnovationRound).where(InnovationRound.id < round_.id)
    if round_.published:
        query = query.where(InnovationRound.published_at.is_not(None))
    return db.session.scalar(query.order_by(InnovationRound.id.desc()).limit(1))


def districts_of(jurisdiction: str) -> list[str]:
    return list(DISTRICTS) if jurisdiction == CITY else [jurisdiction]


def stars_by_district(user: User, jurisdiction: str, round_id: int) -> dict[str, StarCounts]:
    """Per district of the jurisdiction: firms with 五星, 四星 and 三星 and firms scored, in ``user``'s scope."""
    district = None if jurisdiction == CITY else jurisdiction
    query = (score_query(round_id, user, district=district)
             .with_only_columns(InnovationScore.district_code, InnovationScore.stars, func.count())
             .group_by(InnovationScore.district_code, InnovationScore.stars).order_by(None))
    counts = {code: StarCounts() for code in districts_of(jurisdiction)}
    for code, stars, n in db.session.execute(query):
        row = counts.get(code)
        if row is None:
            continue
        row.scored += n
        if stars in row.stars:
            row.stars[stars] += n
    return counts


def _starred(user: User, round_id: int) -> dict[int, tuple[str, int]]:
    """Firms with stars in a round, in ``user``'s scope: enterprise id → (district as scored, stars)."""
    query = (score_query(round_id, user).where(InnovationScore.stars.is_not(None))
             .with_only_columns(InnovationScore.enterprise_id, InnovationScore.district_code, InnovationScore.stars)
             .order_by(None))
    return {eid: (code, stars) for eid, code, stars in db.session.execute(query)}


def star_movement(user: User, jurisdiction: str, current_id: int, previous_id: int) -> dict[str, Movement]:
    """Per district of the jurisdiction: firms whose stars went up, down, stayed (starred in both
    rounds), firms newly starred and firms that lost their stars (not starred, or not scored, now)."""
    now, before = _starred(user, current_id), _starred(user, previous_id)
    moves: Counter[tuple[str, str]] = Counter()
    for eid, (code, stars) in now.items():
        earlier = before.get(eid)
        if earlier is None:
            moves[code, "new"] += 1
        else:
            moves[code, "up" if stars > earlier[1] else "down" if stars < earlier[1] else "same"] += 1
    for eid, (code, _stars) in before.items():
        if eid not in now:
            moves[code, "lost"] += 1
    movement = {code: Movement() for code in districts_of(jurisdiction)}
    for (code, move), n in moves.items():
        if code in movement:
            movement[code].moves[move] += n
    return movement


def stars_section(user: User, jurisdiction: str) -> StarsSection:
    """Everything the dashboard's innovation-points section shows, for a resolved jurisdiction."""
    current, pending, previous = shown_rounds()
    districts = districts_of(jurisdiction)
    counts = stars_by_district(user, jurisdiction, current.id) if current else {}
    movement = star_movement(user, jurisdiction, current.id, previous.id) if current and previous else {}
    total = total_movement = None
    if jurisdiction == CITY and current is not None:
        total = StarCounts()
        for row in counts.values():
            total.add(row)
        if movement:
            total_movement = Movement()
            for moved in movement.values():
                total_movement.add(moved)
    return StarsSection(current, pending, previous, districts, counts, movement, total, total_movement)
