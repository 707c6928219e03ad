"""Backup and restore: one archive of the whole database, verified whole before a restore
changes anything.

The archive is an uncompressed tar (its database member is compressed already):

    manifest.json        what the archive holds (written first)
    database.pgdump      PostgreSQL: pg_dump's custom format (-Fc)
    database.sqlite3.gz  SQLite: a copy made through SQLite's online backup API, gzipped

The manifest gives the format and its version, the database's schema revision
(alembic_version), its dialect, when the backup was made, the rows of every table, the
size and sha256 of every other member, and ``manifest_sha256``: the sha256 of the
manifest's other keys (canonical JSON), so no byte of the archive goes unchecked.

Files (attachments, import files) live in the database (``stored_file``, migration 0017),
so the archive holds them with everything else.
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import URL

from crm.extensions import db

FORMAT = "crm-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# The one database member of an archive, by dialect.
DATABASE_MEMBERS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3.gz"}
DIALECT_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
MAX_MANIFEST_BYTES = 1024 * 1024
COPY_BYTES = 1024 * 1024
SHA256_RE = re.compile(r"[0-9a-f]{64}")
# Rows besides the reference data that do not make a database "hold data" (CONTRACT: a
# restore goes into a database that is empty or holds only what init-db loads): the schema's
# revision, and the scheduler's job definitions, written as soon as a worker starts.
BOOKKEEPING_TABLES = frozenset({"alembic_version", "apscheduler_jobs"})
# PostgreSQL: before the dump's own statements, in the same transaction, every table of the
# target's schema goes (init-db's, and a newer schema's tables a restored older one lacks
# and whose foreign keys would keep pg_restore's DROPs from running); waiting at most 30 s
# for a running app's locks.
PG_RESTORE_PRELUDE = b"""BEGIN;
SET LOCAL lock_timeout = '30s';
DO $crm_restore$
DECLARE t record;
BEGIN
  FOR t IN SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', t.tablename);
  END LOOP;
END
$crm_restore$;
"""


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why, in Chinese, on one line."""


@dataclass
class Snapshot:
    """What a backup read from the database, in the same snapshot as the dump."""

    revision: str | None
    tables: dict[str, int]
    database: dict[str, str] = field(default_factory=dict)


@dataclass
class VerifiedArchive:
    """An archive whose every member matched its manifest; ``database`` is its database
    member, extracted into a working directory."""

    manifest: dict[str, Any]
    database: Path


# --- backup -----------------------------------------------------------------------------------

def create_backup(path: Path) -> dict[str, Any]:
    """Write the whole database to one archive at ``path`` and return its summary.

    The archive is written under a temporary name next to ``path`` and renamed into place
    once complete, so a failed backup leaves no partial file (and an existing file at
    ``path`` is replaced only by a complete archive). It is readable by its owner only: it
    holds password hashes and tokens.
    """
    engine = db.engine
    dialect = _dialect(engine)
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} 是目录，请给出备份文件的路径（如 {path / 'crm-backup.tar'}）")
    if not path.parent.is_dir():
        raise BackupError(f"目录不存在：{path.parent}")
    created_at = datetime.now(timezone.utc).replace(microsecond=0)
    db.session.remove()
    try:
        with tempfile.TemporaryDirectory(prefix=".crm-backup-", dir=path.parent) as work_dir:
            work = Path(work_dir)
            member = work / DATABASE_MEMBERS[dialect]
            if dialect == "postgresql":
                snapshot = _dump_postgresql(engine, member)
            else:
                snapshot = _copy_sqlite(engine, member, work)
            if snapshot.revision is None:
                raise BackupError("数据库尚未初始化（没有 alembic_version），请先运行 init-db")
            size, digest = _file_digest(member)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": created_at.isoformat(),
                "dialect": dialect,
                "schema_revision": snapshot.revision,
                "database": snapshot.database,
                "tables": snapshot.tables,
                "rows": sum(snapshot.tables.values()),
                "members": [{"name": member.name, "size": size, "sha256": digest}],
            }
            partial = work / "archive.partial"
            archive_size, archive_digest = _write_archive(partial, _seal(manifest), member, created_at)
            os.replace(partial, path)
    except OSError as exc:
        raise BackupError(f"无法写入 {path}：{exc.strerror or exc}") from exc
    _fsync_directory(path.parent)
    return {
        "path": str(path),
        "size": archive_size,
        "sha256": archive_digest,
        "dialect": dialect,
        "schema_revision": manifest["schema_revision"],
        "created_at": manifest["created_at"],
        "tables": manifest["tables"],
        "rows": manifest["rows"],
    }


