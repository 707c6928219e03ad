"""The scheduled jobs, by name: what `run-job NAME` and the scheduler run.

Each job takes the as-of date and the trigger (schedule | cli | web), records
itself as a JobRun, and returns its counts.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from crm.audit import acting_as
from crm.districts import DISTRICTS
from crm.eligibility.facts import load_facts
from crm.eligibility.parameters import params_for
from crm.eligibility.services import recorded_run, run_eligibility
from crm.extensions import db
from crm.ladder import valid_on
from crm.models import AnnualReport, Designation, DesignationKind, Notification, ReportStatus, Role, User
from crm.rules import RULES
from crm.rules import _format as fmt
from crm.rules.facts import REPORT_STATUS_LABELS, add_months
from crm.rules.reporting import deadline as reporting_deadline

Job = Callable[[date, str], dict[str, int]]
log = logging.getLogger(__name__)


def eligibility_job(as_of: date, trigger: str) -> dict[str, int]:
    """Nightly: re-evaluate every rule for every firm."""
    return run_eligibility(as_of, trigger)


def expiry_reminder_job(as_of: date, trigger: str) -> dict[str, int]:
    """Monthly: remind firms and their officers of high-tech certificates ending within the window.

    Uses the `hitech_expiring` rule (and its window parameter in force on `as_of`),
    so a certificate already renewed is not reminded. Once a month: a run again in the
    same month (by hand, after a failure) reminds nobody who was reminded already.
    """
    from crm.notifications.services import (
        enterprise_users,
        firms_by_id,
        site_link,
        officers_by_district,
        deliver_email,
        notify,
    )

    rule = RULES["hitech_expiring"]
    with recorded_run("expiry_reminder", as_of, trigger) as run, acting_as(
        "job:expiry_reminder", job_run_id=run.id
    ):
        params = params_for(as_of)["hitech_expiring"]
        window_end = add_months(as_of, int(params["window_months"]))
        candidate_ids = db.session.scalars(
            select(Designation.enterprise_id).distinct().where(
                Designation.kind == DesignationKind.hitech,
                valid_on(as_of),
                Designation.valid_to.is_not(None),
                Designation.valid_to <= window_end,
            )
        ).all()
        facts = load_facts(candidate_ids, as_of, years_back=1)
        expiring: dict[int, str] = {}
        errors = []
        for eid, firm in facts.items():
            try:
                result = rule.evaluate(firm, as_of, params)
            except Exception as exc:  # noqa: BLE001 - one bad firm must not stop the run
                log.exception("expiry_reminder: firm %s failed", firm.uscc)
                errors.append({"enterprise": firm.uscc, "message": f"{type(exc).__name__}: {exc}"})
                continue
            if result.passed:
                expiring[eid] = "；".join(result.reasons)

        firms = firms_by_id(list(expiring))
        kind = expiry_reminder_kind(as_of)
        reminded = {(user_id, eid) for user_id, eid in db.session.execute(
            select(Notification.user_id, Notification.enterprise_id).where(Notification.kind == kind))}
        reminded_users = {user_id for user_id, _eid in reminded}
        created: list[Notification] = []
        by_district: dict[str, list[int]] = defaultdict(list)
        for eid in expiring:
            by_district[firms[eid][2]].append(eid)
        officers = officers_by_district(by_district)
        link = site_link("eligibility.index", rule="hitech_expiring")
        for district, ids in sorted(by_district.items()):
            names = [f"{firms[eid][1]}（{firms[eid][0]}）：{expiring[eid]}" for eid in ids]
            title = f"高企证书到期提醒：{DISTRICTS.get(district, district)}有 {len(ids)} 家企业证书将在{window_end.isoformat()}前到期"
            body = "\n".join(f"· {name}" for name in names)
            for officer in officers.get(district, []):
                if officer.id not in reminded_users:
                    created.append(notify(officer, kind, title, body, link, ids[0] if len(ids) == 1 else None,
                                          district))
        users = enterprise_users(sorted(expiring))
        portal_link = site_link("portal.standing")
        for eid, reasons in sorted(expiring.items()):
            for user in users.get(eid, []):
                if (user.id, eid) not in reminded:
                    created.append(notify(user, kind, "贵企业的高新技术企业证书即将到期，请准备重新认定",
                                          reasons, portal_link, eid, firms[eid][2]))
        counts = {"certificates": len(expiring), "notified": len(created), "failed": len(errors)}
        run.counts = counts
        run.errors = errors
        db.session.commit()
        deliver_email(created)  # once the notifications are stored
        db.session.commit()
    return counts


def expiry_reminder_kind(as_of: date) -> str:
    """The notification kind of a month's expiry reminders (what makes them once a month)."""
    return f"expiry_reminder:{as_of:%Y-%m}"


REPORT_REMINDER_KIND = "report_reminder"
# The rule conditions that say the firm must still file (the deadline itself is not past yet).
_STILL_TO_FILE = ("had_to_report", "not_filed")


def report_reminder_kind(fiscal_year: int) -> str:
    """The notification kind of the reminder for one fiscal year (what makes it once per user and year)."""
    return f"{REPORT_REMINDER_KIND}:{fiscal_year}"


