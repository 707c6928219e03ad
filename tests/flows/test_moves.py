"""A firm's moves between districts are kept from the audit trail, whichever way it moved."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.clock import today
from crm.enterprises.services import set_district
from crm.extensions import db
from crm.flows.services import histories, ladder_flows, member_query
from crm.models import DistrictMove, Enterprise, Role
from tests.factories import DesignationFactory, EnterpriseFactory, OfficerFactory, UserFactory


def flow_members(year: int, stage: str, part: str, reason: str | None, district: str | None, user) -> list:  # noqa: ANN001
    """The firms behind one number the user may see, as the flows' firms page lists them."""
    stmt, _hidden = member_query(year, stage, part, reason, district, user)
    return list(db.session.scalars(stmt.order_by(Enterprise.name)))


def test_a_move_by_the_bureau_is_kept_and_the_flows_follow_it(app) -> None:
    firm = EnterpriseFactory(district="440783")
    DesignationFactory(enterprise=firm, valid_from=date(2022, 5, 1), valid_to=date(2030, 4, 30))
    bureau = UserFactory(role=Role.bureau)
    db.session.commit()
    set_district(firm, "440704", bureau)
    db.session.commit()
    moves = db.session.scalars(select(DistrictMove)).all()
    assert [(m.enterprise_id, m.from_district, m.to_district, m.moved_on) for m in moves] == [
        (firm.id, "440783", "440704", today())]
    year = today().year
    assert ladder_flows(range(year, year + 1), "440783")[year, "hitech"].left == {"moved_away": 1}
    assert ladder_flows(range(year, year + 1), "440704")[year, "hitech"].entered == {"moved_in": 1}
    assert ladder_flows(range(year, year + 1))[year, "hitech"].left_total == 0
    # The old district's officer is told the number but not shown the firm, now another district's.
    old = OfficerFactory(district_code="440783")
    new = OfficerFactory(district_code="440704")
    assert flow_members(year, "hitech", "left", "moved_away", "440783", old) == []
    assert [f.id for f in flow_members(year, "hitech", "left", "moved_away", "440783", bureau)] == [firm.id]
    assert [f.id for f in flow_members(year, "hitech", "entered", None, "440704", new)] == [firm.id]
    assert [h.enterprise_id for h in histories("440783")] == [firm.id]


def test_the_firms_behind_a_city_wide_number_can_be_more_than_a_statement_binds(app) -> None:
    """Tens of thousands of ids (more than SQLite's 32,766 or PostgreSQL's 65,535 parameters)."""
    from sqlalchemy import func, select

    from crm.flows.services import id_among
    from crm.models import Enterprise

    firm = EnterpriseFactory()
    ids = [*range(10_000_000, 10_070_000), firm.id]
    assert db.session.scalar(select(func.count()).select_from(Enterprise).where(id_among(ids))) == 1


def test_the_database_grouping_counts_what_each_firm_alone_counts(app) -> None:
    """city_and_district_flows groups firms that never moved or closed in SQL, by their
    designations' years and year edges; the tables equal counting every firm's history alone,
    starts on 1 January, ends on 31 December, open ends, yearly lists, moves and closures included."""
    from random import Random

    from crm.flows.history import all_flows
    from crm.flows.services import city_and_district_flows
    from crm.models import DesignationKind

    rng = Random(18)
    days = [date(2018, 1, 1), date(2018, 12, 31), date(2019, 3, 9), date(2020, 1, 1), date(2020, 12, 30),
            date(2021, 12, 31), date(2022, 1, 1), date(2023, 6, 30), date(2024, 12, 31)]
    kinds = [DesignationKind.tech_sme, DesignationKind.hitech, DesignationKind.gazelle, DesignationKind.incubated]
    districts = ["440703", "440783", "440784"]
    firms = []
    for i in range(40):
        firm = EnterpriseFactory(district=districts[i % 3])
        for _ in range(rng.randint(1, 3)):
            start, end = sorted(rng.sample(days, 2))
            DesignationFactory(enterprise=firm, kind=rng.choice(kinds), valid_from=start,
                               valid_to=None if rng.random() < 0.15 else end)
        firms.append(firm)
    firms[0].closed_on = date(2021, 6, 1)
    firms[1].closed_on = date(2022, 1, 1)
    db.session.commit()
    bureau = UserFactory(role=Role.bureau)
    set_district(firms[2], "440704", bureau)
    db.session.commit()
    years = range(2016, 2027)

    def figures(table):  # noqa: ANN001, ANN202
        return {key: (f.start, f.end, dict(f.entered), dict(f.left)) for key, f in table.items()}

    grouped = city_and_district_flows(years)
    alone = all_flows(histories(), years)
    assert set(grouped) == set(alone) >= {None, "440703", "440783", "440784", "440704"}
    for district in alone:
        assert figures(grouped[district]) == figures(alone[district]), district
    assert sum(f.end for f in grouped[None].values()) > 0
