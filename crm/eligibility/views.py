"""Pages of the eligibility area: candidate lists per rule, follow-up, export, job runs."""
from __future__ import annotations

import math
from datetime import date
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import Select, func, select
from werkzeug.wrappers import Response

from crm.clock import today
from crm.districts import DISTRICTS
from crm.eligibility.display import basis_text, deciding_figures, flag_basis, innovation_estimate
from crm.eligibility.export import candidates_workbook
from crm.eligibility.forms import HandleForm
from crm.eligibility.services import HandleError, candidate_flags, mark_handled
from crm.extensions import db
from crm.ladder import STAGE_CODES, STAGE_RANK, stage_from_rank, stage_rank_column
from crm.models import Enterprise, Flag, JobRun, Role
from crm.models.flag import HANDLED_STATUS_LABELS
from crm.navigation import local_path
from crm.paging import page_arg
from crm.rules import RULES
from crm.rules_catalogue import RULE_CODES, RULE_LABELS
from crm.scoping import can_edit, can_see_district, enterprise_or_404, scoped

bp = Blueprint("eligibility", __name__, url_prefix="/eligibility")
# The fiscal year a flag or a result rests on, for every page that shows one (lists, the
# firm's page, the portal's standing page).
bp.add_app_template_global(flag_basis, "flag_basis")
bp.add_app_template_global(basis_text, "basis_text")
PER_PAGE = 50

# How a job run's codes read on the runs pages (the stored codes stay as they are).
RUN_LABELS: dict[str, dict[str, str]] = {
    "job": {"eligibility": _l("培育对象评估（每日）"), "expiry_reminder": _l("高企证书到期提醒（每月）"),
            "report_reminder": _l("年报截止提醒（每日）")},
    "status": {"running": _l("运行中"), "succeeded": _l("成功"), "failed": _l("失败")},
    "trigger": {"schedule": _l("定时"), "cli": _l("命令行"), "web": _l("页面")},
    "count": {"evaluated": _l("评估企业"), "raised": _l("新列入"), "cleared": _l("移出"), "updated": _l("原因更新"),
              "unchanged": _l("未变"), "failed": _l("出错企业"), "certificates": _l("到期证书"),
              "notified": _l("发出提醒"), "firms": _l("提醒企业")},
}


@bp.before_request
@login_required
def staff_only() -> None:
    if current_user.role is Role.enterprise:
        abort(404)  # firm users see their own flags in the portal; other firms' do not exist for them


def _filters() -> tuple[str, str | None, str | None, str]:
    rule = request.args.get("rule") or RULE_CODES[0]
    if rule not in RULE_CODES:
        abort(404)
    district = request.args.get("district") or None
    if district and (district not in DISTRICTS or not can_see_district(current_user, district)):
        abort(404)
    stage = request.args.get("stage") or None
    if stage and stage not in STAGE_RANK:
        stage = None
    handled = request.args.get("handled") or "all"
    return rule, district, stage, handled


def _candidates(rule: str, district: str | None, stage: str | None, handled: str, as_of: date) -> Select:
    """select(Flag, Enterprise, stage rank): open flags of a rule on firms in the user's scope."""
    rank = stage_rank_column(Enterprise.id, as_of)
    stmt = candidate_flags(current_user, rule, handled).add_columns(Enterprise, rank)
    if district:
        stmt = stmt.where(Enterprise.district_code == district)
    if stage:
        stmt = stmt.where(rank == STAGE_RANK[stage])
    return stmt


def _tab_counts(district: str | None) -> dict[str, int]:
    stmt = candidate_flags(current_user).with_only_columns(Flag.rule, func.count()).group_by(Flag.rule)
    if district:
        stmt = stmt.where(Enterprise.district_code == district)
    return dict(db.session.execute(stmt).all())


