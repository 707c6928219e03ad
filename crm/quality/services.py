"""Which stored annual reports break a consistency rule that is not a database constraint.

The rules are crm.reports.consistency's SUBMIT_BOUNDS (total revenue includes sales revenue,
and the like): every form, the portal and the importer refuse new figures that break them, but
reports stored before a rule existed may still do. They are listed here, in the reader's scope,
rather than refused when loaded: an officer may go on editing the firm's profile, designations
or other reports, and only saving the broken report itself asks for it to be put right.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from crm.extensions import db
from crm.models import AnnualReport, Enterprise, ReportStatus, User
from crm.models.annual_report import FIGURE_FIELDS
from crm.reports.consistency import SUBMIT_BOUNDS, WHOLE_FALLBACKS, BoundBreach, bound_breaches
from crm.scoping import scoped

# Reports that count (the rules and the dashboard read them); a draft or a returned report is
# still the firm's to correct, and submitting it checks these rules.
CHECKED_STATUSES = (ReportStatus.submitted, ReportStatus.verified)


def _whole_column(whole: str) -> ColumnElement[Any]:
    column = getattr(AnnualReport, whole)
    fallback = WHOLE_FALLBACKS.get(whole)
    return func.coalesce(column, getattr(AnnualReport, fallback)) if fallback else column


def breaks_a_bound() -> ColumnElement[bool]:
    """SQL condition on AnnualReport: some part exceeds its whole (the SQL form of
    :func:`crm.reports.consistency.bound_breaches` over SUBMIT_BOUNDS; blanks break nothing)."""
    return or_(*(
        and_(getattr(AnnualReport, part).is_not(None), getattr(AnnualReport, part) > _whole_column(whole))
        for part, whole, _message in SUBMIT_BOUNDS
    ))


def inconsistent_reports(user: User) -> Select:
    """select(AnnualReport, Enterprise) of the counted reports in `user`'s scope that break a
    bound, by district, firm and year (newest first)."""
    stmt = (
        select(AnnualReport, Enterprise)
        .join(Enterprise, Enterprise.id == AnnualReport.enterprise_id)
        .where(AnnualReport.status.in_(CHECKED_STATUSES), breaks_a_bound())
        .order_by(Enterprise.district_code, Enterprise.name, Enterprise.id, AnnualReport.year.desc())
    )
    return scoped(stmt, user)


@dataclass(frozen=True)
class InconsistentReport:
    report: AnnualReport
    firm: Enterprise
    breaches: list[BoundBreach]


def report_breaches(report: AnnualReport) -> list[BoundBreach]:
    """The bounds `report`'s stored figures break."""
    return bound_breaches({name: getattr(report, name) for name in FIGURE_FIELDS}, SUBMIT_BOUNDS)


def page_of(user: User, page: int, per_page: int) -> tuple[list[InconsistentReport], int]:
    """One page of :func:`inconsistent_reports` with each report's breaches, and the total."""
    stmt = inconsistent_reports(user)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return [InconsistentReport(report, firm, report_breaches(report)) for report, firm in rows], total
