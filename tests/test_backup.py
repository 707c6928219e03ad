"""`backup PATH` and `restore PATH` (CONTRACT.md): a demo database backed up, restored into an
empty one and compared table by table, row by row; bad archives and occupied targets refused
with the target unchanged.

On SQLite always; on PostgreSQL when CRM_TEST_DATABASE_URL is a PostgreSQL URL (as `.ci/run`
sets it), in databases of their own on that server (<name>_bk_*), created and dropped here.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from crm import create_app
from crm.extensions import db
from tests.conftest import PG_URL, USING_PG, _migrate

PG_SKIP = "PostgreSQL backups are tested when CRM_TEST_DATABASE_URL=postgresql+psycopg://... (as .ci/run sets it)"
DIALECTS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not USING_PG, reason=PG_SKIP))]


def make_app(url: str, base: Path) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(base / "uploads")})


def migration_revisions(app: Flask) -> list[str]:
    """The code's revisions, head first."""
    from alembic.script import ScriptDirectory
    from flask_migrate import Config

    config = Config()
    config.set_main_option("script_location", app.extensions["migrate"].directory)
    return [revision.revision for revision in ScriptDirectory.from_config(config).walk_revisions()]


def load_reference(app: Flask) -> None:
    from crm.reference import load_reference_data

    with app.app_context():
        load_reference_data()


class SQLiteServer:
    """SQLite databases: files copied from the session's migrated template."""

    dialect = "sqlite"

    def __init__(self, template: Path, base: Path) -> None:
        self.template = template
        self.base = base

    def initialised(self, name: str) -> Flask:
        """A database as `init-db` leaves it: migrated, reference data loaded."""
        path = self.base / f"{name}.sqlite3"
        shutil.copyfile(self.template, path)
        app = make_app(f"sqlite:///{path}", self.base)
        load_reference(app)
        return app

    def blank(self, name: str) -> Flask:
        """A database with nothing in it, not even tables."""
        return make_app(f"sqlite:///{self.base / f'{name}.sqlite3'}", self.base)

    def close(self) -> None:
        pass