def report_reminder_window(params: Mapping[str, Any], as_of: date) -> tuple[int, date, date]:
    """(fiscal year, first reminder day, deadline) for the reports due in as_of's year.

    The deadline and the number of days before it are `report_overdue` parameters.
    """
    due = reporting_deadline(as_of.year, params)
    return as_of.year - 1, due - timedelta(days=int(params["reminder_days"])), due


def _report_reminder_text(year: int, due: date, as_of: date, status: str | None) -> tuple[str, str]:
    """Title and body of the reminder (stored, so in the bureau's language, like the other notifications)."""
    days_left = (due - as_of).days
    when = "今天截止" if days_left == 0 else f"还剩 {days_left} 天"
    title = f"请于{fmt.day(due)}前提交{year}年度报表（{when}）"
    state = (f"贵企业尚未提交{year}年度报表。" if status is None
             else f"贵企业的{year}年度报表目前为“{REPORT_STATUS_LABELS.get(status, status)}”，尚未提交。")
    body = f"{state}请在{fmt.day(due)}前登录企业端填报并提交；逾期未提交的将列入年报逾期未报名单。"
    return title, body


def report_reminder_job(as_of: date, trigger: str) -> dict[str, int]:
    """Daily: within the days before the reporting deadline, remind each active user of a firm
    that has not filed last fiscal year's report, once per user and fiscal year.

    "Not filed" is the `report_overdue` rule's own judgement (a draft or a returned report
    does not count; a firm founded after the fiscal year need not report). Outside the
    window the run is recorded with zero counts.
    """
    from crm.notifications.services import deliver_email, notify, site_link

    rule = RULES["report_overdue"]
    with recorded_run(REPORT_REMINDER_KIND, as_of, trigger) as run, acting_as(
        "job:report_reminder", job_run_id=run.id
    ):
        params = params_for(as_of)["report_overdue"]
        year, first_day, due = report_reminder_window(params, as_of)
        counts = {"firms": 0, "notified": 0, "failed": 0}
        errors: list[dict[str, str]] = []
        if first_day <= as_of <= due:
            kind = report_reminder_kind(year)
            # Active users of firms without a submitted or verified report, not yet reminded this year.
            filed = select(AnnualReport.id).where(
                AnnualReport.enterprise_id == User.enterprise_id, AnnualReport.year == year,
                AnnualReport.status.in_((ReportStatus.submitted, ReportStatus.verified)),
            )
            reminded = select(Notification.id).where(
                Notification.user_id == User.id, Notification.kind == kind,
                Notification.enterprise_id == User.enterprise_id,
            )
            users: dict[int, list[User]] = defaultdict(list)
            for user in db.session.scalars(
                select(User).where(User.role == Role.enterprise, User.active.is_(True),
                                   User.enterprise_id.is_not(None), ~filed.exists(), ~reminded.exists())
                .order_by(User.enterprise_id, User.id)
            ):
                users[user.enterprise_id].append(user)
            link = site_link("portal.report_form", year=year)
            created: list[Notification] = []
            for eid, firm in sorted(load_facts(list(users), as_of, years_back=1).items()):
                try:
                    result = rule.evaluate(firm, as_of, params)
                    conditions = {c.code: c.passed for c in result.conditions}
                    if not all(conditions[code] for code in _STILL_TO_FILE):
                        continue
                    figures = firm.report(year)
                    title, body = _report_reminder_text(year, due, as_of, figures.status if figures else None)
                except Exception as exc:  # noqa: BLE001 - one bad firm must not stop the run
                    log.exception("report_reminder: firm %s failed", firm.uscc)
                    errors.append({"enterprise": firm.uscc, "message": f"{type(exc).__name__}: {exc}"})
                    continue
                counts["firms"] += 1
                for user in users[eid]:
                    created.append(notify(user, kind, title, body, link, eid))
            counts["notified"], counts["failed"] = len(created), len(errors)
        else:
            created = []
        run.counts = counts
        run.errors = errors
        db.session.commit()
        deliver_email(created)  # once the notifications are stored
        db.session.commit()
    return counts


def innovation_points_job(as_of: date, trigger: str) -> dict[str, int]:
    """Yearly: score every firm's innovation points for the last fiscal year (a new round,
    published later by the bureau; crm.innovation)."""
    from crm.innovation.services import run_round

    round_ = run_round(as_of, trigger)
    return {"round": round_.id, **round_.counts}


JOBS: dict[str, Job] = {
    "eligibility": eligibility_job,
    "expiry_reminder": expiry_reminder_job,
    "report_reminder": report_reminder_job,
    "innovation_points": innovation_points_job,
}

JOB_LABELS: dict[str, str] = {
    "eligibility": "培育对象评估（每日）",
    "expiry_reminder": "高企证书到期提醒（每月）",
    "report_reminder": "年报截止提醒（每日）",
    "innovation_points": "企业创新积分评价（每年）",
}


def run_job(name: str, as_of: date, trigger: str = "cli") -> dict[str, int]:
    """Run one job now; KeyError for an unknown name."""
    return JOBS[name](as_of, trigger)
