"""Pages of the dashboard area: plan indicators, reports, the firms behind a figure, target editing."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from crm.clock import today
from crm.dashboard import services
from crm.dashboard.innovation import StarsSection, stars_section
from crm.dashboard.services import (
    CITY,
    COMPUTATIONS,
    JurisdictionError,
    JurisdictionForbidden,
)
from crm.districts import DISTRICTS
from crm.enterprises.queries import count_of
from crm.extensions import db
from crm.ladder import STAGE_LABELS
from crm.models import Enterprise, Plan, PlanTarget, Role
from crm.paging import page_arg

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

FIRMS_PER_PAGE = 50
TREND_FIRST_YEAR = 2020
# At most this many year-ends in the trend (each is one computation): an as_of far in the
# future must not make the page compute thousands of years.
TREND_MAX_YEARS = 11
# Computations drawn per district and over the years.
CHART_KEYS = (
    "hitech_count",
    "tech_sme_count",
    # The MIIT ladder, rung by rung.
    "innovative_sme_count",
    "srdi_sme_count",
    "little_giant_count",
    "rd_institution_coverage",
    "provincial_platforms",
    "incubation_carriers",
    "talent_teams",
)


@bp.before_request
@login_required
def _staff_only() -> None:
    if current_user.role is Role.enterprise:
        abort(404)  # the firms behind each figure are other firms' data


def _as_of() -> date:
    raw = (request.args.get("as_of") or "").strip()
    if not raw:
        return today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        flash(_("统计日期格式应为 YYYY-MM-DD：%(value)s，已改用今天。", value=raw), "warning")
        return today()


def _jurisdiction() -> str:
    try:
        return services.resolve_jurisdiction(current_user, request.args.get("district"))
    except JurisdictionError:
        abort(400)
    except JurisdictionForbidden:
        # Out of the officer's scope: not found, like any record of another district.
        abort(404)


def firms_link(key: str, jurisdiction: str, as_of: date) -> str:
    """Where a figure's firms are listed: the officer workspace list when its filter says
    exactly the same thing (designations and stages, today), else this area's own list."""
    args: dict[str, Any] = {}
    if jurisdiction != CITY:
        args["district"] = jurisdiction
    workspace = "enterprises.index" in current_app.view_functions and as_of == today()
    if key.startswith("stage:") and workspace:
        return url_for("enterprises.index", stage=key.split(":", 1)[1], **args)
    if key in services.DESIGNATION_COMPUTATIONS and workspace:
        return url_for("enterprises.index", **COMPUTATIONS[key].filter_args, **args)
    return url_for("dashboard.firms", indicator=key, as_of=as_of.isoformat(), **args)


def _common(jurisdiction: str, as_of: date) -> dict[str, Any]:
    choices = [(CITY, services.jurisdiction_label(CITY))] + list(DISTRICTS.items())
    return {
        "jurisdiction": jurisdiction,
        "jurisdiction_label": services.jurisdiction_label(jurisdiction),
        "as_of": as_of,
        "choices": choices,
        "can_choose": current_user.role in (Role.admin, Role.bureau),
        "plan_labels": services.plan_labels(),
        "firms_link": lambda key: firms_link(key, jurisdiction, as_of),
    }


@bp.get("/")
def index() -> str:
    as_of = _as_of()
    jurisdiction = _jurisdiction()
    dashboard = services.build_dashboard(current_user, jurisdiction, as_of)
    breakdown = dashboard.by_district(CHART_KEYS) if jurisdiction == CITY else {}
    chart = {
        "funnel": [{"name": str(STAGE_LABELS[s]), "value": n} for s, n in dashboard.funnel if s != "none"],
        "districts": [DISTRICTS[d] for d in DISTRICTS] if breakdown else [],
        "series": [
            {"key": key, "name": str(COMPUTATIONS[key].name), "ratio": COMPUTATIONS[key].ratio,
             "data": [breakdown[key][d] for d in DISTRICTS]}
            for key in CHART_KEYS
        ] if breakdown else [],
        "trend_url": url_for(
            "dashboard.trend_json",
            district=None if jurisdiction == CITY else jurisdiction,
            as_of=as_of.isoformat(),
        ),
    }
    stars = stars_section(current_user, jurisdiction)
    chart["stars"] = _stars_chart(stars) if jurisdiction == CITY else None
    return render_template(
        "dashboard/index.html", dashboard=dashboard, chart=chart, stars=stars, **_common(jurisdiction, as_of)
    )


