"""People who sign in, their API tokens and sign-in attempts."""
from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from crm.clock import utcnow
from crm.extensions import db
from crm.models.base import TimestampMixin, enum_type

if TYPE_CHECKING:
    from crm.models.district import District
    from crm.models.enterprise import Enterprise


class Role(enum.Enum):
    admin = "admin"
    bureau = "bureau"
    officer = "officer"
    enterprise = "enterprise"


ROLE_LABELS: dict[Role, str] = {
    Role.admin: _l("系统管理员"),
    Role.bureau: _l("市科技局"),
    Role.officer: _l("区（市）科技局科员"),
    Role.enterprise: _l("企业填报人"),
}

MIN_PASSWORD_LENGTH = 8
# Passwords of two kinds of characters that attackers still try first.
COMMON_PASSWORDS = frozenset({
    "password1", "password123", "passw0rd", "admin123", "admin1234", "abc12345", "abcd1234", "a1234567",
    "qwerty123", "1qaz2wsx", "qwer1234", "asdf1234", "zxcv1234", "iloveyou1", "welcome1", "changeme1",
})


def password_problem(password: str | None) -> str | None:
    """Why a new password is refused (a sentence for people), or None when it is acceptable.

    The one rule for every place a password is set (CLI, admin form, personal page,
    portal sign-up and reset): at least MIN_PASSWORD_LENGTH characters, two kinds
    of characters (letters, digits, others), not one of the commonest.
    """
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return str(_l("密码至少需要%(n)s个字符", n=MIN_PASSWORD_LENGTH))
    kinds = {"letter" if c.isalpha() else "digit" if c.isdigit() else "other" for c in password if not c.isspace()}
    if len(kinds) < 2 or password.lower() in COMMON_PASSWORDS:
        return str(_l("密码太简单：请同时使用字母、数字或符号中的两类，且不要用常见密码"))
    return None


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("role <> 'officer' OR district_code IS NOT NULL", name="officer_has_district"),
        CheckConstraint(
            "role <> 'enterprise' OR enterprise_id IS NOT NULL", name="enterprise_user_has_firm"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    role: Mapped[Role] = mapped_column(enum_type(Role))
    district_code: Mapped[str | None] = mapped_column(ForeignKey("district.code"), index=True)
    # use_alter breaks the enterprise <-> user cycle: this key is added after both tables exist.
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE", use_alter=True), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    # Set when someone else chose the password (an administrator, or an officer's
    # temporary one): the person must choose their own before using the system.
    password_change_required: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    locale: Mapped[str | None] = mapped_column(String(10))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    district: Mapped["District | None"] = relationship()
    enterprise: Mapped["Enterprise | None"] = relationship(foreign_keys=[enterprise_id])
    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def set_password(self, password: str, *, temporary: bool = False) -> None:
        """Store ``password`` (hashed). ``temporary``: chosen by someone else, to be changed
        by the person at their next sign-in."""
        self.password_hash = generate_password_hash(password)
        self.password_change_required = temporary

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def label(self) -> str:
        return self.display_name or self.username

    # The signed-in browser this object was loaded for (crm.auth.sessions), if any: set on the
    # instance, not a column (so not annotated).
    session_token = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: the user and the
        server-side session they stand for, so ending the session ends the cookies too."""
        return f"{self.id}:{self.session_token}" if self.session_token else str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"


def hash_token(token: str) -> str:
    """Tokens are stored as SHA-256 digests; they are long random strings, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so a person can tell tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(back_populates="tokens")

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple["ApiToken", str]:
        """A new token for `user`; returns the row and the secret, shown once."""
        secret = secrets.token_urlsafe(32)
        return cls(user=user, token_hash=hash_token(secret), prefix=secret[:8], name=name), secret

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… user={self.user_id}>"


class LoginAttempt(db.Model):
    """One sign-in attempt; failures within a window slow down the username and the address
    (crm.auth.services). Recorded before the password is checked, as a failure, so that
    attempts made at the same moment count each other."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # False for an attempt refused unchecked (too soon) and for failures an administrator
    # cleared: neither slows anyone down.
    counted: Mapped[bool] = mapped_column(default=True, server_default=sa_true())


class UserSession(db.Model):
    """One signed-in browser: what its session cookie and remember-me cookie stand for, so
    that signing out, a password change or a reset ends them on the server as well."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"<UserSession user={self.user_id} {'ended' if self.ended_at else 'open'}>"
