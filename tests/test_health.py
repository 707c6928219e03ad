"""GET /healthz: what the load balancer reads. 200 only when the database answers and its
schema is this code's head; 503 otherwise. The jobs' last runs are shown but never decide."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import stamp

from crm import create_app
from crm.eligibility.jobs import JOBS, run_job
from crm.eligibility.scheduler import make_scheduler
from crm.eligibility.services import recorded_run
from crm.extensions import db
from crm.monitoring.health import code_revisions
from tests.conftest import USING_PG


def _head() -> str:
    heads, _known = code_revisions()
    assert len(heads) == 1
    return next(iter(heads))


def test_a_migrated_database_is_healthy_with_each_jobs_last_and_next_run(app: Flask, client) -> None:
    run_job("report_reminder", date(2025, 1, 15), trigger="cli")
    scheduler = make_scheduler(app)
    scheduler.start(paused=True)  # stores the jobs and their next run times, runs nothing
    scheduler.shutdown(wait=False)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # a probe gets no session
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["migrations"] == "head"
    assert body["revision"] == {"current": _head(), "head": _head()}
    assert body["scheduler"]["enabled"] is False and body["scheduler"]["running"] is False
    jobs = {job["name"]: job for job in body["scheduler"]["jobs"]}
    assert list(jobs) == list(JOBS)
    reminder = jobs["report_reminder"]
    assert reminder["last_run"]["status"] == "succeeded"
    assert reminder["last_run"]["started_at"].endswith("+08:00") and reminder["last_run"]["finished_at"]
    assert jobs["eligibility"]["last_run"] is None
    for job in jobs.values():
        assert job["next_run_at"] and job["next_run_at"].endswith("+08:00")


def test_a_failed_last_job_run_is_shown_but_keeps_the_server_in(client) -> None:
    """Every server reads the same job runs: a failure there must not take them all out."""
    with pytest.raises(RuntimeError), recorded_run("eligibility", date(2025, 6, 1), "cli"):
        raise RuntimeError("boom")

    response = client.get("/healthz")

    assert response.status_code == 200
    jobs = {job["name"]: job for job in response.get_json()["scheduler"]["jobs"]}
    assert jobs["eligibility"]["last_run"]["status"] == "failed"
    assert jobs["eligibility"]["last_run"]["finished_at"]


def test_healthz_needs_no_sign_in_token_or_cookie_and_answers_head(client) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.get("/healthz", headers={"Accept": "text/html"}).status_code == 200


@pytest.mark.parametrize("url", [
    "sqlite:///{tmp}/no-such-directory/crm.sqlite3",  # SQLite: the file cannot be opened
    "postgresql+psycopg://postgres@127.0.0.1:1/crm",  # PostgreSQL: nothing listens there
])
def test_an_unreachable_database_is_503(tmp_path: Path, url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url.format(tmp=tmp_path), "UPLOAD_DIR": str(tmp_path / "up")})

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["database"] == "error"
    assert body["database_error"] == "OperationalError"  # the driver's class: no host, port or path
    assert body["migrations"] == "unknown"
    assert body["scheduler"]["jobs"] is None
    with app.app_context():
        db.engine.dispose()


def test_a_database_behind_the_code_is_503_until_migrated(app: Flask, client) -> None:
    """A server whose code is newer than the schema (a deploy before `init-db`) is taken out."""
    stamp(revision="0001")  # as if only the first migration had run
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["database"] == "ok"
        assert body["migrations"] == "behind"
        assert body["revision"] == {"current": "0001", "head": _head()}
        assert body["status"] == "unavailable"
    finally:
        stamp(revision="heads")
    assert client.get("/healthz").status_code == 200


def test_a_database_ahead_of_the_code_is_503(app: Flask, client) -> None:
    """Migrated by a newer release: this server's code is older than the schema."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["migrations"] == "ahead"
        assert response.get_json()["revision"]["current"] == "9999_future"
    finally:
        stamp(revision="heads", purge=True)


@pytest.mark.skipif(USING_PG, reason="a second, empty database is made as a SQLite file")
def test_a_database_never_migrated_is_503(tmp_path: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
                      "UPLOAD_DIR": str(tmp_path / "up")})

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "ok"
    assert body["migrations"] == "missing"
    assert body["revision"] == {"current": None, "head": _head()}
    with app.app_context():
        db.engine.dispose()
