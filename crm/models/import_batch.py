"""Spreadsheet imports: one batch per file, and remembered header mappings."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.clock import utcnow
from crm.extensions import db
from crm.models.base import enum_type

if TYPE_CHECKING:
    from crm.models.stored_file import StoredFile
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
    # Names the batch's original file, kept for its error report: the stored file of purpose
    # import_source with this checksum (crm.imports.services.kept_file), one for every batch
    # of the same content. (No file when migration 0017 did not find an older batch's file.)
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_district: Mapped[str | None] = mapped_column(ForeignKey("district.code"))
    year: Mapped[int | None] = mapped_column(Integer)
    # What the file is (CONTRACT.md's --kind): "figures" (a county figure sheet) or a list.
    kind: Mapped[str] = mapped_column(String(20), default="figures", server_default="figures")
    # The choices the import ran with besides the year and district: {"designation": kind,
    # "issued_on": "YYYY-MM-DD", "picks": {"sheet|row": enterprise id}} (lists only).
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[BatchStatus] = mapped_column(enum_type(BatchStatus), default=BatchStatus.imported)
    # {"rows", "created", "updated", "unchanged", "rejected", "skipped", "errors", "notices"}:
    # what lists and the home page show, without reading the batch's issues.
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    unknown_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    rolled_back_at: Mapped[datetime | None] = mapped_column(DateTime)
    rolled_back_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<ImportBatch {self.id} {self.filename}>"


class IssueKind(enum.Enum):
    error = "error"  # a rejected row's problem (a row may have several)
    notice = "notice"  # imported, with something a person should know
    skipped = "skipped"  # a row not imported and not an error (blank, a total, another city's firm)


class ImportIssue(db.Model):
    """One problem, notice or skipped row of a batch, in a row of its own: a file of half a
    million rejected rows must not make every page that shows the batch read them all. The
    batch page pages them; the error workbook streams them, a sheet at a time, by row."""

    __tablename__ = "import_issue"
    __table_args__ = (
        Index("ix_import_issue_batch_kind", "batch_id", "kind", "id"),
        Index("ix_import_issue_batch_sheet_row", "batch_id", "kind", "sheet", "row"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"))
    kind: Mapped[IssueKind] = mapped_column(enum_type(IssueKind))
    sheet: Mapped[str] = mapped_column(String(255))
    row: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(255))  # the header text as the file had it
    column_index: Mapped[int | None] = mapped_column(Integer)  # 0-based, for the error workbook
    message: Mapped[str] = mapped_column(Text)


class HeaderMapping(db.Model):
    """A header mapping a user confirmed, remembered per source (district or file pattern)."""

    __tablename__ = "header_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), unique=True)
    # {normalised header text: canonical field or "" to ignore}
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class PendingImport(db.Model):
    """An uploaded file awaiting its import preview's confirmation, and the preview's choices
    so far. Kept in the database so that any app server can show and confirm the preview;
    deleted once imported, or PENDING_PREVIEW_HOURS after it was last touched."""

    __tablename__ = "pending_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the preview's address
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="CASCADE"), index=True)
    # {"filename", "year", "district", "kind", "designation", "issued_on", "mapping", "picks"}
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    file: Mapped["StoredFile"] = relationship()

    def __repr__(self) -> str:
        return f"<PendingImport {self.id} {self.details.get('filename')}>"