def _stars_chart(stars: StarsSection) -> dict[str, Any] | None:
    """Stacked bars of 五星, 四星 and 三星 firms per district (the city page only)."""
    if stars.round is None:
        return None
    return {
        "districts": [DISTRICTS[code] for code in stars.districts],
        "series": [
            {"name": label, "data": [stars.counts[code].stars[n] for code in stars.districts]}
            for n, label in ((5, _("五星")), (4, _("四星")), (3, _("三星")))
        ],
    }


@bp.get("/trend.json")
def trend_json() -> Response:
    as_of = _as_of()
    jurisdiction = _jurisdiction()
    first = max(min(TREND_FIRST_YEAR, as_of.year), as_of.year - TREND_MAX_YEARS + 1)
    years = list(range(first, as_of.year + 1))
    series = services.trend(current_user, jurisdiction, years, as_of, CHART_KEYS)
    return jsonify(
        {
            "years": years,
            "series": [
                {"key": key, "name": str(COMPUTATIONS[key].name), "ratio": COMPUTATIONS[key].ratio, "data": series[key]}
                for key in CHART_KEYS
            ],
        }
    )


@bp.get("/print")
def print_view() -> str:
    as_of = _as_of()
    jurisdiction = _jurisdiction()
    dashboard = services.build_dashboard(current_user, jurisdiction, as_of)
    return render_template("dashboard/print.html", dashboard=dashboard, **_common(jurisdiction, as_of))


@bp.get("/report.xlsx")
def report_xlsx() -> Response:
    from crm.dashboard.report import progress_workbook, report_jurisdictions

    as_of = _as_of()
    jurisdiction = _jurisdiction()
    jurisdictions = report_jurisdictions(current_user, jurisdiction)
    stream = progress_workbook(current_user, jurisdictions, as_of)
    return send_file(
        stream,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"plan-progress-{jurisdiction}-{as_of.isoformat()}.xlsx",
    )


@bp.get("/firms")
def firms() -> str:
    as_of = _as_of()
    jurisdiction = _jurisdiction()
    key = request.args.get("indicator", "")
    missing = request.args.get("missing") == "1"
    try:
        stmt = services.firms_behind(current_user, key, jurisdiction, as_of, missing=missing)
    except JurisdictionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("dashboard.index", as_of=as_of.isoformat()))
    page = page_arg(request.args)
    total = count_of(stmt)
    rows = db.session.scalars(
        stmt.order_by(Enterprise.district_code, Enterprise.name).limit(FIRMS_PER_PAGE).offset((page - 1) * FIRMS_PER_PAGE)
    ).all()
    # Platforms or teams: how many each firm holds, and in all (the figure on the dashboard).
    items: dict[int, int] | None = None
    items_total = None
    if services.counts_items(key):
        items = services.items_per_firm(key, as_of, [firm.id for firm in rows])
        all_ids = stmt.with_only_columns(Enterprise.id).order_by(None)
        items_total = sum(services.items_per_firm(key, as_of, all_ids).values())
    if key.startswith("stage:"):
        title = STAGE_LABELS.get(key.split(":", 1)[1], key)
    elif key == services.UNCLASSIFIED_ABOVE_SIZE:
        title = _("未填写行业的规模以上企业（未计入规上工业企业指标）")
    else:
        title = COMPUTATIONS[key].name + (_("（未覆盖企业）") if missing else "")
    return render_template(
        "dashboard/firms.html",
        firms=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // FIRMS_PER_PAGE)),
        indicator=key,
        missing=missing,
        title=title,
        items=items,
        items_total=items_total,
        items_unit=COMPUTATIONS[key].unit if items is not None else "",
        **_common(jurisdiction, as_of),
    )


# ---------------------------------------------------------------------------
# Plan targets (administrators)
# ---------------------------------------------------------------------------


def _admin_only() -> None:
    if current_user.role is not Role.admin:
        abort(403)


@bp.get("/targets")
def targets() -> str:
    _admin_only()
    rows = db.session.scalars(select(PlanTarget).order_by(PlanTarget.plan, PlanTarget.id)).all()
    return render_template("dashboard/targets.html", targets=rows, plan_labels=services.plan_labels(),
                           computation_labels={key: c.name for key, c in COMPUTATIONS.items()})


