"""Pages of the admin area: an index of administration pages, and rule parameters."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from crm.clock import today
from crm.eligibility.parameters import ParameterError, parameter_table, set_parameter
from crm.extensions import db
from crm.models import Role
from crm.rules import DEFAULT_PARAMETERS, RULES
from crm.rules_catalogue import RULE_LABELS

bp = Blueprint("admin", __name__, url_prefix="/admin")

# (endpoint, label, description) of administration pages; those not registered are not shown.
PAGES = (
    ("admin.parameters", _l("规则参数"), _l("各项培育规则的阈值及其生效年份。")),
    ("users.index", _l("用户管理"), _l("账号、角色与所属区（市）。")),
    ("dashboard.targets", _l("规划目标值"), _l("各规划指标的基期值、目标值和实时计算口径。")),
    ("eligibility.runs", _l("定时任务运行记录"), _l("每日评估与每月到期提醒的运行情况。")),
    ("imports.index", _l("数据导入"), _l("导入区（市）科技局报送的表格。")),
)


@bp.before_request
@login_required
def admin_only() -> None:
    if current_user.role is not Role.admin:
        abort(403)


@bp.route("/")
def index() -> str:
    pages = [page for page in PAGES if page[0] in current_app.view_functions]
    return render_template("admin/index.html", pages=pages)


@bp.route("/parameters", methods=["GET", "POST"])
def parameters() -> str | Response:
    errors: dict[str, str] = {}
    submitted: dict[str, str] = {}
    if request.method == "POST":
        # CSRF is checked by CSRFProtect for every POST.
        rule, name = request.form.get("rule", ""), request.form.get("name", "")
        submitted = {"key": f"{rule}.{name}", "value": request.form.get("value", ""),
                     "effective_year": request.form.get("effective_year", "")}
        try:
            row = set_parameter(rule, name, submitted["value"], submitted["effective_year"])
        except ParameterError as exc:
            db.session.rollback()
            errors[exc.field] = str(exc)
            flash(str(exc), "danger")
        else:
            db.session.commit()
            spec = next((s for s in DEFAULT_PARAMETERS if s.rule == rule and s.name == name), None)
            flash(_("已保存：%(rule)s · %(name)s = %(value)s，自 %(year)s 年起生效。", rule=_sections()[rule][0],
                    name=spec.label if spec else name, value=row.value, year=row.effective_year), "success")
            return redirect(url_for("admin.parameters", _anchor=f"{rule}-{name}"))
    as_of = today()
    return render_template("admin/parameters.html", table=parameter_table(as_of), sections=_sections(),
                           as_of=as_of, errors=errors, submitted=submitted), (422 if errors else 200)


def _sections() -> dict[str, tuple[str, str]]:
    """{group code: (label, description)}: each rule's, then the groups that are not rules."""
    from crm.rules.parameters import OTHER_GROUPS

    return {**{code: (str(RULE_LABELS.get(code, code)), spec.description) for code, spec in RULES.items()},
            **OTHER_GROUPS}
