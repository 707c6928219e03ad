"""Annual data an enterprise reports for one fiscal year."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import Money, TimestampMixin, VersionedMixin, enum_type

if TYPE_CHECKING:
    from crm.models.enterprise import Enterprise


class ReportStatus(enum.Enum):
    draft = "draft"
    submitted = "submitted"
    verified = "verified"
    returned = "returned"


# One name per status, for officers and firms alike (crm/rules/facts.py repeats them, Flask-free).
REPORT_STATUS_LABELS: dict[ReportStatus, str] = {
    ReportStatus.draft: _l("草稿"),
    ReportStatus.submitted: _l("已提交"),
    ReportStatus.verified: _l("已核实"),
    ReportStatus.returned: _l("已退回"),
}

# The reported figures, in form order; money in 万元, counts in persons or items.
MONEY_FIELDS = (
    "revenue",
    "total_revenue",
    "main_revenue",
    "rd_expense",
    "rd_expense_domestic",
    "hitech_revenue",
    "total_assets",
    "total_liabilities",
    "net_assets",
    "net_profit",
    "total_costs",
)
COUNT_FIELDS = ("employees", "tech_staff", "rd_staff", "ip_class1", "ip_class2")
FIGURE_FIELDS = MONEY_FIELDS + COUNT_FIELDS
# Net assets and net profit may be negative (a loss-making firm); the rest may not.
NON_NEGATIVE_FIELDS = tuple(f for f in FIGURE_FIELDS if f not in ("net_assets", "net_profit"))


def _non_negative(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IS NULL OR {column} >= 0", name=f"{column}_non_negative")


class AnnualReport(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "annual_report"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year"),
        # Covers the firm list's "latest reported year" sort keys without touching the table.
        Index("ix_annual_report_latest", "enterprise_id", "year", "status", "revenue", "rd_expense"),
        CheckConstraint("year BETWEEN 1980 AND 2100", name="year_plausible"),
        *(_non_negative(f) for f in NON_NEGATIVE_FIELDS),
        CheckConstraint(
            "tech_staff IS NULL OR employees IS NULL OR tech_staff <= employees",
            name="tech_staff_within_employees",
        ),
        CheckConstraint(
            "rd_staff IS NULL OR employees IS NULL OR rd_staff <= employees",
            name="rd_staff_within_employees",
        ),
        CheckConstraint(
            "rd_expense_domestic IS NULL OR rd_expense IS NULL OR rd_expense_domestic <= rd_expense",
            name="domestic_rd_within_rd",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[ReportStatus] = mapped_column(
        enum_type(ReportStatus), default=ReportStatus.draft, index=True
    )
    revenue: Mapped[Decimal | None] = mapped_column(Money)
    total_revenue: Mapped[Decimal | None] = mapped_column(Money)
    # 主营业务收入: the MIIT measures' "main business" (its share of revenue and its growth).
    main_revenue: Mapped[Decimal | None] = mapped_column(Money)
    rd_expense: Mapped[Decimal | None] = mapped_column(Money)
    rd_expense_domestic: Mapped[Decimal | None] = mapped_column(Money)
    hitech_revenue: Mapped[Decimal | None] = mapped_column(Money)
    total_assets: Mapped[Decimal | None] = mapped_column(Money)
    # 负债总额, for the debt ratio; above total assets for an insolvent firm, so no bound.
    total_liabilities: Mapped[Decimal | None] = mapped_column(Money)
    net_assets: Mapped[Decimal | None] = mapped_column(Money)
    net_profit: Mapped[Decimal | None] = mapped_column(Money)
    total_costs: Mapped[Decimal | None] = mapped_column(Money)
    employees: Mapped[int | None] = mapped_column(Integer)
    tech_staff: Mapped[int | None] = mapped_column(Integer)
    rd_staff: Mapped[int | None] = mapped_column(Integer)
    ip_class1: Mapped[int | None] = mapped_column(Integer)
    ip_class2: Mapped[int | None] = mapped_column(Integer)
    # Why a figure moved by more than half from last year (asked by the portal form).
    change_explanation: Mapped[str | None] = mapped_column(Text)
    # A draft's figures the firm typed but that could not be stored (not a number, negative,
    # above their whole...), as {field: text typed}, so the form gives them back as left.
    # Only the portal reads it; a submitted report has none (crm.portal.services).
    draft_input: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    return_reason: Mapped[str | None] = mapped_column(Text)

    enterprise: Mapped["Enterprise"] = relationship(back_populates="annual_reports")

    @property
    def effective_total_revenue(self) -> Decimal | None:
        """总收入, defaulting to sales revenue when not reported."""
        return self.total_revenue if self.total_revenue is not None else self.revenue

    def __repr__(self) -> str:
        return f"<AnnualReport enterprise={self.enterprise_id} {self.year} {self.status.value}>"
