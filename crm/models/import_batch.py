"""Spreadsheet imports: one batch per file, and remembered header mappings."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.clock import utcnow
from crm.extensions import db
from crm.models.base import enum_type

if TYPE_CHECKING:
    from crm.models.user import User


class BatchStatus(enum.Enum):
    imported = "imported"
    rolled_back = "rolled_back"


class ImportBatch(db.Model):
    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_district: Mapped[str | None] = mapped_column(ForeignKey("district.code"))
    year: Mapped[int | None] = mapped_column(Integer)
    # What the file is (CONTRACT.md's --kind): "figures" (a county figure sheet) or a list.
    kind: Mapped[str] = mapped_column(String(20), default="figures", server_default="figures")
    # The choices the import ran with besides the year and district: {"designation": kind,
    # "issued_on": "YYYY-MM-DD", "picks": {"sheet|row": enterprise id}} (lists only).
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[BatchStatus] = mapped_column(enum_type(BatchStatus), default=BatchStatus.imported)
    # {"rows", "created", "updated", "unchanged", "rejected", "skipped"}
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # [{"sheet", "row", "column", "message"}]
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    unknown_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Rows imported with something a person should know ([{"sheet", "row", "column", "message"}]),
    # e.g. a 入库登记编号 whose region names another district than the firm's.
    notices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rolled_back_at: Mapped[datetime | None] = mapped_column(DateTime)
    rolled_back_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<ImportBatch {self.id} {self.filename}>"


class HeaderMapping(db.Model):
    """A header mapping a user confirmed, remembered per source (district or file pattern)."""

    __tablename__ = "header_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), unique=True)
    # {normalised header text: canonical field or "" to ignore}
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
