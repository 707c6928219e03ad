"""Sign-in failures slow further attempts down, counted even when they arrive at once; a wrong
user name costs the same work as a wrong password; an administrator can clear the failures."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import LoginAttempt, Role
from tests.conftest import csrf_token, login
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.live import Browser, at_once


def post_login(client, username: str, password: str, address: str = "127.0.0.1") -> tuple[int, str]:  # noqa: ANN001
    response = client.post("/login", data={"username": username, "password": password,
                                            "csrf_token": csrf_token(client)}, environ_base={"REMOTE_ADDR": address})
    return response.status_code, response.get_data(as_text=True)


def age_attempts(seconds: float) -> None:
    """As if the recorded attempts were made ``seconds`` earlier."""
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.at -= timedelta(seconds=seconds)
    db.session.commit()


def test_thirty_wrong_passwords_at_once_are_not_all_checked(app, live_server) -> None:
    UserFactory(username="target", role=Role.admin)
    db.session.commit()
    browsers = [Browser(live_server) for _ in range(30)]
    forms = [{"username": "target", "password": f"guess-{n}", "csrf_token": b.csrf("/login")}
             for n, b in enumerate(browsers)]
    statuses = [status for status, _page in at_once(
        [lambda b=b, f=f: b.request("/login", f) for b, f in zip(browsers, forms)])]
    limit = app.config["LOGIN_MAX_FAILURES"]
    # Each attempt is recorded before the password is checked: those racing it count.
    assert statuses.count(401) == limit and statuses.count(429) == 30 - limit, statuses
    db.session.rollback()
    checked = db.session.scalars(select(LoginAttempt).where(LoginAttempt.counted.is_(True))).all()
    assert len(checked) == limit


def test_a_wrong_user_name_costs_a_password_check_as_a_wrong_password_does(client, app, monkeypatch) -> None:
    import crm.auth.services as services

    checked: list[str] = []
    real = services.check_password_hash

    def spy(stored: str, password: str) -> bool:
        checked.append(stored)
        return real(stored, password)

    monkeypatch.setattr(services, "check_password_hash", spy)
    UserFactory(username="known")
    assert post_login(client, "known", "wrong-password")[0] == 401
    assert post_login(client, "nobody-of-that-name", "wrong-password")[0] == 401
    assert len(checked) == 2 and checked[1] == services._DUMMY_HASH
    # The same hashing method and cost as the passwords people set (the factories use a cheap one).
    from crm.models import User

    someone = User(username="x")
    someone.set_password("any-pass-123")
    assert someone.password_hash.split("$")[0] == services._DUMMY_HASH.split("$")[0]


def test_failures_slow_down_rather_than_lock_out(client, app) -> None:
    UserFactory(username="kp")
    limit, delay = app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_DELAY_SECONDS"]
    for _ in range(limit):
        assert post_login(client, "kp", "nope-nope")[0] == 401
    status, page = post_login(client, "kp", DEFAULT_PASSWORD)
    assert status == 429 and f"请 {delay} 秒后再试" in page
    # Refused attempts do not make the wait longer: once it has passed, the right password works.
    for _ in range(5):
        assert post_login(client, "kp", DEFAULT_PASSWORD)[0] == 429
    age_attempts(delay + 1)
    assert post_login(client, "kp", DEFAULT_PASSWORD)[0] == 302


def test_each_further_failure_doubles_the_wait(client, app) -> None:
    UserFactory(username="kp")
    limit, delay = app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_DELAY_SECONDS"]
    for _ in range(limit):
        post_login(client, "kp", "nope-nope")
    age_attempts(delay + 1)
    assert post_login(client, "kp", "nope-again")[0] == 401  # checked, and failed: the sixth
    status, page = post_login(client, "kp", DEFAULT_PASSWORD)
    assert status == 429 and f"请 {2 * delay} 秒后再试" in page


def test_a_guesser_at_one_address_does_not_slow_the_person_at_another(client, app) -> None:
    UserFactory(username="kp")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        post_login(client, "kp", "nope-nope", address="203.0.113.9")
    assert post_login(client, "kp", DEFAULT_PASSWORD, address="203.0.113.9")[0] == 429
    assert post_login(client, "kp", DEFAULT_PASSWORD, address="198.51.100.7")[0] == 302
    # Guessing from three addresses slows the name down everywhere.
    for address in ("203.0.113.10", "203.0.113.11", "203.0.113.12"):
        for _ in range(limit):
            post_login(client, "kp", "nope-nope", address=address)
    assert post_login(client, "kp", DEFAULT_PASSWORD, address="198.51.100.8")[0] == 429


def test_a_success_starts_the_names_count_again(client, app) -> None:
    UserFactory(username="kp")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        post_login(client, "kp", "nope-nope")
    assert post_login(client, "kp", DEFAULT_PASSWORD)[0] == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    for _ in range(limit - 1):
        assert post_login(client, "kp", "nope-nope")[0] == 401
    assert post_login(client, "kp", DEFAULT_PASSWORD)[0] == 302


@pytest.mark.parametrize("role", [Role.admin, Role.officer])
def test_an_administrator_clears_a_persons_failures(app, role) -> None:
    person = UserFactory(username="slowed", role=role, **({"district_code": "440783"} if role is Role.officer else {}))
    UserFactory(username="root", role=Role.admin)
    person_client, admin = app.test_client(), app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        post_login(person_client, "slowed", "nope-nope")
    assert post_login(person_client, "slowed", DEFAULT_PASSWORD)[0] == 429
    login(admin, "root")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert 'data-failures="slowed"' in page and f"近期登录失败 {limit} 次" in page
    response = admin.post(f"/admin/users/{person.id}/sign-in-failures",
                          data={"csrf_token": csrf_token(admin, "/admin/users")})
    assert response.status_code == 302
    assert post_login(person_client, "slowed", DEFAULT_PASSWORD)[0] == 302
