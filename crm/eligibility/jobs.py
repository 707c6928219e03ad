"""The scheduled jobs, by name: what `run-job NAME` and the scheduler run.

Each job takes the as-of date and the trigger (schedule | cli | web), records
itself as a JobRun, and returns its counts.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from crm.audit import acting_as
from crm.districts import DISTRICTS
from crm.eligibility.facts import load_facts
from crm.eligibility.parameters import params_for
from crm.eligibility.services import recorded_run, run_eligibility
from crm.extensions import db
from crm.ladder import valid_on
from crm.models import Designation, DesignationKind, Notification
from crm.rules import RULES
from crm.rules.facts import add_months

Job = Callable[[date, str], dict[str, int]]
log = logging.getLogger(__name__)


def eligibility_job(as_of: date, trigger: str) -> dict[str, int]:
    """Nightly: re-evaluate every rule for every firm."""
    return run_eligibility(as_of, trigger)


def expiry_reminder_job(as_of: date, trigger: str) -> dict[str, int]:
    """Monthly: remind firms and their officers of high-tech certificates ending within the window.

    Uses the `hitech_expiring` rule (and its window parameter in force on `as_of`),
    so a certificate already renewed is not reminded.
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
                created.append(notify(officer, "expiry_reminder", title, body, link, ids[0] if len(ids) == 1 else None))
        users = enterprise_users(sorted(expiring))
        portal_link = site_link("portal.standing")
        for eid, reasons in sorted(expiring.items()):
            for user in users.get(eid, []):
                created.append(notify(user, "expiry_reminder", "贵企业的高新技术企业证书即将到期，请准备重新认定",
                                      reasons, portal_link, eid))
        db.session.flush()
        deliver_email(created)
        counts = {"certificates": len(expiring), "notified": len(created), "failed": len(errors)}
        run.counts = counts
        run.errors = errors
        db.session.commit()
    return counts


JOBS: dict[str, Job] = {
    "eligibility": eligibility_job,
    "expiry_reminder": expiry_reminder_job,
}

JOB_LABELS: dict[str, str] = {
    "eligibility": "培育对象评估（每日）",
    "expiry_reminder": "高企证书到期提醒（每月）",
}


def run_job(name: str, as_of: date, trigger: str = "cli") -> dict[str, int]:
    """Run one job now; KeyError for an unknown name."""
    return JOBS[name](as_of, trigger)
