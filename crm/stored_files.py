"""Files kept in the database (crm.models.stored_file): written and read a chunk at a time.

Attachments, import batches' original files and files awaiting an import preview live here,
not on the disk of the server that took the upload, so that behind a load balancer any
server serves any file. A file is never in memory whole on its way in (``store`` reads the
upload a chunk at a time, hashing as it goes) or out (``file_response`` streams its chunks).
"""
from __future__ import annotations

import hashlib
import io
import mimetypes
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from urllib.parse import quote

from flask import Request, Response
from sqlalchemy import Engine, delete, insert, select

from crm.extensions import db
from crm.models.stored_file import FilePurpose, StoredFile, StoredFileChunk

# 1 MiB a row: few rows for a 20 MB file, and little memory for any one of them.
CHUNK_BYTES = 1024 * 1024
SPREADSHEET_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".csv": "text/csv",
}


def content_type_of(filename: str) -> str:
    """The content type a file of this name is stored with (spreadsheets by their extension)."""
    suffix = Path(filename).suffix.lower()
    return SPREADSHEET_TYPES.get(suffix) or mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"


def _pieces(source: IO[bytes] | bytes) -> Iterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        for start in range(0, len(view), CHUNK_BYTES):
            yield bytes(view[start:start + CHUNK_BYTES])
        return
    while piece := source.read(CHUNK_BYTES):
        yield piece


def store(source: IO[bytes] | bytes, purpose: FilePurpose, content_type: str) -> StoredFile:
    """Store the bytes of ``source`` (a binary stream, read from where it stands to its end, or
    bytes) as a new file; the caller commits. Each chunk is inserted as it is read, so only
    one is in memory at a time; the checksum and size are the ones of what was stored."""
    stored = StoredFile(purpose=purpose, sha256="", size=0, content_type=content_type)
    db.session.add(stored)
    db.session.flush()
    connection = db.session.connection()
    chunks = StoredFileChunk.__table__
    digest = hashlib.sha256()
    size = 0
    for seq, piece in enumerate(_pieces(source)):
        digest.update(piece)
        size += len(piece)
        # Core, not ORM objects: the session would hold every chunk until the commit.
        connection.execute(insert(chunks), {"file_id": stored.id, "seq": seq, "data": piece})
    stored.sha256 = digest.hexdigest()
    stored.size = size
    db.session.flush()
    return stored


def chunks(file_id: int, engine: Engine | None = None) -> Iterator[bytes]:
    """The file's bytes, a chunk at a time. Without ``engine``, read in the session's
    transaction (sees what it wrote); with one, each chunk on a connection taken from its
    pool for that chunk alone: a response streamed to a slow client holds no connection
    (nor the request's session, gone by then) between chunks."""
    table = StoredFileChunk.__table__
    seq = 0
    while True:
        query = select(table.c.data).where(table.c.file_id == file_id, table.c.seq == seq)
        if engine is None:
            data = db.session.execute(query).scalar()
        else:
            with engine.connect() as connection:
                data = connection.execute(query).scalar()
        if data is None:
            return
        yield bytes(data)
        seq += 1


def read_bytes(file_id: int) -> bytes:
    """The whole file, for readers that need it so (the spreadsheet readers): one copy in
    memory (BytesIO hands over its buffer rather than copying it)."""
    buffer = io.BytesIO()
    for piece in chunks(file_id):
        buffer.write(piece)
    return buffer.getvalue()


def delete_file(file_id: int) -> None:
    """Delete a file; its chunks go with it (ON DELETE CASCADE). The caller commits."""
    db.session.execute(delete(StoredFile).where(StoredFile.id == file_id))


def _download_names(download_name: str) -> dict[str, str]:
    """The Content-Disposition parameters naming a download, as werkzeug's send_file gives
    them (RFC 6266, with an ASCII fallback for names in Chinese)."""
    try:
        download_name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(download_name, safe='!#$&+-.^_`|~')}"}
    return {"filename": download_name}


def file_response(stored: StoredFile, download_name: str, request: Request) -> Response:
    """A download of the file, streamed from the database a chunk at a time: its content
    type, length and name; its checksum as the ETag (a matching If-None-Match gets 304)."""
    response = Response(chunks(stored.id, db.engine), mimetype=stored.content_type, direct_passthrough=True)
    response.content_length = stored.size
    response.headers.set("Content-Disposition", "attachment", **_download_names(download_name))
    response.set_etag(stored.sha256)
    return response.make_conditional(request)


def find_kept(purpose: FilePurpose, sha256: str) -> StoredFile | None:
    """A file of ``purpose`` already stored with this checksum, if any."""
    return db.session.scalars(select(StoredFile).where(StoredFile.purpose == purpose, StoredFile.sha256 == sha256)
                              .order_by(StoredFile.id).limit(1)).first()