class PostgresServer:
    """PostgreSQL databases on CRM_TEST_DATABASE_URL's server: a migrated template with the
    reference data, cloned (CREATE DATABASE ... TEMPLATE) for each initialised target."""

    dialect = "postgresql"

    def __init__(self, url: str, base: Path) -> None:
        self.url = make_url(url)
        self.base = base
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []
        self.template = self._create("tpl")
        from flask_migrate import upgrade

        app = make_app(self._url(self.template), base)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        load_reference(app)
        with app.app_context():
            db.engine.dispose()

    def _name(self, label: str) -> str:
        return f"{self.url.database}_bk_{label}"[:63]

    def _url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _create(self, label: str, template: str | None = None) -> str:
        from sqlalchemy.exc import ProgrammingError

        name = self._name(label)
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            try:
                conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
            except ProgrammingError as exc:
                pytest.skip(f"{self.url.username} may not create databases on {self.url.host}: {exc.orig}")
        self.created.append(name)
        return name

    def initialised(self, name: str) -> Flask:
        return make_app(self._url(self._create(name, self.template)), self.base)

    def blank(self, name: str) -> Flask:
        return make_app(self._url(self._create(name)), self.base)

    def close(self) -> None:
        with self.admin.connect() as conn:
            for name in reversed(self.created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="module", params=DIALECTS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    base = tmp_path_factory.mktemp(f"backup-{request.param}")
    if request.param == "postgresql":
        missing = [tool for tool in ("pg_dump", "pg_restore", "psql") if shutil.which(tool) is None]
        if missing:
            pytest.skip(f"PostgreSQL client tools not on PATH: {', '.join(missing)} (Debian: postgresql-client)")
        made: Any = PostgresServer(PG_URL, base)
    elif USING_PG:
        template = base / "template.sqlite3"
        _migrate(f"sqlite:///{template}", base)
        made = SQLiteServer(template, base)
    else:
        made = SQLiteServer(Path(request.getfixturevalue("database_template")), base)
    yield made
    made.close()


def table_rows(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table, all columns, ordered by primary key (else by every column)."""
    with app.app_context():
        with db.engine.connect() as conn:
            inspector = inspect(conn)
            quote = conn.dialect.identifier_preparer.quote
            rows = {}
            for name in sorted(inspector.get_table_names()):
                order = (inspector.get_pk_constraint(name)["constrained_columns"]
                         or [column["name"] for column in inspector.get_columns(name)])
                query = f"SELECT * FROM {quote(name)} ORDER BY {', '.join(quote(column) for column in order)}"
                rows[name] = [tuple(row) for row in conn.execute(text(query))]
        db.engine.dispose()
    return rows


def invoke(app: Flask, *args: str) -> Any:  # noqa: ANN401 - click's Result
    result = app.test_cli_runner().invoke(args=list(args))
    with app.app_context():
        db.engine.dispose()
    return result


@dataclass
class Source:
    app: Flask
    archive: Path
    summary: dict[str, Any]
    rows: dict[str, list[tuple]]


@pytest.fixture(scope="module")
def source(server: Any, tmp_path_factory: pytest.TempPathFactory) -> Source:
    """A demo database (60 firms) plus a few factory rows of every kind of value (Chinese
    text, money, JSON, a file's bytes), and its archive."""
    from crm.demo import generate_demo_data
    from crm.models import FilePurpose, StoredFile, StoredFileChunk
    from tests.factories import (
        AnnualReportFactory,
        EnterpriseFactory,
        FlagFactory,
        ImportBatchFactory,
        UserFactory,
        issue_token,
    )

    app = server.initialised("src")
    with app.app_context():
        generate_demo_data(60, seed=17)
        firm = EnterpriseFactory(name="江门市（备份）科技有限公司")
        AnnualReportFactory(enterprise=firm, year=2024, revenue=None)
        FlagFactory(enterprise=firm, reasons=["研发费用占比 2.9%，低于 3%"])
        issue_token(UserFactory(username="备份测试员", display_name="张三"))
        ImportBatchFactory()
        content = bytes(range(256)) * 5
        stored = StoredFile(purpose=FilePurpose.attachment, sha256=hashlib.sha256(content).hexdigest(),
                            size=len(content), content_type="application/pdf")
        db.session.add(stored)
        db.session.flush()
        db.session.add(StoredFileChunk(file_id=stored.id, seq=0, data=content))
        db.session.commit()
        db.engine.dispose()
    archive = tmp_path_factory.mktemp("archives") / "source.tar"
    result = invoke(app, "backup", str(archive), "--json")
    assert result.exit_code == 0, result.output
    return Source(app, archive, json.loads(result.stdout), table_rows(app))


def test_the_archive_holds_a_manifest_and_the_dump_with_their_checksums(server: Any, source: Source) -> None:
    with tarfile.open(source.archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        member = names[1]
        data = tar.extractfile(member).read()  # type: ignore[union-attr]
    assert names == ["manifest.json", {"sqlite": "database.sqlite3.gz", "postgresql": "database.pgdump"}[server.dialect]]
    if server.dialect == "postgresql":
        assert data[:5] == b"PGDMP"  # pg_dump's custom format
    else:
        assert data[:2] == b"\x1f\x8b"  # gzip
    assert manifest["format"] == "crm-backup" and manifest["format_version"] == 1
    assert manifest["dialect"] == server.dialect
    assert manifest["schema_revision"] == migration_revisions(source.app)[0]
    assert manifest["members"] == [{"name": member, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}]
    assert manifest["tables"] == {name: len(rows) for name, rows in source.rows.items()}
    assert manifest["tables"]["enterprise"] == 61 and manifest["tables"]["stored_file_chunk"] == 1
    assert manifest["rows"] == sum(manifest["tables"].values())
    body = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert manifest["manifest_sha256"] == hashlib.sha256(canonical).hexdigest()
    # The JSON summary describes the file written, which only its owner may read.
    assert source.summary["sha256"] == hashlib.sha256(source.archive.read_bytes()).hexdigest()
    assert source.summary["size"] == source.archive.stat().st_size
    assert source.summary["tables"] == manifest["tables"] and source.summary["rows"] == manifest["rows"]
    assert source.archive.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in source.archive.parent.iterdir()] == ["source.tar"]  # nothing left behind


@pytest.mark.parametrize("target_kind", ["initialised", "blank"])
def test_restore_gives_back_every_row_of_every_table(server: Any, source: Source, target_kind: str) -> None:
    from crm.models import Enterprise
    from tests.factories import EnterpriseFactory

    target = getattr(server, target_kind)(f"restored_{target_kind}")
    result = invoke(target, "restore", str(source.archive), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["verified"] is True and summary["upgraded_to"] is None
    assert summary["tables"] == source.summary["tables"] and summary["rows"] == source.summary["rows"]
    assert table_rows(target) == source.rows
    # The restored database takes new records (its sequences carried over).
    with target.app_context():
        highest = max(row[0] for row in source.rows["enterprise"])
        assert EnterpriseFactory().id > highest
        assert db.session.scalar(select(Enterprise).where(Enterprise.name == "江门市（备份）科技有限公司")) is not None
        db.session.remove()
        db.engine.dispose()


def test_restore_says_what_it_restored(server: Any, source: Source) -> None:
    target = server.initialised("restored_text")
    result = invoke(target, "restore", str(source.archive))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"已校验并恢复 {source.archive}")
    assert f"{len(source.rows)} 张表 {source.summary['rows']} 行" in lines[1]
    assert "enterprise 61" in lines[1] and len(lines) == 2


def test_backup_says_what_it_wrote(server: Any, source: Source, tmp_path: Path) -> None:
    result = invoke(source.app, "backup", str(tmp_path / "again.tar"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"已备份到 {tmp_path / 'again.tar'}：")
    assert hashlib.sha256((tmp_path / "again.tar").read_bytes()).hexdigest() in result.stdout


def test_a_failed_backup_leaves_no_partial_file(server: Any, source: Source, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up while the dump is written into the archive: the archive already at
    the path stays as it was, and nothing else is left in its directory."""
    from crm.backup import services

    path = tmp_path / "nightly.tar"
    path.write_bytes(b"yesterday's archive")
    written = services._add_member

    def disk_full(tar: tarfile.TarFile, name: str, *args: Any) -> None:  # noqa: ANN401
        if name != "manifest.json":
            tar.fileobj.write(b"\0" * 4096)  # type: ignore[union-attr]
            raise OSError(28, "No space left on device")
        written(tar, name, *args)

    monkeypatch.setattr(services, "_add_member", disk_full)
    result = invoke(source.app, "backup", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"备份失败：无法写入 {path}：No space left on device"
    assert path.read_bytes() == b"yesterday's archive"
    assert [p.name for p in tmp_path.iterdir()] == ["nightly.tar"]


def test_backup_to_a_missing_directory_is_refused(server: Any, source: Source, tmp_path: Path) -> None:
    result = invoke(source.app, "backup", str(tmp_path / "no-such-dir" / "b.tar"))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"备份失败：目录不存在：{tmp_path / 'no-such-dir'}"


# --- archives refused --------------------------------------------------------------------------

def reseal(manifest: dict[str, Any]) -> bytes:
    """The manifest with its manifest_sha256 recomputed, as the documented format says."""
    body = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return json.dumps({**body, "manifest_sha256": hashlib.sha256(canonical).hexdigest()}).encode()


def rebuild(archive: Path, out: Path, members: Callable[[dict[str, bytes]], dict[str, bytes]]) -> None:
    """A copy of ``archive`` whose members (name -> bytes, in order) ``members`` changed."""
    with tarfile.open(archive) as tar:
        contents = {info.name: tar.extractfile(info).read() for info in tar}  # type: ignore[union-attr]
    with tarfile.open(out, "w") as tar:
        for name, data in members(contents).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def truncated(archive: Path, out: Path) -> None:
    out.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])


def one_byte_altered_in_the_dump(archive: Path, out: Path) -> None:
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        member = tar.getmembers()[1]
    data[member.offset_data + member.size // 2] ^= 0x01
    out.write_bytes(bytes(data))


def with_manifest(change: Callable[[dict[str, Any]], None], sealed: bool) -> Callable[[Path, Path], None]:
    """The archive with its manifest changed (and resealed, or not); the database member is
    renamed to what the changed manifest lists."""
    def make(archive: Path, out: Path) -> None:
        def members(contents: dict[str, bytes]) -> dict[str, bytes]:
            manifest = json.loads(contents.pop("manifest.json"))
            change(manifest)
            dump = next(iter(contents.values()))
            return {"manifest.json": reseal(manifest) if sealed else json.dumps(manifest, indent=2).encode(),
                    manifest["members"][0]["name"]: dump}

        rebuild(archive, out, members)
    return make


def one_more_firm(manifest: dict[str, Any]) -> None:
    manifest["tables"]["enterprise"] += 1
    manifest["rows"] += 1


def from_the_future(manifest: dict[str, Any]) -> None:
    manifest["schema_revision"] = "0099_from_the_future"


def other_dialect(manifest: dict[str, Any]) -> None:
    manifest["dialect"] = {"sqlite": "postgresql", "postgresql": "sqlite"}[manifest["dialect"]]
    manifest["members"][0]["name"] = {"sqlite": "database.sqlite3.gz", "postgresql": "database.pgdump"}[
        manifest["dialect"]]


def without_the_dump(archive: Path, out: Path) -> None:
    rebuild(archive, out, lambda contents: {"manifest.json": contents["manifest.json"]})


def not_an_archive(_archive: Path, out: Path) -> None:
    out.write_bytes(b"PK\x03\x04 a spreadsheet, say" * 100)


REFUSED = {
    "truncated": (truncated, "备份文件不完整或已损坏，无法读取"),
    "dump altered": (one_byte_altered_in_the_dump, "的 sha256 与清单不符"),
    "manifest altered": (with_manifest(one_more_firm, sealed=False),
                         "备份清单 manifest.json 已被改动或损坏（与其 manifest_sha256 校验和不符）"),
    "newer schema": (with_manifest(from_the_future, sealed=True),
                     "备份的数据库结构版本 0099_from_the_future 比本程序新"),
    "other dialect": (with_manifest(other_dialect, sealed=True), "数据库的备份，不能恢复到"),
    "dump missing": (without_the_dump, "备份文件不完整：缺少 database."),
    "not an archive": (not_an_archive, "备份文件不完整或已损坏，无法读取"),
}


@pytest.fixture(scope="module")
def initialised(server: Any) -> Flask:
    """A database as init-db leaves it, which the tests below leave (or should leave) as it is."""
    return server.initialised("initialised")


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_bad_archive_is_refused_and_the_target_untouched(source: Source, initialised: Flask, tmp_path: Path,
                                                          case: str) -> None:
    make, message = REFUSED[case]
    bad = tmp_path / "bad.tar"
    make(source.archive, bad)
    target = initialised
    before = table_rows(target)
    result = invoke(target, "restore", str(bad))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("恢复失败：") and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert table_rows(target) == before


def test_a_database_holding_data_is_refused_and_left_as_it_was(server: Any, source: Source) -> None:
    from tests.factories import EnterpriseFactory, UserFactory

    target = server.initialised("occupied")
    with target.app_context():
        EnterpriseFactory()
        UserFactory()
        db.session.remove()
        db.engine.dispose()
    before = table_rows(target)
    result = invoke(target, "restore", str(source.archive))
    assert result.exit_code == 1
    assert result.stderr.startswith("恢复失败：目标数据库中已有数据（")
    assert "enterprise 1 行" in result.stderr and "user 1 行" in result.stderr
    assert result.stderr.strip().endswith("），只能恢复到空数据库或只运行过 init-db 的数据库")
    assert "district" not in result.stderr and "plan_target" not in result.stderr
    assert table_rows(target) == before
    # The source itself, full of demo data, is refused the same way.
    result = invoke(source.app, "restore", str(source.archive))
    assert result.exit_code == 1 and "目标数据库中已有数据（annual_report" in result.stderr
    assert table_rows(source.app) == source.rows


def test_what_init_db_loads_is_not_data(initialised: Flask) -> None:
    """The tables init-db fills are the ones restore accepts rows in: if init-db ever loads
    more, restore would refuse every new server."""
    from crm.backup.services import BOOKKEEPING_TABLES, tables_holding_data
    from crm.reference import REFERENCE_MODELS

    target = initialised
    filled = {name for name, rows in table_rows(target).items() if rows}
    assert filled == {model.__table__.name for model in REFERENCE_MODELS} | {"alembic_version"}
    assert "alembic_version" in BOOKKEEPING_TABLES
    with target.app_context():
        assert tables_holding_data(db.engine) == {}
        db.engine.dispose()


def test_an_older_schema_is_restored_then_upgraded(server: Any, initialised: Flask, tmp_path: Path) -> None:
    """A backup made before the latest migration, restored by the current code into a
    database init-db made (whose newer tables the old schema lacks): restored, upgraded to
    the head, and the reference data completed."""
    from flask_migrate import upgrade

    from crm.models import Enterprise
    from tests.factories import EnterpriseFactory

    old = server.blank("old")
    head, previous = migration_revisions(old)[:2]
    with old.app_context():
        upgrade(revision=previous)
        from crm.reference import load_reference_data

        load_reference_data()
        EnterpriseFactory(name="旧版本备份里的企业")
        db.session.remove()
        db.engine.dispose()
    archive = tmp_path / "old.tar"
    assert invoke(old, "backup", str(archive)).exit_code == 0
    target = server.initialised("upgraded")
    result = invoke(target, "restore", str(archive), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # the migrations' narration goes to stderr
    assert summary["schema_revision"] == previous and summary["upgraded_to"] == head
    assert summary["tables"]["enterprise"] == 1
    rows = table_rows(target)
    assert rows["alembic_version"] == [(head,)]
    reference = table_rows(initialised)
    assert set(rows) == set(reference)
    for name in ("district", "industry", "plan", "plan_target"):
        assert len(rows[name]) == len(reference[name]), name
    with target.app_context():
        assert db.session.scalar(select(Enterprise.name)) == "旧版本备份里的企业"
        db.session.remove()
        db.engine.dispose()
    if server.dialect == "sqlite":  # the same words on PostgreSQL; a database there costs seconds
        result = invoke(server.blank("upgraded_text"), "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[-1] == f"备份的数据库结构较旧，已从 {previous} 升级到 {head}"


@pytest.mark.parametrize("server", [DIALECTS[1]], indirect=True)
def test_a_restore_failing_half_way_leaves_postgresql_as_it_was(source: Source, server: Any) -> None:
    """The restore fails after the target's tables were dropped (a type is in the way of one
    of the dump's tables): the one transaction is rolled back, init-db's tables are back."""
    target = server.initialised("half_way")
    with target.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE town CASCADE"))
            conn.execute(text("CREATE TYPE town AS (name text)"))
        db.engine.dispose()
    before = table_rows(target)
    result = invoke(target, "restore", str(source.archive))
    assert result.exit_code == 1
    assert result.stderr.startswith("恢复失败：恢复中断，数据库未改动（ERROR:") and '"town"' in result.stderr
    assert table_rows(target) == before
    assert before["district"] and "town" not in before


def test_the_libpq_connection_keeps_the_password_off_the_command_line() -> None:
    from crm.backup.services import _libpq

    conninfo, env = _libpq(make_url("postgresql+psycopg://crm:s3cr%20et@db.example:6432/crm?sslmode=require"))
    assert "s3cr" not in conninfo
    assert dict(part.split("=", 1) for part in conninfo.split()) == {
        "sslmode": "require", "host": "db.example", "port": "6432", "user": "crm", "dbname": "crm"}
    assert env["PGPASSWORD"] == "s3cr et"
    assert os.environ.get("PGPASSWORD") != "s3cr et"
