"""Column types and mixins shared by the models."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Enum, ForeignKey, Integer, Numeric
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from crm.clock import utcnow

# Money is always 万元 (10,000 yuan) with 4 decimals, i.e. exact to the yuan.
Money = Numeric(16, 4, asdecimal=True)
MONEY_PLACES = Decimal("0.0001")


def enum_type(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """Store an enum by its value (lower-case code) as a VARCHAR, portable across databases."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        create_constraint=False,
    )


class TimestampMixin:
    """Created/updated timestamps and the user who last changed a record people edit."""

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(Integer, ForeignKey("user.id", ondelete="SET NULL"), nullable=True)


class VersionedMixin:
    """Optimistic locking: a stale edit raises StaleDataError instead of overwriting."""

    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.version_id}
