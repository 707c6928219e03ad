"""APScheduler inside the app: jobs stored in the database, each occurrence run once.

Every gunicorn worker (or process) that starts the app with SCHEDULER_ENABLED
runs a BackgroundScheduler over the same SQLAlchemyJobStore, so several may
fire the same occurrence. Before running, a worker takes a database lease
named after the job and the scheduled time (INSERT, or UPDATE of an expired
lease, in one statement; the row count says who won). The lease is kept
after the run, so a late duplicate of the same occurrence finds it taken.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete, inspect, select
from sqlalchemy.exc import IntegrityError

from config import ConfigurationError
from crm.clock import LOCAL_TZ, today, utcnow
from crm.extensions import db
from crm.models import JobLease, JobRun, JobStatus

log = logging.getLogger(__name__)

# A lease outlives any run and the misfire grace time, so a duplicate never re-runs an occurrence.
LEASE_TTL = timedelta(hours=12)
MISFIRE_GRACE_SECONDS = 3600
# Leases older than this are deleted when a new one is taken.
LEASE_RETENTION = timedelta(days=60)
# A scheduled run starts this soon after its worker takes the lease.
LEASE_TO_RUN = timedelta(minutes=5)
# How far back occurrence() looks for the latest fire time (29 February comes every 4 years).
OCCURRENCE_LOOKBACK = timedelta(days=8 * 366)

_app: Flask | None = None
_scheduler: Any = None


def holder_name() -> str:
    """Who holds a lease: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:120]


def acquire_lease(name: str, holder: str, ttl: timedelta = LEASE_TTL) -> bool:
    """Take the lease `name` unless someone holds an unexpired one; True if taken.

    One atomic statement on its own connection and transaction: INSERT ... ON
    CONFLICT DO UPDATE ... WHERE expires_at < now RETURNING (SQLite and PostgreSQL).
    """
    now = utcnow()
    table = JobLease.__table__
    values = {"name": name, "holder": holder, "expires_at": now + ttl}
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - other databases: insert, then take over an expired lease
        return _acquire_portable(name, holder, now, ttl)
    stmt = insert(table).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at},
        where=table.c.expires_at < now,
    ).returning(table.c.name)
    with db.engine.begin() as conn:
        # A row comes back only when this statement inserted or took over the lease
        # (RETURNING, since some drivers report no row count for an upsert).
        taken = conn.execute(stmt).first() is not None
        if taken:
            conn.execute(delete(table).where(table.c.expires_at < now - LEASE_RETENTION))
    return taken


def _acquire_portable(name: str, holder: str, now: datetime, ttl: timedelta) -> bool:  # pragma: no cover
    table = JobLease.__table__
    try:
        with db.engine.begin() as conn:
            conn.execute(table.insert().values(name=name, holder=holder, expires_at=now + ttl))
        return True
    except IntegrityError:
        with db.engine.begin() as conn:
            result = conn.execute(
                table.update().where(table.c.name == name, table.c.expires_at < now)
                .values(holder=holder, expires_at=now + ttl)
            )
            return result.rowcount == 1


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _crontab_weekdays(field: str) -> str:
    """A crontab weekday field (0 or 7 Sunday, 1 Monday ... 6 Saturday) as APScheduler weekday names.

    APScheduler 3 reads numbers as 0 = Monday, so "1-5" would run Tuesday to Saturday.
    """
    if field == "*" or any(ch.isalpha() for ch in field):
        return field  # names mean the same to both
    days: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else None
        if step_text and not step:
            raise ValueError(f"invalid weekday step in {field!r}")
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            low_text, _, high_text = span.partition("-")
            if not (low_text.isdigit() and high_text.isdigit()):
                raise ValueError(f"invalid weekday range in {field!r}")
            low, high = int(low_text), int(high_text)
        elif span.isdigit():
            low = int(span)
            high = 7 if step else low
        else:
            raise ValueError(f"invalid weekday {span!r} (0-7, 0 and 7 being Sunday)")
        if not 0 <= low <= high <= 7:
            raise ValueError(f"weekday out of range in {field!r} (0-7, 0 and 7 being Sunday)")
        days.update(day % 7 for day in range(low, high + 1, step or 1))
    return ",".join(_WEEKDAYS[day] for day in sorted(days))


