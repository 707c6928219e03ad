"""Declarations of facts (crm.models.declaration): a firm drafts and submits one in the portal,
its officer verifies or returns it, as with a report; an officer may also enter one, which
counts as verified. These functions change the objects and leave committing to the caller.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm.clock import utcnow
from crm.extensions import db
from crm.models import Enterprise, FactDeclaration, ReportStatus, User
from crm.reports.services import ReportStateError

# What a declaration says, besides its date: copied into a new draft from the last one, so a
# firm changes only what changed.
DECLARED_FIELDS = ("niche_since", "leading_product", "product_field", "digital_level", "quality_award",
                   "quality_certified", "own_brand", "standards", "strategic_emerging", "ip_grade")
EDITABLE = (ReportStatus.draft, ReportStatus.returned)


def declaration_labels() -> dict[str, dict[Any, Any]]:
    """The coded facts' labels, for templates (by member)."""
    from crm.models.declaration import IP_GRADE_LABELS, PRODUCT_FIELD_LABELS

    return {"product_field": PRODUCT_FIELD_LABELS, "ip_grade": IP_GRADE_LABELS}


def declarations_of(firm: Enterprise) -> list[FactDeclaration]:
    """The firm's declarations, newest first."""
    return list(db.session.scalars(select(FactDeclaration).where(FactDeclaration.enterprise_id == firm.id)
                                   .order_by(FactDeclaration.declared_on.desc(), FactDeclaration.id.desc())))


def in_force(declarations: list[FactDeclaration], on: date) -> FactDeclaration | None:
    """The verified declaration the rules read on a day: the latest dated on or before it."""
    verified = [d for d in declarations if d.status is ReportStatus.verified and d.declared_on <= on]
    return max(verified, key=lambda d: (d.declared_on, d.id), default=None)


def open_declaration(firm: Enterprise, today: date) -> FactDeclaration:
    """The declaration the firm edits: its draft or returned one, else a new draft (added, not
    flushed) carrying what the latest one said, dated today."""
    found = declarations_of(firm)
    for declaration in found:
        if declaration.status in EDITABLE:
            return declaration
    draft = FactDeclaration(enterprise_id=firm.id, declared_on=today, status=ReportStatus.draft,
                            quality_award=False, quality_certified=False, own_brand=False, standards=False)
    if found:
        for name in DECLARED_FIELDS:
            setattr(draft, name, getattr(found[0], name))
    db.session.add(draft)
    return draft


def store(declaration: FactDeclaration, values: dict[str, Any], user: User) -> None:
    """Write a form's values onto a declaration the firm or an officer may change."""
    if declaration.status not in EDITABLE and declaration.id is not None and user.role.value == "enterprise":
        raise ReportStateError(_("该申报已提交或已核实，不能修改。"))
    for name in ("declared_on", *DECLARED_FIELDS):
        if name in values:
            setattr(declaration, name, values[name])
    declaration.updated_by_id = user.id


def submit(declaration: FactDeclaration, user: User) -> None:
    """The firm hands the declaration in for its officer to verify."""
    if declaration.status not in EDITABLE:
        raise ReportStateError(_("该申报已提交或已核实，不能重复提交。"))
    declaration.status = ReportStatus.submitted
    declaration.submitted_at = utcnow()
    declaration.return_reason = None
    declaration.updated_by_id = user.id


def verify(declaration: FactDeclaration, user: User) -> None:
    """The officer accepts a submitted declaration (or records one they entered themselves)."""
    if declaration.status is not ReportStatus.submitted:
        raise ReportStateError(_("只有已提交的申报可以核实"))
    declaration.status = ReportStatus.verified
    declaration.verified_at = utcnow()
    declaration.verified_by_id = user.id
    declaration.return_reason = None
    declaration.updated_by_id = user.id
    _tell_firm(declaration, "declaration_verified", "企业情况申报已核实", "")


def give_back(declaration: FactDeclaration, user: User, reason: str) -> None:
    """The officer returns a submitted declaration with a reason the firm reads."""
    reason = (reason or "").strip()
    if not reason:
        raise ReportStateError(_("退回时请填写退回原因"))
    if declaration.status is not ReportStatus.submitted:
        raise ReportStateError(_("只有已提交的申报可以退回"))
    declaration.status = ReportStatus.returned
    declaration.return_reason = reason
    declaration.verified_at = None
    declaration.verified_by_id = None
    declaration.updated_by_id = user.id
    _tell_firm(declaration, "declaration_returned", "企业情况申报被退回，请修改后重新提交", f"退回原因：{reason}")


def submitted_declarations(user: User) -> list[tuple[FactDeclaration, Enterprise]]:
    """Submitted declarations of the firms in ``user``'s scope, oldest submission first: the
    officer's queue beside the reports."""
    from crm.scoping import scoped

    stmt = scoped(select(FactDeclaration, Enterprise).join(Enterprise, Enterprise.id == FactDeclaration.enterprise_id)
                  .where(FactDeclaration.status == ReportStatus.submitted)
                  .order_by(FactDeclaration.submitted_at, FactDeclaration.id), user)
    return [(d, e) for d, e in db.session.execute(stmt)]


def _tell_firm(declaration: FactDeclaration, kind: str, title: str, body: str) -> None:
    from crm.notifications.services import enterprise_users, notify, site_link

    link = site_link("portal.declaration")
    for person in enterprise_users([declaration.enterprise_id]).get(declaration.enterprise_id, []):
        notify(person, kind, title, body, link=link, enterprise_id=declaration.enterprise_id)
