"""The reporting-deadline reminder: `run-job report_reminder` puts it in the firm users' inbox."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.eligibility import jobs, scheduler
from crm.extensions import db
from crm.models import JobRun, Notification, ReportStatus, RuleParameter
from tests.conftest import login
from tests.fake_smtp import received
from tests.factories import AnnualReportFactory, EnterpriseFactory, EnterpriseUserFactory, OfficerFactory

# Default deadline 31 May 2026 for the 2025 reports, reminders from 30 days before (1 May).
IN_WINDOW = "2026-05-20"
TITLE = "请于2026年5月31日前提交2025年度报表"


def run(runner, as_of: str) -> dict[str, int]:
    result = runner.invoke(args=["run-job", "report_reminder", "--as-of", as_of, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def reminders_of(user) -> list[Notification]:
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind.like("report_reminder%"))
    ).all()


def test_the_reminder_arrives_in_the_inbox_of_the_firm_users(runner, client) -> None:
    firm = EnterpriseFactory(name="未报科技有限公司")
    AnnualReportFactory(enterprise=firm, year=2024)
    first = EnterpriseUserFactory(username="firm1", enterprise=firm)
    second = EnterpriseUserFactory(username="firm2", enterprise=firm)
    assert run(runner, IN_WINDOW) == {"firms": 1, "notified": 2, "failed": 0}

    for user in (first, second):
        [note] = reminders_of(user)
        assert note.enterprise_id == firm.id and note.kind == "report_reminder:2025"
        assert note.title == f"{TITLE}（还剩 11 天）"
        assert note.link == "/portal/reports/2025"
    login(client, "firm1")
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"{TITLE}（还剩 11 天）" in page and "贵企业尚未提交2025年度报表" in page
    run_row = db.session.scalar(select(JobRun).where(JobRun.job == "report_reminder"))
    assert run_row.status.value == "succeeded" and run_row.trigger == "cli"
    assert run_row.as_of == date(2026, 5, 20) and run_row.counts == {"firms": 1, "notified": 2, "failed": 0}


def test_a_firm_that_filed_is_not_reminded_but_a_draft_or_returned_one_is(runner) -> None:
    submitted = EnterpriseUserFactory(enterprise=AnnualReportFactory(year=2025, status=ReportStatus.submitted).enterprise)
    verified = EnterpriseUserFactory(enterprise=AnnualReportFactory(year=2025, status=ReportStatus.verified).enterprise)
    draft = EnterpriseUserFactory(enterprise=AnnualReportFactory(year=2025, status=ReportStatus.draft).enterprise)
    returned = EnterpriseUserFactory(enterprise=AnnualReportFactory(year=2025, status=ReportStatus.returned).enterprise)
    assert run(runner, IN_WINDOW) == {"firms": 2, "notified": 2, "failed": 0}
    assert reminders_of(submitted) == [] and reminders_of(verified) == []
    assert "目前为“草稿”" in reminders_of(draft)[0].body
    assert "目前为“已退回”" in reminders_of(returned)[0].body


def test_nobody_is_reminded_twice_for_a_fiscal_year(runner) -> None:
    firm = EnterpriseFactory()
    user = EnterpriseUserFactory(enterprise=firm)
    assert run(runner, IN_WINDOW)["notified"] == 1
    assert run(runner, IN_WINDOW)["notified"] == 0     # the same day again
    assert run(runner, "2026-05-21")["notified"] == 0  # the next day
    assert run(runner, "2026-05-31")["notified"] == 0  # the deadline day
    assert len(reminders_of(user)) == 1
    # A user added to the firm later still hears once; next year's reports are a new reminder.
    late = EnterpriseUserFactory(enterprise=firm)
    assert run(runner, "2026-05-22") == {"firms": 1, "notified": 1, "failed": 0}
    assert len(reminders_of(late)) == 1 and len(reminders_of(user)) == 1
    assert run(runner, "2027-05-20")["notified"] == 2
    assert {n.kind for n in reminders_of(user)} == {"report_reminder:2025", "report_reminder:2026"}


@pytest.mark.parametrize("as_of, reminded", [
    ("2026-04-30", False),   # 31 days before the deadline
    ("2026-05-01", True),    # exactly 30 days before
    ("2026-05-31", True),    # the deadline day ("今天截止")
    ("2026-06-01", False),   # overdue: the report_overdue flag speaks from now on
    ("2026-01-15", False),
])
def test_only_within_the_window_before_the_deadline(runner, as_of: str, reminded: bool) -> None:
    user = EnterpriseUserFactory()
    counts = run(runner, as_of)
    assert counts["notified"] == (1 if reminded else 0)
    assert len(reminders_of(user)) == (1 if reminded else 0)
    if as_of == "2026-05-31":
        assert reminders_of(user)[0].title == f"{TITLE}（今天截止）"
    # Outside the window the run is still recorded.
    assert db.session.scalar(select(func.count(JobRun.id)).where(JobRun.job == "report_reminder")) == 1


def test_the_window_and_deadline_are_the_parameters_in_force(runner) -> None:
    user = EnterpriseUserFactory()
    db.session.add_all([
        RuleParameter(rule="report_overdue", name="deadline_month", value="6", effective_year=2026),
        RuleParameter(rule="report_overdue", name="deadline_day", value="30", effective_year=2026),
        RuleParameter(rule="report_overdue", name="reminder_days", value="10", effective_year=2026),
    ])
    db.session.commit()
    assert run(runner, "2026-06-19")["notified"] == 0   # 11 days before 30 June
    assert run(runner, "2026-06-20")["notified"] == 1
    assert reminders_of(user)[0].title == "请于2026年6月30日前提交2025年度报表（还剩 10 天）"
    # In 2025 the defaults were in force (deadline 31 May, 30 days).
    assert run(runner, "2025-05-10")["notified"] == 1


def test_not_for_another_firm_or_district_nor_for_officers(runner, client) -> None:
    late = EnterpriseFactory(district="440783", name="开平未报科技有限公司")
    done = EnterpriseFactory(district="440784", name="鹤山已报科技有限公司")
    AnnualReportFactory(enterprise=done, year=2025, status=ReportStatus.submitted)
    late_user = EnterpriseUserFactory(username="late", enterprise=late)
    done_user = EnterpriseUserFactory(username="done", enterprise=done)
    officer = OfficerFactory(username="kp", district_code="440783")
    EnterpriseUserFactory(enterprise=EnterpriseFactory(), active=False)   # a deactivated user hears nothing
    founded = EnterpriseFactory(founded_on=date(2026, 2, 1))             # need not report 2025
    founded_user = EnterpriseUserFactory(enterprise=founded)
    assert run(runner, IN_WINDOW) == {"firms": 1, "notified": 1, "failed": 0}
    assert [n.enterprise_id for n in reminders_of(late_user)] == [late.id]
    assert reminders_of(done_user) == [] and reminders_of(officer) == [] and reminders_of(founded_user) == []
    assert db.session.scalar(select(func.count(Notification.id))) == 1

    login(client, "done")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "2025年度报表" not in page and "暂无消息" in page


def test_the_reminder_is_mailed_when_smtp_is_configured(app, runner, smtp_server) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1],
                      SMTP_SENDER="crm@kjj.jiangmen.gov.cn")
    with_mail = EnterpriseUserFactory(email="cw@firm.example.cn")
    without = EnterpriseUserFactory(email=None)
    assert run(runner, IN_WINDOW)["notified"] == 2
    assert [r for m in smtp_server.messages for r in m["rcpt"]] == ["cw@firm.example.cn"]
    message = received(smtp_server)[0]
    assert TITLE in message["Subject"] and "登录企业端填报并提交" in message.get_content()
    assert reminders_of(with_mail)[0].emailed_at is not None and reminders_of(without)[0].emailed_at is None


def test_a_failing_firm_is_logged_and_skipped(runner, monkeypatch) -> None:
    import dataclasses

    from crm.rules import RULES

    logged: list[str] = []
    monkeypatch.setattr(jobs.log, "exception", lambda message, *args: logged.append(message % args))
    good, bad = EnterpriseUserFactory(), EnterpriseUserFactory()
    spec, bad_uscc = RULES["report_overdue"], bad.enterprise.uscc

    def exploding(facts, as_of, params):
        if facts.uscc == bad_uscc:
            raise ZeroDivisionError("boom")
        return spec.evaluate(facts, as_of, params)

    monkeypatch.setitem(RULES, "report_overdue", dataclasses.replace(spec, evaluate=exploding))
    assert run(runner, IN_WINDOW) == {"firms": 1, "notified": 1, "failed": 1}
    assert len(reminders_of(good)) == 1 and reminders_of(bad) == []
    run_row = db.session.scalar(select(JobRun).where(JobRun.job == "report_reminder"))
    assert run_row.errors == [{"enterprise": bad_uscc, "message": "ZeroDivisionError: boom"}]
    assert logged == [f"report_reminder: firm {bad_uscc} failed"]


def test_it_is_scheduled_daily_at_a_configurable_time(app) -> None:
    assert scheduler.cron_for(app, "report_reminder") == "0 9 * * *"
    app.config["REPORT_REMINDER_CRON"] = "15 7 * * 1-5"
    assert scheduler.cron_for(app, "report_reminder") == "15 7 * * 1-5"
    assert "report_reminder" in jobs.JOBS
    scheduled = scheduler.make_scheduler(app)
    [job] = [j for j in scheduled.get_jobs() if j.id == "report_reminder"]
    assert job.args == ("report_reminder",) or list(job.args) == ["report_reminder"]
    assert "hour='7'" in str(job.trigger) and "minute='15'" in str(job.trigger)


def test_mail_goes_out_only_once_the_notification_is_stored(app, runner, smtp_server, monkeypatch) -> None:
    # Mail cannot be taken back: when it is sent, the notification must already be committed
    # (seen from another connection), or a failed commit would leave a mail for nothing.
    import crm.notifications.services as notifications

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1],
                      SMTP_SENDER="crm@kjj.jiangmen.gov.cn")
    user = EnterpriseUserFactory(email="cw@firm.example.cn")
    stored_when_sent = []
    send = notifications.send_messages

    def checking_send(messages):  # noqa: ANN001, ANN202
        with db.engine.connect() as other:
            stored_when_sent.append(other.scalar(
                select(func.count(Notification.id)).where(Notification.user_id == user.id)))
        return send(messages)

    monkeypatch.setattr(notifications, "send_messages", checking_send)
    assert run(runner, IN_WINDOW)["notified"] == 1
    assert stored_when_sent == [1]
    assert reminders_of(user)[0].emailed_at is not None
