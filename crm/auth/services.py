"""Sign-in: credential checks, failures slowing further attempts down, and users."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from crm.clock import utcnow
from crm.extensions import db
from crm.models import LoginAttempt, User


@dataclass(frozen=True)
class Throttle:
    """How sign-in failures slow further attempts down: each scope allows ``free`` failures
    within ``window``; after them the next attempt waits ``delay`` after the last failure,
    doubling with each further failure, never longer than the window."""

    free_per_name_and_address: int
    free_per_address: int
    delay: timedelta
    window: timedelta

    @property
    def free_per_name(self) -> int:
        """Failures for one user name from any address: three addresses' worth, so guessing one
        person's password from many addresses is slowed, while a guesser at one address cannot
        slow the person down at theirs."""
        return 3 * self.free_per_name_and_address

    @classmethod
    def from_config(cls, config: Any) -> Throttle:  # noqa: ANN401 - a Flask config
        return cls(config["LOGIN_MAX_FAILURES"], config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
                   timedelta(seconds=config["LOGIN_DELAY_SECONDS"]),
                   timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"]))

    def wait(self, failures: int, last: datetime | None, free: int, now: datetime) -> float:
        """Seconds still to wait in one scope with ``failures`` counted, the last at ``last``."""
        if failures < free or last is None:
            return 0.0
        wait = min(self.window, self.delay * 2 ** min(failures - free, 20))
        return max(0.0, (last + wait - now).total_seconds())


# Checked when the user name is unknown, so that a wrong name takes as long as a wrong
# password: timing would otherwise tell which names exist.
_DUMMY_HASH = generate_password_hash("not-anyone's-password")


def sign_in(username: str, password: str, remote_addr: str, throttle: Throttle) -> tuple[User | None, float]:
    """``(user, 0)`` for an active user with these credentials; ``(None, 0)`` for wrong ones;
    ``(None, seconds)`` when too many failures came before and the attempt is refused unchecked.

    The attempt is recorded and committed first, as a failure, before anything is checked:
    attempts made at the same moment then count each other (thirty at once are not all
    checked), and the password is checked only for those that are let through."""
    attempt = LoginAttempt(username=username[:64], remote_addr=remote_addr[:64], succeeded=False)
    db.session.add(attempt)
    db.session.commit()
    wait = _wait(attempt, throttle)
    if wait > 0:
        attempt.counted = False  # a refused attempt does not make the wait longer
        db.session.commit()
        return None, wait
    user = db.session.scalar(select(User).where(User.username == username))
    # The same work whether or not the name exists (see _DUMMY_HASH).
    matches = check_password_hash(user.password_hash if user is not None and user.password_hash else _DUMMY_HASH,
                                  password)
    ok = matches and user is not None and bool(user.password_hash) and user.active
    if ok:
        attempt.succeeded = True
        user.last_login_at = utcnow()
    db.session.commit()
    return (user if ok else None), 0.0


def _wait(attempt: LoginAttempt, throttle: Throttle) -> float:
    """Seconds the attempt must still wait, from the counted failures before it: per user name
    and address, per user name (both since the name's last success) and per address."""
    now = attempt.at or utcnow()
    since = now - throttle.window
    last_success = db.session.scalar(select(func.max(LoginAttempt.id)).where(
        LoginAttempt.username == attempt.username, LoginAttempt.succeeded.is_(True))) or 0
    failed = [LoginAttempt.id < attempt.id, LoginAttempt.succeeded.is_(False), LoginAttempt.counted.is_(True),
              LoginAttempt.at >= since]
    named = LoginAttempt.username == attempt.username
    here = LoginAttempt.remote_addr == attempt.remote_addr
    after_success = LoginAttempt.id > last_success
    scopes = (
        (and_(named, here, after_success), throttle.free_per_name_and_address),
        (and_(named, after_success), throttle.free_per_name),
        (here, throttle.free_per_address),
    )
    waits = [0.0]
    for condition, free in scopes:
        count, last = db.session.execute(
            select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(*failed, condition)).one()
        waits.append(throttle.wait(count, last, free, now))
    return max(waits)


def clear_failures(username: str) -> int:
    """Stop a user name's past failures slowing its sign-in (an administrator's unlock);
    returns how many (caller commits)."""
    return db.session.execute(update(LoginAttempt).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(False), LoginAttempt.counted.is_(True),
    ).values(counted=False)).rowcount or 0