@bp.route("/targets/<int:target_id>", methods=["GET", "POST"])
def edit_target(target_id: int) -> Any:
    from crm.dashboard.forms import PlanTargetForm, apply_form

    _admin_only()
    target = db.session.get(PlanTarget, target_id) or abort(404)
    form = PlanTargetForm(obj=target)
    if request.method == "GET":
        form.targets_text.data = "\n".join(f"{y}: {v}" for y, v in sorted((target.targets or {}).items()))
    if form.validate_on_submit():
        if _code_taken(form, exclude_id=target.id):
            form.code.errors.append(_("该规划已有此指标代码，请编辑原指标。"))
        else:
            apply_form(form, target)
            db.session.commit()
            flash(_("已保存指标“%(name)s”。", name=target.name), "success")
            return redirect(url_for("dashboard.targets"))
    return render_template("dashboard/target_edit.html", form=form, target=target)


def _code_taken(form: Any, exclude_id: int | None = None) -> bool:
    """Whether another row of the form's plan already has its indicator code (plan + code is unique)."""
    stmt = select(PlanTarget.id).where(
        PlanTarget.plan == form.plan.data.strip(), PlanTarget.code == form.code.data.strip()
    )
    if exclude_id is not None:
        stmt = stmt.where(PlanTarget.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


@bp.route("/targets/new", methods=["GET", "POST"])
def new_target() -> Any:
    from crm.dashboard.forms import PlanTargetForm, apply_form, prefill_computation

    _admin_only()
    form = PlanTargetForm()
    if request.method == "GET":
        prefill_computation(form, request.args.get("computable", ""), request.args.get("jurisdiction", ""))
    if form.validate_on_submit():
        if _code_taken(form):
            form.code.errors.append(_("该规划已有此指标代码，请编辑原指标。"))
        else:
            target = PlanTarget()
            apply_form(form, target)
            db.session.add(target)
            db.session.commit()
            flash(_("已新增指标“%(name)s”。", name=target.name), "success")
            return redirect(url_for("dashboard.targets"))
    return render_template("dashboard/target_edit.html", form=form, target=None)



# ---------------------------------------------------------------------------
# The forecast of next year-end against the plan
# ---------------------------------------------------------------------------


@bp.get("/forecast")
def forecast() -> str:
    from crm.dashboard.forecast import build_forecast, template_helpers
    from crm.flows.conversion import RULE_RUNGS, RUNG_PAIRS
    from crm.ladder import DESIGNATION_LABELS
    from crm.models import DesignationKind
    from crm.rules_catalogue import RULE_LABELS

    as_of = _as_of()
    jurisdiction = _jurisdiction()
    page = build_forecast(current_user, jurisdiction, as_of)
    kind_labels = {kind.value: label for kind, label in DESIGNATION_LABELS.items()}
    return render_template(
        "dashboard/forecast.html",
        page=page,
        kind_labels=kind_labels,
        rule_labels=RULE_LABELS,
        rule_rungs=RULE_RUNGS,
        rung_pairs=RUNG_PAIRS,
        district_labels={**DISTRICTS, CITY: services.jurisdiction_label(CITY)},
        designation_kinds=DesignationKind,
        **template_helpers(),
        **_common(jurisdiction, as_of),
    )


# ---------------------------------------------------------------------------
# Plans and their periods (administrators)
# ---------------------------------------------------------------------------


@bp.get("/plans")
def plans() -> str:
    _admin_only()
    rows = db.session.scalars(select(Plan).order_by(Plan.first_year.desc(), Plan.code)).all()
    counts = {code: n for code, n in db.session.execute(
        select(PlanTarget.plan, func.count()).group_by(PlanTarget.plan))}
    return render_template("dashboard/plans.html", plans=rows, counts=counts, plan_labels=services.plan_labels())


def _plan_code_taken(code: str, exclude_id: int | None = None) -> bool:
    stmt = select(Plan.id).where(Plan.code == code)
    if exclude_id is not None:
        stmt = stmt.where(Plan.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


@bp.route("/plans/new", methods=["GET", "POST"])
def new_plan() -> Any:
    from crm.dashboard.forms import PlanForm, apply_plan_form

    _admin_only()
    form = PlanForm()
    if form.validate_on_submit():
        code = form.code.data.strip()
        if _plan_code_taken(code) or db.session.scalar(select(PlanTarget.id).where(PlanTarget.plan == code).limit(1)):
            form.code.errors.append(_("规划编号已被使用，请换一个编号。"))
        else:
            plan = Plan()
            apply_plan_form(form, plan)
            db.session.add(plan)
            db.session.commit()
            flash(_("已新增规划“%(name)s”，请录入各指标的目标值。", name=plan.name), "success")
            return redirect(url_for("dashboard.plan", plan_id=plan.id))
    return render_template("dashboard/plan_edit.html", form=form, plan=None)


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
def edit_plan(plan_id: int) -> Any:
    from crm.dashboard.forms import PlanForm, apply_plan_form, years_outside

    _admin_only()
    plan = db.session.get(Plan, plan_id) or abort(404)
    form = PlanForm(obj=plan)
    if form.validate_on_submit():
        code = form.code.data.strip()
        rows = db.session.scalars(select(PlanTarget).where(PlanTarget.plan == plan.code)).all()
        moved = Plan(first_year=form.first_year.data, last_year=form.last_year.data)
        outside = sorted({y for row in rows for y in years_outside(moved, row.targets or {})})
        if code != plan.code and (_plan_code_taken(code, plan.id) or rows
                                  or db.session.scalar(select(PlanTarget.id).where(PlanTarget.plan == code).limit(1))):
            form.code.errors.append(_("已录入目标的规划不能改编号，或该编号已被使用。"))
        elif outside:
            form.last_year.errors.append(_("已录入%(years)s年的目标，规划期须包含这些年份。", years="、".join(outside)))
        elif form.jurisdiction.data != plan.jurisdiction and rows:
            form.jurisdiction.errors.append(_("已录入目标的规划不能改适用范围。"))
        else:
            apply_plan_form(form, plan)
            db.session.commit()
            flash(_("已保存规划“%(name)s”。", name=plan.name), "success")
            return redirect(url_for("dashboard.plan", plan_id=plan.id))
    return render_template("dashboard/plan_edit.html", form=form, plan=plan)


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int) -> str:
    _admin_only()
    plan = db.session.get(Plan, plan_id) or abort(404)
    rows = db.session.scalars(select(PlanTarget).where(PlanTarget.plan == plan.code).order_by(PlanTarget.id)).all()
    years = [str(y) for y in range(plan.first_year, plan.last_year + 1)]
    return render_template("dashboard/plan.html", plan=plan, targets=rows, years=years,
                           computation_labels={key: c.name for key, c in COMPUTATIONS.items()},
                           label=services.jurisdiction_label(plan.jurisdiction))


@bp.route("/plans/<int:plan_id>/targets/new", methods=["GET", "POST"])
@bp.route("/plans/<int:plan_id>/targets/<int:target_id>", methods=["GET", "POST"])
def plan_target(plan_id: int, target_id: int | None = None) -> Any:
    from crm.dashboard.forms import apply_plan_indicator, plan_indicator_form

    _admin_only()
    plan = db.session.get(Plan, plan_id) or abort(404)
    target = None
    if target_id is not None:
        target = db.session.get(PlanTarget, target_id)
        if target is None or target.plan != plan.code:
            abort(404)
    form = plan_indicator_form(plan, target)
    if request.method == "GET" and target is None:
        key = request.args.get("computable", "")
        if key in COMPUTATIONS:
            from flask_babel import force_locale

            computation = COMPUTATIONS[key]
            form.computable.data, form.code.data, form.unit.data = key, computation.slug, computation.unit
            with force_locale("zh_CN"):
                form.name.data = str(computation.name)
            form.baseline_year.data = plan.first_year - 1
    if form.validate_on_submit():
        taken = select(PlanTarget.id).where(PlanTarget.plan == plan.code, PlanTarget.code == form.code.data.strip())
        if target is not None:
            taken = taken.where(PlanTarget.id != target.id)
        if db.session.scalar(taken.limit(1)) is not None:
            form.code.errors.append(_("该规划已有此指标代码，请编辑原指标。"))
        else:
            if target is None:
                target = PlanTarget()
                db.session.add(target)
            apply_plan_indicator(form, plan, target)
            db.session.commit()
            flash(_("已保存指标“%(name)s”。", name=target.name), "success")
            return redirect(url_for("dashboard.plan", plan_id=plan.id))
    return render_template("dashboard/plan_target.html", form=form, plan=plan, target=target,
                           label=services.jurisdiction_label(plan.jurisdiction))
