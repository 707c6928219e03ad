"""The flag run: raise, clear, unchanged, history, failing firms, follow-up."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.eligibility.services import PRECONDITIONS, HandleError, mark_handled, run_eligibility
from crm.eligibility.facts import load_facts
from crm.extensions import db
from crm.models import AnnualReport, AuditLog, DesignationKind, Flag, HandledStatus, JobRun, JobStatus, ReportStatus
from crm.rules import RULES, evaluate_all
from tests.eligibility.helpers import AS_OF, candidate
from tests.factories import AnnualReportFactory, DesignationFactory, EnterpriseFactory, OfficerFactory


def flags(firm_id: int, rule: str = "hitech_candidate") -> list[Flag]:
    return list(db.session.scalars(select(Flag).where(Flag.enterprise_id == firm_id, Flag.rule == rule)
                                   .order_by(Flag.id)))


def test_raise_then_unchanged_then_clear_keeps_history(app) -> None:
    firm = candidate()
    firm_id = firm.id
    counts = run_eligibility(AS_OF)
    assert counts["evaluated"] == 1 and counts["failed"] == 0
    # hitech_candidate, tech_sme_candidate and, a first-time tech-SME applicant, tech_sme_onsite_check
    assert counts["raised"] == 3
    [flag] = flags(firm_id)
    assert flag.raised_on == AS_OF and flag.cleared_on is None
    assert any("研发费用占销售收入比例 6.00%" in r for r in flag.reasons)
    assert {c["code"] for c in flag.gaps["conditions"]} >= {"rd_ratio_3y", "tech_staff_ratio"}

    # Re-running with no fact changed writes nothing: same rows, same content, no audit rows.
    before = [(f.id, f.result_digest, f.evaluated_on) for f in db.session.scalars(select(Flag))]
    audit_before = db.session.scalar(select(func.count(AuditLog.id)))
    counts = run_eligibility(date(2026, 6, 16))
    assert counts == {"evaluated": 1, "raised": 0, "cleared": 0, "updated": 0, "unchanged": 3, "failed": 0}
    db.session.expire_all()
    assert [(f.id, f.result_digest, f.evaluated_on) for f in db.session.scalars(select(Flag))] == before
    assert db.session.scalar(select(func.count(AuditLog.id))) == audit_before

    # R&D drops below 5% of sales: the flag clears on that date, the row stays.
    for report in db.session.scalars(select(AnnualReport).where(AnnualReport.enterprise_id == firm_id)):
        report.rd_expense_domestic = Decimal("120")
        report.rd_expense = Decimal("120")
    db.session.commit()
    counts = run_eligibility(date(2026, 7, 1))
    assert counts["cleared"] == 1
    [flag] = flags(firm_id)
    assert flag.cleared_on == date(2026, 7, 1)

    # Back above the threshold: a new period starts, the old one is history.
    for report in db.session.scalars(select(AnnualReport).where(AnnualReport.enterprise_id == firm_id)):
        report.rd_expense = Decimal("180")
        report.rd_expense_domestic = Decimal("180")
    db.session.commit()
    assert run_eligibility(date(2026, 8, 1))["raised"] == 1
    old, new = flags(firm_id)
    assert (old.raised_on, old.cleared_on) == (AS_OF, date(2026, 7, 1))
    assert (new.raised_on, new.cleared_on) == (date(2026, 8, 1), None)


def test_changed_reasons_rewrite_the_open_flag(app) -> None:
    firm = candidate()
    run_eligibility(AS_OF)
    [flag] = flags(firm.id)
    flag_id, raised_on = flag.id, flag.raised_on
    report = db.session.scalar(select(AnnualReport).where(AnnualReport.enterprise_id == firm.id,
                                                          AnnualReport.year == 2025))
    report.tech_staff = 30
    db.session.commit()
    counts = run_eligibility(date(2026, 6, 20))
    assert counts["updated"] >= 1 and counts["raised"] == 0 and counts["cleared"] == 0
    [flag] = flags(firm.id)
    assert flag.id == flag_id and flag.raised_on == raised_on
    assert flag.evaluated_on == date(2026, 6, 20)
    assert any("25.00%" in r for r in flag.reasons)


def test_missing_latest_report_does_not_raise(app) -> None:
    firm = EnterpriseFactory()
    for year in (2023, 2024):
        AnnualReportFactory(enterprise=firm, year=year)
    run_eligibility(AS_OF)
    assert flags(firm.id) == []
    # …but it is overdue after 31 May.
    [overdue] = flags(firm.id, "report_overdue")
    assert overdue.cleared_on is None


def test_an_overdue_or_expiring_firm_is_not_re_worded_night_after_night(app) -> None:
    firm = EnterpriseFactory()
    AnnualReportFactory(enterprise=firm, year=2024)
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2023, 10, 1))  # ends 2026-09-30
    run_eligibility(AS_OF)
    assert {f.rule for f in db.session.scalars(select(Flag))} >= {"report_overdue", "hitech_expiring"}
    audit_before = db.session.scalar(select(func.count(AuditLog.id)))
    counts = run_eligibility(date(2026, 6, 16))
    assert counts["updated"] == 0 and counts["raised"] == 0 and counts["cleared"] == 0
    assert db.session.scalar(select(func.count(AuditLog.id))) == audit_before


def test_failing_firm_is_skipped_and_recorded(app, monkeypatch) -> None:
    good, bad = candidate(), candidate()
    bad_uscc = bad.uscc
    spec = RULES["hitech_candidate"]

    def exploding(facts, as_of, params):
        if facts.uscc == bad_uscc:
            raise ZeroDivisionError("boom")
        return spec.evaluate(facts, as_of, params)

    monkeypatch.setitem(RULES, "hitech_candidate", dataclasses.replace(spec, evaluate=exploding))
    counts = run_eligibility(AS_OF)
    assert counts["evaluated"] == 1 and counts["failed"] == 1
    assert len(flags(good.id)) == 1
    assert flags(bad.id, "tech_sme_candidate") == []  # nothing written for the failing firm
    run = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()))
    assert run.status is JobStatus.succeeded and run.job == "eligibility"
    assert run.errors[0]["enterprise"] == bad_uscc and "ZeroDivisionError: boom" in run.errors[0]["message"]
    assert run.counts["failed"] == 1 and run.finished_at is not None


def test_changes_are_attributed_to_the_job(app) -> None:
    candidate()
    officer = OfficerFactory()
    run_eligibility(AS_OF)
    flag = db.session.scalar(select(Flag).where(Flag.rule == "hitech_candidate"))
    mark_handled(flag, officer, "contacted", "  电话联系，企业计划明年申报  ")
    db.session.commit()
    assert flag.handled_status is HandledStatus.contacted
    assert flag.handled_note == "电话联系，企业计划明年申报"
    assert flag.handled_by_id == officer.id and flag.handled_at is not None
    [entry] = [e for e in db.session.scalars(select(AuditLog).where(AuditLog.entity == "flag",
                                                                     AuditLog.entity_id == flag.id))
               if "handled_status" in e.changes]
    assert entry.action.value == "update", entry.changes
    assert entry.changes["handled_by_id"] == [None, officer.id] and entry.changes["handled_at"][1]
    assert entry.changes["handled_status"] == [None, "contacted"]
    assert entry.changes["handled_note"] == [None, "电话联系，企业计划明年申报"]
    assert "result_digest" not in entry.changes and "evaluated_on" not in entry.changes
    with pytest.raises(HandleError, match="处理状态"):
        mark_handled(flag, officer, "forgotten", "")


def test_raising_rewording_and_clearing_are_in_the_audit_trail_with_the_run(app) -> None:
    firm = candidate()
    firm_id = firm.id

    def trail() -> list[AuditLog]:
        return list(db.session.scalars(select(AuditLog).where(AuditLog.entity == "flag",
                                                              AuditLog.enterprise_id == firm_id)
                                       .order_by(AuditLog.id)))

    run_eligibility(AS_OF)
    [flag] = flags(firm_id)
    raised = next(e for e in trail() if e.entity_id == flag.id)
    run = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()))
    assert raised.action.value == "create" and raised.actor == "job:eligibility" and raised.job_run_id == run.id
    assert raised.changes["rule"] == [None, "hitech_candidate"]
    assert raised.changes["raised_on"] == [None, AS_OF.isoformat()]
    assert raised.changes["reasons"] == [None, flag.reasons]
    created = len(trail())
    assert created == 3  # hitech_candidate, tech_sme_candidate and tech_sme_onsite_check

    report = db.session.scalar(select(AnnualReport).where(AnnualReport.enterprise_id == firm_id,
                                                          AnnualReport.year == 2025))
    report.tech_staff = 30
    db.session.commit()
    old_reasons = list(flag.reasons)
    run_eligibility(date(2026, 6, 20))
    db.session.expire_all()
    reworded = [e for e in trail()[created:] if e.entity_id == flag.id]
    assert [e.changes["reasons"] for e in reworded] == [[old_reasons, flags(firm_id)[0].reasons]]

    for report in db.session.scalars(select(AnnualReport).where(AnnualReport.enterprise_id == firm_id)):
        report.rd_expense = report.rd_expense_domestic = Decimal("120")
    db.session.commit()
    run_eligibility(date(2026, 7, 1))
    cleared = [e for e in trail() if e.changes.get("cleared_on")]
    assert [(e.entity_id, e.action.value, e.changes["cleared_on"]) for e in cleared] == [
        (flag.id, "update", [None, "2026-07-01"])
    ]


def test_old_as_of_uses_old_thresholds(app) -> None:
    from crm.eligibility.parameters import set_parameter

    firm = candidate()  # R&D 6% of sales
    AnnualReportFactory(enterprise=firm, year=2022)
    set_parameter("hitech_candidate", "rd_band1_min_ratio", "0.07", 2026)
    db.session.commit()
    run_eligibility(date(2025, 6, 15))  # 2025 uses the 2016 default of 5%: passes
    [flag] = flags(firm.id)
    assert flag.raised_on == date(2025, 6, 15)
    run_eligibility(AS_OF)  # 2026: 7% is required
    [flag] = flags(firm.id)
    assert flag.cleared_on == AS_OF


@pytest.mark.parametrize("setup", ["no_cert", "no_latest", "latest_draft", "cert_and_report"])
def test_preconditions_agree_with_the_rules(app, setup: str) -> None:
    """The run skips a rule whose precondition fails; the rule itself must then fail too."""
    firm = EnterpriseFactory(founded_on=date(2012, 1, 1))
    if setup != "no_latest":
        for year in (2023, 2024, 2025):
            AnnualReportFactory(enterprise=firm, year=year, revenue=Decimal(6000 + 2000 * (year - 2023)),
                                net_profit=Decimal(800),
                                status=ReportStatus.draft if setup == "latest_draft" and year == 2025
                                else ReportStatus.verified)
    if setup in ("cert_and_report", "latest_draft", "no_latest"):
        DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2023, 10, 1))
    facts = load_facts([firm.id], AS_OF)[firm.id]
    results = evaluate_all(facts, AS_OF)
    for code, precondition in PRECONDITIONS.items():
        if not precondition(facts, AS_OF):
            assert results[code].passed is False, code


def test_a_closed_firm_is_no_ones_candidate_from_the_day_it_closed(app) -> None:
    """A firm that closed (注销) keeps its history but no rule applies to it any more: its
    candidate and reminder flags clear at the next run on or after the closing day."""
    firm, open_firm = candidate(), candidate()
    firm_id, open_id = firm.id, open_firm.id
    run_eligibility(AS_OF)
    assert len(flags(firm_id)) == 1 and flags(firm_id)[0].cleared_on is None
    firm.closed_on = date(AS_OF.year, AS_OF.month, AS_OF.day)
    open_firm.closed_on = date(AS_OF.year + 1, 1, 1)  # closes later: not yet
    db.session.commit()
    counts = run_eligibility(AS_OF)
    assert counts["cleared"] >= 1
    assert all(f.cleared_on == AS_OF for f in db.session.scalars(select(Flag).where(Flag.enterprise_id == firm_id)))
    assert [f.cleared_on for f in flags(open_id)] == [None]
