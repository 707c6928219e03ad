"""Facts a firm declares that no figure gives, for the MIIT ladder's scores (创新型, 专精特新,
小巨人): since when it is in its niche market, its leading product and that product's field,
its digital level, its quality items, whether it is in a strategic emerging industry, and
what its I-class IP is. A declaration is dated and carries evidence (attachments); the
firm's officer verifies or returns it as they do a report, and only verified ones count.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.models.annual_report import ReportStatus
from crm.models.base import TimestampMixin, VersionedMixin, enum_type


class ProductField(enum.Enum):
    """The field of the firm's leading product, as 专精特新's 专业化 indicator scores it."""

    strategic_gap = "strategic_gap"  # 补短板、锻长板、填空白 (with results)
    six_basics = "six_basics"  # 工业"六基"
    time_honoured = "time_honoured"  # 中华老字号
    chain_supplier = "chain_supplier"  # supplies a leader of a key industrial chain
    other = "other"


PRODUCT_FIELD_LABELS: dict[ProductField, str] = {
    ProductField.strategic_gap: _l("补短板、锻长板、填空白（已取得成效）"),
    ProductField.six_basics: _l("工业“六基”领域"),
    ProductField.time_honoured: _l("中华老字号"),
    ProductField.chain_supplier: _l("为重点产业链龙头企业配套"),
    ProductField.other: _l("其他"),
}


class IpGrade(enum.Enum):
    """What the firm's I-class IP is, as the MIIT scores read it (without a declaration: plain)."""

    high_value = "high_value"  # 高价值发明专利 (I类高价值知识产权)
    own = "own"  # self-developed I-class IP (自主研发获得的I类知识产权)
    plain = "plain"  # I-class IP otherwise obtained


IP_GRADE_LABELS: dict[IpGrade, str] = {
    IpGrade.high_value: _l("拥有I类高价值知识产权"),
    IpGrade.own: _l("拥有自主研发的I类知识产权"),
    IpGrade.plain: _l("I类知识产权（非自主研发）或无"),
}


class FactDeclaration(TimestampMixin, VersionedMixin, db.Model):
    """One dated declaration of the firm's facts; the latest verified one in force counts."""

    __tablename__ = "fact_declaration"
    __table_args__ = (
        CheckConstraint("digital_level IS NULL OR digital_level BETWEEN 1 AND 3", name="digital_level_range"),
        CheckConstraint("niche_since IS NULL OR niche_since BETWEEN 1900 AND 2100", name="niche_since_plausible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    # The day from which the facts hold: a declaration dated after the as-of date does not count yet.
    declared_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ReportStatus] = mapped_column(enum_type(ReportStatus), default=ReportStatus.draft, index=True)
    niche_since: Mapped[int | None] = mapped_column(Integer)  # the year it entered its niche market
    leading_product: Mapped[str | None] = mapped_column(String(200))
    product_field: Mapped[ProductField | None] = mapped_column(enum_type(ProductField))
    digital_level: Mapped[int | None] = mapped_column(Integer)  # 数字化水平 1–3
    quality_award: Mapped[bool] = mapped_column(Boolean, default=False)  # provincial+ quality award
    quality_certified: Mapped[bool] = mapped_column(Boolean, default=False)  # ISO 9001-type certification
    own_brand: Mapped[bool] = mapped_column(Boolean, default=False)
    standards: Mapped[bool] = mapped_column(Boolean, default=False)  # took part in making standards
    strategic_emerging: Mapped[bool | None] = mapped_column(Boolean)  # 战略性新兴产业
    ip_grade: Mapped[IpGrade | None] = mapped_column(enum_type(IpGrade))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    return_reason: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<FactDeclaration {self.enterprise_id} {self.declared_on} {self.status.value}>"
