"""Notifications follow scope (issue 18, decision 4): a message about a district or a firm
is listed, counted and opened only while the reader's scope includes it."""
from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from crm.eligibility.services import run_eligibility
from crm.extensions import db
from crm.models import Notification, User
from crm.notifications.services import inbox_query, mark_read, notify, unread_count
from tests.conftest import csrf_token, login
from tests.eligibility.helpers import AS_OF, candidate
from tests.factories import EnterpriseFactory, EnterpriseUserFactory, OfficerFactory, UserFactory

KAIPING, HESHAN = "440783", "440784"


def _messages(user: User) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def _visible_ids(user: User) -> set[int]:
    return {n.id for n in db.session.scalars(inbox_query(user))}


def _move_officer(officer: User, district: str) -> None:
    officer.district_code = district
    db.session.commit()


def test_a_district_digest_is_stored_with_its_district_and_vanishes_when_its_officer_moves(client: FlaskClient) -> None:
    candidate(KAIPING, name="甲候选科技有限公司")
    candidate(KAIPING, name="乙候选科技有限公司")
    officer = OfficerFactory(username="kp", district_code=KAIPING)
    run_eligibility(AS_OF)
    digests = [n for n in _messages(officer) if n.enterprise_id is None]
    assert digests and all(n.district_code == KAIPING for n in digests)
    digest = digests[0]

    login(client, "kp")
    token = csrf_token(client, "/notifications/")
    assert "甲候选科技有限公司" in client.get("/notifications/").get_data(as_text=True)
    assert unread_count(officer) == len(_messages(officer))

    _move_officer(officer, HESHAN)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "甲候选科技有限公司" not in page and "data-unread" not in page
    assert unread_count(officer) == 0
    assert _visible_ids(officer) == set()
    assert client.post(f"/notifications/{digest.id}/read", data={"csrf_token": token}).status_code == 404
    # "Mark all read" touches only what the officer sees: the old district's messages stay unread.
    client.post("/notifications/read-all", data={"csrf_token": token})
    assert all(n.read_at is None for n in _messages(officer))

    _move_officer(officer, KAIPING)  # moved back: the district's messages are theirs again
    assert unread_count(officer) == len(_messages(officer))
    assert client.post(f"/notifications/{digest.id}/read", data={"csrf_token": token}).status_code == 302


def test_a_message_about_a_firm_follows_the_firm(client: FlaskClient) -> None:
    firm = candidate(KAIPING, name="丙候选科技有限公司")
    officer = OfficerFactory(username="kp", district_code=KAIPING)
    firm_user = EnterpriseUserFactory(username="firm", enterprise=firm)
    run_eligibility(AS_OF)
    about_firm = _messages(officer)
    assert about_firm and all(n.enterprise_id == firm.id and n.district_code == KAIPING for n in about_firm)
    own = _messages(firm_user)
    assert own and all(n.district_code == KAIPING for n in own)

    firm.district_code = HESHAN  # moved out of the officer's district (by the bureau)
    db.session.commit()
    assert unread_count(officer) == 0 and _visible_ids(officer) == set()
    assert mark_read(officer, [n.id for n in about_firm]) == 0
    login(client, "kp")
    token = csrf_token(client, "/notifications/")
    assert "丙候选科技有限公司" not in client.get("/notifications/").get_data(as_text=True)
    assert client.post(f"/notifications/{about_firm[0].id}/read", data={"csrf_token": token}).status_code == 404

    # The firm's own users still read about their firm, wherever it is.
    assert _visible_ids(firm_user) == {n.id for n in own}
    # Heshan's officers never received it, and a move does not hand it to them.
    newcomer = OfficerFactory(username="hs", district_code=HESHAN)
    assert unread_count(newcomer) == 0


def test_city_staff_see_every_district_and_a_message_about_nothing_stays(app) -> None:
    city = UserFactory(username="city")
    officer = OfficerFactory(username="kp", district_code=KAIPING)
    digest = notify(city, "flag:hitech_candidate", "开平市新增 2 家企业", district_code=KAIPING)
    general = notify(officer, "notice", "系统维护通知")
    db.session.commit()
    assert _visible_ids(city) == {digest.id}
    _move_officer(officer, HESHAN)
    assert _visible_ids(officer) == {general.id}


def test_notify_looks_up_the_district_of_a_firm_when_not_given(app) -> None:
    firm = EnterpriseFactory(district=HESHAN)
    person = EnterpriseUserFactory(enterprise=firm)
    item = notify(person, "report_returned", "年报已退回", enterprise_id=firm.id)
    db.session.commit()
    assert item.district_code == HESHAN
