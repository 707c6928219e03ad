"""The enterprise (firm) aggregate root and its reference data."""
from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from crm.extensions import db
from crm.models.base import Money, TimestampMixin, VersionedMixin, enum_type
from crm.pinyin import MAX_LENGTH as INITIALS_LENGTH
from crm.pinyin import name_initials
from crm.uscc import normalize_uscc

if TYPE_CHECKING:
    from crm.models.annual_report import AnnualReport
    from crm.models.designation import Designation
    from crm.models.district import District
    from crm.models.platform import Platform
    from crm.models.support import Honour, SupportRecord
    from crm.models.talent import Talent
    from crm.models.user import User


class HitechField(enum.Enum):
    """国家重点支持的高新技术领域 (the eight fields of 国科发火〔2016〕32号)."""

    electronics = "electronics"
    biomedicine = "biomedicine"
    aerospace = "aerospace"
    new_materials = "new_materials"
    hitech_services = "hitech_services"
    new_energy = "new_energy"
    environment = "environment"
    advanced_manufacturing = "advanced_manufacturing"


# The source-language names: importers match sheet text against them and the import
# template lists them, whatever the viewer's language, so they stay plain Chinese.
HITECH_FIELD_LABELS: dict[HitechField, str] = {
    HitechField.electronics: "电子信息",
    HitechField.biomedicine: "生物与新医药",
    HitechField.aerospace: "航空航天",
    HitechField.new_materials: "新材料",
    HitechField.hitech_services: "高技术服务",
    HitechField.new_energy: "新能源与节能",
    HitechField.environment: "资源与环境",
    HitechField.advanced_manufacturing: "先进制造与自动化",
}
# The same names for display (translated to the viewer's language).
HITECH_FIELD_NAMES: dict[HitechField, str] = {
    HitechField.electronics: _l("电子信息"),
    HitechField.biomedicine: _l("生物与新医药"),
    HitechField.aerospace: _l("航空航天"),
    HitechField.new_materials: _l("新材料"),
    HitechField.hitech_services: _l("高技术服务"),
    HitechField.new_energy: _l("新能源与节能"),
    HitechField.environment: _l("资源与环境"),
    HitechField.advanced_manufacturing: _l("先进制造与自动化"),
}


class Industry(db.Model):
    """National economic industry classification (GB/T 4754-2017), sections and divisions."""

    __tablename__ = "industry"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))

    def __repr__(self) -> str:
        return f"<Industry {self.code} {self.name}>"


