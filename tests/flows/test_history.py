"""Flows of the ladder: the identity start + entered - left == end on generated histories for
every stage, district and year, and hand-made cases for each reason and edge."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from crm.flows.history import STAGES, FirmHistory, Flow, Held, Move, all_flows, first_year, flows, members

DISTRICTS = ("440703", "440704", "440705", "440781", "440783", "440784", "440785")
WINDOW = range(2016, 2027)


def generated(seed: int, count: int = 400) -> list[FirmHistory]:
    """Random histories: renewed and lapsed certificates, open-ended listings, a designation
    entered after a later one, moves mid-year and on 1 January, closures."""
    rng = random.Random(seed)
    firms = []
    for eid in range(1, count + 1):
        held = []
        for _ in range(rng.randint(0, 5)):
            kind = rng.choice(STAGES)
            start = date(2014, 1, 1) + timedelta(days=rng.randint(0, 13 * 365))
            end = None if kind == "listed" or rng.random() < 0.05 else start + timedelta(days=rng.randint(0, 3 * 366))
            held.append(Held(kind, start, end))
        rng.shuffle(held)                       # backdated entries come in any order
        district = rng.choice(DISTRICTS)
        moves = []
        day = date(2015, 1, 1)
        for _ in range(rng.choice((0, 0, 0, 1, 2))):
            day += timedelta(days=rng.randint(1, 1500))
            to = rng.choice([d for d in DISTRICTS if d != district])
            moves.append(Move(day if rng.random() < 0.8 else date(day.year, 1, 1), district, to))
            district = to
        closed = date(2016, 1, 1) + timedelta(days=rng.randint(0, 3600)) if rng.random() < 0.05 else None
        firms.append(FirmHistory(eid, district, tuple(held), tuple(moves), closed))
    return firms


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_start_plus_entered_minus_left_is_end_for_every_stage_district_and_year(seed: int) -> None:
    firms = generated(seed)
    city = flows(firms, WINDOW)
    per_district = {d: flows(firms, WINDOW, d) for d in DISTRICTS}
    for key, flow in city.items():
        assert flow.start + flow.entered_total - flow.left_total == flow.end, key
        parts = [per_district[d][key] for d in DISTRICTS]
        for part in parts:
            assert part.start + part.entered_total - part.left_total == part.end, key
        # Every firm is in one district on a day: the districts' stocks add up to the city's.
        assert sum(p.start for p in parts) == flow.start and sum(p.end for p in parts) == flow.end, key
        # Moves cancel out in the city: what moved in somewhere moved away from somewhere else.
        assert sum(p.entered["moved_in"] for p in parts) == sum(p.left["moved_away"] for p in parts), key
        assert "moved_in" not in flow.entered and "moved_away" not in flow.left


def figures(table: dict[tuple[int, str], Flow]) -> dict[tuple[int, str], tuple]:
    return {key: (f.start, f.end, dict(+f.entered), dict(+f.left)) for key, f in table.items()}


@pytest.mark.parametrize("seed", [6, 7])
def test_all_flows_at_once_are_each_districts_and_the_citys(seed: int) -> None:
    """The one-pass count (firms alike counted together) gives what counting each alone gives:
    firms share histories here, as those on one published list do, in one district or several."""
    base = generated(seed, 250)
    rng = random.Random(seed)
    alike = [FirmHistory(1000 + i, rng.choice(DISTRICTS), f.designations, (), f.closed_on)
             for i, f in enumerate(rng.choices(base, k=250))]
    edges = [date(2018, 1, 1), date(2018, 12, 31), date(2019, 1, 1), date(2020, 7, 15), date(2020, 12, 31),
             date(2021, 1, 1), date(2021, 12, 30)]
    on_edges = [FirmHistory(2000 + i, rng.choice(DISTRICTS),
                            tuple(Held(rng.choice(STAGES[1:4]), *sorted(rng.sample(edges, 2)))
                                  for _ in range(rng.randint(1, 3))))
                for i in range(200)]
    firms = base + alike + on_edges
    tables = all_flows(firms, WINDOW)
    assert figures(tables[None]) == figures(flows(firms, WINDOW))
    for district in DISTRICTS:
        assert figures(tables[district]) == figures(flows(firms, WINDOW, district)), district
    assert set(tables) == {None, *DISTRICTS}


@pytest.mark.parametrize("seed", [4, 5])
def test_the_firms_behind_each_number_are_that_many(seed: int) -> None:
    firms = generated(seed, 200)
    for district in (None, "440783"):
        table = flows(firms, range(2020, 2023), district)
        for (year, stage), flow in table.items():
            assert len(members(firms, year, stage, "start", district=district)) == flow.start
            assert len(members(firms, year, stage, "end", district=district)) == flow.end
            for reason, n in flow.left.items():
                assert len(members(firms, year, stage, "left", reason, district)) == n


def hitech(start: date, end: date | None = None) -> Held:
    return Held("hitech", start, end or date(start.year + 3, start.month, start.day) - timedelta(days=1))


def one(firm: FirmHistory, year: int, stage: str = "hitech", district: str | None = None):  # noqa: ANN201
    return flows([firm], range(year, year + 1), district)[year, stage]


def test_a_first_certificate_enters_and_a_lapsed_one_leaves() -> None:
    firm = FirmHistory(1, "440783", (hitech(date(2021, 11, 30)),))
    assert (one(firm, 2021).entered, one(firm, 2021).end) == ({"first": 1}, 1)
    assert (one(firm, 2022).start, one(firm, 2022).end, one(firm, 2022).entered_total) == (1, 1, 0)
    assert one(firm, 2024).left == {"lapsed": 1} and one(firm, 2024).end == 0


def test_a_renewal_before_expiry_is_neither_in_nor_out_and_a_late_one_is_returning() -> None:
    renewed = FirmHistory(1, "440783", (hitech(date(2021, 11, 30)), hitech(date(2024, 11, 20))))
    assert (one(renewed, 2024).start, one(renewed, 2024).end, one(renewed, 2024).left_total) == (1, 1, 0)
    late = FirmHistory(2, "440783", (hitech(date(2020, 3, 1)), hitech(date(2024, 6, 1))))
    assert one(late, 2023).left == {"lapsed": 1}
    assert one(late, 2024).entered == {"returning": 1}


def test_moving_up_gives_the_lower_rung_up() -> None:
    firm = FirmHistory(1, "440783", (Held("tech_sme", date(2023, 1, 1), date(2023, 12, 31)),
                                     Held("tech_sme", date(2024, 1, 1), date(2024, 6, 30)),
                                     hitech(date(2024, 6, 1))))
    assert one(firm, 2024, "tech_sme").left == {"moved_up": 1}
    assert one(firm, 2024, "hitech").entered == {"first": 1}


def test_a_firm_that_moved_mid_year_leaves_one_district_enters_the_other_and_the_city_sees_neither() -> None:
    firm = FirmHistory(1, "440704", (hitech(date(2022, 5, 1)),), (Move(date(2023, 7, 1), "440783", "440704"),))
    assert one(firm, 2023, district="440783").left == {"moved_away": 1}
    assert one(firm, 2023, district="440704").entered == {"moved_in": 1}
    city = one(firm, 2023)
    assert (city.start, city.end, city.entered_total, city.left_total) == (1, 1, 0, 0)
    # Before the move it is the old district's, after it the new one's.
    assert one(firm, 2023, district="440783").start == 1 and one(firm, 2024, district="440704").start == 1
    assert one(firm, 2024, district="440783").start == 0


def test_a_closed_firm_leaves_on_the_day_it_closed() -> None:
    firm = FirmHistory(1, "440783", (Held("listed", date(2019, 9, 1)),), closed_on=date(2024, 3, 1))
    assert one(firm, 2024, "listed").left == {"closed": 1} and one(firm, 2024, "listed").end == 0
    assert one(firm, 2025, "listed").start == 0
    assert one(firm, 2023, "listed").end == 1


def test_an_open_ended_designation_is_held_every_year_after() -> None:
    firm = FirmHistory(1, "440783", (Held("listed", date(2019, 9, 1)),))
    assert [one(firm, y, "listed").end for y in (2018, 2019, 2026)] == [0, 1, 1]
    assert one(firm, 2019, "listed").entered == {"first": 1}


def test_edges_of_the_year_are_inclusive() -> None:
    """A designation from 1 January is in the start; one to 31 December is in the end; a
    tech-SME registration from 10 January to 31 December enters and is in the end only."""
    jan = FirmHistory(1, "440783", (Held("gazelle", date(2024, 1, 1), date(2024, 12, 31)),))
    assert (one(jan, 2024, "gazelle").start, one(jan, 2024, "gazelle").end) == (1, 1)
    registration = FirmHistory(2, "440783", (Held("tech_sme", date(2024, 1, 10), date(2024, 12, 31)),))
    flow = one(registration, 2024, "tech_sme")
    assert (flow.start, flow.end, flow.entered) == (0, 1, {"first": 1})
    # It ends on 31 December: in 2024's end, not in 2025's start, so it leaves in no year (the
    # contract's stocks are the two days; a year's end and the next one's start differ by it).
    assert (one(registration, 2025, "tech_sme").start, one(registration, 2025, "tech_sme").left_total) == (0, 0)


def test_before_the_first_record_there_are_no_flows() -> None:
    firms = [FirmHistory(1, "440783", (hitech(date(2021, 11, 30)),))]
    assert first_year(firms) == 2021 and first_year([]) is None
    assert all(f.start == f.end == f.entered_total == f.left_total == 0
               for (year, _s), f in flows(firms, range(2015, 2021)).items())
