"""A firm's moves between districts are kept from the audit trail, whichever way it moved."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.clock import today
from crm.enterprises.services import set_district
from crm.extensions import db
from crm.flows.services import flow_members, histories, ladder_flows
from crm.models import DistrictMove, Role
from tests.factories import DesignationFactory, EnterpriseFactory, OfficerFactory, UserFactory


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
