"""Firms propose profile changes, platforms and talent; officers of the district decide."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from crm.extensions import db
from crm.models import AuditLog, ChangeRequest, ChangeRequestStatus, Platform, Talent
from crm.portal.services import ChangeRequestError, decide_change_request
from tests.conftest import csrf_token, login
from tests.factories import EnterpriseFactory, EnterpriseUserFactory, OfficerFactory


def _logout(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def _profile_data(firm, **changes) -> dict:
    data = {f"profile-{k}": v for k, v in {
        "name": firm.name, "town": firm.town or "", "address": firm.address or "",
        "contact_person": firm.contact_person or "", "contact_phone": firm.contact_phone or "",
        "contact_email": firm.contact_email or "", "industry_code": firm.industry_code or "",
        "hitech_field": firm.hitech_field.value if firm.hitech_field else "",
        "founded_on": firm.founded_on.isoformat() if firm.founded_on else "",
    }.items()}
    data.update({f"profile-{k}": v for k, v in changes.items()})
    return data


def test_profile_change_approved_is_applied_and_audited(app, client) -> None:
    firm = EnterpriseFactory(district="440783")
    EnterpriseUserFactory(username="firm", enterprise=firm)
    OfficerFactory(username="kp", district_code="440783")
    login(client, "firm")
    token = csrf_token(client, "/portal/change-requests")
    response = client.post("/portal/change-requests/profile", data={
        "csrf_token": token, **_profile_data(firm, town="水口镇", contact_person="王五", hitech_field="new_materials",
                                             founded_on="2014-05-06")})
    assert response.status_code == 302
    change = db.session.scalar(select(ChangeRequest))
    assert change.kind == "profile" and change.status is ChangeRequestStatus.pending
    assert set(change.payload["changes"]) == {"town", "contact_person", "hitech_field", "founded_on"}
    assert firm.town is None  # nothing applied before approval
    _logout(client)

    login(client, "kp")
    page = client.get("/portal/review").get_data(as_text=True)
    assert firm.name in page and "水口镇" in page and "新材料" in page
    assert f'href="/enterprises/{firm.uscc}"' in page  # the reviewer can open the firm's record
    token = csrf_token(client, "/portal/review")
    client.post(f"/portal/review/{change.id}", data={"csrf_token": token, "decision": "approve", "note": ""})
    db.session.expire_all()
    assert firm.town == "水口镇" and firm.contact_person == "王五" and firm.founded_on == date(2014, 5, 6)
    assert change.status is ChangeRequestStatus.approved and change.decided_at is not None
    log = db.session.scalars(select(AuditLog).where(AuditLog.entity == "enterprise",
                                                    AuditLog.entity_id == firm.id)).all()[-1]
    assert log.actor == "kp" and log.changes["town"] == [None, "水口镇"]
    _logout(client)
    login(client, "firm")
    assert "已通过" in client.get("/portal/change-requests").get_data(as_text=True)


def test_unchanged_profile_is_not_a_request_and_typed_values_stay(app, client) -> None:
    firm = EnterpriseFactory()
    EnterpriseUserFactory(username="firm", enterprise=firm)
    login(client, "firm")
    token = csrf_token(client, "/portal/change-requests")
    body = client.post("/portal/change-requests/profile", data={"csrf_token": token, **_profile_data(firm)}
                       ).get_data(as_text=True)
    assert "没有需要变更的内容" in body
    body = client.post("/portal/change-requests/profile", data={
        "csrf_token": token, **_profile_data(firm, contact_email="not-an-email", town="棠下镇")}).get_data(as_text=True)
    assert "联系邮箱格式不正确" in body and 'value="棠下镇"' in body
    assert db.session.scalar(select(ChangeRequest)) is None


def test_platform_and_talent_requests_rejection_needs_note(app, client) -> None:
    firm = EnterpriseFactory(district="440783")
    EnterpriseUserFactory(username="firm", enterprise=firm)
    OfficerFactory(username="kp", district_code="440783")
    login(client, "firm")
    token = csrf_token(client, "/portal/change-requests")
    client.post("/portal/change-requests/platform", data={
        "csrf_token": token, "platform-kind": "key_lab", "platform-level": "provincial",
        "platform-name": "广东省测试重点实验室", "platform-recognized_on": "2024-01-10"})
    client.post("/portal/change-requests/talent", data={
        "csrf_token": token, "talent-category": "innovation_team", "talent-name": "张教授团队",
        "talent-programme": "pearl_river", "talent-year": "2023", "talent-is_team": "y", "talent-high_end": "y"})
    platform_req, talent_req = db.session.scalars(select(ChangeRequest).order_by(ChangeRequest.id)).all()
    _logout(client)
    login(client, "kp")
    token = csrf_token(client, "/portal/review")
    client.post(f"/portal/review/{platform_req.id}", data={"csrf_token": token, "decision": "approve"})
    body = client.post(f"/portal/review/{talent_req.id}", data={"csrf_token": token, "decision": "reject"},
                       follow_redirects=True).get_data(as_text=True)
    assert "驳回时请填写说明" in body
    client.post(f"/portal/review/{talent_req.id}",
                data={"csrf_token": token, "decision": "reject", "note": "请补充入选文件"})
    db.session.expire_all()
    platform = db.session.scalar(select(Platform))
    assert platform.name == "广东省测试重点实验室" and platform.enterprise_id == firm.id
    assert platform.recognized_on == date(2024, 1, 10)
    assert db.session.scalar(select(Talent)) is None
    assert talent_req.status is ChangeRequestStatus.rejected and talent_req.decision_note == "请补充入选文件"
    _logout(client)
    login(client, "firm")
    page = client.get("/portal/change-requests").get_data(as_text=True)
    assert "请补充入选文件" in page and "未通过" in page


def test_officer_of_other_district_cannot_see_or_decide(app, client) -> None:
    firm = EnterpriseFactory(district="440783")
    change = ChangeRequest(enterprise_id=firm.id, kind="profile", payload={"changes": {"town": ["", "X镇"]}})
    db.session.add(change)
    db.session.commit()
    OfficerFactory(username="hs", district_code="440784")
    login(client, "hs")
    assert firm.name not in client.get("/portal/review").get_data(as_text=True)
    token = csrf_token(client, "/portal/review")
    response = client.post(f"/portal/review/{change.id}", data={"csrf_token": token, "decision": "approve"})
    assert response.status_code == 404
    db.session.expire_all()
    assert change.status is ChangeRequestStatus.pending and firm.town is None


def test_profile_changed_since_the_request_is_not_overwritten_on_approval(app, client) -> None:
    firm = EnterpriseFactory(district="440783", town="会城街道")
    EnterpriseUserFactory(username="firm", enterprise=firm)
    OfficerFactory(username="kp", district_code="440783")
    login(client, "firm")
    token = csrf_token(client, "/portal/change-requests")
    client.post("/portal/change-requests/profile",
                data={"csrf_token": token, **_profile_data(firm, town="水口镇", contact_person="王五")})
    change = db.session.scalar(select(ChangeRequest))
    _logout(client)
    # Meanwhile the officer corrects the town on the firm's record.
    firm.town = "长沙街道"
    db.session.commit()
    login(client, "kp")
    token = csrf_token(client, "/portal/review")
    body = client.post(f"/portal/review/{change.id}", data={"csrf_token": token, "decision": "approve"},
                       follow_redirects=True).get_data(as_text=True)
    assert "镇街/园区在企业提交申请后已被修改（申请时为“会城街道”，现为“长沙街道”）" in body
    db.session.expire_all()
    assert firm.town == "长沙街道" and firm.contact_person is None
    assert change.status is ChangeRequestStatus.pending
    # It can still be rejected with a note.
    client.post(f"/portal/review/{change.id}", data={"csrf_token": token, "decision": "reject", "note": "请重新申请"})
    db.session.expire_all()
    assert change.status is ChangeRequestStatus.rejected


def test_firm_sees_its_platforms_and_talents_and_asks_to_remove_one(app, client) -> None:
    from tests.factories import PlatformFactory, TalentFactory

    firm = EnterpriseFactory(district="440783")
    EnterpriseUserFactory(username="firm", enterprise=firm)
    OfficerFactory(username="kp", district_code="440783")
    platform = PlatformFactory(enterprise=firm, name="江门市旧工程中心")
    talent = TalentFactory(enterprise=firm, name="李博士团队")
    stranger = PlatformFactory(name="别家的中心")
    login(client, "firm")
    page = client.get("/portal/change-requests").get_data(as_text=True)
    assert "江门市旧工程中心" in page and "李博士团队" in page and "别家的中心" not in page
    token = csrf_token(client, "/portal/change-requests")
    # Another firm's record: not found, nothing requested.
    assert client.post(f"/portal/change-requests/platforms/{stranger.id}/remove",
                       data={"csrf_token": token, "reason": "x"}).status_code == 404
    body = client.post(f"/portal/change-requests/platforms/{platform.id}/remove", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "申请删除“江门市旧工程中心”时请填写原因" in body
    assert db.session.scalar(select(ChangeRequest)) is None
    client.post(f"/portal/change-requests/platforms/{platform.id}/remove",
                data={"csrf_token": token, "reason": "已升级为省级，原市级记录作废"})
    body = client.post(f"/portal/change-requests/platforms/{platform.id}/remove",
                       data={"csrf_token": token, "reason": "again"}, follow_redirects=True).get_data(as_text=True)
    assert "删除申请已提交，正在审核中" in body
    change = db.session.scalar(select(ChangeRequest))
    assert change.kind == "platform_remove" and change.payload["id"] == platform.id
    _logout(client)

    login(client, "kp")
    page = client.get("/portal/review").get_data(as_text=True)
    assert "删除研发机构/载体" in page and "已升级为省级，原市级记录作废" in page
    token = csrf_token(client, "/portal/review")
    client.post(f"/portal/review/{change.id}", data={"csrf_token": token, "decision": "approve"})
    db.session.expire_all()
    assert db.session.get(Platform, platform.id) is None and db.session.get(Talent, talent.id) is not None
    assert change.status is ChangeRequestStatus.approved
    log = db.session.scalars(select(AuditLog).where(AuditLog.entity == "platform",
                                                    AuditLog.entity_id == platform.id)).all()[-1]
    assert log.actor == "kp" and log.action.value == "delete"


def test_platform_request_needs_a_chosen_type_and_level(app, client) -> None:
    firm = EnterpriseFactory(district="440783")
    EnterpriseUserFactory(username="firm", enterprise=firm)
    login(client, "firm")
    page = client.get("/portal/change-requests").get_data(as_text=True)
    # Nothing is preselected: the first option of the level select is the blank prompt, not 国家级.
    level_select = page[page.index('name="platform-level"'):]
    assert level_select[:level_select.index("</option>")].endswith('value="">（请选择）')
    token = csrf_token(client, "/portal/change-requests")
    response = client.post("/portal/change-requests/platform", data={
        "csrf_token": token, "platform-kind": "", "platform-level": "", "platform-name": "某研发中心"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请选择研发机构/载体的级别" in body and "请选择研发机构/载体的类型" in body
    assert db.session.scalar(select(ChangeRequest)) is None


def test_a_request_decided_meanwhile_is_not_applied_twice(app) -> None:
    """Two decisions racing (a double click, two officers): the one that finds it decided applies nothing."""
    firm = EnterpriseFactory(district="440783")
    officer = OfficerFactory(district_code="440783")
    change = ChangeRequest(enterprise_id=firm.id, kind="platform", payload={
        "kind": "key_lab", "level": "provincial", "name": "广东省测试重点实验室", "recognized_on": None})
    db.session.add(change)
    db.session.commit()
    assert change.status is ChangeRequestStatus.pending  # this officer's page loaded it pending
    # The other decision commits first, from its own connection.
    with db.engine.begin() as other:
        other.execute(update(ChangeRequest).where(ChangeRequest.id == change.id)
                      .values(status=ChangeRequestStatus.approved))

    with pytest.raises(ChangeRequestError, match="该申请已处理"):
        decide_change_request(change, officer, True, None)
    db.session.rollback()
    assert db.session.scalars(select(Platform)).all() == []  # the first decision's platform is its own to add


def test_the_founding_date_picker_ends_today_not_when_the_server_started(app, client, monkeypatch) -> None:
    import datetime as dt

    import crm.clock

    firm = EnterpriseFactory()
    EnterpriseUserFactory(username="firm", enterprise=firm)
    login(client, "firm")
    monkeypatch.setattr(crm.clock, "today", lambda: dt.date(2030, 1, 2))
    assert 'max="2030-01-02"' in client.get("/portal/change-requests").get_data(as_text=True)


def test_the_firms_users_are_told_of_each_decision_in_their_inbox(app, client) -> None:
    from crm.models import Notification

    firm = EnterpriseFactory(district="440783")
    user = EnterpriseUserFactory(username="firm", enterprise=firm)
    colleague = EnterpriseUserFactory(username="colleague", enterprise=firm)
    EnterpriseUserFactory(username="other-firm")
    OfficerFactory(username="kp", district_code="440783")
    login(client, "firm")
    token = csrf_token(client, "/portal/change-requests")
    client.post("/portal/change-requests/profile", data={"csrf_token": token, **_profile_data(firm, town="水口镇")})
    client.post("/portal/change-requests/platform", data={
        "csrf_token": token, "platform-kind": "key_lab", "platform-level": "provincial",
        "platform-name": "广东省测试重点实验室", "platform-recognized_on": ""})
    profile_req, platform_req = db.session.scalars(select(ChangeRequest).order_by(ChangeRequest.id)).all()
    _logout(client)
    login(client, "kp")
    token = csrf_token(client, "/portal/review")
    client.post(f"/portal/review/{profile_req.id}", data={"csrf_token": token, "decision": "approve"})
    client.post(f"/portal/review/{platform_req.id}",
                data={"csrf_token": token, "decision": "reject", "note": "请上传认定文件"})
    notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    names = {user.id: "firm", colleague.id: "colleague"}
    assert {(names.get(n.user_id, n.user_id), n.title) for n in notes} == {
        ("firm", "企业信息变更申请已通过"), ("colleague", "企业信息变更申请已通过"),
        ("firm", "新增研发机构/载体“广东省测试重点实验室”申请未通过"),
        ("colleague", "新增研发机构/载体“广东省测试重点实验室”申请未通过"),
    }
    rejected = next(n for n in notes if n.user_id == colleague.id and "未通过" in n.title)
    assert rejected.body == "审核意见：请上传认定文件" and rejected.link == "/portal/change-requests"
    _logout(client)
    login(client, "firm")
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert "广东省测试重点实验室”申请未通过" in inbox and "审核意见：请上传认定文件" in inbox
