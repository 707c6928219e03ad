"""User administration (admin) and each person's own password and API tokens."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from crm.auth.services import Throttle, UserError, clear_failures, create_user, failing_names
from crm.auth.sessions import end_sessions
from crm.clock import utcnow
from crm.extensions import db
from crm.models import ApiToken, Role, User
from crm.models.user import ROLE_LABELS
from crm.users.forms import ChangePasswordForm, PasswordResetForm, TokenForm, UserForm

bp = Blueprint("users", __name__)


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user.role is not Role.admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.route("/admin/users", methods=["GET", "POST"])
@admin_required
def index() -> str | Response:
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = create_user(
                form.username.data,
                form.role.data,
                form.password.data,
                district_code=form.district_code.data or None,
                enterprise_uscc=(form.enterprise_uscc.data or "").strip() or None,
                display_name=(form.display_name.data or "").strip(),
                email=(form.email.data or "").strip() or None,
                temporary=True,  # the administrator chose it; the person chooses their own
            )
            db.session.commit()
        except UserError as exc:
            db.session.rollback()
            field = getattr(form, exc.field, None) or form.username
            field.errors = [*field.errors, str(exc)]
        else:
            flash(_("已创建用户 %(name)s。", name=user.username), "success")
            return redirect(url_for("users.index"))
    role = request.args.get("role") or None
    stmt = select(User).order_by(User.role, User.username)
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    users = db.session.scalars(stmt).all()
    return render_template("users/index.html", users=users, form=form, role=role, ROLE_LABELS=ROLE_LABELS,
                           failing=failing_names(Throttle.from_config(current_app.config)))


def _managed_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@admin_required
def toggle_active(user_id: int) -> Response:
    user = _managed_user(user_id)
    if user.id == current_user.id:
        flash(_("不能停用自己的账号。"), "warning")
        return redirect(url_for("users.index"))
    user.active = not user.active
    if not user.active:
        # A deactivated person's tokens stop working at once, and stay revoked; so do their sessions.
        for token in user.tokens:
            token.revoked_at = token.revoked_at or utcnow()
        end_sessions(user)
    db.session.commit()
    flash(_("已启用 %(name)s。", name=user.username) if user.active else _("已停用 %(name)s。", name=user.username), "info")
    return redirect(url_for("users.index"))


@bp.route("/admin/users/<int:user_id>/sign-in-failures", methods=["POST"])
@admin_required
def clear_sign_in_failures(user_id: int) -> Response:
    """Let a person whose sign-in failures (theirs, or someone guessing) slow them down sign in
    at once."""
    user = _managed_user(user_id)
    cleared = clear_failures(user.username)
    db.session.commit()
    flash(_("已清除 %(name)s 的 %(n)s 次登录失败记录，现在可以立即登录。", name=user.username, n=cleared), "info")
    return redirect(url_for("users.index"))


@bp.route("/admin/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def reset_password(user_id: int) -> str | Response:
    user = _managed_user(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        user.set_password(form.password.data, temporary=True)
        end_sessions(user)  # whoever was signed in as them (a stolen cookie too) is signed out
        db.session.commit()
        flash(_("已为 %(name)s 重设密码，对方登录后须先修改密码。", name=user.username), "success")
        return redirect(url_for("users.index"))
    return render_template("users/reset_password.html", form=form, user=user)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors = [*form.current.errors, _("当前密码不正确")]
        elif current_user.password_change_required and form.password.data == form.current.data:
            form.password.errors = [*form.password.errors, _("新密码不能与他人为您设置的密码相同")]
        else:
            first = current_user.password_change_required
            current_user.set_password(form.password.data)
            end_sessions(current_user, keep_current=True)  # every other browser signed in as them
            db.session.commit()
            flash(_("密码已修改。"), "success")
            return redirect(url_for("main.home") if first else url_for("users.account"))
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("users/account.html", form=form, token_form=TokenForm(), tokens=tokens, secret=None)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token() -> str | Response:
    token_form = TokenForm()
    if not token_form.validate_on_submit():
        tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)).all()
        return render_template(
            "users/account.html", form=ChangePasswordForm(formdata=None), token_form=token_form, tokens=tokens, secret=None
        ), 422
    token, secret = ApiToken.issue(current_user, token_form.name.data.strip())
    db.session.add(token)
    db.session.commit()
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    # The secret is shown once, on this response only; only its digest is stored.
    return render_template(
        "users/account.html", form=ChangePasswordForm(formdata=None), token_form=TokenForm(formdata=None),
        tokens=tokens, secret=secret,
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> Response:
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id)
    )
    if token is None:
        abort(404)
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()
    flash(_("令牌 %(prefix)s… 已撤销。", prefix=token.prefix), "info")
    return redirect(url_for("users.account"))