def cron_trigger(cron: str) -> Any:
    """The APScheduler trigger of a crontab expression, read as cron reads it, in Jiangmen time."""
    from apscheduler.triggers.cron import CronTrigger

    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    if day != "*" and weekday != "*":
        # cron runs when either matches, APScheduler only when both do: refuse rather than guess.
        raise ValueError("restrict the day of the month or the weekday, not both")
    return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                       day_of_week=_crontab_weekdays(weekday), timezone=LOCAL_TZ)


def _process_gone(holder: str) -> bool:
    """Whether the lease holder (host:pid:thread) was a process of this host that no longer exists."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, but is not ours to signal
        return False
    return False


def close_interrupted_runs() -> int:
    """Mark as failed the runs still 'running' that will never finish; how many.

    A scheduled run whose worker on this host is gone (killed, out of memory, a
    deploy that did not wait) is closed as soon as a worker starts again; any run
    older than the lease (which outlives every run) is closed whatever ran it.
    The occurrence is not run again by itself: `run-job NAME` does that.
    """
    now = utcnow()
    running = db.session.scalars(select(JobRun).where(JobRun.status == JobStatus.running)).all()
    if not running:
        return 0
    leases = db.session.scalars(select(JobLease).where(JobLease.expires_at > now)).all()
    closed = 0
    for run in running:
        if run.started_at < now - LEASE_TTL:
            reason = f"超过 {LEASE_TTL.total_seconds() / 3600:.0f} 小时仍未结束，执行它的进程已不在"
        else:
            # The run's lease: the last one of its job taken just before it started.
            taken = [
                (lease.expires_at - LEASE_TTL, lease.holder) for lease in leases
                if run.trigger == "schedule" and lease.name.startswith(f"{run.job}@")
                and lease.expires_at - LEASE_TTL <= run.started_at <= lease.expires_at - LEASE_TTL + LEASE_TO_RUN
            ]
            holder = max(taken)[1] if taken else None
            if holder is None or not _process_gone(holder):
                continue
            reason = f"执行它的进程（{holder.rsplit(':', 1)[0]}）已退出"
        run.status = JobStatus.failed
        run.finished_at = now
        run.errors = [*(run.errors or []), {"enterprise": None, "message": f"运行中断：{reason}，未完成；"
                                            f"可用 flask --app crm run-job {run.job} 重新运行。"}]
        log.warning("job run %s (%s) interrupted: %s", run.id, run.job, reason)
        closed += 1
    db.session.commit()
    return closed


def _close_interrupted_runs_safely() -> None:
    try:
        close_interrupted_runs()
    except Exception:  # noqa: BLE001 - bookkeeping must not keep a job from running or being scheduled
        log.exception("could not close interrupted job runs")
        db.session.rollback()
    finally:
        db.session.remove()


def occurrence(cron: str, now: datetime) -> datetime:
    """The latest time at or before `now` that the cron expression fires (local time)."""
    trigger = cron_trigger(cron)
    now = now.astimezone(LOCAL_TZ)
    # Look back over a doubling window, so that only the few fire times inside it are
    # walked (from 400 days back, an every-minute cron took half a million steps).
    window = timedelta(minutes=1)
    fire = trigger.get_next_fire_time(None, now - window)
    while (fire is None or fire > now) and window < OCCURRENCE_LOOKBACK:
        window *= 2
        fire = trigger.get_next_fire_time(None, now - window)
    if fire is None or fire > now:
        # Only when called off schedule for a cron that fires less than every 8 years.
        return now.replace(second=0, microsecond=0)
    latest = fire
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


# The scheduled jobs and the setting holding each one's time (crontab syntax, local time).
SCHEDULED_JOBS: dict[str, str] = {
    "eligibility": "ELIGIBILITY_CRON",
    "expiry_reminder": "EXPIRY_REMINDER_CRON",
    "report_reminder": "REPORT_REMINDER_CRON",
    "innovation_points": "INNOVATION_POINTS_CRON",
}


def cron_for(app: Flask, job: str) -> str:
    return app.config[SCHEDULED_JOBS[job]]


def check_schedule(app: Flask) -> None:
    """Refuse to start with a job time that is not a valid crontab expression (one line naming it)."""
    for setting in SCHEDULED_JOBS.values():
        try:
            cron_trigger(app.config[setting])
        except ValueError as exc:
            raise ConfigurationError(f"配置错误：CRM_{setting}={app.config[setting]!r} 不是有效的 crontab 时间"
                             f"（分 时 日 月 周）：{exc}") from None


def run_scheduled(job: str, app: Flask | None = None, scheduled_for: datetime | None = None) -> bool:
    """Run the occurrence of `job` due now, unless another worker already took it; True if run here.

    The function the stored APScheduler jobs call (by reference, so it must stay importable).
    """
    from crm.eligibility.jobs import JOBS

    app = app or _app
    if app is None:
        log.error("scheduled job %s fired without an app", job)
        return False
    with app.app_context():
        fired = scheduled_for or occurrence(cron_for(app, job), datetime.now(LOCAL_TZ))
        lease = f"{job}@{fired.astimezone(LOCAL_TZ).isoformat(timespec='minutes')}"
        if not acquire_lease(lease, holder_name()):
            log.info("job %s already taken by another worker", lease)
            return False
        _close_interrupted_runs_safely()
        try:
            JOBS[job](today(), "schedule")
        except Exception:  # noqa: BLE001 - recorded in JobRun; the scheduler must keep going
            log.exception("scheduled job %s failed", lease)
        finally:
            db.session.remove()
        return True


def make_scheduler(app: Flask) -> Any:
    """A BackgroundScheduler over the app's database with the scheduled jobs (not started).

    A job already in the store with the same time keeps its next run time, so an
    occurrence missed while every worker was down (a deploy, a restart) still runs
    when the scheduler starts, within the misfire grace time and once (coalesced).
    A job whose time changed is scheduled afresh from now.
    """
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    with app.app_context():
        engine = db.engine
    store = SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")
    scheduler = BackgroundScheduler(
        jobstores={"default": store},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        timezone=LOCAL_TZ,
    )
    for job in SCHEDULED_JOBS:
        trigger = cron_trigger(cron_for(app, job))
        kept = _stored_next_run_time(store, job, trigger)
        scheduler.add_job(
            "crm.eligibility.scheduler:run_scheduled", trigger,
            args=[job], id=job, name=job, replace_existing=True,
            **({"next_run_time": kept} if kept is not None else {}),
        )
    return scheduler


def _stored_next_run_time(store: Any, job: str, trigger: Any) -> datetime | None:
    """The stored job's next run time if it is stored with the same trigger; None otherwise."""
    try:
        stored = store.lookup_job(job)
    except Exception:  # noqa: BLE001 - a stored job this version cannot read is replaced
        log.warning("stored job %s unreadable; scheduling it afresh", job, exc_info=True)
        return None
    if stored is None or repr(stored.trigger) != repr(trigger):
        return None
    return stored.next_run_time


