"""Sign-in: credential checks with throttling of repeated failures."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select

from crm.clock import utcnow
from crm.extensions import db
from crm.models import LoginAttempt, User


def too_many_failures(username: str, remote_addr: str, per_user: int, per_address: int,
                      window_minutes: int) -> bool:
    """True when the user name failed `per_user` times, or the address `per_address` times, within the window.

    The address limit is higher: an office behind one address must not be locked out
    by one person's mistakes, while guessing across many user names is still stopped.
    """
    since = utcnow() - timedelta(minutes=window_minutes)
    by_user, by_address = db.session.execute(
        select(
            func.count(LoginAttempt.id).filter(LoginAttempt.username == username),
            func.count(LoginAttempt.id).filter(LoginAttempt.remote_addr == remote_addr),
        ).where(
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at >= since,
            or_(LoginAttempt.username == username, LoginAttempt.remote_addr == remote_addr),
        )
    ).one()
    return by_user >= per_user or by_address >= per_address


def authenticate(username: str, password: str, remote_addr: str) -> User | None:
    """The active user with these credentials, or None; every attempt is recorded."""
    user = db.session.scalar(select(User).where(User.username == username))
    ok = user is not None and user.active and user.check_password(password)
    db.session.add(LoginAttempt(username=username[:64], remote_addr=remote_addr[:64], succeeded=ok))
    if ok:
        user.last_login_at = utcnow()
    db.session.commit()
    return user if ok else None


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
