"""Pages of innovation points (企业创新积分): rounds, ranked lists, exports, the announcement, the scheme."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from crm.models import Role

bp = Blueprint("innovation", __name__, url_prefix="/innovation")


@bp.before_request
@login_required
def staff_only() -> None:
    if current_user.role is Role.enterprise:
        abort(404)  # a firm sees its own points in the portal


@bp.route("/")
def index() -> str:
    from crm.innovation.services import rounds

    return render_template("innovation/index.html", rounds=rounds())