def init_scheduler(app: Flask) -> Any:
    """Start the in-app scheduler (create_app calls this when SCHEDULER_ENABLED); None if not started.

    A `flask` command (init-db, run-job, import-workbook ...) is a short-lived
    process that must not fire jobs, so under the Flask CLI the scheduler
    starts with the first request served, which only `flask run` does. A
    server (gunicorn) starts it at once.
    """
    check_schedule(app)
    if os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        started = False

        @app.before_request
        def start_scheduler_when_serving() -> None:
            nonlocal started
            if not started:
                started = True
                start_scheduler(app)

        return None
    return start_scheduler(app)


def start_scheduler(app: Flask) -> Any:
    """Start the scheduler once per process, if the database is migrated; None if not started."""
    global _app, _scheduler
    if _scheduler is not None:
        return _scheduler
    with app.app_context():
        # APScheduler would create its table itself, and the migration creating it would then fail.
        migrated = inspect(db.engine).has_table("apscheduler_jobs")
    if not migrated:
        log.warning("scheduler not started: the database is not migrated yet (run `flask --app crm init-db`)")
        return None
    _app = app
    with app.app_context():
        _close_interrupted_runs_safely()
    _scheduler = make_scheduler(app)
    _scheduler.start()
    log.info("scheduler started: %s", [job.id for job in _scheduler.get_jobs()])
    return _scheduler
