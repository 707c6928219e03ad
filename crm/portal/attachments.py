"""Supporting files of annual reports: checked by their content, stored in the database.

A file's type is decided by its first bytes (magic numbers), and must agree with
its extension: a `.pdf` that does not start with `%PDF-` is refused. The bytes are a
stored file (crm.stored_files), streamed in and out a chunk at a time, so any app
server serves any firm's file; the original name is kept for the download.
"""
from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import Request, Response, current_app
from flask_babel import gettext as _
from sqlalchemy import select

from crm import stored_files
from crm.extensions import db
from crm.models import (
    AnnualReport, Attachment, Enterprise, FactDeclaration, FilePurpose, ReportStatus, StoredFile, User,
)
from crm.portal.services import is_editable
from crm.scoping import scoped
from crm.uploads import upload_name

DEFAULT_MAX_MB = 10


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("PDF", "application/pdf", (".pdf",))
PNG = FileType("PNG", "image/png", (".png",))
JPEG = FileType("JPEG", "image/jpeg", (".jpg", ".jpeg"))
XLSX = FileType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
FILE_TYPES = (PDF, PNG, JPEG, XLSX)
BY_EXTENSION = {ext: t for t in FILE_TYPES for ext in t.extensions}


def allowed_text() -> str:
    """The allowed types as a message lists them, in the reader's language."""
    return _("PDF、PNG、JPEG（.jpg/.jpeg）、Excel（.xlsx）")


class AttachmentError(ValueError):
    """A file that is refused (message for people, names the file)."""


def max_bytes() -> int:
    return int(current_app.config.get("PORTAL_MAX_ATTACHMENT_MB", DEFAULT_MAX_MB)) * 1024 * 1024


def sniff(content: IO[bytes]) -> FileType | None:
    """The type the content really is, from its leading bytes (a seekable binary file, read
    from its start; where it stands afterwards is not kept)."""
    content.seek(0)
    head = content.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        # Any zip starts so; an xlsx workbook holds [Content_Types].xml and an xl/ part.
        try:
            with zipfile.ZipFile(content) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return XLSX
    return None


def check_file(filename: str, content: IO[bytes], size: int) -> FileType:
    """The file's type if it is allowed and is what its name says, else AttachmentError
    (``content`` a seekable binary file of ``size`` bytes)."""
    name = (filename or "").strip()
    if not name:
        raise AttachmentError(_("请选择要上传的文件。"))
    extension = Path(name).suffix.lower()
    expected = BY_EXTENSION.get(extension)
    if expected is None:
        raise AttachmentError(_("文件“%(name)s”的类型不支持，仅支持 %(allowed)s。", name=name, allowed=allowed_text()))
    if not size:
        raise AttachmentError(_("文件“%(name)s”是空文件。", name=name))
    limit = max_bytes()
    if size > limit:
        raise AttachmentError(_("文件“%(name)s”超过 %(mb)s MB 的大小限制。", name=name, mb=limit // (1024 * 1024)))
    actual = sniff(content)
    if actual is not expected:
        found = _("实际为 %(kind)s 文件", kind=actual.label) if actual else _("内容无法识别")
        raise AttachmentError(_("文件“%(name)s”的内容不是有效的 %(kind)s 文件（%(found)s），已拒绝上传。", name=name,
                                kind=expected.label, found=found))
    return expected


def _seekable(stream: IO[bytes]) -> tuple[IO[bytes], int]:
    """The upload as a seekable file at its start, and its size. Werkzeug hands over a
    spooled temporary file already; any other stream is spooled here, up to one byte over
    the limit (enough to refuse it), in memory up to a chunk and on disk beyond."""
    if stream.seekable():
        size = stream.seek(0, 2)
        stream.seek(0)
        return stream, size
    spool = tempfile.SpooledTemporaryFile(max_size=stored_files.CHUNK_BYTES)  # noqa: SIM115 - closed by the caller
    left = max_bytes() + 1
    while left > 0 and (piece := stream.read(min(left, stored_files.CHUNK_BYTES))):
        spool.write(piece)
        left -= len(piece)
    size = spool.tell()
    spool.seek(0)
    return spool, size


def _open_for_changes(owner: AnnualReport | FactDeclaration) -> bool:
    return owner.status in (ReportStatus.draft, ReportStatus.returned)


def save_attachment(owner: AnnualReport | FactDeclaration, stream: IO[bytes], filename: str, user: User) -> Attachment:
    """Check and store an uploaded file for a report, or a declaration of facts (its evidence),
    the firm may still change (caller commits)."""
    if not _open_for_changes(owner):
        raise AttachmentError(_("报表已提交或已核实，不能再添加附件。") if isinstance(owner, AnnualReport)
                              else _("申报已提交或已核实，不能再添加证明材料。"))
    filename = upload_name(filename, "附件")
    content, size = _seekable(stream)
    try:
        file_type = check_file(filename, content, size)
        content.seek(0)
        stored = stored_files.store(content, FilePurpose.attachment, file_type.content_type)
    finally:
        if content is not stream:
            content.close()
    attachment = Attachment(
        enterprise_id=owner.enterprise_id,
        annual_report_id=owner.id if isinstance(owner, AnnualReport) else None,
        declaration_id=owner.id if isinstance(owner, FactDeclaration) else None,
        filename=filename,
        file_id=stored.id,
        content_type=file_type.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=user.id,
    )
    db.session.add(attachment)
    return attachment


def delete_attachment(attachment: Attachment) -> None:
    """Remove a file of a report or declaration still open for changes, its bytes with it (caller commits)."""
    report = db.session.get(AnnualReport, attachment.annual_report_id) if attachment.annual_report_id else None
    if report is not None and not is_editable(report):
        raise AttachmentError(_("报表已提交或已核实，附件不能删除。"))
    declaration = db.session.get(FactDeclaration, attachment.declaration_id) if attachment.declaration_id else None
    if declaration is not None and not _open_for_changes(declaration):
        raise AttachmentError(_("申报已提交或已核实，证明材料不能删除。"))
    file_id = attachment.file_id
    db.session.delete(attachment)
    db.session.flush()
    if file_id is not None:
        stored_files.delete_file(file_id)


def attachment_in_scope(user: User, attachment_id: int) -> Attachment | None:
    """The attachment if its firm is in the user's scope (enterprise user: own firm only)."""
    stmt = scoped(
        select(Attachment).join(Enterprise, Enterprise.id == Attachment.enterprise_id)
        .where(Attachment.id == attachment_id),
        user,
    )
    return db.session.scalars(stmt).first()


def download(attachment: Attachment, request: Request) -> Response | None:
    """The attachment's file streamed from the database under its original name; None
    when it has none (an older record whose file migration 0017 did not find)."""
    stored = db.session.get(StoredFile, attachment.file_id) if attachment.file_id is not None else None
    if stored is None:
        return None
    return stored_files.file_response(stored, attachment.filename, request)


def report_attachments(report: AnnualReport) -> list[Attachment]:
    return list(
        db.session.scalars(
            select(Attachment).where(Attachment.annual_report_id == report.id).order_by(Attachment.uploaded_at)
        )
    )


def declaration_attachments(declaration: FactDeclaration) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.declaration_id == declaration.id).order_by(Attachment.uploaded_at)))
