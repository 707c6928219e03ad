"""The in-app inbox, and the unread badge in the menu."""
from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from crm.extensions import db
from crm.models import Notification
from crm.navigation import local_path
from crm.notifications.services import inbox_query, mark_read, unread_count
from crm.paging import page_arg

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 30


@bp.app_context_processor
def unread_badge() -> dict[str, Any]:
    def unread_notifications() -> int:
        if not current_user or not current_user.is_authenticated:
            return 0
        return unread_count(current_user)

    return {"unread_notifications": unread_notifications}


@bp.route("/")
@login_required
def inbox() -> str:
    unread_only = request.args.get("unread") == "1"
    stmt = inbox_query(current_user, unread_only)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = page_arg(request.args)
    items = db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("notifications/inbox.html", items=items, unread_only=unread_only, page=page,
                           pages=max(1, math.ceil(total / PER_PAGE)), total=total)


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int) -> Response:
    visible = db.session.scalar(inbox_query(current_user).where(Notification.id == notification_id))
    if visible is None:
        abort(404)
    mark_read(current_user, [notification_id])
    db.session.commit()
    link = local_path(visible.link)
    if request.form.get("open") and link:
        return redirect(link)
    return redirect(url_for("notifications.inbox"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all() -> Response:
    count = mark_read(current_user)
    db.session.commit()
    flash(_("已将 %(count)s 条消息标记为已读。", count=count), "success")
    return redirect(url_for("notifications.inbox"))
