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
