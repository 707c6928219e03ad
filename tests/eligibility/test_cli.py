"""`run-job` as CONTRACT.md fixes it."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import DesignationKind, JobRun
from tests.eligibility.helpers import candidate
from tests.factories import DesignationFactory, EnterpriseUserFactory


def test_run_job_eligibility_json_has_exactly_the_contract_keys(runner) -> None:
    candidate()
    result = runner.invoke(args=["run-job", "eligibility", "--as-of", "2026-06-15", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload == {"evaluated": 1, "raised": 3, "cleared": 0}  # with the on-site check of a first applicant
    again = json.loads(runner.invoke(args=["run-job", "eligibility", "--as-of", "2026-06-15", "--json"]).stdout)
    assert again == {"evaluated": 1, "raised": 0, "cleared": 0}
    run = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()))
    assert run.trigger == "cli" and run.as_of == date(2026, 6, 15)


def test_unknown_job_fails_with_one_line(runner) -> None:
    result = runner.invoke(args=["run-job", "nightly-magic", "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "未知的任务：nightly-magic" in result.stderr and result.stderr.count("\n") == 1


def test_bad_date_fails(runner) -> None:
    result = runner.invoke(args=["run-job", "eligibility", "--as-of", "2026-13-01"])
    assert result.exit_code == 1
    assert "YYYY-MM-DD" in result.stderr


def test_as_of_is_only_yyyy_mm_dd(runner) -> None:
    # date.fromisoformat also reads 20260601 and 2026-W23-1; the contract fixes YYYY-MM-DD.
    for text in ("20260601", "2026-W23-1", "2026-6-1"):
        result = runner.invoke(args=["run-job", "eligibility", "--as-of", text, "--json"])
        assert result.exit_code == 1, text
        assert result.stdout == ""
        assert result.stderr == f"--as-of 日期格式应为 YYYY-MM-DD：{text}\n"
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0


def test_expiry_reminder_notifies_the_firm(runner) -> None:
    firm = candidate()
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2023, 10, 1))  # ends 2026-09-30
    user = EnterpriseUserFactory(enterprise=firm)
    result = runner.invoke(args=["run-job", "expiry_reminder", "--as-of", "2026-06-01", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"certificates": 1, "notified": 1, "failed": 0}
    from crm.models import Notification

    [note] = db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
    assert "即将到期" in note.title and "2026年9月30日" in note.body


def test_expiry_reminder_run_again_in_the_month_reminds_nobody_twice(runner) -> None:
    from crm.models import Notification
    from tests.factories import OfficerFactory

    firm = candidate()
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2023, 10, 1))  # ends 2026-09-30
    user = EnterpriseUserFactory(enterprise=firm)
    officer = OfficerFactory(district_code=firm.district_code)

    def run(day: str) -> dict:
        result = runner.invoke(args=["run-job", "expiry_reminder", "--as-of", day, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def received(who) -> int:  # noqa: ANN001
        return db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == who.id))

    assert run("2026-06-01") == {"certificates": 1, "notified": 2, "failed": 0}
    assert run("2026-06-20") == {"certificates": 1, "notified": 0, "failed": 0}  # by hand, same month
    assert (received(user), received(officer)) == (1, 1)
    assert run("2026-07-01") == {"certificates": 1, "notified": 2, "failed": 0}  # next month's reminder
    assert (received(user), received(officer)) == (2, 2)


def test_an_earlier_as_of_after_a_later_run_is_evaluated_and_never_clears_before_raising(runner) -> None:
    from crm.models import Flag

    candidate()  # passes on 2026-06-15 with its 2025 report; in 2025 its latest report (2024) is missing
    assert runner.invoke(args=["run-job", "eligibility", "--as-of", "2026-06-15", "--json"]).exit_code == 0
    result = runner.invoke(args=["run-job", "eligibility", "--as-of", "2025-06-15", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"evaluated": 1, "raised": 0, "cleared": 1}
    db.session.expire_all()
    closed = db.session.scalar(select(Flag).where(Flag.rule == "hitech_candidate"))
    assert (closed.raised_on, closed.cleared_on) == (date(2026, 6, 15), date(2026, 6, 15))
    # Back on the later day the firm passes again: a new period opens, the closed one stays history.
    again = runner.invoke(args=["run-job", "eligibility", "--as-of", "2026-06-15", "--json"])
    assert json.loads(again.stdout) == {"evaluated": 1, "raised": 1, "cleared": 0}
    periods = db.session.scalars(select(Flag).where(Flag.rule == "hitech_candidate").order_by(Flag.id)).all()
    assert [(f.raised_on, f.cleared_on) for f in periods] == [(date(2026, 6, 15), date(2026, 6, 15)),
                                                              (date(2026, 6, 15), None)]


def test_expiry_reminder_logs_and_skips_a_failing_firm(runner, monkeypatch) -> None:
    import dataclasses

    from crm.eligibility import jobs
    from crm.rules import RULES

    logged: list[str] = []
    # Recorded at the logger itself: other tests' logging set-up may stop records reaching caplog.
    monkeypatch.setattr(jobs.log, "exception", lambda message, *args: logged.append(message % args))

    good, bad = candidate(), candidate()
    for firm in (good, bad):
        DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2023, 10, 1))
    spec, bad_uscc = RULES["hitech_expiring"], bad.uscc

    def exploding(facts, as_of, params):
        if facts.uscc == bad_uscc:
            raise ZeroDivisionError("boom")
        return spec.evaluate(facts, as_of, params)

    monkeypatch.setitem(RULES, "hitech_expiring", dataclasses.replace(spec, evaluate=exploding))
    result = runner.invoke(args=["run-job", "expiry_reminder", "--as-of", "2026-06-01", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["certificates"] == 1 and json.loads(result.stdout)["failed"] == 1
    run = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()))
    assert run.errors == [{"enterprise": bad_uscc, "message": "ZeroDivisionError: boom"}]
    assert logged == [f"expiry_reminder: firm {bad_uscc} failed"]
