"""Enterprise accounts: officers invite firms, firms' users sign up or reset their password.

A link carries a random token; only its SHA-256 is stored (crm.models.user.hash_token),
so a copy of the database does not hold working links. A link works once and for
INVITATION_DAYS days.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from crm.auth.services import UserError, create_user
from crm.auth.sessions import end_sessions
from crm.clock import utcnow
from crm.extensions import db
from crm.models import Enterprise, Invitation, Role, User
from crm.models.user import hash_token, password_problem
from crm.notifications.mail import build_message, mail_enabled, send_messages


INVITATION_DAYS = 7
SIGNUP = "signup"
RESET = "reset"


class InvitationError(ValueError):
    """A link that cannot be used, or an account that cannot be made (message for people).

    `field` names the form field at fault (a sign-up's username or password).
    """

    def __init__(self, message: str, field: str = "password") -> None:
        super().__init__(message)
        self.field = field


def issue_invitation(
    firm: Enterprise, created_by: User | None, purpose: str = SIGNUP, user: User | None = None,
    email: str | None = None,
) -> tuple[Invitation, str]:
    """A new one-time link for the firm; returns the row (added) and the token, shown once."""
    if purpose not in (SIGNUP, RESET):
        raise ValueError(purpose)
    if purpose == RESET and (user is None or user.enterprise_id != firm.id):
        raise InvitationError(_("只能为本企业的账号生成密码重置链接。"))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        token_hash=hash_token(token),
        enterprise_id=firm.id,
        purpose=purpose,
        user_id=user.id if user else None,
        email=email or (user.email if user else None),
        created_by_id=created_by.id if created_by else None,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    return invitation, token


def link_for(token: str) -> str:
    """The full address a person opens."""
    return url_for("portal.accept_invitation", token=token, _external=True)


def find_invitation(token: str) -> Invitation:
    """The usable invitation for a token, or InvitationError saying why it cannot be used."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token or "")))
    if invitation is None:
        raise InvitationError(_("链接无效，请核对链接是否完整，或联系所在区（市）科技局重新生成。"))
    if invitation.used_at is not None:
        raise InvitationError(_("该链接已使用过，不能再次使用。如需重新设置密码，请联系所在区（市）科技局。"))
    if invitation.expires_at < utcnow():
        raise InvitationError(
            _("该链接已过期（有效期%(days)s天），请联系所在区（市）科技局重新生成。", days=INVITATION_DAYS)
        )
    if invitation.purpose == RESET:
        user = db.session.get(User, invitation.user_id) if invitation.user_id else None
        if user is None or not user.active or user.enterprise_id != invitation.enterprise_id:
            raise InvitationError(_("该链接对应的账号已停用或不存在，请联系所在区（市）科技局。"))
    return invitation


def _check_password(password: str, confirm: str) -> None:
    problem = password_problem(password)
    if problem:
        raise InvitationError(_("%(problem)s。", problem=problem))
    if password != confirm:
        raise InvitationError(_("两次输入的密码不一致。"), "confirm")


def _claim(invitation: Invitation) -> None:
    """Spend the link, or InvitationError when another request spent it first: one UPDATE that
    only a still-unused link matches, so of requests arriving at once exactly one goes on (the
    others wait for its commit, then match nothing). Undone with the caller's rollback."""
    spent = db.session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.used_at.is_(None)).values(used_at=utcnow())).rowcount
    if spent != 1:
        raise InvitationError(_("该链接已使用过，不能再次使用。如需重新设置密码，请联系所在区（市）科技局。"))


def accept_signup(invitation: Invitation, username: str, password: str, confirm: str,
                  display_name: str = "", email: str | None = None) -> User:
    """Create the firm's user from a sign-up link and spend the link (caller commits)."""
    if invitation.purpose != SIGNUP:
        raise InvitationError(_("该链接不是注册链接。"))
    _check_password(password, confirm)
    _claim(invitation)
    try:
        user = create_user(
            username, Role.enterprise.value, password, enterprise_uscc=invitation.enterprise.uscc,
            display_name=(display_name or "").strip(), email=(email or invitation.email or None),
        )
    except UserError as exc:
        raise InvitationError(str(exc), exc.field) from None
    return user


