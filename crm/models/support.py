"""Support a firm received (subsidies, loans, investments, vouchers) and honours it won."""
from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import Money, TimestampMixin, VersionedMixin, enum_type

if TYPE_CHECKING:
    from crm.models.enterprise import Enterprise


class SupportKind(enum.Enum):
    subsidy = "subsidy"
    loan = "loan"
    investment = "investment"
    voucher = "voucher"


SUPPORT_KIND_LABELS: dict[SupportKind, str] = {
    SupportKind.subsidy: _l("财政补助"),
    SupportKind.loan: _l("科技信贷"),
    SupportKind.investment: _l("股权投资"),
    SupportKind.voucher: _l("创新券"),
}


class SupportRecord(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "support_record"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SupportKind] = mapped_column(enum_type(SupportKind))
    programme: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    granted_on: Mapped[date] = mapped_column(Date)

    enterprise: Mapped["Enterprise"] = relationship(back_populates="support_records")

    def __repr__(self) -> str:
        return f"<SupportRecord {self.kind.value} {self.amount}>"


class HonourKind(enum.Enum):
    """Facts that qualify a firm directly under the tech-SME and innovative-SME rules."""

    national_science_award = "national_science_award"
    provincial_science_award = "provincial_science_award"
    led_national_standard = "led_national_standard"
    led_industry_standard = "led_industry_standard"
    equity_raised = "equity_raised"


HONOUR_KIND_LABELS: dict[HonourKind, str] = {
    HonourKind.national_science_award: _l("国家级科技奖励"),
    HonourKind.provincial_science_award: _l("省级科技奖励"),
    HonourKind.led_national_standard: _l("主导制定国家标准"),
    HonourKind.led_industry_standard: _l("主导制定行业标准"),
    HonourKind.equity_raised: _l("新增股权融资"),
}


class Honour(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "honour"
    __table_args__ = (
        CheckConstraint("year BETWEEN 1980 AND 2100", name="year_plausible"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[HonourKind] = mapped_column(enum_type(HonourKind))
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal | None] = mapped_column(Money)

    enterprise: Mapped["Enterprise"] = relationship(back_populates="honours")

    def __repr__(self) -> str:
        return f"<Honour {self.kind.value} {self.year}>"
