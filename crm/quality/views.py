"""The data-quality page: stored reports that break a consistency rule, in the reader's scope."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from crm.enterprises.forms import FIGURE_LABELS
from crm.models import Role
from crm.models.annual_report import REPORT_STATUS_LABELS
from crm.paging import page_arg
from crm.quality import services

bp = Blueprint("quality", __name__, url_prefix="/data-quality")

PER_PAGE = 50


@bp.before_request
@login_required
def _staff_only() -> None:
    if current_user.role is Role.enterprise:
        abort(404)  # other firms' records do not exist for firm users


@bp.get("/")
def index() -> str:
    page = page_arg(request.args)
    items, total = services.page_of(current_user, page, PER_PAGE)
    return render_template(
        "quality/index.html", items=items, total=total, page=page, pages=max(1, -(-total // PER_PAGE)),
        figure_labels=FIGURE_LABELS, status_labels=REPORT_STATUS_LABELS,
    )
