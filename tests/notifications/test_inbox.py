"""The inbox: who hears about which flag, reading, the unread badge."""
from __future__ import annotations

from sqlalchemy import select

from crm.eligibility.services import run_eligibility
from crm.extensions import db
from crm.models import Notification
from crm.notifications.services import unread_count
from tests.conftest import csrf_token, login
from tests.eligibility.helpers import AS_OF, candidate
from tests.factories import EnterpriseUserFactory, OfficerFactory


def test_raised_flags_notify_own_district_officers_and_the_firm(client) -> None:
    kaiping = candidate("440783", name="开平候选科技有限公司")
    heshan = candidate("440784", name="鹤山候选科技有限公司")
    kp = OfficerFactory(username="kp", district_code="440783")
    hs = OfficerFactory(username="hs", district_code="440784")
    firm_user = EnterpriseUserFactory(username="firm", enterprise=kaiping)
    run_eligibility(AS_OF)

    kp_notes = db.session.scalars(select(Notification).where(Notification.user_id == kp.id)).all()
    assert kp_notes and all("开平市" in n.title for n in kp_notes)
    assert any("开平候选科技有限公司" in n.body for n in kp_notes)
    assert not any("鹤山" in n.body for n in kp_notes)
    hs_notes = db.session.scalars(select(Notification).where(Notification.user_id == hs.id)).all()
    assert hs_notes and not any("开平" in n.body for n in hs_notes)
    mine = db.session.scalars(select(Notification).where(Notification.user_id == firm_user.id)).all()
    assert {n.title for n in mine} >= {"贵企业已符合高新技术企业认定的量化条件，可准备申报"}
    assert all(n.enterprise_id == kaiping.id for n in mine)
    assert any("研发费用占销售收入比例" in n.body for n in mine)

    # A re-run raises nothing new, so nobody hears twice.
    count = db.session.query(Notification).count()
    run_eligibility(AS_OF)
    assert db.session.query(Notification).count() == count

    login(client, "kp")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "开平候选科技有限公司" in page and "鹤山候选科技有限公司" not in page
    assert "data-unread" in page  # the badge in the menu
    assert unread_count(kp) == len(kp_notes)


def test_mark_read_and_read_all(client) -> None:
    candidate("440783")
    kp = OfficerFactory(username="kp", district_code="440783")
    other = OfficerFactory(username="kp2", district_code="440783")
    run_eligibility(AS_OF)
    login(client, "kp")
    token = csrf_token(client, "/notifications/")
    first, *rest = db.session.scalars(select(Notification).where(Notification.user_id == kp.id)).all()
    assert client.post(f"/notifications/{first.id}/read", data={"csrf_token": token}).status_code == 302
    assert unread_count(kp) == len(rest)
    # Someone else's message is not found.
    foreign = db.session.scalar(select(Notification).where(Notification.user_id == other.id))
    assert client.post(f"/notifications/{foreign.id}/read", data={"csrf_token": token}).status_code == 404
    client.post("/notifications/read-all", data={"csrf_token": token})
    assert unread_count(kp) == 0
    assert unread_count(other) > 0
    assert "data-unread" not in client.get("/notifications/").get_data(as_text=True)


def test_enterprise_user_sees_only_own(client) -> None:
    a = candidate("440783", name="甲科技有限公司")
    b = candidate("440783", name="乙科技有限公司")
    EnterpriseUserFactory(username="a", enterprise=a)
    EnterpriseUserFactory(username="b", enterprise=b)
    run_eligibility(AS_OF)
    login(client, "a")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "贵企业已符合高新技术企业认定的量化条件" in page
    b_note = db.session.scalar(select(Notification).where(Notification.enterprise_id == b.id))
    assert b_note is not None
    token = csrf_token(client, "/notifications/")
    assert client.post(f"/notifications/{b_note.id}/read", data={"csrf_token": token}).status_code == 404
