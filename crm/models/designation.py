"""Designations: recognitions granted by an authority, with validity periods."""
from __future__ import annotations

import enum
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import TimestampMixin, VersionedMixin, enum_type

if TYPE_CHECKING:
    from crm.models.enterprise import Enterprise


class DesignationKind(enum.Enum):
    """Codes fixed by CONTRACT.md; the first six are the ladder's stages, lowest first."""

    incubated = "incubated"
    tech_sme = "tech_sme"
    hitech = "hitech"
    gazelle = "gazelle"
    little_giant = "little_giant"
    listed = "listed"
    tech_micro = "tech_micro"
    hitech_reserve = "hitech_reserve"
    eaglet = "eaglet"
    innovative_sme = "innovative_sme"
    srdi_sme = "srdi_sme"
    leader = "leader"
    golden_seed = "golden_seed"


class DesignationSource(enum.Enum):
    import_ = "import"
    officer = "officer"
    rule = "rule"
    enterprise = "enterprise"
    demo = "demo"


class Designation(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "designation"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),
        Index("ix_designation_validity", "enterprise_id", "kind", "valid_from", "valid_to"),
        Index("ix_designation_kind_validity", "kind", "valid_to", "valid_from"),
        # The flows' and the forecast's fingerprint of the records reads the latest change.
        Index("ix_designation_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    kind: Mapped[DesignationKind] = mapped_column(enum_type(DesignationKind))
    valid_from: Mapped[date] = mapped_column(Date)
    # None: open-ended (e.g. listed).
    valid_to: Mapped[date | None] = mapped_column(Date)
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    authority: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[DesignationSource] = mapped_column(
        enum_type(DesignationSource), default=DesignationSource.officer
    )

    enterprise: Mapped["Enterprise"] = relationship(back_populates="designations")

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def __repr__(self) -> str:
        return f"<Designation {self.kind.value} {self.valid_from}..{self.valid_to}>"


def hitech_valid_to(issued_on: date) -> date:
    """A high-tech certificate runs three years from issue: to the day before the third
    anniversary. A certificate issued on 29 February, whose anniversary a common year
    lacks, runs to the end of that February (the 28th), the day before 1 March."""
    try:
        anniversary = issued_on.replace(year=issued_on.year + 3)
    except ValueError:  # 29 February
        anniversary = date(issued_on.year + 3, 3, 1)
    return anniversary - timedelta(days=1)


def default_valid_to(kind: DesignationKind, valid_from: date) -> date | None:
    """The validity a designation has when none is stated."""
    if kind is DesignationKind.hitech:
        return hitech_valid_to(valid_from)
    if kind is DesignationKind.listed:
        return None
    # 科技型中小企业 入库 and the yearly lists run to the end of their year.
    return date(valid_from.year, 12, 31)
