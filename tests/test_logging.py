"""Under gunicorn the application's log reaches stderr with time, level and process."""
from __future__ import annotations

import logging

import pytest

from config import ConfigurationError
from crm import create_app


@pytest.fixture
def bare_root():  # noqa: ANN201 - the root logger; call it to drop pytest's own handlers
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level

    def bare() -> logging.Logger:
        # pytest's log capture adds its handlers as each test phase starts, so here.
        root.handlers = []
        return root

    yield bare
    root.handlers = handlers
    root.setLevel(level)
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.NOTSET)


def test_gunicorn_gets_a_timestamped_application_log(bare_root, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/23.0.0")
    monkeypatch.setenv("CRM_INSTANCE_DIR", str(tmp_path))
    root = bare_root()
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_LEVEL": "WARNING"})
    [handler] = root.handlers
    assert root.level == logging.WARNING
    record = logging.LogRecord("crm.eligibility.scheduler", logging.WARNING, __file__, 1, "租约已被占用", None, None)
    line = handler.format(record)
    assert "[WARNING] crm.eligibility.scheduler: 租约已被占用" in line and line[:4].isdigit()
    assert not logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.INFO)


def test_a_bad_level_stops_the_app_with_one_line(bare_root, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/23.0.0")
    monkeypatch.setenv("CRM_INSTANCE_DIR", str(tmp_path))
    bare_root()
    with pytest.raises(ConfigurationError, match="CRM_LOG_LEVEL"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_LEVEL": "LOUD"})


def test_flask_commands_leave_logging_alone(bare_root, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    monkeypatch.setenv("CRM_INSTANCE_DIR", str(tmp_path))
    root = bare_root()
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert root.handlers == []
