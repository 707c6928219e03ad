"""Officers invite firms; invitees sign up or reset their password through one-time links."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from crm.clock import utcnow
from crm.extensions import db
from crm.models import AuditLog, Invitation, Role, User
from crm.models.user import MIN_PASSWORD_LENGTH, hash_token
from tests.conftest import csrf_token, login
from tests.factories import EnterpriseFactory, EnterpriseUserFactory, OfficerFactory

LINK_RE = re.compile(r'id="invitation-link" readonly value="([^"]+)"')


def _invite(client, uscc: str, email: str = "") -> str:
    token = csrf_token(client, f"/portal/manage/{uscc}")
    response = client.post(f"/portal/manage/{uscc}/invitations",
                           data={"csrf_token": token, "invite-email": email})
    assert response.status_code == 200
    match = LINK_RE.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:2000]
    return match.group(1)


def _path(link: str) -> str:
    return link[link.index("/portal/"):]


def _sign_up(client, path: str, username: str = "firm-a", password: str = "a-good-password", confirm=None):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "username": username, "display_name": "张三",
                                   "email": "", "password": password, "confirm": confirm or password})


def test_officer_invites_firm_and_invitee_signs_up(app, client) -> None:
    firm = EnterpriseFactory(district="440783")
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    link = _invite(client, firm.uscc)
    assert "/portal/invite/" in link
    secret = link.rsplit("/", 1)[1]
    invitation = db.session.scalar(select(Invitation))
    # Only the digest is stored, and the link lasts 7 days.
    assert invitation.token_hash == hash_token(secret) and secret not in invitation.token_hash
    assert timedelta(days=6, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=7)
    assert invitation.enterprise_id == firm.id and invitation.purpose == "signup"

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = _sign_up(client, _path(link))
    assert response.status_code == 302 and response.location.endswith("/portal/")
    user = db.session.scalar(select(User).where(User.username == "firm-a"))
    assert user.role is Role.enterprise and user.enterprise_id == firm.id
    assert user.check_password("a-good-password")
    # Landed signed in, on the firm's own page.
    assert firm.name in client.get("/portal/").get_data(as_text=True)
    db.session.refresh(invitation)
    assert invitation.used_at is not None


def test_used_link_cannot_be_used_again(app, client) -> None:
    firm = EnterpriseFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    path = _path(_invite(client, firm.uscc))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert _sign_up(client, path).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = client.get(path)
    assert response.status_code == 410
    assert "该链接已使用过" in response.get_data(as_text=True)


def test_expired_and_unknown_links_say_why(app, client) -> None:
    firm = EnterpriseFactory()
    from crm.portal.invitations import issue_invitation

    invitation, token = issue_invitation(firm, None)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(f"/portal/invite/{token}")
    assert page.status_code == 410 and "已过期" in page.get_data(as_text=True)
    page = client.get("/portal/invite/not-a-real-token")
    assert page.status_code == 410 and "链接无效" in page.get_data(as_text=True)


def test_signup_refuses_short_password_and_keeps_username(app, client) -> None:
    firm = EnterpriseFactory()
    from crm.portal.invitations import issue_invitation

    _invitation, token = issue_invitation(firm, None)
    db.session.commit()
    response = _sign_up(client, f"/portal/invite/{token}", username="keep-me", password="short")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"密码至少需要{MIN_PASSWORD_LENGTH}个字符" in body
    assert 'value="keep-me"' in body
    assert db.session.scalar(select(User).where(User.username == "keep-me")) is None
    response = _sign_up(client, f"/portal/invite/{token}", username="keep-me", password="12345678", confirm="12345678")
    assert response.status_code == 422 and "密码太简单" in response.get_data(as_text=True)
    response = _sign_up(client, f"/portal/invite/{token}", password="long-enough-1", confirm="long-enough-2")
    assert "两次输入的密码不一致" in response.get_data(as_text=True)


def test_signup_refuses_taken_username(app, client) -> None:
    firm = EnterpriseFactory()
    EnterpriseUserFactory(username="taken")
    from crm.portal.invitations import issue_invitation

    _invitation, token = issue_invitation(firm, None)
    db.session.commit()
    response = _sign_up(client, f"/portal/invite/{token}", username="taken")
    assert response.status_code == 422 and "用户名已存在" in response.get_data(as_text=True)


def test_officer_creates_user_with_temporary_password_and_several_users_per_firm(app, client) -> None:
    firm = EnterpriseFactory()
    EnterpriseUserFactory(username="first", enterprise=firm)
    OfficerFactory(username="kp")
    login(client, "kp")
    token = csrf_token(client, f"/portal/manage/{firm.uscc}")
    response = client.post(f"/portal/manage/{firm.uscc}/users",
                           data={"csrf_token": token, "create-username": "second", "create-display_name": "李四"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    password = re.search(r'<code class="fs-5 ms-1">([^<]+)</code>', body).group(1)
    user = db.session.scalar(select(User).where(User.username == "second"))
    assert user.enterprise_id == firm.id and user.check_password(password)
    assert len(password) >= MIN_PASSWORD_LENGTH
    # Shown once: the page afterwards does not show it.
    assert password not in client.get(f"/portal/manage/{firm.uscc}").get_data(as_text=True)
    assert {u.username for u in db.session.scalars(select(User).where(User.enterprise_id == firm.id))} == {
        "first", "second"}
    # The audit trail has the new user, attributed to the officer.
    log = db.session.scalar(select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == user.id))
    assert log is not None and log.actor == "kp"


def test_officer_reset_link_sets_new_password(app, client) -> None:
    firm = EnterpriseFactory()
    user = EnterpriseUserFactory(username="firm", enterprise=firm)
    OfficerFactory(username="kp")
    login(client, "kp")
    token = csrf_token(client, f"/portal/manage/{firm.uscc}")
    response = client.post(f"/portal/manage/{firm.uscc}/users/{user.id}/reset", data={"csrf_token": token})
    link = LINK_RE.search(response.get_data(as_text=True)).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    path = _path(link)
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.check_password("brand-new-pass")
    assert client.get(path).status_code == 410


def test_officer_cannot_manage_other_district_or_reset_other_firms_user(app, client) -> None:
    mine = EnterpriseFactory(district="440783")
    other = EnterpriseFactory(district="440784")
    stranger = EnterpriseUserFactory(enterprise=other)
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    assert client.get(f"/portal/manage/{other.uscc}").status_code == 404
    token = csrf_token(client, f"/portal/manage/{mine.uscc}")
    assert client.post(f"/portal/manage/{other.uscc}/invitations", data={"csrf_token": token}).status_code == 404
    # A user of another firm through my firm's URL: not found either.
    response = client.post(f"/portal/manage/{mine.uscc}/users/{stranger.id}/reset", data={"csrf_token": token})
    assert response.status_code == 404
    assert db.session.scalar(select(Invitation)) is None


def test_enterprise_user_cannot_invite(app, client) -> None:
    user = EnterpriseUserFactory(username="firm")
    login(client, "firm")
    assert client.get(f"/portal/manage/{user.enterprise.uscc}").status_code == 403


def test_forgot_password_without_smtp_points_to_officer(app, client) -> None:
    page = client.get("/portal/forgot").get_data(as_text=True)
    assert "请联系所在区（市）科技局" in page


def test_forgot_password_mails_a_reset_link_when_smtp_configured(app, client, smtp_server) -> None:
    from tests.fake_smtp import received

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1])
    user = EnterpriseUserFactory(username="firm", email="boss@firm.example")
    token = csrf_token(client, "/portal/forgot")
    response = client.post("/portal/forgot", data={"csrf_token": token, "login": "boss@firm.example"})
    assert response.status_code == 302
    mails = received(smtp_server)
    assert len(mails) == 1 and mails[0]["To"] == "boss@firm.example"
    path = re.search(r"(/portal/invite/\S+)", mails[0].get_content()).group(1)
    invitation = db.session.scalar(select(Invitation))
    assert invitation.purpose == "reset" and invitation.user_id == user.id
    token = csrf_token(client, path)
    client.post(path, data={"csrf_token": token, "password": "mailed-pass-1", "confirm": "mailed-pass-1"})
    db.session.refresh(user)
    assert user.check_password("mailed-pass-1")
    # An unknown address gets the same answer and no mail.
    token = csrf_token(client, "/portal/forgot")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client, "/portal/forgot")
    response = client.post("/portal/forgot", data={"csrf_token": token, "login": "nobody@x.example"})
    assert response.status_code == 302
    assert len(received(smtp_server)) == 1


def test_forgot_password_matches_the_address_in_any_case_and_mails_each_account_sharing_it(
        app, client, smtp_server) -> None:
    from tests.fake_smtp import received

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1])
    firm = EnterpriseFactory()
    first = EnterpriseUserFactory(username="cashier", enterprise=firm, email="office@firm.example")
    second = EnterpriseUserFactory(username="manager", enterprise=firm, email="office@firm.example")
    token = csrf_token(client, "/portal/forgot")
    assert client.post("/portal/forgot", data={"csrf_token": token, "login": " Office@Firm.Example "}
                       ).status_code == 302
    mails = sorted(received(smtp_server), key=lambda m: m.get_content())
    assert len(mails) == 2 and {m["To"] for m in mails} == {"office@firm.example"}
    # Each message names its account and carries its own link.
    for user, password in ((first, "cashier-new-1"), (second, "manager-new-1")):
        mail = next(m for m in mails if f"您的用户名：{user.username}" in m.get_content())
        path = re.search(r"(/portal/invite/\S+)", mail.get_content()).group(1)
        token = csrf_token(client, path)
        client.post(path, data={"csrf_token": token, "password": password, "confirm": password})
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        db.session.refresh(user)
        assert user.check_password(password)


def test_officer_invitation_is_mailed_when_smtp_configured(app, client, smtp_server) -> None:
    from tests.fake_smtp import received

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1])
    firm = EnterpriseFactory(district="440783")
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    token = csrf_token(client, f"/portal/manage/{firm.uscc}")
    response = client.post(f"/portal/manage/{firm.uscc}/invitations",
                           data={"csrf_token": token, "invite-email": "hr@firm.example"})
    shown = LINK_RE.search(response.get_data(as_text=True)).group(1)
    mails = received(smtp_server)
    assert len(mails) == 1 and mails[0]["To"] == "hr@firm.example" and firm.name in mails[0]["Subject"]
    assert shown in mails[0].get_content()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert _sign_up(client, _path(shown), username="hr").status_code == 302
    # The address the officer entered becomes the account's, for later resets.
    assert db.session.scalar(select(User).where(User.username == "hr")).email == "hr@firm.example"


def _error_at(body: str, field: str) -> list[str]:
    """The messages shown under one field of the page (the field macro's invalid-feedback)."""
    block = re.search(rf'<input[^>]*id="{field}"[^>]*>(.*?)</div>\s*</div>|<input[^>]*id="{field}"[^>]*>(.*?)(?=<div class="mb-3">|<button)',
                      body, re.S)
    assert block, field
    return re.findall(r'invalid-feedback d-block">([^<]*)<', block.group(0))


def test_signup_errors_are_shown_at_the_field_at_fault(app, client) -> None:
    firm = EnterpriseFactory()
    EnterpriseUserFactory(username="taken")
    from crm.portal.invitations import issue_invitation

    _invitation, token = issue_invitation(firm, None)
    db.session.commit()
    path = f"/portal/invite/{token}"
    body = _sign_up(client, path, username="taken").get_data(as_text=True)
    assert any("用户名已存在" in m for m in _error_at(body, "username")) and not _error_at(body, "password")
    body = _sign_up(client, path, password="long-enough-1", confirm="long-enough-2").get_data(as_text=True)
    assert _error_at(body, "confirm") == ["两次输入的密码不一致。"] and not _error_at(body, "password")
    body = _sign_up(client, path, password="12345678").get_data(as_text=True)
    assert any("密码太简单" in m for m in _error_at(body, "password"))