def accept_reset(invitation: Invitation, password: str, confirm: str) -> User:
    """Set a new password from a reset link; every other open reset link of the user is spent too."""
    if invitation.purpose != RESET:
        raise InvitationError(_("该链接不是密码重置链接。"))
    _check_password(password, confirm)
    _claim(invitation)
    user = db.session.get(User, invitation.user_id)
    assert user is not None  # find_invitation checked it
    user.set_password(password)
    end_sessions(user)  # signed in elsewhere (by a stolen cookie too): signed out
    now = utcnow()
    for other in db.session.scalars(
        select(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
    ):
        other.used_at = now
    return user


def create_firm_user(firm: Enterprise, username: str, display_name: str = "",
                     email: str | None = None) -> tuple[User, str]:
    """A user for the firm with a temporary password (returned once, never stored in clear)."""
    temporary = secrets.token_urlsafe(9)
    while password_problem(temporary):  # a draw of letters only is too simple for the rule itself
        temporary = secrets.token_urlsafe(9)
    try:
        user = create_user(username, Role.enterprise.value, temporary, enterprise_uscc=firm.uscc,
                           display_name=(display_name or "").strip(), email=(email or "").strip() or None,
                           temporary=True)
    except UserError as exc:
        raise InvitationError(str(exc), exc.field) from None
    return user, temporary


def firm_users(firm: Enterprise) -> list[User]:
    return list(db.session.scalars(select(User).where(User.enterprise_id == firm.id).order_by(User.username)))


def firm_invitations(firm: Enterprise) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation).where(Invitation.enterprise_id == firm.id).order_by(Invitation.created_at.desc())
        )
    )


# --- E-mail (only when SMTP is configured) ------------------------------------------------


def mail_configured() -> bool:
    return mail_enabled()


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send one plain-text message through the app's mailer; False when SMTP is off or refuses."""
    return send_messages([build_message(to, subject, body)])[0]


SIGNATURE = "江门市科技企业梯度培育管理系统"


def mail_signup_link(firm: Enterprise, to: str, link: str) -> bool:
    """E-mail a firm's sign-up link; False when SMTP is off or refuses."""
    body = (f"{firm.name}：\n\n请在{INVITATION_DAYS}天内打开以下链接设置账号和密码（仅可使用一次）：\n"
            f"{link}\n\n{SIGNATURE}")
    return send_mail(to, f"{firm.name}：企业填报账号注册邀请", body)


def mail_reset_link(user: User, link: str) -> bool:
    """E-mail a user's password reset link, naming the account (several may share an address)."""
    body = (f"{user.label}，您好：\n\n您的用户名：{user.username}（{user.enterprise.name if user.enterprise else ''}）\n"
            f"请在{INVITATION_DAYS}天内打开以下链接设置新密码（仅可使用一次）：\n{link}\n\n"
            f"如非本人操作，请忽略本邮件。\n{SIGNATURE}")
    return send_mail(user.email or "", "重置密码 · 江门科技企业梯度培育管理系统", body)


def reset_by_email(login: str) -> int:
    """Mail a reset link to each active enterprise user with this username or e-mail address.

    The address is matched without regard to case, and every account registered
    with it gets its own link (a firm's users may share one mailbox). Returns how
    many messages were sent; the page says the same either way so that nobody
    learns which accounts exist. The caller commits.
    """
    login = (login or "").strip()
    if not login or not mail_configured():
        return 0
    active = select(User).where(User.role == Role.enterprise, User.active.is_(True))
    users = list(db.session.scalars(active.where(User.username == login)))
    if not users and "@" in login:
        users = list(db.session.scalars(active.where(func.lower(User.email) == login.lower()).order_by(User.id)))
    sent = 0
    for user in users:
        if not user.email or user.enterprise is None:
            continue
        _invitation, token = issue_invitation(user.enterprise, None, RESET, user=user)
        db.session.flush()
        sent += mail_reset_link(user, link_for(token))
    return sent
