"""Verifying, returning and correcting annual reports: the officer's side of the workflow.

The enterprise portal drafts and submits reports; an officer then verifies a
submitted report or returns it with a reason (`return_reason`) the enterprise
reads. These functions change the objects and leave committing to the caller,
so a page, a CLI command or a test call the same code.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm.clock import utcnow
from crm.extensions import db
from crm.models import AnnualReport, ReportStatus, User
from crm.models.annual_report import FIGURE_FIELDS

# A figure that moved by more than this share from last year is called out.
LARGE_CHANGE = Decimal("0.5")


class ReportStateError(ValueError):
    """An operation the report's status does not allow (message for people)."""


def verify_report(report: AnnualReport, user: User) -> None:
    """Accept a submitted report as correct."""
    if report.status is not ReportStatus.submitted:
        raise ReportStateError(_("只有已提交的报表可以核实"))
    report.status = ReportStatus.verified
    report.verified_at = utcnow()
    report.verified_by_id = user.id
    report.return_reason = None
    report.updated_by_id = user.id
    _tell_firm(report, "report_verified", f"{report.year}年度报表已核实", "")


def _tell_firm(report: AnnualReport, kind: str, title: str, body: str) -> None:
    """Put the outcome of a review in the inbox of the firm's own users."""
    from crm.notifications.services import enterprise_users, notify, site_link

    link = site_link("portal.report_form", year=report.year)
    for person in enterprise_users([report.enterprise_id]).get(report.enterprise_id, []):
        notify(person, kind, title, body, link=link, enterprise_id=report.enterprise_id)


def return_report(report: AnnualReport, user: User, reason: str) -> None:
    """Send a submitted report back to the enterprise with a reason it will read."""
    reason = (reason or "").strip()
    if not reason:
        raise ReportStateError(_("退回时请填写退回原因"))
    if report.status is not ReportStatus.submitted:
        raise ReportStateError(_("只有已提交的报表可以退回"))
    report.status = ReportStatus.returned
    report.return_reason = reason
    report.verified_at = None
    report.verified_by_id = None
    report.updated_by_id = user.id
    _tell_firm(report, "report_returned", f"{report.year}年度报表被退回，请修改后重新提交", f"退回原因：{reason}")


def update_report(report: AnnualReport, values: dict[str, Any], user: User) -> None:
    """An officer's correction of a report's figures (year, figures, explanation)."""
    allowed = {"year", "change_explanation", *FIGURE_FIELDS}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"unknown report fields: {sorted(unknown)}")
    for name, value in values.items():
        setattr(report, name, value)
    if report.draft_input:
        # The officer's figure replaces what the firm had typed but could not save.
        kept = {name: text for name, text in report.draft_input.items() if name not in values}
        report.draft_input = kept or None
    report.updated_by_id = user.id


def previous_report(report: AnnualReport) -> AnnualReport | None:
    """The same firm's report for the year before (any status but draft)."""
    return db.session.scalar(
        select(AnnualReport).where(
            AnnualReport.enterprise_id == report.enterprise_id,
            AnnualReport.year == report.year - 1,
            AnnualReport.status != ReportStatus.draft,
        )
    )


@dataclass(frozen=True)
class FigureChange:
    field: str
    previous: Decimal | int | None
    current: Decimal | int | None
    # Relative change (0.6 = +60%); None when either side is missing or last year was 0.
    change: Decimal | None

    @property
    def changed(self) -> bool:
        return self.previous != self.current

    @property
    def large(self) -> bool:
        """Jumps of more than half, and appearing from zero, are called out."""
        if self.change is not None:
            return abs(self.change) > LARGE_CHANGE
        return self.previous == 0 and bool(self.current)


def compare_reports(current: AnnualReport, previous: AnnualReport | None) -> list[FigureChange]:
    """Each figure side by side with last year's, with its relative change."""
    rows = []
    for name in FIGURE_FIELDS:
        now = getattr(current, name)
        before = getattr(previous, name) if previous is not None else None
        change = None
        if now is not None and before not in (None, 0):
            change = (Decimal(now) - Decimal(before)) / abs(Decimal(before))
        rows.append(FigureChange(name, before, now, change))
    return rows