def _dump_postgresql(engine: Engine, target: Path) -> Snapshot:
    """pg_dump -Fc of the database, with the revision and row counts read in the very snapshot
    the dump reads (exported by a repeatable-read transaction kept open while it runs)."""
    pg_dump = _client("pg_dump")
    conninfo, env = _libpq(engine.url)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            revision = _revision(conn)
            tables = _row_counts(conn)
            server_version = conn.execute(text("SHOW server_version")).scalar_one()
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}",
                  f"--dbname={conninfo}"], env, "pg_dump")
    tool = _run([pg_dump, "--version"], env, "pg_dump").strip()
    return Snapshot(revision, tables, {"server_version": str(server_version), "dumped_with": tool})


def _copy_sqlite(engine: Engine, target: Path, work: Path) -> Snapshot:
    """A copy of the database through SQLite's online backup API (one step, so one consistent
    state while others keep writing), its revision and row counts read from the copy, gzipped."""
    copy = work / "database.sqlite3"
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(copy)
        try:
            raw.driver_connection.backup(dest)
            # One self-contained file, whatever the live database's journal mode.
            dest.execute("PRAGMA journal_mode=DELETE")
            revision, tables = _sqlite_contents(dest)
        finally:
            dest.close()
    finally:
        raw.close()
    with copy.open("rb") as source, target.open("wb") as out:
        with gzip.GzipFile(filename="database.sqlite3", mode="wb", fileobj=out, mtime=0) as packed:
            shutil.copyfileobj(source, packed, COPY_BYTES)
    copy.unlink()
    return Snapshot(revision, tables, {"server_version": sqlite3.sqlite_version})


def _write_archive(partial: Path, manifest: bytes, member: Path, created_at: datetime) -> tuple[int, str]:
    """The tar (manifest first, then the database member), flushed to disk; its size and sha256."""
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw_out:
        out = _HashingWriter(raw_out)
        with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
            _add_member(tar, MANIFEST, io.BytesIO(manifest), len(manifest), created_at)
            with member.open("rb") as source:
                _add_member(tar, member.name, source, member.stat().st_size, created_at)
        raw_out.flush()
        os.fsync(raw_out.fileno())
    return out.size, out.sha256.hexdigest()