class Enterprise(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "enterprise"
    __table_args__ = (
        Index("ix_enterprise_district_name", "district_code", "name"),
        Index("ix_enterprise_district_above_size", "district_code", "above_size"),
        Index("ix_enterprise_latest_revenue", "latest_revenue"),
        Index("ix_enterprise_latest_rd_ratio", "latest_rd_ratio"),
        Index("ix_enterprise_revenue_growth", "revenue_growth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    # active_history: a rename knows the name it replaces (kept as a former name).
    name: Mapped[str] = mapped_column(String(200), index=True, active_history=True)
    # Pinyin initials of the name, so officers can type "jmkj" for 江门…科技: every reading
    # of its polyphonic characters, separated by spaces (crm.pinyin).
    name_initials: Mapped[str] = mapped_column(String(INITIALS_LENGTH), default="", index=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    # True when an officer set the district against what the code's region says.
    district_overridden: Mapped[bool] = mapped_column(default=False)
    town: Mapped[str | None] = mapped_column(String(50))
    founded_on: Mapped[date | None] = mapped_column(Date)
    industry_code: Mapped[str | None] = mapped_column(ForeignKey("industry.code"), index=True)
    hitech_field: Mapped[HitechField | None] = mapped_column(enum_type(HitechField))
    above_size: Mapped[bool] = mapped_column(default=False, index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    contact_person: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    # 注销/吊销: the day the firm ceased to exist; it holds no rung from that day on.
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    # Figures of the latest reported (non-draft) year, kept in step with the reports
    # by crm/enterprises/summary.py so that lists sort 100,000 firms on an index.
    latest_year: Mapped[int | None] = mapped_column(Integer)
    latest_revenue: Mapped[Decimal | None] = mapped_column(Money)
    latest_rd_ratio: Mapped[float | None] = mapped_column(Float)
    revenue_growth: Mapped[float | None] = mapped_column(Float)
    assigned_officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )

    district: Mapped["District"] = relationship(lazy="joined")
    industry: Mapped[Industry | None] = relationship()
    designations: Mapped[list["Designation"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", order_by="Designation.valid_from"
    )
    annual_reports: Mapped[list["AnnualReport"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", order_by="AnnualReport.year"
    )
    platforms: Mapped[list["Platform"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan"
    )
    talents: Mapped[list["Talent"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan"
    )
    support_records: Mapped[list["SupportRecord"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan"
    )
    honours: Mapped[list["Honour"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan"
    )
    former_names: Mapped[list["FormerName"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", order_by="FormerName.id"
    )
    assigned_officer: Mapped["User | None"] = relationship(foreign_keys=[assigned_officer_id])

    def stage(self, as_of: date | None = None) -> str:
        """The highest ladder stage among designations valid on `as_of` (today by default), or "none"."""
        from crm.clock import today
        from crm.ladder import stage_of

        return stage_of(self.designations, as_of or today())

    @validates("uscc")
    def _normalise_uscc(self, _key: str, value: str) -> str:
        return normalize_uscc(value)

    def __repr__(self) -> str:
        return f"<Enterprise {self.uscc} {self.name}>"


class FormerName(TimestampMixin, db.Model):
    """A name the firm went by before (曾用名): kept when it is renamed, shown on its page,
    searched, and used to match later lists that still name it so."""

    __tablename__ = "former_name"
    __table_args__ = (UniqueConstraint("enterprise_id", "name", name="uq_former_name_enterprise_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), index=True)
    # When the firm stopped using it, where known (a rename list's 更名日期).
    until: Mapped[date | None] = mapped_column(Date)

    enterprise: Mapped[Enterprise] = relationship(back_populates="former_names")

    def __repr__(self) -> str:
        return f"<FormerName {self.name}>"


@event.listens_for(Enterprise.name, "set")
def _set_initials(target: Enterprise, value: str, _old: object, _initiator: object) -> None:
    target.name_initials = name_initials(value)


@event.listens_for(Session, "before_flush")
def _keep_former_names(session: Session, _context: object, _instances: object) -> None:
    """A firm renamed through the ORM (an officer's edit, an approved change request) keeps
    its old name: later lists may still name it so. A name it went by before is not added
    twice. (The importers write renames with Core and keep former names themselves.)"""
    for target in list(session.dirty):
        if not isinstance(target, Enterprise) or target.id is None:
            continue
        history = inspect(target).attrs.name.history
        if not history.deleted or not history.added:
            continue
        old, new = history.deleted[0], history.added[0]
        if not old or old == new:
            continue
        with session.no_autoflush:
            known = session.scalar(
                select(FormerName.id).where(FormerName.enterprise_id == target.id, FormerName.name == old)
            )
        if known is None:
            session.add(FormerName(enterprise_id=target.id, name=old))


class DistrictMove(db.Model):
    """A firm moved from one district to another on a day (kept from the audit trail, so every
    way a district changes, a form or an import and its rollback, leaves one; crm.audit)."""

    __tablename__ = "district_move"
    __table_args__ = (Index("ix_district_move_firm", "enterprise_id", "moved_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    moved_on: Mapped[date] = mapped_column(Date)
    from_district: Mapped[str] = mapped_column(String(6))
    to_district: Mapped[str] = mapped_column(String(6))

    def __repr__(self) -> str:
        return f"<DistrictMove {self.enterprise_id} {self.from_district}->{self.to_district} {self.moved_on}>"
