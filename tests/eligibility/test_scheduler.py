"""The in-app scheduler: a job occurrence runs once, whatever the number of schedulers."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.clock import LOCAL_TZ, utcnow
from crm.eligibility import jobs, scheduler
from crm.extensions import db
from crm.models import JobLease, JobRun


def test_lease_is_taken_once_until_it_expires(app) -> None:
    assert scheduler.acquire_lease("eligibility@2026-06-15T01:30", "a") is True
    assert scheduler.acquire_lease("eligibility@2026-06-15T01:30", "b") is False
    assert scheduler.acquire_lease("eligibility@2026-06-16T01:30", "b") is True
    lease = db.session.get(JobLease, "eligibility@2026-06-15T01:30")
    assert lease.holder == "a"
    # A holder that died leaves an expired lease; the next worker takes it over.
    lease.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert scheduler.acquire_lease("eligibility@2026-06-15T01:30", "b") is True
    db.session.expire_all()
    assert db.session.get(JobLease, "eligibility@2026-06-15T01:30").holder == "b"


def test_occurrence_is_the_latest_fire_time() -> None:
    now = datetime(2026, 6, 15, 9, 0, tzinfo=LOCAL_TZ)
    assert scheduler.occurrence("30 1 * * *", now) == datetime(2026, 6, 15, 1, 30, tzinfo=LOCAL_TZ)
    assert scheduler.occurrence("0 8 1 * *", now) == datetime(2026, 6, 1, 8, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def probe(monkeypatch):
    """A job that records a run and lingers, so that concurrent attempts overlap."""
    calls: list[str] = []

    def probe_job(as_of, trigger):
        from crm.eligibility.services import recorded_run

        with recorded_run("probe", as_of, trigger):
            calls.append(threading.current_thread().name)
            time.sleep(0.3)
        return {}

    monkeypatch.setitem(jobs.JOBS, "probe", probe_job)
    return calls


def test_two_threads_run_an_occurrence_once(app, probe) -> None:
    fired = datetime(2026, 6, 15, 1, 30, tzinfo=LOCAL_TZ)
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []

    def worker() -> None:
        barrier.wait()
        outcomes.append(scheduler.run_scheduled("probe", app, scheduled_for=fired))

    threads = [threading.Thread(target=worker, name=f"worker-{i}") for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == [False, True]
    assert len(probe) == 1
    assert db.session.scalar(select(func.count(JobRun.id)).where(JobRun.job == "probe")) == 1
    # The next occurrence runs again.
    assert scheduler.run_scheduled("probe", app, scheduled_for=fired + timedelta(days=1)) is True
    assert len(probe) == 2


def test_two_schedulers_on_one_database_run_a_job_once(app, probe, monkeypatch) -> None:
    from apscheduler.triggers.cron import CronTrigger

    monkeypatch.setattr(scheduler, "_app", app)  # what init_scheduler sets in each process
    # A cron job like the real ones (kept in the store after it fires), due in a second or two.
    run_at = (datetime.now(LOCAL_TZ) + timedelta(seconds=2)).replace(microsecond=0)
    trigger = CronTrigger(hour=run_at.hour,
                          minute=run_at.minute, second=run_at.second, timezone=LOCAL_TZ)
    schedulers = [scheduler.make_scheduler(app) for _ in range(2)]
    for s in schedulers:
        # Both schedulers store the same job (same id) in the shared job store.
        s.add_job("crm.eligibility.scheduler:run_scheduled", trigger, args=["probe"],
                  kwargs={"scheduled_for": run_at}, id="probe", replace_existing=True, misfire_grace_time=60)
    try:
        for s in schedulers:
            s.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not probe:
            time.sleep(0.1)
        time.sleep(1.5)  # give the other scheduler every chance to fire as well
    finally:
        for s in schedulers:
            s.shutdown(wait=True)
    assert len(probe) == 1
    assert db.session.scalar(select(func.count(JobRun.id)).where(JobRun.job == "probe")) == 1
    # The stored nightly and monthly jobs are in the database job store.
    from crm.models.flag import apscheduler_jobs

    stored = set(db.session.scalars(select(apscheduler_jobs.c.id)))
    assert {"eligibility", "expiry_reminder", "report_reminder", "innovation_points"} <= stored


def test_create_app_starts_the_scheduler_only_when_enabled(app, monkeypatch) -> None:
    started: list[object] = []
    monkeypatch.setattr(scheduler, "init_scheduler", lambda a: started.append(a))
    from crm import create_app

    create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert started == []
    enabled = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SCHEDULER_ENABLED": True})
    assert started == [enabled]


@pytest.fixture
def fresh_scheduler_state(monkeypatch):
    """init_scheduler keeps one scheduler per process: start each test without one, stop what it started."""
    monkeypatch.setattr(scheduler, "_scheduler", None)
    monkeypatch.setattr(scheduler, "_app", None)
    yield
    if scheduler._scheduler is not None:
        scheduler._scheduler.shutdown(wait=False)


def test_flask_cli_commands_do_not_start_the_scheduler_until_serving(app, monkeypatch, fresh_scheduler_state) -> None:
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")   # what `flask ...` sets for every command
    from crm import create_app

    cli_app = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SCHEDULER_ENABLED": True})
    assert scheduler._scheduler is None     # init-db, run-job ... never fire jobs
    cli_app.test_client().get("/login")     # `flask run` serving its first request
    assert scheduler._scheduler is not None and scheduler._scheduler.running
    assert {job.id for job in scheduler._scheduler.get_jobs()} == {"eligibility", "expiry_reminder", "report_reminder", "innovation_points"}


def test_server_does_not_start_the_scheduler_on_an_unmigrated_database(tmp_path, monkeypatch,
                                                                        fresh_scheduler_state) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy import inspect as sa_inspect

    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    from crm import create_app

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": True})
    assert scheduler._scheduler is None
    # APScheduler did not create its table, so the migration creating it can still run.
    assert not sa_inspect(create_engine(url)).has_table("apscheduler_jobs")


def test_occurrence_of_a_frequent_cron_is_quick() -> None:
    # Walking from 400 days back took ~10 s for an every-minute cron, in every worker, at every fire.
    now = datetime(2026, 6, 15, 9, 0, 30, tzinfo=LOCAL_TZ)
    started = time.perf_counter()
    assert scheduler.occurrence("* * * * *", now) == datetime(2026, 6, 15, 9, 0, tzinfo=LOCAL_TZ)
    assert scheduler.occurrence("*/5 * * * *", now) == datetime(2026, 6, 15, 9, 0, tzinfo=LOCAL_TZ)
    assert time.perf_counter() - started < 0.5
    # A yearly and a leap-day cron still find their last fire time.
    assert scheduler.occurrence("0 0 1 1 *", now) == datetime(2026, 1, 1, 0, 0, tzinfo=LOCAL_TZ)
    assert scheduler.occurrence("0 9 29 2 *", now) == datetime(2024, 2, 29, 9, 0, tzinfo=LOCAL_TZ)


def test_weekdays_are_read_as_crontab_reads_them() -> None:
    # 2026-06-15 is a Monday; in crontab 1 is Monday and 0 or 7 Sunday (APScheduler alone reads 1 as Tuesday).
    now = datetime(2026, 6, 15, 9, 0, tzinfo=LOCAL_TZ)
    assert scheduler.occurrence("30 1 * * 1", now) == datetime(2026, 6, 15, 1, 30, tzinfo=LOCAL_TZ)
    assert scheduler.occurrence("30 1 * * 0", now) == datetime(2026, 6, 14, 1, 30, tzinfo=LOCAL_TZ)
    assert scheduler.occurrence("30 1 * * 7", now) == datetime(2026, 6, 14, 1, 30, tzinfo=LOCAL_TZ)
    assert scheduler.occurrence("30 1 * * 6", now) == datetime(2026, 6, 13, 1, 30, tzinfo=LOCAL_TZ)
    assert scheduler.occurrence("30 1 * * 2-5", now) == datetime(2026, 6, 12, 1, 30, tzinfo=LOCAL_TZ)
    assert scheduler.occurrence("30 1 * * mon", now) == datetime(2026, 6, 15, 1, 30, tzinfo=LOCAL_TZ)
    trigger = scheduler.cron_trigger("0 8 * * 1-5")
    fires = [trigger.get_next_fire_time(None, datetime(2026, 6, 13, tzinfo=LOCAL_TZ))]
    for _ in range(4):
        fires.append(trigger.get_next_fire_time(fires[-1], fires[-1] + timedelta(seconds=1)))
    assert [f.day for f in fires] == [15, 16, 17, 18, 19]  # Monday to Friday


@pytest.mark.parametrize("cron", ["61 * * * *", "30 1 * *", "0 9 1 * 1", "0 9 * * 8", "0 9 * * x-y"])
def test_an_invalid_job_time_stops_the_app_with_one_line_naming_it(app, cron, monkeypatch,
                                                                    fresh_scheduler_state) -> None:
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    from crm import create_app

    with pytest.raises(SystemExit) as stopped:
        create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                    "SCHEDULER_ENABLED": True, "ELIGIBILITY_CRON": cron})
    message = str(stopped.value)
    assert message.startswith(f"配置错误：CRM_ELIGIBILITY_CRON='{cron}'") and "\n" not in message
    assert scheduler._scheduler is None


def _store_next_run_time(app, job: str) -> datetime | None:
    from crm.models.flag import apscheduler_jobs

    with app.app_context():
        stamp = db.session.scalar(select(apscheduler_jobs.c.next_run_time).where(apscheduler_jobs.c.id == job))
    return None if stamp is None else datetime.fromtimestamp(stamp, LOCAL_TZ)


def test_an_occurrence_missed_while_every_worker_was_down_runs_at_restart(app, probe, monkeypatch) -> None:
    """A deploy at 01:25 and workers back at 01:40: that night's run still happens, once, at start."""
    monkeypatch.setattr(scheduler, "_app", app)
    monkeypatch.setitem(scheduler.SCHEDULED_JOBS, "probe", "PROBE_CRON")
    now = datetime.now(LOCAL_TZ)
    missed = (now - timedelta(minutes=3)).replace(second=0, microsecond=0)
    app.config["PROBE_CRON"] = f"{missed.minute} {missed.hour} * * *"
    # Stored while the workers were up (the next run then still ahead); then every worker stopped.
    before = scheduler.make_scheduler(app)
    before.start(paused=True)
    before.shutdown(wait=True)
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    with app.app_context():
        store = SQLAlchemyJobStore(engine=db.engine, tablename="apscheduler_jobs")
    stored = store.lookup_job("probe")
    stored.next_run_time = missed
    store.update_job(stored)
    # Workers come back (two, as under gunicorn) within the misfire grace time.
    restarted = [scheduler.make_scheduler(app) for _ in range(2)]
    try:
        for s in restarted:
            s.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not probe:
            time.sleep(0.1)
        time.sleep(1)
    finally:
        for s in restarted:
            s.shutdown(wait=True)
    assert len(probe) == 1
    assert db.session.scalars(select(JobLease.name).where(JobLease.name.like("probe@%"))).all() == \
        [f"probe@{missed.isoformat(timespec='minutes')}"]
    assert _store_next_run_time(app, "probe") == missed + timedelta(days=1)


