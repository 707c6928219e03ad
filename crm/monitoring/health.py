"""Whether this process can serve: the database answers and its schema is the one the code
was written for. The scheduler's state is reported too, for people, but never decides.

A load balancer asks every few seconds, so the check is a handful of one-row queries on one
pooled connection, no ORM objects: the schema revision, the latest run of each job, and the
jobs' next run times (APScheduler's table, a few rows).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from flask import Flask
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from config import BASE_DIR
from crm.clock import LOCAL_TZ
from crm.extensions import db

log = logging.getLogger(__name__)

MIGRATIONS_DIR = BASE_DIR / "migrations"

# The last verdict of this process, so that the log says when it changed, not every few seconds.
_last_problem: str | None = None


@lru_cache(maxsize=1)
def code_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(head revisions, every revision) of the migrations shipped with this code; read once."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    scripts = ScriptDirectory.from_config(config)
    return frozenset(scripts.get_heads()), frozenset(rev.revision for rev in scripts.walk_revisions())


def migration_state(current: set[str] | None) -> str:
    """`head` when the database is at this code's head revision(s); `behind` when it is at an
    older one of this code's (run init-db); `ahead` when it names a revision this code does not
    know (a newer release migrated it); `missing` when it was never migrated."""
    heads, known = code_revisions()
    if not current:
        return "missing"
    if current == set(heads):
        return "head"
    return "behind" if current <= known else "ahead"


def health_report(app: Flask) -> tuple[dict[str, Any], bool]:
    """The `/healthz` answer and whether the app can serve (the database answers and is at head).

    A job's failed last run does not make the app unable to serve: every server reads the same
    job runs, so such a verdict would take every server out of the load balancer at once.
    """
    from crm.eligibility import scheduler

    heads, _known = code_revisions()
    report: dict[str, Any] = {"status": "ok", "database": "ok", "migrations": None,
                              "revision": {"current": None, "head": _one(heads)}}
    scheduler_state: dict[str, Any] = {
        "enabled": bool(app.config.get("SCHEDULER_ENABLED")),
        "running": bool(scheduler._scheduler is not None and scheduler._scheduler.running),
        "jobs": None,
    }
    try:
        with db.engine.connect() as conn:
            current = _current_revisions(conn)
            report["migrations"] = migration_state(current)
            report["revision"]["current"] = _one(current) if current else None
            if report["migrations"] == "head":
                scheduler_state["jobs"] = _jobs(conn)
    except SQLAlchemyError as exc:
        report["database"] = "error"
        report["database_error"] = _reason(exc)
        report["migrations"] = "unknown"
        _note_problem(f"database unreachable: {exc}".splitlines()[0])
    report["scheduler"] = scheduler_state
    healthy = report["database"] == "ok" and report["migrations"] == "head"
    if healthy:
        _note_problem(None)
    elif report["database"] == "ok":
        _note_problem(f"database schema {report['migrations']}: at {report['revision']['current']},"
                      f" this code's head is {report['revision']['head']} (run `flask --app crm init-db`)")
    report["status"] = "ok" if healthy else "unavailable"
    return report, healthy


def _current_revisions(conn: Connection) -> set[str] | None:
    """The revision(s) stamped in the database; None when it has no alembic_version table."""
    try:
        return set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise  # the server went away: the database is what is wrong
        conn.rollback()
        return None


def _jobs(conn: Connection) -> list[dict[str, Any]]:
    """Each job's latest run (from the JobRun table) and its next scheduled time, if stored."""
    from crm.eligibility.jobs import JOBS
    from crm.models import JobRun
    from crm.models.flag import apscheduler_jobs

    runs = JobRun.__table__.c
    latest = select(func.max(runs.id)).group_by(runs.job)
    last_run = {
        row.job: {"started_at": _local(row.started_at), "finished_at": _local(row.finished_at),
                  "status": getattr(row.status, "value", row.status)}
        for row in conn.execute(select(runs.job, runs.started_at, runs.finished_at, runs.status)
                                .where(runs.id.in_(latest)))
    }
    stored = apscheduler_jobs.c
    next_run = {row.id: row.next_run_time
                for row in conn.execute(select(stored.id, stored.next_run_time))}
    return [
        {"name": name, "last_run": last_run.get(name),
         "next_run_at": (datetime.fromtimestamp(next_run[name], LOCAL_TZ).isoformat(timespec="seconds")
                         if next_run.get(name) is not None else None)}
        for name in JOBS
    ]


def _local(stored: datetime | None) -> str | None:
    """A stored naive-UTC timestamp as Jiangmen time with its offset (unambiguous either way)."""
    if stored is None:
        return None
    return stored.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _one(revisions: set[str] | frozenset[str]) -> str | list[str]:
    """One revision as itself; several heads (never here, but Alembic allows them) as a sorted list."""
    return next(iter(revisions)) if len(revisions) == 1 else sorted(revisions)


def _reason(exc: SQLAlchemyError) -> str:
    """A short reason for anyone to read: the driver's error class, not its text (which names
    hosts, ports and paths). The log has the full message."""
    original = getattr(exc, "orig", None)
    return type(original if original is not None else exc).__name__


def _note_problem(problem: str | None) -> None:
    """Log when this process's verdict changes (the load balancer asks every few seconds)."""
    global _last_problem
    if problem == _last_problem:
        return
    if problem is None:
        log.info("health: serving again")
    else:
        log.warning("health: cannot serve: %s", problem)
    _last_problem = problem
