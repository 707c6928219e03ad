"""Files kept in the database: attachments, import batches' original files, files awaiting an
import preview. Any app server can then serve any file (crm.stored_files reads and writes them).

A file's bytes are rows of ``stored_file_chunk`` (1 MiB each, ordered by ``seq``): BLOB on
SQLite, bytea on PostgreSQL, written and read a chunk at a time so a large file is never
in memory whole.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.clock import utcnow
from crm.extensions import db
from crm.models.base import enum_type


class FilePurpose(enum.Enum):
    attachment = "attachment"  # a firm's supporting file (crm.models.portal.Attachment)
    import_source = "import_source"  # a batch's original spreadsheet, for its error report
    pending_import = "pending_import"  # uploaded, its import preview not yet confirmed


class StoredFile(db.Model):
    """One file's facts; its bytes are its chunks."""

    __tablename__ = "stored_file"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        # Finding an import file already kept (batches of one file share it).
        Index("ix_stored_file_purpose_sha256", "purpose", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[FilePurpose] = mapped_column(enum_type(FilePurpose))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<StoredFile {self.id} {self.purpose.value} {self.size} bytes>"


class StoredFileChunk(db.Model):
    """Bytes ``seq * chunk size`` onwards of a file (the last chunk may be shorter)."""

    __tablename__ = "stored_file_chunk"
    __table_args__ = (CheckConstraint("seq >= 0", name="seq_not_negative"),)

    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
