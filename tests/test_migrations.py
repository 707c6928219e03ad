"""The schema comes from Alembic alone, and the models agree with it."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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
