"""Bearer-token authentication and JSON errors for the API."""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NoReturn

from flask import abort, g, jsonify, make_response, request
from sqlalchemy import select

from crm.api import bp
from crm.clock import utcnow
from crm.extensions import csrf, db
from crm.models import ApiToken, User
from crm.models.user import hash_token

csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site request can carry them


def api_error(status: int, message: str) -> NoReturn:
    """Abort with a JSON body {"error": message} and the given status."""
    abort(make_response(jsonify({"error": message}), status))


def user_for_token(secret: str) -> User | None:
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active:
        return None
    now = utcnow()
    # Record use at most once a minute, so reading does not mean writing on every call.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db.session.commit()
    return token.user


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            api_error(401, "缺少访问令牌（Authorization: Bearer TOKEN）")
        user = user_for_token(secret.strip())
        if user is None:
            api_error(401, "访问令牌无效或已撤销")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper
