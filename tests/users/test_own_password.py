"""A password someone else chose (an administrator's, an officer's temporary one) must be
replaced by the person's own at the next sign-in, before anything else can be used."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import Role, User
from tests.conftest import csrf_token, login
from tests.factories import DEFAULT_PASSWORD, EnterpriseFactory, OfficerFactory, UserFactory

NOTICE = "您的密码是管理员或科技局工作人员为您设置的"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _admin_creates(client, username: str, password: str = "Temp-pass-2026") -> None:
    UserFactory(username="root", role=Role.admin)
    login(client, "root")
    response = client.post("/admin/users", data={
        "csrf_token": csrf_token(client, "/admin/users"), "username": username, "role": "bureau",
        "district_code": "", "password": password,
    })
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def _change(client, current: str, new: str):
    return client.post("/account", data={
        "csrf_token": csrf_token(client, "/account"), "current": current, "password": new, "confirm": new,
    })


@pytest.mark.parametrize("path", ["/", "/enterprises/", "/imports/", "/dashboard/", "/notifications/"])
def test_a_user_the_admin_created_is_sent_to_choose_a_password_first(client, app, path) -> None:
    _admin_creates(client, "city2")
    assert _user("city2").password_change_required is True
    login(client, "city2", "Temp-pass-2026")
    response = client.get(path)
    assert response.status_code == 303 and response.headers["Location"].endswith("/account")
    page = client.get("/account").get_data(as_text=True)
    assert NOTICE in page
    assert "API 访问令牌" not in page  # no tokens before the person has their own password


def test_posts_are_refused_too_until_the_password_is_changed(client, app) -> None:
    _admin_creates(client, "city2")
    login(client, "city2", "Temp-pass-2026")
    token = csrf_token(client, "/account")
    response = client.post("/account/tokens", data={"csrf_token": token, "name": "script"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/account")
    assert _user("city2").tokens == []
    # Signing out still works.
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_changing_the_password_lifts_the_requirement(client, app) -> None:
    _admin_creates(client, "city2")
    login(client, "city2", "Temp-pass-2026")
    same = _change(client, "Temp-pass-2026", "Temp-pass-2026")
    assert same.status_code == 200 and "新密码不能与他人为您设置的密码相同" in same.get_data(as_text=True)
    assert _user("city2").password_change_required is True
    done = _change(client, "Temp-pass-2026", "Mine-only-2026")
    assert done.status_code == 302 and done.headers["Location"].endswith("/")
    user = _user("city2")
    db.session.refresh(user)
    assert user.password_change_required is False and user.check_password("Mine-only-2026")
    assert client.get("/enterprises/").status_code == 200
    assert NOTICE not in client.get("/account").get_data(as_text=True)


def test_an_admin_reset_requires_a_change_and_says_so(client, app) -> None:
    officer = OfficerFactory(username="kp")
    UserFactory(username="root", role=Role.admin)
    login(client, "root")
    url = f"/admin/users/{officer.id}/password"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "password": "Reset-pass-2026", "confirm": "Reset-pass-2026",
    }, follow_redirects=True)
    assert "对方登录后须先修改密码" in response.get_data(as_text=True)
    db.session.refresh(officer)
    assert officer.password_change_required is True
    # The administrator is not affected by what they set for someone else.
    assert client.get("/admin/users").status_code == 200


def test_an_officers_temporary_firm_password_must_be_changed(client, app) -> None:
    firm = EnterpriseFactory(district="440783")
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    response = client.post(f"/portal/manage/{firm.uscc}/users", data={
        "csrf_token": csrf_token(client, f"/portal/manage/{firm.uscc}"), "create-username": "firm2",
    })
    body = response.get_data(as_text=True)
    assert "首次登录时系统会要求其改设自己的密码" in body
    temporary = re.search(r'<code class="fs-5 ms-1">([^<]+)</code>', body).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "firm2", temporary)
    response = client.get("/portal/reports")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account")
    assert _change(client, temporary, "Firm-own-2026").status_code == 302
    assert client.get("/portal/reports").status_code == 200


def test_passwords_people_choose_themselves_need_no_change(client, app, runner) -> None:
    result = runner.invoke(args=["create-user", "ops", "--role", "bureau"], input=f"{DEFAULT_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert _user("ops").password_change_required is False
    login(client, "ops")
    assert client.get("/enterprises/").status_code == 200


def test_the_load_balancers_health_check_is_not_sent_to_the_password_page(client, app) -> None:
    """A browser signed in with a password someone else set still reads /healthz itself."""
    user = OfficerFactory(username="probe", password_change_required=True)
    db.session.commit()
    login(client, user.username, DEFAULT_PASSWORD)
    assert client.get("/enterprises/").status_code == 303
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["database"] == "ok"
