"""Sessions end on the server: a cookie copied before signing out, a remember-me cookie, other
browsers after a password change or reset, an idle session, a deactivated person."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from crm.extensions import db
from crm.models import Role, UserSession
from tests.conftest import csrf_token, login
from tests.factories import DEFAULT_PASSWORD, UserFactory

NEW_PASSWORD = "another-pass-456"


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def copy_cookies(source: FlaskClient, target: FlaskClient, names: tuple[str, ...] = ("session", "remember_token")) -> None:
    """What an attacker who captured the cookies holds."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")


@pytest.fixture
def person(app):
    return UserFactory(username="liu", role=Role.bureau)


def test_a_session_cookie_copied_before_signing_out_opens_nothing_after(app, person) -> None:
    browser, thief = app.test_client(), app.test_client()
    login(browser, "liu")
    copy_cookies(browser, thief, ("session",))
    assert signed_in(thief)  # the copy works while the session is open...
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/account")})
    assert not signed_in(browser)
    assert not signed_in(thief)  # ...and not after signing out
    ended = db.session.scalars(select(UserSession.ended_at)).all()
    assert len(ended) == 1 and ended[0] is not None


def test_a_remember_me_cookie_copied_before_signing_out_opens_nothing_after(app, person) -> None:
    browser, thief = app.test_client(), app.test_client()
    login(browser, "liu", remember="y")
    assert browser.get_cookie("remember_token") is not None
    copy_cookies(browser, thief, ("remember_token",))
    assert signed_in(thief)  # the remember-me cookie alone signs a browser in
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/account")})
    fresh = app.test_client()
    copy_cookies(thief, fresh, ("remember_token",))
    assert not signed_in(fresh)


def test_the_remember_me_cookie_lasts_two_weeks(app, person) -> None:
    client = app.test_client()
    login(client, "liu", remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None


def test_changing_ones_password_signs_out_every_other_browser(app, person) -> None:
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "liu")
    login(elsewhere, "liu", remember="y")
    response = here.post("/account", data={"csrf_token": csrf_token(here, "/account"), "current": DEFAULT_PASSWORD,
                                           "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert signed_in(here)
    assert not signed_in(elsewhere)


def test_a_password_an_administrator_resets_signs_the_person_out_everywhere(app, person) -> None:
    UserFactory(username="root", role=Role.admin)
    target, admin = app.test_client(), app.test_client()
    login(target, "liu")
    login(admin, "root")
    page = f"/admin/users/{person.id}/password"
    response = admin.post(page, data={"csrf_token": csrf_token(admin, page), "password": NEW_PASSWORD,
                                      "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not signed_in(target)


def test_deactivating_a_person_ends_their_sessions(app, person) -> None:
    UserFactory(username="root", role=Role.admin)
    target, admin = app.test_client(), app.test_client()
    login(target, "liu")
    login(admin, "root")
    admin.post(f"/admin/users/{person.id}/active", data={"csrf_token": csrf_token(admin, "/admin/users")})
    assert not signed_in(target)
    assert db.session.scalar(select(UserSession.ended_at).where(UserSession.user_id == person.id)) is not None


def test_an_idle_session_ends_by_itself(app, person) -> None:
    client = app.test_client()
    login(client, "liu")
    assert signed_in(client)
    session = db.session.scalar(select(UserSession))
    session.last_seen_at -= timedelta(hours=13)
    db.session.commit()
    assert not signed_in(client)
    db.session.expire_all()
    assert db.session.scalar(select(UserSession.ended_at)) is not None


def test_an_old_cookie_holding_the_user_id_alone_opens_nothing(app, person) -> None:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(person.id)
        session["_fresh"] = True
    assert not signed_in(client)
