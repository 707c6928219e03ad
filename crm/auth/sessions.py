"""Signed-in browsers kept on the server, so that what ends a session really ends it.

Flask-Login keeps ``User.get_id()`` in the signed session cookie and, with 记住我, in a
remember-me cookie. Both used to hold the user's id alone: a cookie captured before signing
out, or before a password change, went on working (the remember-me one for a year). Now the
identifier names a :class:`~crm.models.UserSession` row too, looked up on every request:

- signing in starts one; signing out ends it (a copy of its cookies opens nothing);
- changing one's own password ends every other session of the person; a password set by an
  administrator, or through a reset link, ends all of them;
- a session unused for :data:`IDLE` (:data:`REMEMBERED` with 记住我) ends by itself;
- a deactivated person's sessions open nothing (the loader refuses inactive users).
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import request
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select, update

from crm.clock import utcnow
from crm.extensions import db
from crm.models import User, UserSession
from crm.models.user import hash_token

# A session without 记住我 ends after this long unused; with it, after REMEMBERED (which is
# also how long the remember-me cookie is kept: config.REMEMBER_COOKIE_DURATION).
IDLE = timedelta(hours=12)
REMEMBERED = timedelta(days=14)
# How stale a session's last-seen time may get before a request writes it again.
TOUCH_EVERY = timedelta(minutes=5)


def start_session(user: User, remember: bool = False) -> None:
    """Sign ``user`` in on this browser with a new server-side session (caller commits)."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=hash_token(token), remember=remember,
                               remote_addr=(request.remote_addr or "")[:64] or None))
    user.session_token = token
    login_user(user, remember=remember)


def end_current_session() -> None:
    """Sign this browser out, and end its session on the server (caller commits)."""
    token = getattr(current_user, "session_token", None)
    if token:
        db.session.execute(update(UserSession).where(
            UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None)).values(ended_at=utcnow()))
    logout_user()


def end_sessions(user: User, *, keep_current: bool = False) -> int:
    """End every open session of ``user`` (all but this browser's, with ``keep_current``);
    returns how many (caller commits)."""
    condition = [UserSession.user_id == user.id, UserSession.ended_at.is_(None)]
    token = getattr(current_user, "session_token", None) if keep_current else None
    if token and current_user.id == user.id:
        condition.append(UserSession.token_hash != hash_token(token))
    return db.session.execute(update(UserSession).where(*condition).values(ended_at=utcnow())).rowcount or 0


def load_user(identifier: str) -> User | None:
    """Flask-Login's user loader: the person an identifier (``"<user id>:<token>"``) stands for,
    while their session is open and they are active; None otherwise (an identifier of the old
    form, the id alone, included)."""
    user_id, _colon, token = (identifier or "").partition(":")
    if not token or not user_id.isdigit() or len(user_id) > 12:
        return None
    found = db.session.scalar(select(UserSession).where(
        UserSession.token_hash == hash_token(token), UserSession.user_id == int(user_id),
        UserSession.ended_at.is_(None)))
    if found is None:
        return None
    now = utcnow()
    if now - found.last_seen_at > (REMEMBERED if found.remember else IDLE):
        found.ended_at = now
        db.session.commit()
        return None
    user = db.session.get(User, found.user_id)
    if user is None or not user.active:
        return None
    if now - found.last_seen_at > TOUCH_EVERY:
        found.last_seen_at = now
        db.session.commit()
    user.session_token = token
    return user
