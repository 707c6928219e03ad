"""Home page per role."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from crm.clock import today
from crm.eligibility.views import RUN_LABELS
from crm.ladder import STAGE_CODES
from crm.main.services import district_stage_table, stage_counts, work_list
from crm.models import Role
from crm.rules_catalogue import RULE_CODES, RULE_LABELS

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> str:
    as_of = today()
    if current_user.role is Role.enterprise:
        # Firms land on their portal dashboard (deadlines, returned reports, expiring certificates).
        from crm.portal.views import render_dashboard

        return render_dashboard()
    counts = stage_counts(current_user, as_of)
    districts = district_stage_table(current_user, as_of) if current_user.role is not Role.officer else []
    return render_template(
        "main/home.html", counts=counts, stages=STAGE_CODES, districts=districts, as_of=as_of,
        work=work_list(current_user, as_of), rules=RULE_CODES, rule_labels=RULE_LABELS, run_labels=RUN_LABELS,
    )
