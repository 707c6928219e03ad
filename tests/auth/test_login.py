"""Sign-in through the real form: CSRF, throttling, messages, safe redirects."""
import pytest

from crm.extensions import db
from crm.models import LoginAttempt, Role
from tests.conftest import csrf_token, login
from tests.factories import DEFAULT_PASSWORD, EnterpriseUserFactory, OfficerFactory, UserFactory


def stage_count(page: str, stage: str) -> str:
    """The figure shown in a stage card (it may be wrapped in a link to the list)."""
    import re

    match = re.search(rf'data-stage="{stage}">(?:<a[^>]*>)?([^<]+)<', page)
    assert match, f"no card for {stage}"
    return match.group(1)


def post_login(client, username, password, **extra):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(client), **extra})


def test_login_page_is_chinese(client, app) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and 'lang="zh-CN"' in page
    assert "bootstrap.min.css" in page and "cdn" not in page.lower()


def test_pages_require_sign_in(client, app) -> None:
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_wrong_password_is_refused_with_message(client, app) -> None:
    OfficerFactory(username="kp")
    response = post_login(client, "kp", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert db.session.query(LoginAttempt).filter_by(succeeded=False).count() == 1


def test_post_without_csrf_token_is_refused(client, app) -> None:
    OfficerFactory(username="kp")
    response = client.post("/login", data={"username": "kp", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still signed out


def test_repeated_failures_are_throttled(client, app) -> None:
    OfficerFactory(username="kp")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_login(client, "kp", "nope-nope")
    # Even the right password is refused while throttled.
    response = post_login(client, "kp", DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_one_persons_failures_do_not_lock_out_colleagues_at_the_same_address(client, app) -> None:
    OfficerFactory(username="kp")
    OfficerFactory(username="kp_colleague")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_login(client, "kp", "nope-nope")
    assert post_login(client, "kp", DEFAULT_PASSWORD).status_code == 429
    assert post_login(client, "kp_colleague", DEFAULT_PASSWORD).status_code == 302


def test_inactive_user_cannot_sign_in(client, app) -> None:
    OfficerFactory(username="gone", active=False)
    assert post_login(client, "gone", DEFAULT_PASSWORD).status_code == 401


def test_officer_home_shows_own_district_counts(client, app) -> None:
    from tests.factories import EnterpriseFactory

    EnterpriseFactory(district="440783")
    EnterpriseFactory(district="440784")
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    page = client.get("/").get_data(as_text=True)
    assert "开平市" in page
    assert stage_count(page, "none") == "1"


def test_bureau_home_shows_districts(client, app) -> None:
    from tests.factories import EnterpriseFactory

    EnterpriseFactory(district="440783")
    EnterpriseFactory(district="440784")
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    page = client.get("/").get_data(as_text=True)
    assert stage_count(page, "none") == "2"
    assert "鹤山市" in page and "开平市" in page


def test_enterprise_home_shows_own_firm(client, app) -> None:
    user = EnterpriseUserFactory(username="firm")
    login(client, "firm")
    page = client.get("/").get_data(as_text=True)
    assert user.enterprise.name in page or user.enterprise.uscc in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_next_parameter_never_leaves_the_site(client, app, target) -> None:
    OfficerFactory(username="kp")
    response = client.post(
        f"/login?next={target}", data={"username": "kp", "password": DEFAULT_PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    assert response.location in ("/", "http://localhost/")


def test_logout_needs_post_with_csrf(client, app) -> None:
    OfficerFactory(username="kp")
    login(client, "kp")
    assert client.post("/logout").status_code == 400
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302


def test_english_locale_on_request(client, app) -> None:
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert 'lang="en"' in page


def test_production_requires_secret_key(monkeypatch) -> None:
    from crm import create_app

    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.delenv("CRM_SECRET_KEY", raising=False)
    import config

    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "")
    with pytest.raises(SystemExit, match="CRM_SECRET_KEY"):
        create_app()


@pytest.fixture
def production_app(app, monkeypatch):
    """The production profile on the test database (its key set, as CRM_SECRET_KEY would)."""
    import config
    from crm import create_app

    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "production-test-key")
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "UPLOAD_DIR": app.config["UPLOAD_DIR"],
            "SERVER_NAME": "localhost",
        }
    )


def test_production_cookies_are_secure(production_app) -> None:
    OfficerFactory(username="kp")
    client = production_app.test_client()
    token = csrf_token(client, "https://localhost/login")
    response = client.post(
        "https://localhost/login",
        data={"username": "kp", "password": DEFAULT_PASSWORD, "remember": "y", "csrf_token": token},
        headers={"Referer": "https://localhost/login"},  # over HTTPS the CSRF check wants a same-site referrer
    )
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) >= {"session", "remember_token"}
    for cookie in cookies.values():
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite=lax"} <= flags, cookie


def test_throttling_behind_the_proxy_counts_each_client_address(production_app) -> None:
    """Behind nginx every request comes from 127.0.0.1: one client's failures must not lock out the rest."""
    OfficerFactory(username="kp")
    client = production_app.test_client()

    def attempt(username: str, password: str, address: str) -> int:
        token = csrf_token(client, "https://localhost/login")
        return client.post(
            "https://localhost/login",
            data={"username": username, "password": password, "csrf_token": token},
            headers={"X-Forwarded-For": address, "Referer": "https://localhost/login"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        ).status_code

    limit = production_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for n in range(limit):
        assert attempt(f"guess{n}", "nope-nope", "203.0.113.9") == 401
    assert attempt("guess-more", "nope-nope", "203.0.113.9") == 429  # that address is throttled
    assert attempt("kp", DEFAULT_PASSWORD, "198.51.100.7") == 302  # another client is not
    # Every attempt is recorded; the one refused unchecked does not count towards the wait.
    assert db.session.query(LoginAttempt).filter_by(remote_addr="203.0.113.9", counted=True).count() == limit
    assert db.session.query(LoginAttempt).filter_by(remote_addr="203.0.113.9", counted=False).count() == 1


def test_login_page_offers_password_reset_for_firms(client, app) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/portal/forgot"' in page