@bp.route("/")
def index() -> str:
    rule, district, stage, handled = _filters()
    as_of = today()
    stmt = _candidates(rule, district, stage, handled, as_of)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = page_arg(request.args)
    rows = db.session.execute(
        stmt.order_by(Enterprise.name, Enterprise.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    items = [(flag, firm, stage_from_rank(rank), deciding_figures(flag)) for flag, firm, rank in rows]
    return render_template(
        "eligibility/index.html", rule=rule, spec=RULES[rule], rule_labels=RULE_LABELS, items=items,
        counts=_tab_counts(district), district=district, stage=stage, handled=handled, total=total, page=page,
        pages=max(1, math.ceil(total / PER_PAGE)), stages=STAGE_CODES, form=HandleForm(),
        handled_labels=HANDLED_STATUS_LABELS, can_handle=can_edit(current_user), innovation_estimate=innovation_estimate,
        districts={c: n for c, n in DISTRICTS.items() if can_see_district(current_user, c)},
    )


@bp.route("/export.xlsx")
def export() -> Response:
    rule, district, stage, handled = _filters()
    as_of = today()
    rows = db.session.execute(_candidates(rule, district, stage, handled, as_of).order_by(Enterprise.name)).all()
    content = candidates_workbook(((f, e, stage_from_rank(r)) for f, e, r in rows), rule)
    return send_file(
        BytesIO(content), as_attachment=True, download_name=f"{RULE_LABELS[rule]}_{as_of.isoformat()}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/flags/<int:flag_id>/handle", methods=["POST"])
def handle(flag_id: int) -> Response:
    if not can_edit(current_user):
        abort(403)
    row = db.session.execute(
        scoped(select(Flag).join(Enterprise, Flag.enterprise_id == Enterprise.id), current_user).where(
            Flag.id == flag_id
        )
    ).scalar_one_or_none()
    if row is None:
        abort(404)
    form = HandleForm()
    back = local_path(form.next.data) or url_for("eligibility.index", rule=row.rule)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return redirect(back)
    try:
        mark_handled(row, current_user, form.status.data, form.note.data)
    except HandleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back)
    db.session.commit()
    flash(_("已记录处理情况：%(firm)s（%(status)s）", firm=row.enterprise.name, status=HANDLED_STATUS_LABELS[row.handled_status]),
          "success")
    return redirect(back)


@bp.route("/history/<uscc>")
def history(uscc: str) -> str:
    firm = enterprise_or_404(current_user, uscc)
    flags = db.session.scalars(
        select(Flag).where(Flag.enterprise_id == firm.id).order_by(Flag.raised_on.desc(), Flag.id.desc())
    ).all()
    return render_template("eligibility/history.html", firm=firm, flags=flags, rule_labels=RULE_LABELS,
                           handled_labels=HANDLED_STATUS_LABELS, deciding_figures=deciding_figures,
                           innovation_estimate=innovation_estimate)


@bp.route("/runs")
def runs() -> str:
    page = page_arg(request.args)
    total = db.session.scalar(select(func.count(JobRun.id))) or 0
    items = db.session.scalars(
        select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return render_template("eligibility/runs.html", runs=items, labels=RUN_LABELS, page=page,
                           pages=max(1, math.ceil(total / PER_PAGE)))


@bp.route("/runs/<int:run_id>")
def run_detail(run_id: int) -> str:
    run = db.session.get(JobRun, run_id) or abort(404)
    return render_template("eligibility/run_detail.html", run=run, labels=RUN_LABELS,
                           errors=_errors_in_scope(run.errors or []))


def _errors_in_scope(errors: list[dict]) -> list[dict]:
    """A run's errors about firms the user may see (and those about no firm): an officer's district only."""
    codes = {e.get("enterprise") for e in errors if e.get("enterprise")}
    visible: set[str] = set()
    if codes:
        visible = set(db.session.scalars(scoped(select(Enterprise.uscc), current_user)
                                          .where(Enterprise.uscc.in_(codes))))
    return [e for e in errors if not e.get("enterprise") or e["enterprise"] in visible]

