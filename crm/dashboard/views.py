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
from sqlalchemy import select

from crm.clock import today
from crm.dashboard import services
from crm.dashboard.innovation import StarsSection, stars_section
from crm.dashboard.services import (
    CITY,
    COMPUTATIONS,
    PLAN_LABELS,
    JurisdictionError,
    JurisdictionForbidden,
)
from crm.districts import DISTRICTS
from crm.enterprises.queries import count_of
from crm.extensions import db
from crm.ladder import STAGE_LABELS
from crm.models import Enterprise, PlanTarget, Role
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
        "plan_labels": PLAN_LABELS,
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
    return render_template("dashboard/targets.html", targets=rows, plan_labels=PLAN_LABELS,
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

