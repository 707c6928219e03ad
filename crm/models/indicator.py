"""Plans, their indicators and targets (reference data an administrator can edit)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.models.base import TimestampMixin


class PlanTarget(TimestampMixin, db.Model):
    __tablename__ = "plan_target"
    __table_args__ = (UniqueConstraint("plan", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str] = mapped_column(String(10))
    # "city" or a district code.
    jurisdiction: Mapped[str] = mapped_column(String(10), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    # {"2023": "2300", "2025": "2600"}: year -> value as text (exact digits).
    targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    nature: Mapped[str] = mapped_column(String(10), default="")
    # Which live computation backs it ("" if the CRM cannot compute it).
    computable: Mapped[str] = mapped_column(String(60), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<PlanTarget {self.plan}.{self.code}>"


class Plan(TimestampMixin, db.Model):
    """A plan and its period: the plan in force on a day (first_year <= its year <= last_year)
    decides the targets the dashboard and the forecast compare against.

    `code` is what PlanTarget.plan holds. It is unique over all jurisdictions, not only within
    one, because a target row is keyed by (plan, code) without its jurisdiction.
    """

    __tablename__ = "plan"
    __table_args__ = (
        UniqueConstraint("code"),
        CheckConstraint("first_year <= last_year", name="plan_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    # "city" or a district code.
    jurisdiction: Mapped[str] = mapped_column(String(10), index=True)
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)

    def in_force(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def __repr__(self) -> str:
        return f"<Plan {self.code} {self.jurisdiction} {self.first_year}-{self.last_year}>"
