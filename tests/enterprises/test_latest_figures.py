"""Firms' stored latest-year figures follow every change to their reports."""
from decimal import Decimal

import pytest

from crm.enterprises.summary import refresh_latest_figures
from crm.extensions import db
from crm.models import Enterprise, ReportStatus
from tests.factories import AnnualReportFactory, EnterpriseFactory


def figures(firm: Enterprise) -> tuple:
    db.session.expire(firm)
    return firm.latest_year, firm.latest_revenue, firm.latest_rd_ratio, firm.revenue_growth


def test_figures_follow_report_changes(app) -> None:
    firm = EnterpriseFactory()
    assert figures(firm) == (None, None, None, None)
    AnnualReportFactory(enterprise=firm, year=2023, revenue=Decimal("1000"), rd_expense=Decimal("40"))
    assert figures(firm) == (2023, Decimal("1000"), pytest.approx(0.04), None)
    latest = AnnualReportFactory(enterprise=firm, year=2024, revenue=Decimal("1250"), rd_expense=Decimal("75"))
    year, revenue, ratio, growth = figures(firm)
    assert (year, revenue) == (2024, Decimal("1250"))
    assert ratio == pytest.approx(0.06) and growth == pytest.approx(0.25)

    # A draft does not count: the figures fall back to the last submitted year.
    latest.status = ReportStatus.draft
    db.session.commit()
    assert figures(firm)[0] == 2023

    db.session.delete(latest)
    db.session.commit()
    assert figures(firm)[:2] == (2023, Decimal("1000"))


def test_zero_revenue_has_no_ratio(app) -> None:
    report = AnnualReportFactory(revenue=Decimal("0"), rd_expense=Decimal("5"))
    assert figures(report.enterprise)[2] is None


def test_failed_flush_leaves_figures_unchanged(app) -> None:
    from sqlalchemy.exc import IntegrityError

    report = AnnualReportFactory(year=2024, revenue=Decimal("500"))
    report.revenue = Decimal("900")
    report.tech_staff = report.employees + 1  # violates a check constraint
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert figures(report.enterprise)[1] == Decimal("500")


def test_bulk_refresh_of_core_writes(app) -> None:
    firm = EnterpriseFactory()
    report = AnnualReportFactory(enterprise=firm, year=2024, revenue=Decimal("100"))
    # A Core write (as bulk imports do) bypasses the ORM hook until refreshed.
    with db.engine.begin() as conn:
        conn.execute(report.__table__.update().values(revenue=Decimal("300")))
        refresh_latest_figures(conn, [firm.id])
    assert figures(firm)[1] == Decimal("300")
