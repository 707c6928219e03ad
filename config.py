"""Configuration read from the environment, with development, test and production profiles."""
from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def json_dumps(value: object) -> str:
    """How JSON columns are written (audit trail, import batches): orjson, several times faster
    than json.dumps on an import's 200,000 audit rows. Text stays UTF-8 rather than \\u escapes;
    what reads it back (json.loads) gets the same values."""
    import orjson

    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
INSTANCE_DIR = Path(os.environ.get("CRM_INSTANCE_DIR", BASE_DIR / "instance"))


class Config:
    """Defaults shared by every profile."""

    SECRET_KEY = os.environ.get("CRM_SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "CRM_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'crm.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "json_serializer": json_dumps}
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    WTF_CSRF_TIME_LIMIT = None  # officers keep forms open for hours while on the phone
    MAX_CONTENT_LENGTH = int(os.environ.get("CRM_MAX_UPLOAD_MB", "20")) * 1024 * 1024
    # Uploaded files live in the database (crm.stored_files). This folder is only where
    # migration 0017 finds the files that earlier versions kept on disk, to move them in.
    UPLOAD_DIR = os.environ.get("CRM_UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # An uploaded file whose preview was not imported is deleted after this many hours.
    PENDING_PREVIEW_HOURS = int(os.environ.get("CRM_PENDING_PREVIEW_HOURS", "24"))
    PER_PAGE = 50
    # Sign-in throttling (crm.auth.services.Throttle): failures allowed within the window per
    # user name from one address (three times as many from any address), and (many people
    # share an office's address) per client address, before further attempts are slowed down.
    LOGIN_MAX_FAILURES = int(os.environ.get("CRM_LOGIN_MAX_FAILURES", "5"))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("CRM_LOGIN_MAX_FAILURES_PER_ADDRESS", "50"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("CRM_LOGIN_FAILURE_WINDOW_MINUTES", "15"))
    # After those failures a further attempt waits this long after the last one, doubling with
    # each further failure up to the window: slowed down, never locked out for good.
    LOGIN_DELAY_SECONDS = int(os.environ.get("CRM_LOGIN_DELAY_SECONDS", "15"))
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted. Behind
    # nginx every request comes from 127.0.0.1, so without this one person's failed
    # sign-ins would throttle everyone.
    TRUSTED_PROXIES = int(os.environ.get("CRM_TRUSTED_PROXIES", "0"))
    # Client addresses or networks (after TRUSTED_PROXIES) that may read /metrics; others get 404.
    METRICS_ALLOW = os.environ.get("CRM_METRICS_ALLOW", "127.0.0.1,::1")
    # Level of the application's log under gunicorn (jobs, scheduler, imports), to stderr.
    LOG_LEVEL = os.environ.get("CRM_LOG_LEVEL", "INFO").upper()
    # Scheduler: runs inside the app; jobs stored in the database, guarded by a lease.
    SCHEDULER_ENABLED = os.environ.get("CRM_SCHEDULER", "0") == "1"
    ELIGIBILITY_CRON = os.environ.get("CRM_ELIGIBILITY_CRON", "30 1 * * *")
    EXPIRY_REMINDER_CRON = os.environ.get("CRM_EXPIRY_REMINDER_CRON", "0 8 1 * *")
    # Daily; the job itself only reminds within the days before the reporting deadline.
    REPORT_REMINDER_CRON = os.environ.get("CRM_REPORT_REMINDER_CRON", "0 9 * * *")
    # Innovation points: once a year, after the reporting deadline (31 May) has passed.
    INNOVATION_POINTS_CRON = os.environ.get("CRM_INNOVATION_POINTS_CRON", "0 3 1 7 *")
    SMTP_HOST = os.environ.get("CRM_SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("CRM_SMTP_PORT", "25"))
    SMTP_USER = os.environ.get("CRM_SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("CRM_SMTP_PASSWORD", "")
    SMTP_SENDER = os.environ.get("CRM_SMTP_SENDER", "crm@localhost")
    SMTP_STARTTLS = os.environ.get("CRM_SMTP_STARTTLS", "0") == "1"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # 记住我 lasts two weeks (not Flask-Login's year); its server-side session as long unused.
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    DEMO_LOGINS = False
    # `demo-data` adds synthetic firms and accounts whose passwords README publishes.
    DEMO_DATA_ALLOWED = True


class DevelopmentConfig(Config):
    """`make run`: local SQLite, demo accounts listed on the login page."""

    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"
    DEMO_LOGINS = True


class TestConfig(Config):
    """pytest: the database URL is set per test by the fixtures."""

    TESTING = True
    SECRET_KEY = "test-only"
    SQLALCHEMY_DATABASE_URI = os.environ.get("CRM_TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    LOGIN_MAX_FAILURES = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 12


class ProductionConfig(Config):
    """Behind gunicorn and one TLS-terminating proxy; CRM_SECRET_KEY is required, cookies only over HTTPS."""

    TRUSTED_PROXIES = int(os.environ.get("CRM_TRUSTED_PROXIES", "1"))
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    DEMO_DATA_ALLOWED = False


PROFILES = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}


class ConfigurationError(SystemExit):
    """A setting that keeps the app from starting: its one-line reason, no traceback.

    Under gunicorn the exit status is 3, its "worker failed to boot", so the master
    stops instead of restarting workers that can never start (dozens a second, for
    ever); elsewhere (`flask` commands) the reason is printed and the status is 1.
    """

    def __init__(self, message: str) -> None:
        under_gunicorn = os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn")
        super().__init__(3 if under_gunicorn else message)
        self.message = message
        if under_gunicorn:
            print(message, file=sys.stderr, flush=True)

    def __str__(self) -> str:
        return self.message


def profile_from_env() -> type[Config]:
    """The profile named by CRM_ENV (development by default)."""
    name = os.environ.get("CRM_ENV", "development")
    if name not in PROFILES:
        raise ConfigurationError(f"配置错误：CRM_ENV 应为 {', '.join(PROFILES)} 之一，而不是 {name!r}")
    return PROFILES[name]
