"""Officers' contact log with a firm: visits, calls and notes."""
from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import TimestampMixin, VersionedMixin, enum_type

if TYPE_CHECKING:
    from crm.models.enterprise import Enterprise
    from crm.models.user import User


class ContactKind(enum.Enum):
    visit = "visit"
    call = "call"
    note = "note"


CONTACT_KIND_LABELS: dict[ContactKind, str] = {
    ContactKind.visit: _l("走访"),
    ContactKind.call: _l("电话"),
    ContactKind.note: _l("备注"),
}


class ContactNote(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "contact_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[ContactKind] = mapped_column(enum_type(ContactKind))
    happened_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)

    enterprise: Mapped["Enterprise"] = relationship()
    officer: Mapped["User | None"] = relationship(foreign_keys=[officer_id])
