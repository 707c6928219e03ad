"""Sign-in, sign-out and the language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from crm.auth.forms import LoginForm
from crm.auth.services import Throttle, sign_in, wait_text
from crm.auth.sessions import end_current_session, start_session
from crm.extensions import db
from crm.navigation import local_path

bp = Blueprint("auth", __name__)

# What a person whose password someone else chose may still open: the page to change it,
# sign-out, the language switch and static files. The API authenticates by token, not by
# the session, and is not affected.
OWN_PASSWORD_EXEMPT = frozenset({"users.account", "auth.logout", "auth.set_language", "static", "bootstrap.static",
                                 "monitoring.healthz", "monitoring.prometheus_metrics"})


@bp.before_app_request
def require_own_password() -> Response | None:
    """Send a person signed in with a password an administrator or officer set to the
    page where they choose their own, whatever they asked for."""
    if request.endpoint in OWN_PASSWORD_EXEMPT or request.path.startswith("/api/"):
        return None
    if current_user.is_authenticated and current_user.password_change_required:
        return redirect(url_for("users.account"), 303)
    return None


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user, wait = sign_in(form.username.data.strip(), form.password.data, request.remote_addr or "unknown",
                             Throttle.from_config(current_app.config))
        if wait:
            flash(_("登录失败次数过多，请 %(wait)s后再试。", wait=wait_text(wait)), "danger")
            return render_template("auth/login.html", form=form), 429
        if user is None:
            flash(_("用户名或密码错误。"), "danger")
            return render_template("auth/login.html", form=form), 401
        start_session(user, remember=form.remember.data)
        db.session.commit()
        return redirect(local_path(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    end_current_session()
    db.session.commit()
    flash(_("已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str) -> Response:
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(local_path(request.form.get("next")) or url_for("main.home"))