def _add_member(tar: tarfile.TarFile, name: str, source: IO[bytes], size: int, created_at: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(created_at.timestamp())
    tar.addfile(info, source)


class _HashingWriter:
    """A binary file that hashes what is written through it (tarfile needs write and tell)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.size = 0
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.out.write(data)

    def tell(self) -> int:
        return self.size


# --- the manifest -----------------------------------------------------------------------------

def _canonical(value: Any) -> bytes:  # noqa: ANN401 - any JSON value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _seal(manifest: dict[str, Any]) -> bytes:
    """The manifest as written: readable JSON with the sha256 of its other keys."""
    body = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    sealed = {**body, "manifest_sha256": hashlib.sha256(_canonical(body)).hexdigest()}
    return json.dumps(sealed, ensure_ascii=False, sort_keys=True, indent=2).encode() + b"\n"


def _read_manifest(data: bytes) -> dict[str, Any]:
    """The manifest, refused unless it is this format, unaltered and consistent."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"备份清单 manifest.json 无法读取（{exc}）") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("不是本系统的备份文件（manifest.json 中 format 不是 crm-backup）")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise BackupError(f"备份清单 manifest.json 有误：format_version 应为正整数，而不是 {version!r}")
    if version > FORMAT_VERSION:
        raise BackupError(f"备份文件格式第 {version} 版比本程序能读的（第 {FORMAT_VERSION} 版）新，请用更新的程序恢复")
    body = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    if manifest.get("manifest_sha256") != hashlib.sha256(_canonical(body)).hexdigest():
        raise BackupError("备份清单 manifest.json 已被改动或损坏（与其 manifest_sha256 校验和不符）")
    problem = _manifest_problem(manifest)
    if problem:
        raise BackupError(f"备份清单 manifest.json 自相矛盾：{problem}")
    return manifest


def _manifest_problem(manifest: dict[str, Any]) -> str | None:
    """What is inconsistent in a sealed manifest (one written by a faulty program), if anything."""
    dialect = manifest.get("dialect")
    if dialect not in DATABASE_MEMBERS:
        return f"数据库类型 {dialect!r} 不是 {'、'.join(DATABASE_MEMBERS)} 之一"
    revision = manifest.get("schema_revision")
    if not isinstance(revision, str) or not revision:
        return "缺少数据库结构版本 schema_revision"
    try:
        datetime.fromisoformat(manifest.get("created_at"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return f"创建时间 created_at 不是日期时间：{manifest.get('created_at')!r}"
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(
            isinstance(name, str) and isinstance(rows, int) and rows >= 0 for name, rows in tables.items()):
        return "tables 应为各表的行数"
    if tables.get("alembic_version") != 1:
        return "alembic_version 表应恰有 1 行"
    if manifest.get("rows") != sum(tables.values()):
        return f"总行数 rows {manifest.get('rows')!r} 不等于各表行数之和 {sum(tables.values())}"
    members = manifest.get("members")
    expected = DATABASE_MEMBERS[dialect]
    if (not isinstance(members, list) or len(members) != 1 or not isinstance(members[0], dict)
            or members[0].get("name") != expected):
        return f"{DIALECT_NAMES[dialect]} 备份应恰有一个数据成员 {expected}"
    size, digest = members[0].get("size"), members[0].get("sha256")
    if not isinstance(size, int) or size < 0 or not isinstance(digest, str) or not SHA256_RE.fullmatch(digest):
        return f"{expected} 的大小或 sha256 有误"
    return None


# --- reading an archive -----------------------------------------------------------------------

def verify_archive(path: Path, work: Path) -> VerifiedArchive:
    """Read the archive at ``path`` whole: every member present, of its size and sha256, none
    extra, the manifest unaltered and consistent. The database member is extracted into
    ``work`` as it is checked, so what is restored is what was checked."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"备份文件不存在：{path}")
    if not path.is_file():
        raise BackupError(f"不是文件：{path}")
    try:
        with tarfile.open(path, mode="r:") as tar:
            archive = _verify_members(tar, work)
    except (tarfile.TarError, EOFError) as exc:
        raise BackupError(f"备份文件不完整或已损坏，无法读取：{path}（{exc}）") from exc
    except OSError as exc:
        raise BackupError(f"无法读取备份文件 {path}：{exc.strerror or exc}") from exc
    return archive


def _verify_members(tar: tarfile.TarFile, work: Path) -> VerifiedArchive:
    members: dict[str, tarfile.TarInfo] = {}
    for info in tar:
        if info.name in members:
            raise BackupError(f"备份文件有误：成员 {info.name} 出现了两次")
        if not info.isfile():
            raise BackupError(f"备份文件有误：成员 {info.name} 不是普通文件")
        members[info.name] = info
    if MANIFEST not in members:
        raise BackupError("备份文件不完整：缺少备份清单 manifest.json")
    if members[MANIFEST].size > MAX_MANIFEST_BYTES:
        raise BackupError("备份清单 manifest.json 过大，不是本系统写的清单")
    manifest = _read_manifest(_member_bytes(tar, members[MANIFEST]))
    listed = {entry["name"]: entry for entry in manifest["members"]}
    extra = sorted(set(members) - set(listed) - {MANIFEST})
    if extra:
        raise BackupError(f"备份文件有误：含有清单中没有的成员 {'、'.join(extra)}")
    database: Path | None = None
    for name, entry in listed.items():
        if name not in members:
            raise BackupError(f"备份文件不完整：缺少 {name}")
        if members[name].size != entry["size"]:
            raise BackupError(f"备份文件不完整或已损坏：{name} 应有 {entry['size']} 字节，实有 {members[name].size} 字节")
        target = work / name
        if _extract(tar, members[name], target) != entry["sha256"]:
            raise BackupError(f"备份文件已损坏或被改动：{name} 的 sha256 与清单不符")
        database = target
    assert database is not None  # the manifest lists exactly one member
    return VerifiedArchive(manifest, database)


def _member_bytes(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    source = tar.extractfile(info)
    assert source is not None  # a regular file
    data = source.read()
    if len(data) != info.size:
        raise BackupError(f"备份文件不完整：{info.name} 被截断")
    return data


def _extract(tar: tarfile.TarFile, info: tarfile.TarInfo, target: Path) -> str:
    """Copy a member to ``target``, hashing as it goes; its sha256."""
    source = tar.extractfile(info)
    assert source is not None  # a regular file
    digest = hashlib.sha256()
    written = 0
    with target.open("wb") as out:
        while piece := source.read(COPY_BYTES):
            digest.update(piece)
            out.write(piece)
            written += len(piece)
    if written != info.size:
        raise BackupError(f"备份文件不完整：{info.name} 被截断（{written}/{info.size} 字节）")
    return digest.hexdigest()


# --- restore ----------------------------------------------------------------------------------

def restore_backup(path: Path) -> dict[str, Any]:
    """Restore the archive at ``path`` into the configured database and return its summary.

    Refused, the database untouched: an archive that is unreadable, incomplete or altered; one
    of another dialect; one whose schema revision the code's migrations do not know (newer
    than the code); a target database holding data (anything besides what init-db loads).
    Restored as one transaction (PostgreSQL) or one backup-API step (SQLite), then checked: the
    rows of every table equal the manifest's. An archive of an older schema is then upgraded to
    the code's head (and the reference data completed, as init-db does).
    """
    engine = db.engine
    dialect = _dialect(engine)
    with tempfile.TemporaryDirectory(prefix="crm-restore-") as work_dir:
        archive = verify_archive(Path(path), Path(work_dir))
        manifest = archive.manifest
        if manifest["dialect"] != dialect:
            raise BackupError(
                f"这是 {DIALECT_NAMES[manifest['dialect']]} 数据库的备份，不能恢复到 {DIALECT_NAMES[dialect]} 数据库"
                f"（不支持跨数据库类型恢复；请恢复到 {DIALECT_NAMES[manifest['dialect']]} 数据库）")
        revision = manifest["schema_revision"]
        known, head = _migration_revisions()
        if revision not in known:
            raise BackupError(f"备份的数据库结构版本 {revision} 比本程序新（本程序的迁移最新为 {head}），"
                              "请用与备份时相同或更新的程序版本恢复")
        held = tables_holding_data(engine)
        if held:
            listed = "、".join(f"{name} {rows} 行" for name, rows in sorted(held.items())[:6])
            if len(held) > 6:
                listed += f" 等 {len(held)} 张表"
            raise BackupError(f"目标数据库中已有数据（{listed}），只能恢复到空数据库或只运行过 init-db 的数据库")
        db.session.remove()
        if dialect == "postgresql":
            _check_dump(archive.database, manifest)
            engine.dispose()
            _restore_postgresql(engine, archive.database)
        else:
            copy = _unpack_sqlite(archive.database)
            _check_sqlite_copy(copy, manifest)
            engine.dispose()
            _restore_sqlite(engine, copy)
    engine.dispose()
    with engine.connect() as conn:
        restored = _row_counts(conn)
    if restored != manifest["tables"]:
        differences = [f"{name} 应有 {manifest['tables'].get(name, 0)} 行，实有 {restored.get(name, 0)} 行"
                       for name in sorted(set(restored) | set(manifest["tables"]))
                       if restored.get(name) != manifest["tables"].get(name)]
        raise BackupError(f"恢复后的行数与备份清单不符：{'；'.join(differences)}")
    upgraded_to = None
    if revision != head:
        from flask_migrate import upgrade

        from crm.reference import load_reference_data

        try:
            # Migrations narrate on stdout; with --json that is the summary's alone.
            with contextlib.redirect_stdout(sys.stderr):
                upgrade()
            load_reference_data()
        except Exception as exc:
            db.session.rollback()
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise BackupError(f"已恢复备份（结构版本 {revision}，各表行数与清单一致），但升级到 {head} 失败："
                              f"{reason}；排除原因后运行 init-db 完成升级") from exc
        upgraded_to = head
    return {
        "path": str(path),
        "dialect": dialect,
        "schema_revision": revision,
        "created_at": manifest["created_at"],
        "tables": restored,
        "rows": sum(restored.values()),
        "verified": True,
        "upgraded_to": upgraded_to,
    }


def tables_holding_data(engine: Engine) -> dict[str, int]:
    """The target's tables with rows that neither init-db loads nor are bookkeeping: {table: rows}."""
    from crm.reference import REFERENCE_MODELS

    allowed = BOOKKEEPING_TABLES | {model.__table__.name for model in REFERENCE_MODELS}
    with engine.connect() as conn:
        counts = _row_counts(conn, skip=allowed)
    return {name: rows for name, rows in counts.items() if rows}


def _check_dump(dump: Path, manifest: dict[str, Any]) -> None:
    """pg_restore reads the dump's table of contents, and its tables are the manifest's."""
    listing = _run([_client("pg_restore"), "--list", str(dump)], dict(os.environ), "pg_restore --list")
    tables = set(re.findall(r"^\d+; \d+ \d+ TABLE DATA \S+ (\S+) ", listing, flags=re.MULTILINE))
    if tables != set(manifest["tables"]):
        missing = sorted(set(manifest["tables"]) - tables)
        extra = sorted(tables - set(manifest["tables"]))
        raise BackupError(f"备份清单与数据库转储不一致：转储中缺少 {missing}，多出 {extra}")


def _restore_postgresql(engine: Engine, dump: Path) -> None:
    """pg_restore --clean --if-exists --no-owner --no-acl, as SQL run by psql in one transaction
    that first drops every table of the target (PG_RESTORE_PRELUDE) and is committed only when
    pg_restore has produced the whole dump and psql has run all of it without an error.

    (pg_restore --single-transaction cannot drop the target's own tables in its transaction,
    so the transaction is psql's: on any failure it is rolled back and the target is as it was.)
    """
    pg_restore, psql = _client("pg_restore"), _client("psql")
    conninfo, env = _libpq(engine.url)
    with tempfile.TemporaryFile() as reader_errors, tempfile.TemporaryFile() as loader_errors:
        loader = subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={conninfo}", "--file=-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=loader_errors, env=env)
        reader = subprocess.Popen(
            [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-acl", "--file=-", str(dump)],
            stdout=subprocess.PIPE, stderr=reader_errors, env=env)
        assert loader.stdin is not None and reader.stdout is not None
        complete = False
        try:
            loader.stdin.write(PG_RESTORE_PRELUDE)
            shutil.copyfileobj(reader.stdout, loader.stdin, COPY_BYTES)
            complete = reader.wait() == 0
            if complete:
                loader.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error; its transaction is rolled back
        finally:
            if reader.poll() is None:
                reader.kill()
            reader.wait()
            reader.stdout.close()
            try:
                # Without COMMIT, psql ends its session at the end of its input: rolled back.
                loader.stdin.close()
            except BrokenPipeError:
                pass
            loader.wait()
        if loader.returncode != 0:
            raise BackupError(f"恢复中断，数据库未改动（{_first_error(_read_all(loader_errors))}）")
        if not complete:
            raise BackupError(f"pg_restore 中断，数据库未改动（{_first_error(_read_all(reader_errors))}）")


def _unpack_sqlite(packed: Path) -> Path:
    """The SQLite member decompressed next to it."""
    unpacked = packed.with_suffix("")
    try:
        with gzip.open(packed, "rb") as source, unpacked.open("wb") as out:
            shutil.copyfileobj(source, out, COPY_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise BackupError(f"备份中的数据库副本 {packed.name} 无法解压（{exc}）") from exc
    packed.unlink()
    return unpacked


def _check_sqlite_copy(copy: Path, manifest: dict[str, Any]) -> None:
    """The copy's revision and row counts are the manifest's."""
    try:
        conn = sqlite3.connect(copy)
        try:
            revision, tables = _sqlite_contents(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"备份中的数据库副本无法读取（{exc}）") from exc
    if revision != manifest["schema_revision"]:
        raise BackupError(f"备份清单与数据库副本不一致：结构版本 {manifest['schema_revision']} 与 {revision}")
    if tables != manifest["tables"]:
        differences = [name for name in sorted(set(tables) | set(manifest["tables"]))
                       if tables.get(name) != manifest["tables"].get(name)]
        raise BackupError(f"备份清单与数据库副本不一致：{'、'.join(differences)} 的行数不同")


def _restore_sqlite(engine: Engine, copy: Path) -> None:
    """The copy into the configured database through the backup API: one step, one write
    transaction of the target, so a failure leaves it as it was."""
    source = sqlite3.connect(copy)
    raw = engine.raw_connection()
    target = raw.driver_connection
    try:
        mode = target.execute("PRAGMA journal_mode").fetchone()[0]
        try:
            # The backup API cannot change a WAL database's page size; out of WAL it can. Leaving
            # WAL needs the database to itself: with the app still running this fails.
            if mode == "wal":
                target.execute("PRAGMA journal_mode=DELETE")
            source.backup(target)
        finally:
            if mode == "wal":
                target.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise BackupError(f"恢复中断，数据库未改动（{exc}；应用是否仍在运行？请先停止）") from exc
    finally:
        raw.close()
        source.close()


# --- helpers ------------------------------------------------------------------------------------

def _dialect(engine: Engine) -> str:
    if engine.dialect.name not in DATABASE_MEMBERS:
        raise BackupError(f"不支持 {engine.dialect.name} 数据库的备份与恢复（支持 PostgreSQL 和 SQLite）")
    return engine.dialect.name


def _migration_revisions() -> tuple[set[str], str]:
    """Every revision the code's migrations know, and their head."""
    from alembic.script import ScriptDirectory
    from flask_migrate import Config

    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    script = ScriptDirectory.from_config(config)
    return {revision.revision for revision in script.walk_revisions()}, script.get_current_head()


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return versions[0] if len(versions) == 1 else None


def _row_counts(conn: Connection, skip: frozenset[str] | set[str] = frozenset()) -> dict[str, int]:
    """Rows of every table of the database (its default schema), by name."""
    quote = conn.dialect.identifier_preparer.quote
    return {
        name: conn.execute(text(f"SELECT count(*) FROM {quote(name)}")).scalar_one()
        for name in sorted(inspect(conn).get_table_names()) if name not in skip
    }


def _sqlite_contents(conn: sqlite3.Connection) -> tuple[str | None, dict[str, int]]:
    """A SQLite file's revision and rows per table (the tables SQLAlchemy's inspector lists)."""
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~' ORDER BY name")]
    tables = {name: conn.execute(f'SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
              for name in names}
    revision = None
    if "alembic_version" in tables:
        versions = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
        revision = versions[0] if len(versions) == 1 else None
    return revision, tables


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the SQLAlchemy URL, and the environment to run a client
    with: the password goes in PGPASSWORD, never on a command line others can read."""
    from psycopg.conninfo import make_conninfo

    params = {key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()}
    password = params.pop("password", None)
    if url.password is not None:
        password = str(url.password)
    for key, value in (("host", url.host), ("port", url.port), ("user", url.username), ("dbname", url.database)):
        if value is not None:
            params[key] = str(value)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    return make_conninfo(**params), env


def _client(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 {name}：请安装与数据库服务器同版本的 PostgreSQL 客户端（Debian：postgresql-client）")
    return found


def _run(command: list[str], env: dict[str, str], label: str) -> str:
    """Run a PostgreSQL client; its stdout, or BackupError with its first error line."""
    result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{label} 失败：{_first_error(result.stderr)}")
    return result.stdout.decode("utf-8", "replace")


def _read_all(stream: IO[bytes]) -> bytes:
    stream.seek(0)
    return stream.read()


def _first_error(stderr: bytes) -> str:
    """The line of a client's stderr that says what went wrong (the first ERROR, else the first)."""
    # psql prefixes where in its input: "psql:<stdin>:1234: ERROR:  ..."
    lines = [re.sub(r"^psql:<stdin>:\d+:\s*", "", line.strip())
             for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    for line in lines:
        if "ERROR" in line or "FATAL" in line or "错误" in line:
            return line
    return lines[0] if lines else "（没有错误信息）"


def _file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while piece := source.read(COPY_BYTES):
            digest.update(piece)
            size += len(piece)
    return size, digest.hexdigest()


def _fsync_directory(directory: Path) -> None:
    """The rename itself on disk (POSIX; elsewhere a no-op)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
