"""Officers and bureau staff record the day a firm closed (注销日期): validated at the field, shown
on the firm's page, audited, and counted in the ladder's flows."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.clock import today
from crm.extensions import db
from crm.flows.services import ladder_flows
from crm.models import AuditLog, DesignationKind, Enterprise, Role
from tests.conftest import login
from tests.enterprises.helpers import post_form
from tests.factories import DesignationFactory, EnterpriseFactory, OfficerFactory, UserFactory


def profile(firm: Enterprise, **changes: str) -> dict[str, str]:
    """The profile form as the page fills it, with ``changes``."""
    return {"version_id": "1", "name": firm.name, "founded_on": firm.founded_on.isoformat() if firm.founded_on else "",
            "district_code": firm.district_code, "hitech_field": "", "industry_code": "", **changes}


@pytest.mark.parametrize("role", [Role.officer, Role.bureau])
def test_closure_is_recorded_shown_and_audited(app, client, role) -> None:
    firm = EnterpriseFactory(district="440783", founded_on=date(2015, 3, 1))
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2021, 3, 1),
                       valid_to=date(2024, 2, 28))
    (OfficerFactory if role is Role.officer else UserFactory)(username="staff", role=role)
    login(client, "staff")
    url = f"/enterprises/{firm.uscc}/profile"
    form = client.get(url).get_data(as_text=True)
    assert 'name="closed_on"' in form and "注销日期" in form
    response = post_form(client, url, profile(firm, closed_on="2022-08-15"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Enterprise, firm.id).closed_on == date(2022, 8, 15)
    page = client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True)
    assert 'id="closed-badge"' in page and "已注销 2022-08-15" in page
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "enterprise", AuditLog.entity_id == firm.id,
                               AuditLog.action == "update")).one()
    assert entry.changes["closed_on"] == [None, "2022-08-15"] and entry.actor == "staff"
    assert "注销日期" in page  # the audit trail names the field by its label
    # The flows count it as closed in 2022.
    assert ladder_flows(range(2022, 2023), "440783")[2022, "hitech"].left == {"closed": 1}


def test_a_closure_can_be_withdrawn(app, client) -> None:
    firm = EnterpriseFactory(founded_on=date(2015, 3, 1), closed_on=date(2022, 8, 15))
    OfficerFactory(username="kp")
    login(client, "kp")
    assert 'value="2022-08-15"' in client.get(f"/enterprises/{firm.uscc}/profile").get_data(as_text=True)
    response = post_form(client, f"/enterprises/{firm.uscc}/profile", profile(firm, closed_on=""))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enterprise, firm.id).closed_on is None
    assert 'id="closed-badge"' not in client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True)


@pytest.mark.parametrize("closed_on, message", [
    ((today() + timedelta(days=1)).isoformat(), "日期不能晚于今天"),
    ("2014-12-31", "注销日期不能早于成立日期（2015-03-01）"),
    ("2022-13-01", "日期格式应为 YYYY-MM-DD"),
])
def test_an_impossible_closure_is_refused_at_the_field(app, client, closed_on, message) -> None:
    firm = EnterpriseFactory(founded_on=date(2015, 3, 1))
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, f"/enterprises/{firm.uscc}/profile", profile(firm, closed_on=closed_on))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enterprise, firm.id).closed_on is None


def test_closing_on_the_founding_day_or_without_a_founding_date_is_accepted(app, client) -> None:
    founded = EnterpriseFactory(founded_on=date(2015, 3, 1))
    unknown = EnterpriseFactory(founded_on=None)
    OfficerFactory(username="kp")
    login(client, "kp")
    assert post_form(client, f"/enterprises/{founded.uscc}/profile",
                     profile(founded, closed_on="2015-03-01")).status_code == 302
    assert post_form(client, f"/enterprises/{unknown.uscc}/profile",
                     profile(unknown, closed_on="2001-01-01")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Enterprise, unknown.id).closed_on == date(2001, 1, 1)


def test_the_closure_is_checked_against_the_founding_date_submitted_with_it(app, client) -> None:
    firm = EnterpriseFactory(founded_on=date(2015, 3, 1))
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, f"/enterprises/{firm.uscc}/profile",
                         profile(firm, founded_on="2010-01-01", closed_on="2012-06-30"))
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Enterprise, firm.id)
    assert (stored.founded_on, stored.closed_on) == (date(2010, 1, 1), date(2012, 6, 30))