def test_a_changed_job_time_is_scheduled_afresh(app, monkeypatch) -> None:
    monkeypatch.setitem(scheduler.SCHEDULED_JOBS, "probe", "PROBE_CRON")
    app.config["PROBE_CRON"] = "30 1 * * *"
    s = scheduler.make_scheduler(app)
    s.start(paused=True)
    s.shutdown(wait=True)
    app.config["PROBE_CRON"] = "0 3 * * *"
    s = scheduler.make_scheduler(app)
    s.start(paused=True)
    s.shutdown(wait=True)
    assert _store_next_run_time(app, "probe").time().isoformat() == "03:00:00"


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_run_whose_worker_was_killed_is_closed_when_a_worker_starts(app, fresh_scheduler_state,
                                                                     monkeypatch) -> None:
    import os
    import socket

    from crm.models import JobStatus

    now = utcnow()
    host = socket.gethostname()

    def scheduled_run(job: str, started, holder: str | None, trigger: str = "schedule") -> JobRun:
        run = JobRun(job=job, trigger=trigger, started_at=started, status=JobStatus.running, counts={}, errors=[])
        db.session.add(run)
        if holder:
            db.session.add(JobLease(name=f"{job}@{started.isoformat(timespec='seconds')}", holder=holder,
                                    expires_at=started - timedelta(seconds=1) + scheduler.LEASE_TTL))
        return run

    killed = scheduled_run("eligibility", now - timedelta(minutes=2), f"{host}:{_dead_pid()}:1")
    # The occurrence a minute before, run to its end by a worker still alive: not the killed run's lease.
    db.session.add(JobLease(name="eligibility@earlier", holder=f"{host}:{os.getpid()}:1",
                            expires_at=now - timedelta(minutes=3) + scheduler.LEASE_TTL))
    alive = scheduled_run("expiry_reminder", now - timedelta(minutes=1), f"{host}:{os.getpid()}:7")
    elsewhere = scheduled_run("report_reminder", now - timedelta(minutes=1), f"other-host:{_dead_pid()}:1")
    by_cli = scheduled_run("eligibility", now - timedelta(minutes=1), None, trigger="cli")
    forgotten = scheduled_run("eligibility", now - scheduler.LEASE_TTL - timedelta(minutes=1), None, trigger="cli")
    db.session.commit()
    ids = {name: run.id for name, run in [("killed", killed), ("alive", alive), ("elsewhere", elsewhere),
                                          ("by_cli", by_cli), ("forgotten", forgotten)]}

    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)

    class Idle:  # the jobs themselves are not what this test is about
        def start(self) -> None: ...
        def get_jobs(self) -> list: return []
        def shutdown(self, wait: bool = True) -> None: ...

    monkeypatch.setattr(scheduler, "make_scheduler", lambda a: Idle())
    scheduler.start_scheduler(app)   # what a respawned gunicorn worker does

    db.session.expire_all()
    status = {name: db.session.get(JobRun, run_id) for name, run_id in ids.items()}
    assert {name: run.status for name, run in status.items()} == {
        "killed": JobStatus.failed, "alive": JobStatus.running, "elsewhere": JobStatus.running,
        "by_cli": JobStatus.running, "forgotten": JobStatus.failed,
    }
    assert status["killed"].finished_at is not None
    [error] = status["killed"].errors
    assert error["message"].startswith(f"运行中断：执行它的进程（{host}:") and "run-job eligibility" in error["message"]
    assert "超过 12 小时仍未结束" in status["forgotten"].errors[0]["message"]


@pytest.mark.parametrize("setting", [{"CRM_ELIGIBILITY_CRON": "30 25 * * *"}, {"CRM_SECRET_KEY": ""}])
def test_gunicorn_stops_on_a_bad_setting_instead_of_restarting_workers(tmp_path, setting) -> None:
    """One line naming the setting, then the master exits (it used to boot dozens of workers a second)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "CRM_ENV": "production", "CRM_SECRET_KEY": "k" * 32, "CRM_SCHEDULER": "1",
           "CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite3'}", "CRM_INSTANCE_DIR": str(tmp_path), **setting}
    env.pop("FLASK_RUN_FROM_CLI", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run([str(gunicorn), "--workers", "1", "--bind", "127.0.0.1:0", "crm:create_app()"],
                            capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2],
                            timeout=20)
    assert result.returncode != 0
    name = next(iter(setting))
    reasons = [line for line in result.stderr.splitlines() if line.startswith("配置错误")]
    assert reasons and all(name in line for line in reasons), result.stderr
    assert result.stderr.count("Booting worker") == 1, result.stderr
    assert "Traceback" not in result.stderr
