"""Fixtures: an app and a fresh, migrated database for every test.

SQLite (default): the schema is migrated once into a template file that each
test copies. PostgreSQL (CRM_TEST_DATABASE_URL=postgresql+psycopg://...): migrated
once, then every table is emptied and the reference data reloaded before each test.
"""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text

os.environ.setdefault("CRM_ENV", "test")

from crm import create_app  # noqa: E402
from crm.extensions import db  # noqa: E402
from tests.fake_smtp import smtp_server  # noqa: E402,F401  (fixture)

PG_URL = os.environ.get("CRM_TEST_DATABASE_URL", "")
USING_PG = PG_URL.startswith("postgresql")


def _migrate(url: str, instance_dir: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(instance_dir / "uploads")})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session; returns the SQLite template path or the PG URL."""
    base = tmp_path_factory.mktemp("db")
    if USING_PG:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(PG_URL, base)
        return PG_URL
    template = base / "template.sqlite3"
    _migrate(f"sqlite:///{template}", base)
    return str(template)


def _empty_pg_tables() -> None:
    tables = [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]
    quoted = ", ".join(f'"{t}"' for t in tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(database_template: str, tmp_path: Path) -> Iterator[Flask]:
    if USING_PG:
        url = PG_URL
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(database_template, path)
        url = f"sqlite:///{path}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "SERVER_NAME": "localhost",
        }
    )
    # Every request of a test runs inside the test's application context, and so shares its
    # `g`: Flask-Login's user and Flask-WTF's CSRF token of one client's request would be the
    # next client's too. A server gives each request its own context; here both are forgotten
    # as each request starts.
    from flask import g, request_started

    def _forget_user(_sender: Flask, **_extra: object) -> None:
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    request_started.connect(_forget_user, app)
    with app.app_context():
        if USING_PG:
            _empty_pg_tables()
        from crm.reference import load_reference_data

        load_reference_data()
        # Counts kept per state of the records: a fresh database can look like the last one.
        from crm.dashboard.forecast import forget_models
        from crm.flows.services import forget_flows

        forget_models()
        forget_flows()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test's app served on a free local port from a thread, one thread per request: for
    browsers, and for requests made at the same moment (tests.live)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["SERVER_NAME"] = f"127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # noqa: ANN201
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a rendered form."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str | None = None, **extra: str) -> None:
    """Sign in through the real form (with its CSRF token); ``extra`` fields too (remember="y")."""
    from tests.factories import DEFAULT_PASSWORD

    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"username": username, "password": password or DEFAULT_PASSWORD, "csrf_token": token, **extra},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
