"""Pages of the ladder's flows: who entered and left each rung, per district and year."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from crm.models import Role

bp = Blueprint("flows", __name__, url_prefix="/flows")


@bp.before_request
@login_required
def staff_only() -> None:
    if current_user.role is Role.enterprise:
        abort(404)


@bp.route("/")
def index() -> str:
    return render_template("flows/index.html")
