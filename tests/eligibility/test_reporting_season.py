"""Nightly runs across a reporting season: 1 January and the 31 May deadline move no flag
up and down; a flag keeps its period and its reasons say which year it rests on."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.eligibility.services import run_eligibility
from crm.extensions import db
from crm.models import AuditAction, AuditLog, Flag, ReportStatus
from tests.factories import AnnualReportFactory, EnterpriseFactory

NOTE = "以2024年度数据评估：2025年度年报尚未到报送截止日"
FILED_ON = date(2026, 4, 15)
DEADLINE = date(2026, 5, 31)
DAYS = [date(2025, 12, 1), date(2025, 12, 15), date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2),
        date(2026, 1, 15), date(2026, 2, 1), date(2026, 2, 15), date(2026, 3, 1), date(2026, 3, 15),
        date(2026, 4, 1), date(2026, 4, 14), FILED_ON, date(2026, 4, 16), date(2026, 5, 1), date(2026, 5, 15),
        date(2026, 5, 30), DEADLINE, date(2026, 6, 1), date(2026, 6, 15), date(2026, 6, 30)]
CANDIDATE_RULES = ("hitech_candidate", "tech_sme_candidate")


def _firm(founded: date, years: tuple[int, ...], name: str):
    firm = EnterpriseFactory(founded_on=founded, name=name)
    for year in years:
        AnnualReportFactory(enterprise=firm, year=year)
    return firm


def _open_flag(firm_id: int, rule: str) -> Flag | None:
    return db.session.scalar(select(Flag).where(Flag.enterprise_id == firm_id, Flag.rule == rule,
                                                Flag.cleared_on.is_(None)))


def test_a_season_of_nightly_runs_raises_each_flag_once_on_the_right_basis_year(app) -> None:
    two_years = _firm(date(2023, 2, 1), (2023, 2024), "江门两年报科技有限公司")
    files_in_april = _firm(date(2015, 3, 1), (2022, 2023, 2024), "江门四月报科技有限公司")
    never_files = _firm(date(2015, 3, 1), (2022, 2023, 2024), "江门未报科技有限公司")
    ids = {"two_years": two_years.id, "files_in_april": files_in_april.id, "never_files": never_files.id}
    db.session.commit()

    totals = {"raised": 0, "cleared": 0, "updated": 0}
    for day in DAYS:
        if day == FILED_ON:
            AnnualReportFactory(enterprise=db.session.get(type(files_in_april), ids["files_in_april"]),
                                year=2025, status=ReportStatus.submitted)
            db.session.commit()
        counts = run_eligibility(day, notify=False)
        for key in totals:
            totals[key] += counts[key]
        db.session.expire_all()
        for name, firm_id in ids.items():
            filed = name == "files_in_april" and day >= FILED_ON
            for rule in CANDIDATE_RULES:
                flag = _open_flag(firm_id, rule)
                if day > DEADLINE and not filed:
                    assert flag is None, (day, name, rule)
                    continue
                assert flag is not None, (day, name, rule)
                deferred = day.year == 2026 and not filed
                expected = 2025 if filed else 2024
                assert flag.gaps["info"]["basis_year"] == expected, (day, name, rule)
                assert (flag.reasons[0] == NOTE) is deferred, (day, name, rule, flag.reasons)
            overdue = _open_flag(firm_id, "report_overdue")
            assert (overdue is not None) is (day > DEADLINE and name != "files_in_april"), (day, name)

    flags = db.session.scalars(select(Flag).where(Flag.enterprise_id.in_(ids.values()))).all()
    # No flapping: one period per firm and rule over the whole season.
    periods: dict[tuple[int, str], int] = {}
    for flag in flags:
        periods[(flag.enterprise_id, flag.rule)] = periods.get((flag.enterprise_id, flag.rule), 0) + 1
    assert all(n == 1 for n in periods.values()), periods
    for name, firm_id in ids.items():
        for rule in CANDIDATE_RULES:
            [flag] = [f for f in flags if f.enterprise_id == firm_id and f.rule == rule]
            assert flag.raised_on == DAYS[0], (name, rule)
            assert flag.cleared_on == (None if name == "files_in_april" else date(2026, 6, 1)), (name, rule)
    # The runs' counts and the audit trail tell the same story: each flag raised once, the
    # non-filers' candidate flags cleared once, the rest re-worded.
    assert totals["raised"] == len(flags)
    assert totals["cleared"] == sum(1 for f in flags if f.cleared_on is not None)
    assert totals["updated"] > 0
    created = db.session.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.entity == "flag", AuditLog.action == AuditAction.create))
    assert created == len(flags)


def test_the_nightly_run_reads_the_deadline_an_administrator_set(app) -> None:
    from crm.eligibility.parameters import set_parameter

    firm = _firm(date(2015, 3, 1), (2022, 2023, 2024), "江门三月截止科技有限公司")
    firm_id = firm.id
    set_parameter("report_overdue", "deadline_month", 3, 2026)
    db.session.commit()
    run_eligibility(date(2026, 3, 31), notify=False)
    flag = _open_flag(firm_id, "hitech_candidate")
    assert flag is not None and flag.gaps["info"]["basis_year"] == 2024 and flag.reasons[0] == NOTE
    run_eligibility(date(2026, 4, 1), notify=False)
    assert _open_flag(firm_id, "hitech_candidate") is None
    assert _open_flag(firm_id, "report_overdue") is not None
