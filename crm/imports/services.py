"""Operations of the imports area: import a file as a batch, roll a batch back, remember mappings.

The web pages, the CLI and the tests call these; the work itself is in
``importers/`` (parsing: importers.workbook, writing: importers.writer,
rollback: importers.batches).
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Connection, delete, func, select

from crm import stored_files
from crm.audit import acting_as
from crm.clock import utcnow
from crm.enterprises.summary import refresh_latest_figures
from crm.extensions import db
from crm.models import (
    FilePurpose, HeaderMapping, ImportBatch, ImportIssue, IssueKind, PendingImport, StoredFile, User,
)
from crm.overlap import Ahead
from importers import ParsedRow, SheetResult, SkippedRow, parse_workbook
from importers.bulk import insert_many
from importers.list_writers import writer_for
from importers.lists import ListOptions
from importers.readers import MAX_FILE_BYTES, WorkbookError, open_workbook
from importers.writer import Duplicates, ImportResult

# Roles that may import and roll back: the city bureau and administrators. County
# officers send their sheets to the bureau (DOMAIN.md: bureau staff import), and a
# batch spans districts, so officers do not import even for their own district.
IMPORT_ROLES = ("admin", "bureau")
# A WAL larger than this after an import's commit is checkpointed by a thread (8 MB: some
# 10,000 rows); SQLite's own automatic checkpoint starts at 1,000 pages (4 MB).
BACKGROUND_CHECKPOINT_BYTES = 8 * 1024 * 1024
# SQLite page cache during an import, in KiB (negative = KiB in PRAGMA cache_size).
SQLITE_IMPORT_CACHE_KIB = -65536
NO_HEADER_MESSAGE = "文件中没有可识别的表头（如“企业名称”“统一社会信用代码”），请使用导入模板"
Item = SheetResult | ParsedRow | SkippedRow


def can_import(user: Any) -> bool:
    """True for users who may import spreadsheets and manage batches."""
    return bool(getattr(user, "is_authenticated", False)) and user.role.value in IMPORT_ROLES


def read_source(source: str | os.PathLike[str] | bytes, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes (size-checked), or WorkbookError."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        try:
            if os.path.getsize(source) > max_bytes:
                raise WorkbookError(f"文件过大，上限为 {max_bytes / 1024 / 1024:.0f} MB")
            data = Path(source).read_bytes()
        except OSError:
            raise WorkbookError("找不到文件或无法读取") from None
    if not data:
        raise WorkbookError("文件为空")
    return data


def import_file(
    source: str | os.PathLike[str] | bytes,
    filename: str | None = None,
    *,
    year: int | None = None,
    district: str | None = None,
    user: User | None = None,
    dry_run: bool = False,
    mapping: Mapping[int | str, str | None] | None = None,
    keep_file: bool = True,
    kind: str | None = None,
    options: ListOptions | None = None,
    picks: Mapping[tuple[str, int], int] | None = None,
    stored: StoredFile | None = None,
) -> ImportResult:
    """Import a spreadsheet as one batch and commit it (or, with ``dry_run``, roll
    everything back and report the same counts).

    ``kind`` is what the file is (a county figure sheet or a list, CONTRACT.md's
    ``--kind``); None detects it from the first sheet's title and columns. ``options``
    are a list's (designation kind, the announcement's date), ``picks`` a person's
    choice of firm for list rows the names did not match ({(sheet, row): firm id}).
    ``stored`` is the file already in the database (a preview's): kept for the batch
    instead of a copy. With ``keep_file`` the batch keeps its file (in the database, one
    copy for every batch of the same content) for its error report.
    The file is read once, unless rows of one record disagree after a row of it was
    written: then the batch is written again with those rows held back
    (:attr:`importers.writer.BatchWriter.replay`).

    Raises :class:`WorkbookError` (nothing written) when the file cannot be read, no
    sheet of it has a recognisable header, or a list cannot be read as the list it is.
    """
    data = read_source(source)
    name = filename or Path(os.fspath(source)).name  # type: ignore[arg-type]
    book = open_workbook(data, name)  # an unreadable file is refused before anything is written
    options = options or list_options()
    session = db.session

    def rows() -> Iterator[Item]:
        return parse_workbook(book, name, year, mapping, default_district=district, kind=kind, options=options)

    duplicates: Duplicates | None = None
    try:
        while True:
            batch = ImportBatch(
                user_id=user.id if user else None, filename=name[:255],
                file_sha256=hashlib.sha256(data).hexdigest(), source_district=district, year=year, counts={},
                unknown_columns=[], kind=kind or "figures",
                options=_stored_options(options, picks),
            )
            session.add(batch)
            session.flush()
            with acting_as("import", user=user, batch_id=batch.id), _no_cyclic_gc(), _roomy_sqlite_cache():
                result, again = _write(rows, batch, picks, duplicates)
            if again is None:
                break
            # Written again from the start, the batch with it: see _write.
            session.rollback()
            duplicates = again
        if not any(sheet.layout is not None for sheet in result.sheets):
            # Not a spreadsheet of anything known (a text file saved as .csv, a sheet of
            # something else): refused like an unreadable file, so no empty batch is recorded.
            raise WorkbookError(NO_HEADER_MESSAGE)
        refresh_derived_figures(result.touched_enterprises)
        batch.kind = result.kind
        batch.counts = {**result.counts(), "errors": len(result.errors), "notices": len(result.notices)}
        batch.unknown_columns = result.unknown_columns
        if dry_run:
            session.rollback()
            return result
        _store_issues(session.connection(), batch.id, result)
        if keep_file:
            _keep(data, batch.file_sha256, name, stored)
        with _checkpoint_in_background():
            session.commit()
    except BaseException:
        session.rollback()
        raise
    result.batch_id = batch.id
    return result


def _write(rows: Callable[[], Iterator[Item]], batch: ImportBatch, picks: Mapping[tuple[str, int], int] | None,
           duplicates: Duplicates | None) -> tuple[ImportResult, Duplicates | None]:
    """Write the file's rows with the writer of its kind, reading it once.

    The first writing (``duplicates`` None) runs without savepoints, the fast way. Should
    rows of one record disagree after a row of it was written, or the database refuse a
    chunk, it stops writing and reads on to learn every repeated record; the result is then
    ``(result, duplicates)`` and the caller rolls the transaction back and calls again with
    them: that writing holds the disagreeing rows back and writes each chunk in a savepoint,
    a refused chunk again row by row. Otherwise ``(result, None)``."""
    session = db.session
    kind, items = _kind_of(rows())
    extra: dict[str, Any] = {} if kind == "figures" else {"picks": picks}
    writer = writer_for(kind)(session.connection(), user_id=batch.user_id, begin_nested=_savepoint,
                              savepoints=duplicates is not None, **extra)
    with Ahead(iter(items)) as ahead:  # rows are parsed while bulk statements run
        result = writer.run(ahead, duplicates)
    if duplicates is not None:
        return result, None
    return result, writer.replay


def _kind_of(items: Iterator[Item]) -> tuple[str, Iterable[Item]]:
    """The kind of the stream's first sheet with a header ("figures" when none has one),
    and the whole stream."""
    peeked: list[Item] = []
    kind = "figures"
    for item in items:
        peeked.append(item)
        if isinstance(item, SheetResult) and item.kind is not None:
            kind = item.kind
            break
    return kind, chain(peeked, items)


def _store_issues(connection: Connection, batch_id: int, result: ImportResult) -> None:
    """The batch's rejected rows' problems, notices and skipped rows, a row each (ImportIssue)."""
    table = ImportIssue.__table__

    def rows() -> Iterator[dict[str, Any]]:
        for kind, found in ((IssueKind.error, result.errors), (IssueKind.notice, result.notices)):
            for issue in found:
                yield {"batch_id": batch_id, "kind": kind, "sheet": issue.sheet[:255], "row": issue.row,
                       "column": (issue.column or None) and issue.column[:255], "column_index": issue.column_index,
                       "message": issue.message}
        for skipped in result.skipped_rows:
            yield {"batch_id": batch_id, "kind": IssueKind.skipped, "sheet": skipped.sheet[:255], "row": skipped.row,
                   "column": None, "column_index": None, "message": skipped.reason}

    for chunk in _chunks(rows(), 5000):
        insert_many(connection, table, chunk)


def _chunks(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def issues_of(batch: ImportBatch, kind: IssueKind, page: int = 1, per_page: int = 100) -> list[ImportIssue]:
    """One page of a batch's issues of a kind, in the order the import met them."""
    return list(db.session.scalars(
        select(ImportIssue).where(ImportIssue.batch_id == batch.id, ImportIssue.kind == kind)
        .order_by(ImportIssue.id).limit(per_page).offset((page - 1) * per_page)))


def issue_count(batch: ImportBatch, kind: IssueKind) -> int:
    return db.session.scalar(select(func.count()).where(
        ImportIssue.batch_id == batch.id, ImportIssue.kind == kind)) or 0


class BatchErrors:
    """A batch's row errors for the error workbook (importers.report.ErrorSource), read a
    sheet at a time in row order and streamed from the database, never all at once."""

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id

    def sheets(self) -> set[str]:
        return set(db.session.scalars(select(ImportIssue.sheet).distinct().where(
            ImportIssue.batch_id == self.batch_id, ImportIssue.kind == IssueKind.error)))

    def of_sheet(self, sheet: str) -> Iterator[dict[str, Any]]:
        table = ImportIssue.__table__
        # yield_per on the statement, not the connection (that would stream every later statement).
        found = db.session.execute(
            select(table.c.row, table.c.column, table.c.column_index, table.c.message).where(
                table.c.batch_id == self.batch_id, table.c.kind == IssueKind.error, table.c.sheet == sheet,
            ).order_by(table.c.row, table.c.id).execution_options(yield_per=5000))
        for row, column, column_index, message in found:
            yield {"row": row, "column": column or "", "column_index": column_index, "message": message}


def list_options(designation: str | None = None, issued_on: Any = None) -> ListOptions:  # noqa: ANN401 - a date
    """A list's options with the administrator's validity years in force today."""
    from crm.clock import today
    from crm.eligibility.parameters import designation_validity_years
    from crm.models.designation import DesignationKind

    return ListOptions(DesignationKind(designation) if designation else None, issued_on,
                       designation_validity_years(today()))


def _stored_options(options: ListOptions, picks: Mapping[tuple[str, int], int] | None) -> dict[str, Any]:
    """What the batch records of its options (the validity years are the parameters')."""
    stored: dict[str, Any] = {}
    if options.designation is not None:
        stored["designation"] = options.designation.value
    if options.issued_on is not None:
        stored["issued_on"] = options.issued_on.isoformat()
    if picks:
        stored["picks"] = {f"{sheet}|{row}": firm_id for (sheet, row), firm_id in picks.items()}
    return stored


@contextlib.contextmanager
def _savepoint() -> Iterator[None]:
    """A SAVEPOINT on the session's connection, rolled back if the block raises.

    ``Session.begin_nested()`` alone emits no SAVEPOINT until the session is next asked
    for its connection, and the writer works on the connection it was given: without
    the ``session.connection()`` call a refused chunk left PostgreSQL's transaction
    aborted (every later statement failed) instead of being retried row by row."""
    session = db.session
    with session.begin_nested():
        session.connection()  # emits the SAVEPOINT now
        yield


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while rows stream through: an import allocates
    millions of short-lived, acyclic objects (records, parameters, audit dicts) and the
    collector's repeated passes over them cost about a quarter of the import's time.
    Reference counting still frees them; memory stays bounded by the chunk size."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def _roomy_sqlite_cache() -> Iterator[None]:
    """On SQLite, a larger page cache for the import's connection: with the default 2 MB
    a 100,000-row batch (firms, reports, audit rows and their indexes) spills pages to
    the file before the commit. Restored afterwards; PostgreSQL is left alone."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = {SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


@contextlib.contextmanager
def _checkpoint_in_background() -> Iterator[None]:
    """On SQLite, a big batch's commit leaves the copy of its WAL into the database file (the
    checkpoint, about a second for 100,000 rows, which SQLite would run inside the commit)
    to a thread, so the import answers as soon as its rows are committed. The connection's
    automatic checkpoint is off for this commit only (put back as it returns to the pool);
    a small batch leaves the WAL to the next commit's checkpoint, as any write does."""
    from crm import RESTORE_PRAGMAS

    connection = db.session.connection()
    database = connection.engine.url.database
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() or 0)
    connection.exec_driver_sql("PRAGMA wal_autocheckpoint = 0")
    connection.info.setdefault(RESTORE_PRAGMAS, {})["wal_autocheckpoint"] = previous
    yield
    wal = Path(f"{database}-wal")
    if previous > 0 and wal.exists() and wal.stat().st_size > BACKGROUND_CHECKPOINT_BYTES:
        threading.Thread(target=_checkpoint, args=(database,), name="crm-wal-checkpoint").start()


