"""科技企业梯度培育管理系统: the Flask application factory."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request, session
from flask_babel import gettext
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from config import BASE_DIR, ConfigurationError, profile_from_env

# Blueprints per area, registered in this order; later issues add theirs to this list.
BLUEPRINTS = (
    "crm.auth.views:bp",
    "crm.main.views:bp",
    "crm.enterprises.views:bp",
    "crm.quality.views:bp",
    "crm.eligibility.views:bp",
    "crm.imports.views:bp",
    "crm.portal.views:bp",
    "crm.dashboard.views:bp",
    "crm.innovation.views:bp",
    "crm.flows.views:bp",
    "crm.notifications.views:bp",
    "crm.admin.views:bp",
    "crm.users.views:bp",
    "crm.api:bp",
    "crm.monitoring.views:bp",  # /healthz and /metrics
)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment's profile (CRM_ENV), plus optional overrides for tests."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(Path(os.environ.get("CRM_INSTANCE_DIR", BASE_DIR / "instance"))),
    )
    from crm.paging import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added: ids stay in range
    app.config.from_object(profile_from_env())
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        # `flask` commands and gunicorn then print this one line, no traceback; gunicorn stops.
        raise ConfigurationError("配置错误：生产环境必须设置 CRM_SECRET_KEY（会话签名密钥）/ CRM_SECRET_KEY must be set")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    _configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_template_helpers(app)
    if app.config.get("SCHEDULER_ENABLED"):
        from crm.eligibility.scheduler import init_scheduler

        init_scheduler(app)
    return app


def _init_extensions(app: Flask) -> None:
    from crm import audit  # noqa: F401  (registers the audit listener)
    from crm.enterprises import summary  # noqa: F401  (keeps firms' latest-year figures current)
    from crm.extensions import babel, bootstrap, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        default_translation_directories=str(BASE_DIR / "crm" / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.localize_callback = gettext  # flashed in the viewer's language
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    from crm.auth.sessions import load_user

    login_manager.user_loader(load_user)


def _configure_logging(app: Flask) -> None:
    """Under gunicorn, the application's own log (scheduler, jobs, imports) goes to stderr
    with time, level and process, like gunicorn's; without this only warnings appeared,
    bare. `flask` commands keep stderr for their one-line messages, and a deployment that
    configures logging itself (gunicorn --log-config) is left alone."""
    import logging

    if not os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn") or logging.getLogger().handlers:
        return
    level = app.config.get("LOG_LEVEL", "INFO")
    if not isinstance(logging.getLevelName(level), int):
        raise ConfigurationError(f"配置错误：CRM_LOG_LEVEL 应为 DEBUG、INFO、WARNING 或 ERROR，而不是 {level!r}")
    logging.basicConfig(level=level, format="%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s")
    # Libraries that narrate every worker's start at INFO (Alembic's plugins, APScheduler adding
    # each job): their warnings and errors only, unless DEBUG is asked for.
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(max(logging.getLevelName(level), logging.WARNING))


def _select_locale() -> str:
    """Chinese unless the person chose English (browsers' Accept-Language is not trusted here)."""
    from flask_login import current_user

    if not has_request_context():
        return "zh_CN"  # CLI commands and jobs: texts they store or send are Chinese
    chosen = request.args.get("lang") or session.get("lang")
    if chosen is None and current_user and current_user.is_authenticated:
        chosen = current_user.locale
    return chosen if chosen in ("zh_CN", "en") else "zh_CN"


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    for spec in BLUEPRINTS:
        module_name, attr = spec.split(":")
        app.register_blueprint(getattr(import_module(module_name), attr))


def _register_cli(app: Flask) -> None:
    from crm.cli import register_commands

    register_commands(app)


def _register_template_helpers(app: Flask) -> None:
    from crm import assets, formatting, navigation

    assets.register(app)
    formatting.register(app)
    navigation.register(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: enforce foreign keys, WAL for concurrent readers, wait on locks instead of failing."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


# A connection whose settings an operation changed for its own transaction carries the values
# to put back here ({pragma: value}); they are put back as it returns to the pool, so the next
# user of the connection finds the defaults (crm.imports.services defers a checkpoint so).
RESTORE_PRAGMAS = "crm_restore_pragmas"


@event.listens_for(Pool, "checkin")
def _restore_pragmas(dbapi_connection: Any, record: Any) -> None:
    restore = record.info.pop(RESTORE_PRAGMAS, None) if record is not None else None
    if restore and dbapi_connection is not None:
        cursor = dbapi_connection.cursor()
        for pragma, value in restore.items():
            cursor.execute(f"PRAGMA {pragma} = {int(value)}")
        cursor.close()
