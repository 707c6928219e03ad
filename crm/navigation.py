"""The main menu and error pages: one list of areas, shown to the roles that use them."""
from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, HTTPException

from crm.models.user import ROLE_LABELS, Role

ALL = ("admin", "bureau", "officer", "enterprise")
STAFF = ("admin", "bureau", "officer")

# (endpoint, label, roles). Items whose blueprint is not registered are not shown.
NAV: list[tuple[str, Any, tuple[str, ...]]] = [
    ("main.home", _l("首页"), ALL),
    ("enterprises.index", _l("企业"), STAFF),
    ("enterprises.verification_queue", _l("审核"), STAFF),
    ("quality.index", _l("数据质量"), STAFF),
    ("portal.review_requests", _l("变更审核"), STAFF),
    ("eligibility.index", _l("培育对象"), STAFF),
    ("innovation.index", _l("创新积分"), STAFF),
    ("dashboard.index", _l("规划指标"), ("admin", "bureau", "officer")),
    ("flows.index", _l("梯队流动"), ("admin", "bureau", "officer")),
    ("imports.index", _l("数据导入"), ("admin", "bureau")),
    ("portal.reports", _l("年度报表"), ("enterprise",)),
    ("portal.standing", _l("我的梯队"), ("enterprise",)),
    ("portal.declaration", _l("情况申报"), ("enterprise",)),
    ("portal.innovation", _l("创新积分"), ("enterprise",)),
    ("portal.change_requests", _l("信息变更"), ("enterprise",)),
    ("notifications.inbox", _l("消息"), ALL),
    ("admin.index", _l("系统管理"), ("admin",)),
    ("users.index", _l("用户"), ("admin",)),
]

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
    "font-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
    "frame-ancestors 'none'",
))

ERROR_TEXT = {
    400: (_l("请求有误"), _l("请求无法处理，请检查后重试。")),
    401: (_l("未登录"), _l("请先登录。")),
    403: (_l("无权访问"), _l("您没有权限执行此操作。")),
    404: (_l("未找到"), _l("页面或记录不存在，或不在您的管辖范围内。")),
    405: (_l("方法不允许"), _l("不支持该请求方式。")),
    409: (_l("冲突"), _l("记录已被他人修改，请刷新后重试。")),
    413: (_l("文件过大"), _l("上传的文件超过大小限制。")),
    422: (_l("数据无效"), _l("提交的数据未通过校验。")),
    429: (_l("请求过于频繁"), _l("请稍后再试。")),
    500: (_l("系统错误"), _l("系统出现错误，已记录，请稍后再试。")),
}


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: where a ``next=`` or a stored link
    may send people. Browsers read "//host" and "/\\host" as another site."""
    from urllib.parse import urlsplit

    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


def register(app: Flask) -> None:
    @app.context_processor
    def navigation() -> dict[str, Any]:
        def nav_items() -> list[tuple[str, Any, tuple[str, ...]]]:
            return [item for item in NAV if item[0] in current_app.view_functions]

        return {"nav_items": nav_items, "role_label": lambda role: ROLE_LABELS[Role(role)]}

    @app.before_request
    def refuse_nul_characters() -> None:
        # No name, code or figure holds a NUL, and PostgreSQL text cannot store one: refuse
        # it once here rather than let a query or a save fail with a 500 in any area.
        if "\x00" in request.path:
            abort(404)  # no page or record is named with one
        if any("\x00" in value for value in (*request.args.values(), *request.form.values())):
            abort(400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        title, message = ERROR_TEXT.get(code, (error.name, error.description))
        if request.path.startswith("/api/"):
            detail = error.description if getattr(error, "_crm_message", False) else str(message)
            return jsonify({"error": detail}), code
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.after_request
    def security_headers(response: Any) -> Any:
        """Every answer: not to be framed by another site (clickjacking), no type sniffing, and
        for pages a policy their own files satisfy — scripts only from this server (no inline
        script: behaviours are in static/js), no plugins, forms posted only here. Styles may
        be inline (style attributes). A response that set its own policy keeps it."""
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.errorhandler(StaleDataError)
    def lost_race(error: StaleDataError) -> Any:
        """Another request saved the record between this one reading and writing it: a
        conflict (409) and nothing written, wherever the write happened (an autoflush too).
        Forms that keep what was typed catch it themselves (commit_edit)."""
        from crm.extensions import db

        db.session.rollback()
        return http_error(Conflict())

    @app.errorhandler(500)
    def server_error(error: Exception) -> Any:
        from crm.extensions import db

        db.session.rollback()
        title, message = ERROR_TEXT[500]
        if request.path.startswith("/api/"):
            return jsonify({"error": str(message)}), 500
        return render_template("errors/error.html", code=500, title=title, message=message), 500