def failing_names(throttle: Throttle) -> dict[str, int]:
    """{user name: counted failures within the window} (for the administrator's user list)."""
    since = utcnow() - throttle.window
    rows = db.session.execute(
        select(LoginAttempt.username, func.count(LoginAttempt.id))
        .where(LoginAttempt.succeeded.is_(False), LoginAttempt.counted.is_(True), LoginAttempt.at >= since)
        .group_by(LoginAttempt.username))
    return {name: count for name, count in rows}


def wait_text(seconds: float) -> str:
    """A wait as the sign-in page says it ("30 秒", "4 分钟")."""
    from flask_babel import gettext as _

    if seconds < 90:
        return _("%(n)s 秒", n=max(1, math.ceil(seconds)))
    return _("%(n)s 分钟", n=math.ceil(seconds / 60))


class UserError(ValueError):
    """A user that cannot be created as asked (message for people), and the field at fault."""

    def __init__(self, message: str, field: str = "username") -> None:
        super().__init__(message)
        self.field = field


def create_user(
    username: str,
    role: str,
    password: str,
    district_code: str | None = None,
    enterprise_uscc: str | None = None,
    display_name: str = "",
    email: str | None = None,
    *,
    temporary: bool = False,
) -> User:
    """Add a user (not committed) after checking role, scope and password. ``temporary``:
    the password was chosen for the person, who must change it at the first sign-in."""
    from crm.districts import DISTRICTS
    from crm.models import Enterprise, Role
    from crm.models.user import password_problem
    from crm.uscc import InvalidUSCC, normalize_uscc

    username = (username or "").strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise UserError("用户名不能为空、不能含空格，且不超过64个字符")
    try:
        role_value = Role(role)
    except ValueError:
        raise UserError(f"未知的角色：{role}（可选 admin、bureau、officer、enterprise）", "role") from None
    problem = password_problem(password)
    if problem:
        raise UserError(problem, "password")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"用户名已存在：{username}")
    if email:
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(email, check_deliverability=False)  # the forms' Email() rule, for the CLI too
        except EmailNotValidError:
            raise UserError(f"电子邮箱格式不正确：{email}", "email") from None
    user = User(username=username, role=role_value, display_name=display_name, email=email)
    if role_value is Role.officer:
        if not district_code:
            raise UserError("区（市）科员必须指定所属区（市）", "district_code")
        if district_code not in DISTRICTS:
            raise UserError(f"未知的区（市）代码：{district_code}", "district_code")
        user.district_code = district_code
    elif district_code:
        raise UserError("只有区（市）科员可以指定所属区（市）", "district_code")
    if role_value is Role.enterprise:
        if not enterprise_uscc:
            raise UserError("企业用户必须指定所属企业的统一社会信用代码", "enterprise_uscc")
        try:
            code = normalize_uscc(enterprise_uscc)
        except InvalidUSCC as exc:
            raise UserError(str(exc), "enterprise_uscc") from None
        firm = db.session.scalar(select(Enterprise).where(Enterprise.uscc == code))
        if firm is None:
            raise UserError(f"未找到企业：{code}", "enterprise_uscc")
        user.enterprise_id = firm.id
    elif enterprise_uscc:
        raise UserError("只有企业用户可以指定所属企业", "enterprise_uscc")
    user.set_password(password, temporary=temporary)
    db.session.add(user)
    return user
