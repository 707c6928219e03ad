"""User administration and personal API tokens."""
import re

from crm.extensions import db
from crm.models import ApiToken, Role, User
from tests.conftest import csrf_token, login
from tests.factories import DEFAULT_PASSWORD, EnterpriseFactory, OfficerFactory, UserFactory


def test_only_admin_reaches_user_admin(client, app) -> None:
    OfficerFactory(username="kp")
    login(client, "kp")
    assert client.get("/admin/users").status_code == 403


def test_admin_creates_officer_with_field_errors(client, app) -> None:
    UserFactory(username="root", role=Role.admin)
    login(client, "root")
    token = csrf_token(client, "/admin/users")
    bad = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "kp2", "role": "officer", "district_code": "", "password": DEFAULT_PASSWORD},
    )
    # The reason sits at the district field (not the username), in words, not CLI options.
    page = bad.get_data(as_text=True)
    district_field = page[page.index('name="district_code"'):page.index('name="enterprise_uscc"')]
    assert "区（市）科员必须指定所属区（市）" in district_field and "--district" not in page
    assert db.session.query(User).filter_by(username="kp2").count() == 0
    short = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "kp2", "role": "officer", "district_code": "440783", "password": "short"},
    )
    assert "密码至少需要8个字符" in short.get_data(as_text=True)
    common = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "kp2", "role": "officer", "district_code": "440783",
              "password": "password123"},
    )
    assert "密码太简单" in common.get_data(as_text=True)
    assert db.session.query(User).filter_by(username="kp2").count() == 0
    ok = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "kp2", "role": "officer", "district_code": "440783", "password": DEFAULT_PASSWORD},
    )
    assert ok.status_code == 302
    created = db.session.query(User).filter_by(username="kp2").one()
    assert created.role is Role.officer and created.district_code == "440783"


def test_admin_creates_enterprise_user(client, app) -> None:
    firm = EnterpriseFactory()
    UserFactory(username="root", role=Role.admin)
    login(client, "root")
    client.post(
        "/admin/users",
        data={"csrf_token": csrf_token(client, "/admin/users"), "username": "f", "role": "enterprise",
              "enterprise_uscc": firm.uscc.lower(), "password": DEFAULT_PASSWORD},
    )
    assert db.session.query(User).filter_by(username="f").one().enterprise_id == firm.id


def test_deactivating_revokes_tokens_and_blocks_api(client, app) -> None:
    from tests.factories import issue_token

    UserFactory(username="root", role=Role.admin)
    victim = UserFactory(username="city", role=Role.bureau)
    secret = issue_token(victim)
    login(client, "root")
    client.post(f"/admin/users/{victim.id}/active", data={"csrf_token": csrf_token(client, "/admin/users")})
    db.session.refresh(victim)
    assert victim.active is False
    assert db.session.query(ApiToken).one().revoked_at is not None
    assert client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_person_creates_uses_and_revokes_own_token(client, app) -> None:
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    page = client.post("/account/tokens", data={"csrf_token": csrf_token(client, "/account"), "name": "报表脚本"})
    secret = re.search(r'id="new-token"[^>]*>([^<]+)<', page.get_data(as_text=True)).group(1)
    assert client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    token = db.session.query(ApiToken).one()
    assert token.name == "报表脚本" and secret not in (token.token_hash, token.prefix)
    client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/account")})
    assert client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_cannot_revoke_someone_elses_token(client, app) -> None:
    from tests.factories import issue_token

    other = UserFactory(username="other")
    issue_token(other)
    UserFactory(username="city")
    login(client, "city")
    token = db.session.query(ApiToken).one()
    response = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_change_own_password(client, app) -> None:
    user = UserFactory(username="city")
    login(client, "city")
    token = csrf_token(client, "/account")
    wrong = client.post("/account", data={"csrf_token": token, "current": "nope", "password": "new-pass-123", "confirm": "new-pass-123"})
    assert "当前密码不正确" in wrong.get_data(as_text=True)
    client.post("/account", data={"csrf_token": token, "current": DEFAULT_PASSWORD, "password": "new-pass-123", "confirm": "new-pass-123"})
    db.session.refresh(user)
    assert user.check_password("new-pass-123")