def _checkpoint(database: str) -> None:
    """Copy the WAL into the database file on a connection of its own (PASSIVE: readers and
    writers go on; what they hold back is copied by a later checkpoint)."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error as error:  # the next commit's automatic checkpoint does it then
        logging.getLogger(__name__).warning("WAL checkpoint after an import failed: %s", error)


def refresh_derived_figures(enterprise_ids: set[int]) -> None:
    """Core writes bypass the ORM hooks that keep firms' latest-year figures current
    (crm.enterprises.summary); refresh them for the firms an import touched."""
    if enterprise_ids:
        refresh_latest_figures(db.session.connection(), enterprise_ids)


def _keep(data: bytes, sha256: str, filename: str, stored: StoredFile | None) -> None:
    """Keep the batch's original file in the database, named by its checksum: unless an
    earlier batch of the same content kept it, ``stored`` (a preview's upload) is taken over,
    else a copy is stored."""
    if stored_files.find_kept(FilePurpose.import_source, sha256) is not None:
        return
    if stored is not None and stored.sha256 == sha256:
        stored.purpose = FilePurpose.import_source
        return
    stored_files.store(data, FilePurpose.import_source, stored_files.content_type_of(filename))


def kept_file(batch: ImportBatch) -> StoredFile | None:
    """A batch's original file (for its error report), if kept."""
    return stored_files.find_kept(FilePurpose.import_source, batch.file_sha256)


def start_preview(data: bytes, details: dict[str, Any], user: User) -> PendingImport:
    """Keep an uploaded file for its import preview, with the preview's choices so far
    (``details``); committed, so that any app server can show and confirm it."""
    import secrets

    stored = stored_files.store(data, FilePurpose.pending_import, stored_files.content_type_of(details["filename"]))
    pending = PendingImport(token=secrets.token_urlsafe(24), user_id=user.id, file_id=stored.id, details=details)
    db.session.add(pending)
    db.session.commit()
    return pending


def save_preview(pending: PendingImport, details: dict[str, Any]) -> None:
    """Record the preview's choices; touching it starts its expiry time again."""
    pending.details = dict(details)
    pending.updated_at = utcnow()
    db.session.commit()


def end_preview(pending: PendingImport) -> None:
    """Forget a preview once imported; its file too, unless the batch kept it."""
    file_id = pending.file_id
    db.session.delete(pending)
    db.session.flush()
    db.session.execute(delete(StoredFile).where(StoredFile.id == file_id,
                                                StoredFile.purpose == FilePurpose.pending_import))
    db.session.commit()


def expire_previews(now: datetime | None = None) -> int:
    """Delete previews left unfinished for longer than PENDING_PREVIEW_HOURS, with their files
    (uploads carry firms' figures: not kept without reason), and any preview file no
    preview names any more. Run at each upload, by any server; returns how many went."""
    limit = (now or utcnow()) - timedelta(hours=current_app.config["PENDING_PREVIEW_HOURS"])
    session = db.session
    gone = session.execute(delete(PendingImport).where(PendingImport.updated_at < limit)).rowcount or 0
    # Then the files no preview names (their chunks go with them, ON DELETE CASCADE). Only
    # files older than the limit: one being uploaded now is not yet named by its preview.
    session.execute(delete(StoredFile).where(
        StoredFile.purpose == FilePurpose.pending_import, StoredFile.created_at < limit,
        StoredFile.id.not_in(select(PendingImport.file_id))))
    session.commit()
    return gone


def remembered_mapping(source: str | None) -> dict[str, str]:
    """The header mapping a user confirmed for ``source`` ({header text: field or ""})."""
    if not source:
        return {}
    found = db.session.scalar(select(HeaderMapping).where(HeaderMapping.source == source))
    return dict(found.mapping) if found else {}


def remember_mapping(source: str, mapping: Mapping[str, str], user: User | None) -> None:
    """Store (replace) the confirmed header mapping for ``source``; the caller commits."""
    found = db.session.scalar(select(HeaderMapping).where(HeaderMapping.source == source))
    if found is None:
        found = HeaderMapping(source=source)
        db.session.add(found)
    found.mapping = dict(mapping)
    found.updated_by_id = user.id if user else None


def rollback_batch(batch: ImportBatch, user: User | None) -> dict[str, int]:
    """Undo every change ``batch`` made and mark it rolled back, or raise
    :class:`importers.batches.RollbackRefused` (nothing changed) explaining the conflicts."""
    from crm.clock import utcnow
    from crm.models.import_batch import BatchStatus
    from importers.batches import MAX_CONFLICTS_SHOWN, RollbackRefused, find_conflicts, rollback_changes

    if batch.status is BatchStatus.rolled_back:
        raise RollbackRefused("该批次已撤销")
    session = db.session
    try:
        connection = session.connection()
        conflicts = find_conflicts(connection, batch.id)
        if conflicts:
            shown = "；".join(c.message() for c in conflicts[:MAX_CONFLICTS_SHOWN])
            more = f"等共 {len(conflicts)} 处" if len(conflicts) > MAX_CONFLICTS_SHOWN else ""
            raise RollbackRefused(f"无法撤销：本批次导入后，以下记录已被修改{more}（未做任何更改）：{shown}", conflicts)
        with acting_as("import:rollback", user=user, batch_id=batch.id):
            summary = rollback_changes(connection, batch.id)
        refresh_derived_figures(summary.pop("enterprise_ids"))
        batch.status = BatchStatus.rolled_back
        batch.rolled_back_at = utcnow()
        batch.rolled_back_by_id = user.id if user else None
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return summary


def check_readable(data: bytes, filename: str, kind: str | None = None, options: ListOptions | None = None) -> str:
    """The file's kind (``kind``, else detected); WorkbookError when the file cannot be
    imported at all (type, size, encryption, zip bomb, no header anywhere, a list whose
    designation kind cannot be told), before it is kept for preview."""
    items = parse_workbook(data, filename, kind=kind, options=options or list_options())
    for item in items:
        if isinstance(item, SheetResult) and item.kind is not None:
            return item.kind
    raise WorkbookError(NO_HEADER_MESSAGE)
