"""The schema comes from Alembic alone, and the models agree with it."""
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, make_url, text

from crm.extensions import db


def test_models_match_migrations(app) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_single_head(app) -> None:
    from alembic.script import ScriptDirectory
    from flask_migrate import Config

    cfg = Config()
    cfg.set_main_option("script_location", app.extensions["migrate"].directory)
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1


def test_a_batchs_issues_move_to_their_own_rows_and_back(tmp_path) -> None:
    """Migration 0011 on a database that has batches: their errors, notices and skipped rows
    become import_issue rows (and counts), and a downgrade puts them back."""
    import json

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import create_engine, text

    from crm import create_app

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp_path / "uploads")})
    errors = [{"sheet": "S", "row": 3, "column": "营业收入", "message": "不是数字", "column_index": 2}]
    with app.app_context():
        upgrade(revision="0010_record_versions")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO import_batch (id, created_at, filename, file_sha256, kind, options, status, counts,"
                " errors, skipped, unknown_columns, notices) VALUES (7, '2026-01-01', 'a.xlsx', 'x', 'figures',"
                " '{}', 'imported', :counts, :errors, :skipped, '[]', :notices)"),
                {"counts": json.dumps({"rows": 3, "rejected": 1}), "errors": json.dumps(errors),
                 "skipped": json.dumps([{"sheet": "S", "row": 9, "reason": "合计行"}]),
                 "notices": json.dumps([{"sheet": "S", "row": 4, "column": "", "message": "请核对"}])})
            conn.execute(text("INSERT INTO audit_log (at, actor, action, entity, entity_id, changes, batch_id)"
                              " VALUES ('2026-01-01', 'import', 'create', 'enterprise', 1, '{}', 7)"))
        upgrade()
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT kind, sheet, row, \"column\", column_index, message FROM import_issue"
                                     " ORDER BY id")).all()
            counts = json.loads(conn.execute(text("SELECT counts FROM import_batch")).scalar_one())
        assert [tuple(r) for r in rows] == [("error", "S", 3, "营业收入", 2, "不是数字"), ("notice", "S", 4, None, None, "请核对"),
                                            ("skipped", "S", 9, None, None, "合计行")]
        assert counts == {"rows": 3, "rejected": 1, "errors": 1, "notices": 1}
        with engine.connect() as conn:  # the batch's audit trail still names it (its rollback needs that)
            assert conn.execute(text("SELECT batch_id FROM audit_log")).scalar_one() == 7
        downgrade(revision="0010_record_versions")
        with engine.connect() as conn:
            back = json.loads(conn.execute(text("SELECT errors FROM import_batch")).scalar_one())
        assert back == errors
        engine.dispose()


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own for a migration test: a SQLite file, or on PostgreSQL a scratch
    database beside the test database (the suite's own one stays at head)."""
    from tests.conftest import PG_URL, USING_PG

    if not USING_PG:
        yield f"sqlite:///{tmp_path / 'm.sqlite3'}"
        return
    url = make_url(PG_URL)
    name = f"{url.database}_migration"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _stored_bytes(conn, file_id: int) -> bytes:  # noqa: ANN001
    return b"".join(bytes(row[0]) for row in conn.execute(
        text("SELECT data FROM stored_file_chunk WHERE file_id = :id ORDER BY seq"), {"id": file_id}))


def test_files_of_the_upload_folder_move_into_the_database_and_back(scratch_url, tmp_path, capsys) -> None:
    """Migration 0017: every file a record names moves from UPLOAD_DIR into the database (in
    1 MiB chunks, checksummed); a record whose file is missing is kept without one and
    reported; a preview left unfinished moves too. The downgrade writes them back."""
    import hashlib
    import json
    import os

    from flask_migrate import downgrade, upgrade

    from crm import create_app

    uploads = tmp_path / "uploads"
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "UPLOAD_DIR": str(uploads)})
    scan = b"%PDF-1.4\n" + os.urandom(2 * 1024 * 1024 + 1000)  # three chunks
    sheet = b"PK\x03\x04" + os.urandom(5000)
    sheet_sha = hashlib.sha256(sheet).hexdigest()
    (uploads / "attachments").mkdir(parents=True)
    (uploads / "attachments" / "0a1b.pdf").write_bytes(scan)
    (uploads / "imports").mkdir()
    (uploads / "imports" / f"{sheet_sha}.xlsx").write_bytes(sheet)
    (uploads / "pending_imports").mkdir()
    token, orphan = "T" * 32, "U" * 32
    details = {"filename": "开平.xlsx", "year": 2025, "district": "440783", "kind": "figures"}
    (uploads / "pending_imports" / f"{token}.json").write_text(json.dumps({**details, "user_id": 1}), "utf-8")
    (uploads / "pending_imports" / f"{token}.bin").write_bytes(sheet)
    (uploads / "pending_imports" / f"{orphan}.json").write_text(json.dumps({**details, "user_id": 99}), "utf-8")
    (uploads / "pending_imports" / f"{orphan}.bin").write_bytes(sheet)
    with app.app_context():
        upgrade(revision="0016_plans")
        engine = create_engine(scratch_url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO district (code, name) VALUES ('440783', '开平市')"))
            conn.execute(text(
                "INSERT INTO enterprise (id, uscc, name, name_initials, district_code, district_overridden, above_size,"
                " created_at, updated_at, version_id) VALUES (1, '91440783MA51AB0C1X', '甲', 'j', '440783', false,"
                " false, '2026-01-01', '2026-01-01', 1)"))
            conn.execute(text(
                "INSERT INTO \"user\" (id, username, display_name, password_hash, role, active, created_at, updated_at)"
                " VALUES (1, 'city', '市局', 'x', 'bureau', true, '2026-01-01', '2026-01-01')"))
            for attachment_id, stored_name, sha in ((1, "0a1b.pdf", hashlib.sha256(scan).hexdigest()),
                                                    (2, "gone.pdf", "0" * 64)):
                conn.execute(text(
                    "INSERT INTO attachment (id, enterprise_id, filename, stored_name, content_type, size, sha256,"
                    " uploaded_at) VALUES (:id, 1, :filename, :stored_name, 'application/pdf', 1, :sha, '2026-01-01')"),
                    {"id": attachment_id, "filename": f"审计报告{attachment_id}.pdf", "stored_name": stored_name,
                     "sha": sha})
            for batch_id, sha in ((1, sheet_sha), (2, sheet_sha), (3, "f" * 64)):
                conn.execute(text(
                    "INSERT INTO import_batch (id, created_at, filename, file_sha256, kind, options, status, counts,"
                    " unknown_columns) VALUES (:id, '2026-01-01', '开平.XLSX', :sha, 'figures', '{}', 'imported',"
                    " '{}', '[]')"), {"id": batch_id, "sha": sha})
        capsys.readouterr()
        upgrade(revision="0017_stored_files")
        report = capsys.readouterr().out
        with engine.connect() as conn:
            files = {row.id: row for row in conn.execute(text("SELECT id, purpose, sha256, size FROM stored_file"))}
            attached = dict(conn.execute(text("SELECT id, file_id FROM attachment")).all())
            assert attached[2] is None  # kept, without its file
            assert _stored_bytes(conn, attached[1]) == scan
            assert files[attached[1]].purpose == "attachment" and files[attached[1]].size == len(scan)
            assert conn.execute(text("SELECT count(*) FROM stored_file_chunk WHERE file_id = :id"),
                                {"id": attached[1]}).scalar() == 3
            [kept] = [f for f in files.values() if f.purpose == "import_source"]  # one copy for batches 1 and 2
            assert kept.sha256 == sheet_sha and _stored_bytes(conn, kept.id) == sheet
            [pending] = conn.execute(text("SELECT token, user_id, file_id, details FROM pending_import")).all()
            assert (pending.token, pending.user_id) == (token, 1)
            assert (json.loads(pending.details) if isinstance(pending.details, str) else pending.details) == details
            assert _stored_bytes(conn, pending.file_id) == sheet
        assert "moved 1 attachments, 1 import files and 1 import previews" in report and "3 not found" in report
        assert "attachment 2 (审计报告2.pdf)" in report and "import batch 3 (开平.XLSX)" in report
        assert f"import preview {orphan}" in report
        assert (uploads / "attachments" / "0a1b.pdf").exists()  # left for the operator

        downgrade(revision="0016_plans")
        with engine.connect() as conn:
            names = dict(conn.execute(text("SELECT id, stored_name FROM attachment")).all())
        assert (uploads / "attachments" / names[1]).read_bytes() == scan and names[1] != "0a1b.pdf"
        assert not (uploads / "attachments" / names[2]).exists()
        assert (uploads / "imports" / f"{sheet_sha}.xlsx").read_bytes() == sheet
        assert json.loads((uploads / "pending_imports" / f"{token}.json").read_text("utf-8"))["user_id"] == 1
        engine.dispose()
        from crm.extensions import db as app_db

        app_db.engine.dispose()


def test_stored_notifications_get_the_district_they_concern(scratch_url, tmp_path, capsys) -> None:
    """Migration 0020: a message about a firm takes the firm's district; a digest the district
    its link or else its title names; failing both, the recipient's district; a message to
    someone without a district about no firm stays without one. The downgrade drops the column."""
    from flask_migrate import downgrade, upgrade

    from crm import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "UPLOAD_DIR": str(tmp_path / "uploads")})
    with app.app_context():
        upgrade(revision="0019_pinyin_readings")
        engine = create_engine(scratch_url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO district (code, name) VALUES ('440783', '开平市'), ('440784', '鹤山市'),"
                              " ('440785', '恩平市')"))
            conn.execute(text(
                "INSERT INTO enterprise (id, uscc, name, name_initials, district_code, district_overridden, above_size,"
                " created_at, updated_at, version_id) VALUES (1, '91440783MA51AB0C1X', '甲', 'j', '440784', true,"
                " false, '2026-01-01', '2026-01-01', 1)"))
            for user_id, role, district in ((1, "officer", "440783"), (2, "bureau", None), (3, "officer", "440785")):
                conn.execute(text(
                    "INSERT INTO \"user\" (id, username, display_name, password_hash, role, district_code, active,"
                    " created_at, updated_at) VALUES (:id, :name, :name, 'x', :role, :district, true, '2026-01-01',"
                    " '2026-01-01')"), {"id": user_id, "name": f"u{user_id}", "role": role, "district": district})
            for message_id, user_id, enterprise_id, title, link in (
                (1, 1, 1, "高新技术企业候选：开平市新增 1 家企业（2026-06-15）", None),  # the firm moved on since
                (2, 1, None, "高新技术企业候选：开平市新增 2 家企业（2026-06-15）",
                 "/eligibility/?rule=hitech_candidate&district=440784"),
                (3, 1, None, "高企证书到期提醒：恩平市有 3 家企业证书将在2026-09-30前到期", "/eligibility/?rule=x"),
                (4, 3, None, "其他提醒", None),
                (5, 2, None, "其他提醒", None),
            ):
                conn.execute(text(
                    "INSERT INTO notification (id, user_id, kind, title, body, link, enterprise_id, created_at)"
                    " VALUES (:id, :user_id, 'flag:hitech_candidate', :title, '', :link, :enterprise_id,"
                    " '2026-06-15')"),
                    {"id": message_id, "user_id": user_id, "title": title, "link": link, "enterprise_id": enterprise_id})
        capsys.readouterr()
        upgrade(revision="0020_notification_district")
        report = capsys.readouterr().out
        with engine.connect() as conn:
            districts = dict(conn.execute(text("SELECT id, district_code FROM notification")).all())
        assert districts == {1: "440784", 2: "440784", 3: "440785", 4: "440785", 5: None}
        assert ("1 from their firm, 1 from a digest's link, 1 from a digest's title, 1 from the recipient's"
                " district today (nothing else names it), 1 about no district") in report

        downgrade(revision="0019_pinyin_readings")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM notification")).scalar() == 5
            columns = list(conn.execute(text("SELECT * FROM notification LIMIT 1")).keys())
        assert "district_code" not in columns
        engine.dispose()
        from crm.extensions import db as app_db

        app_db.engine.dispose()
