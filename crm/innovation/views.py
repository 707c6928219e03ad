"""Pages of innovation points (企业创新积分): rounds, ranked lists, exports, the announcement, the scheme.

Every list of a round's firms goes through services.score_query (the user's scope); a round is
shown as it was computed, with the scheme version it used, whatever the scheme is now.
"""
from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal
from io import BytesIO
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import Select, func, select
from werkzeug.wrappers import Response

from crm.clock import today
from crm.districts import DISTRICTS
from crm.extensions import db
from crm.innovation.export import round_workbook
from crm.innovation.forms import SchemeForm, bands_text, measure_choices, scheme_form_data
from crm.innovation.measures import MEASURES
from crm.innovation.scheme import (
    COHORT_BASES,
    DEFAULT_SCHEME,
    DIRECTIONS,
    GROUPS,
    METHODS,
    NATIONAL_NOT_COMPUTED,
    STAGES,
    Scheme,
    SchemeError,
)
from crm.innovation.scoring import cohort_catalogue
from crm.innovation.services import (
    RoundError,
    publish_round,
    rounds,
    run_round_once,
    save_scheme,
    scheme_of,
    score_query,
)
from crm.models import InnovationRound, InnovationScheme, InnovationScore, Role
from crm.paging import MAX_ID, page_arg
from crm.scoping import can_see_district

bp = Blueprint("innovation", __name__, url_prefix="/innovation")
PER_PAGE = 50
STAR_LABELS = {5: _l("五星"), 4: _l("四星"), 3: _l("三星")}
TRIGGER_LABELS = {"schedule": _l("定时"), "cli": _l("命令行"), "web": _l("页面")}
# Where a SchemeError's problem stands on the new-version form (the rest: at the top only).
ADDED_FIELDS = {"code": "new_code", "name": "new_name", "group": "new_group", "measure": "new_measure",
                "direction": "new_direction", "method": "new_method", "bands": "new_bands"}
PARAMETER_FIELDS = ("cohort_basis", "revenue_bands", "min_cohort", "mature_min_age", "mature_min_revenue",
                    "five_star_share")


@bp.before_request
@login_required
def staff_only() -> None:
    if current_user.role is Role.enterprise:
        abort(404)  # a firm sees its own points in the portal


def _can_manage() -> bool:
    """Bureau staff and admins run and publish rounds; officers read them."""
    return current_user.role in (Role.admin, Role.bureau)


def _round_or_404(round_id: int) -> InnovationRound:
    return db.session.get(InnovationRound, round_id) or abort(404)


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def _district_arg(default: str | None = None) -> str | None:
    """The district asked for: one the user may see, else 404."""
    district = request.args.get("district") or default
    if district and (district not in DISTRICTS or not can_see_district(current_user, district)):
        abort(404)
    return district


def _filters(round_: InnovationRound) -> tuple[str | None, str | None, int | None]:
    """district, cohort and stars of a ranked list; a value the round does not have is 404."""
    district = _district_arg()
    cohort = request.args.get("cohort") or None
    if cohort and round_.cohort(cohort) is None:
        abort(404)
    raw = request.args.get("stars") or ""
    if raw and raw not in ("5", "4", "3"):
        abort(404)
    return district, cohort, int(raw) if raw else None


def _visible_districts() -> dict[str, str]:
    return {code: name for code, name in DISTRICTS.items() if can_see_district(current_user, code)}


def _plain(number: Decimal | int) -> str:
    """A number as people write it: 8, 7.5 (no trailing zeros)."""
    return format(Decimal(number).normalize(), "f")


def _percent(share: Decimal) -> str:
    return f"{_plain(share * 100)}%"


def _star_rule(scheme: Scheme) -> list[tuple[int, str]]:
    """(stars, share of the cohort) as the round's scheme set them, best first."""
    return [(5, _percent(scheme.five_star_share)), (4, _percent(scheme.four_star_share)),
            (3, _percent(scheme.three_star_share))]


def _round_scheme(round_: InnovationRound) -> Scheme:
    return scheme_of(round_.scheme)


# -- rounds ------------------------------------------------------------------------------------------

@bp.route("/")
def index() -> str:
    return render_template("innovation/index.html", rounds=rounds(), can_manage=_can_manage(),
                           trigger_labels=TRIGGER_LABELS)


@bp.post("/run")
def run() -> Response:
    """Score every firm now (as run-job innovation_points does) and open the new round."""
    if not _can_manage():
        abort(403)
    round_ = run_round_once(today(), "web")
    if round_ is None:
        flash(_("另一轮评分正在进行，完成后会出现在列表中，请稍后刷新。"), "warning")
        return redirect(url_for("innovation.index"))
    counts = round_.counts
    flash(_("已完成第 %(id)s 轮评分：评分 %(scored)s 家，未评分 %(unscored)s 家。本轮尚未发布。", id=round_.id,
            scored=counts.get("scored", 0), unscored=counts.get("not_scored", 0)), "success")
    return redirect(url_for("innovation.round_detail", round_id=round_.id))


@bp.post("/rounds/<int:round_id>/publish")
def publish(round_id: int) -> Response:
    if not _can_manage():
        abort(403)
    round_ = _round_or_404(round_id)
    try:
        publish_round(round_, current_user)
    except RoundError as exc:
        db.session.rollback()
        flash(_("未重复发布：%(why)s。已发布的评分结果不再改变。", why=str(exc)), "warning")
    else:
        db.session.commit()
        flash(_("已发布第 %(id)s 轮（%(year)s年度）评分结果。", id=round_.id, year=round_.fiscal_year), "success")
    return redirect(url_for("innovation.index"))


@bp.get("/rounds/<int:round_id>")
def round_detail(round_id: int) -> str:
    """A round's ranked list in the user's scope, by cohort and rank."""
    round_ = _round_or_404(round_id)
    district, cohort, stars = _filters(round_)
    query = score_query(round_.id, current_user, district=district, cohort=cohort, stars=stars)
    total = _count(query)
    page = page_arg(request.args)
    scores = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    scored = total if cohort is None and stars is None else _count(score_query(round_.id, current_user,
                                                                                district=district))
    not_scored = _count(score_query(round_.id, current_user, district=district, scored=False))
    return render_template(
        "innovation/round.html", round=round_, scores=scores, total=total, page=page,
        pages=max(1, math.ceil(total / PER_PAGE)), scored=scored, unscored=not_scored, district=district,
        cohort=cohort, stars=stars, districts=_visible_districts(), cohorts={c["key"]: c for c in round_.cohorts},
        star_rule=_star_rule(_round_scheme(round_)), star_labels=STAR_LABELS, stages=STAGES, groups=GROUPS,
        tab="scored",
    )


@bp.get("/rounds/<int:round_id>/unscored")
def unscored(round_id: int) -> str:
    """The firms of a round that were not scored, with why, in the user's scope."""
    round_ = _round_or_404(round_id)
    district = _district_arg()
    query = score_query(round_.id, current_user, district=district, scored=False)
    total = _count(query)
    page = page_arg(request.args)
    firms = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    scored = _count(score_query(round_.id, current_user, district=district))
    return render_template(
        "innovation/unscored.html", round=round_, firms=firms, total=total, scored=scored, unscored=total,
        page=page, pages=max(1, math.ceil(total / PER_PAGE)), district=district, districts=_visible_districts(),
        tab="unscored",
    )


@bp.get("/rounds/<int:round_id>/export.xlsx")
def export(round_id: int) -> Response:
    """The ranked list as filtered, in the user's scope, with every indicator, for publication."""
    round_ = _round_or_404(round_id)
    district, cohort, stars = _filters(round_)
    scores = db.session.scalars(score_query(round_.id, current_user, district=district, cohort=cohort,
                                            stars=stars).execution_options(yield_per=2000))
    content = round_workbook(round_, _round_scheme(round_), scores)
    if district:
        where = DISTRICTS[district]
    elif current_user.role is Role.officer:
        where = DISTRICTS.get(current_user.district_code or "", "")
    else:
        where = "江门市"
    return send_file(
        BytesIO(content), as_attachment=True,
        download_name=f"{where}{round_.fiscal_year}年度企业创新积分_第{round_.id}轮.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.get("/rounds/<int:round_id>/announcement")
def announcement(round_id: int) -> str:
    """The public announcement of a published round: name, district and stars only, by stars then name."""
    round_ = _round_or_404(round_id)
    if not round_.published:
        abort(404)  # nothing is announced before the bureau publishes it
    district = _district_arg(None if _can_manage() else current_user.district_code)
    query = (score_query(round_.id, current_user, district=district)
             .where(InnovationScore.stars.is_not(None)).order_by(None)
             .with_only_columns(InnovationScore.name, InnovationScore.district_code, InnovationScore.stars)
             .order_by(InnovationScore.stars.desc(), InnovationScore.name, InnovationScore.id))
    by_stars: dict[int, list[tuple[str, str]]] = {5: [], 4: [], 3: []}
    for name, district_code, stars in db.session.execute(query):
        by_stars[stars].append((name, DISTRICTS.get(district_code, district_code)))
    return render_template("innovation/announcement.html", round=round_, by_stars=by_stars, star_labels=STAR_LABELS,
                           jurisdiction=DISTRICTS[district] if district else _("江门市"), district=district,
                           star_rule=_star_rule(_round_scheme(round_)))


# -- the scheme --------------------------------------------------------------------------------------

def _latest() -> tuple[int, Scheme]:
    """The latest version's number and scheme (the built-in default as version 1 until one is stored)."""
    row = db.session.scalar(select(InnovationScheme).order_by(InnovationScheme.version.desc()).limit(1))
    return (row.version, scheme_of(row)) if row is not None else (1, DEFAULT_SCHEME)


def _version_arg() -> int | None:
    raw = request.args.get("version") or ""
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


@bp.get("/scheme")
def scheme() -> str:
    """The scheme's versions and one version's indicators and parameters (the latest unless asked)."""
    versions = db.session.scalars(select(InnovationScheme).order_by(InnovationScheme.version.desc())).all()
    used = dict(db.session.execute(select(InnovationRound.scheme_id, func.count()).group_by(InnovationRound.scheme_id)).all())
    wanted = _version_arg()
    if wanted is not None:
        row = next((v for v in versions if v.version == wanted), None)
        if row is None and not (wanted == 1 and not versions):
            abort(404)
        shown_version, shown = (row.version, scheme_of(row)) if row is not None else (1, DEFAULT_SCHEME)
    else:
        shown_version, shown = _latest()
    latest_version = versions[0].version if versions else 1
    return render_template("innovation/scheme.html", **_scheme_context(shown), versions=versions, used=used,
                           shown_version=shown_version, latest_version=latest_version,
                           can_edit=current_user.role is Role.admin)


def _scheme_context(scheme_: Scheme) -> dict[str, Any]:
    totals = {stage: sum((i.weight(stage) for i in scheme_.indicators), Decimal(0)) for stage in STAGES}
    return {"shown": scheme_, "totals": totals, "groups": GROUPS, "stages": STAGES, "methods": METHODS,
            "directions": DIRECTIONS, "cohort_bases": COHORT_BASES, "measures": MEASURES, "bands_text": bands_text,
            "cohort_catalogue": cohort_catalogue(scheme_), "star_rule": _star_rule(scheme_),
            "star_labels": STAR_LABELS, "not_computed": NATIONAL_NOT_COMPUTED, "plain": _plain}


@bp.route("/scheme/new", methods=["GET", "POST"])
def scheme_new() -> str | Response | tuple[str, int]:
    """A new version of the scheme (admin only): weights, switches, an added indicator, parameters, a note.

    The version read is carried by the form: if someone saved another meanwhile, nothing is stored.
    """
    if current_user.role is not Role.admin:
        abort(403)
    version, base = _latest()
    form = SchemeForm() if request.method == "POST" else SchemeForm(data=scheme_form_data(base, version))
    form.new_measure.choices = measure_choices(base)
    problems: list[str] = []
    weight_problems: list[str] = []
    if form.is_submitted():
        if form.base_version.data != str(version):
            flash(_("方案已有第 %(v)s 版（在您打开本页之后保存），请在该版本基础上重新修改。", v=version), "warning")
            return redirect(url_for("innovation.scheme_new"))
        if form.validate():
            changed = _scheme_from_form(form, base, problems)
            if changed is not None and not problems:
                try:
                    row = save_scheme(changed, form.note.data, current_user)
                except SchemeError as exc:
                    db.session.rollback()
                    weight_problems = _place_problems(form, exc.problems)
                    problems += [message for _field, message in exc.problems]
                else:
                    db.session.commit()
                    flash(_("已保存方案第 %(v)s 版。此后的评分轮次按新版本计算，已有轮次不变。", v=row.version), "success")
                    return redirect(url_for("innovation.scheme"))
        else:
            problems.append(_("有填写错误，请按各项旁的提示修改。"))
    rows = [(entry.form, base.indicator(entry.form.code.data)) for entry in form.indicators]
    return render_template("innovation/scheme_new.html", form=form, rows=rows, version=version, problems=problems,
                           weight_problems=weight_problems, **_scheme_context(base)), (422 if problems else 200)


def _scheme_from_form(form: SchemeForm, base: Scheme, problems: list[str]) -> Scheme | None:
    """The scheme the form describes, from ``base``; None (and problems) when the rows do not match it."""
    entries = {entry.form.code.data: entry.form for entry in form.indicators}
    if sorted(entries) != sorted(i.code for i in base.indicators):
        problems.append(_("提交的指标与当前版本不一致，请重新打开本页修改。"))
        return None
    indicators = []
    for indicator in base.indicators:
        row = entries[indicator.code]
        indicators.append(replace(indicator, weights={stage: getattr(row, stage).data for stage in STAGES},
                                  enabled=bool(row.enabled.data)))
    hundred = Decimal(100)
    changed = replace(
        base, indicators=tuple(indicators), startup_max_age=form.startup_max_age.data,
        startup_max_revenue=form.startup_max_revenue.data, mature_min_age=form.mature_min_age.data,
        mature_min_revenue=form.mature_min_revenue.data, cohort_basis=form.cohort_basis.data,
        revenue_bands=form.bands, min_cohort=form.min_cohort.data,
        five_star_share=form.five_star_share.data / hundred, four_star_share=form.four_star_share.data / hundred,
        three_star_share=form.three_star_share.data / hundred,
    )
    if form.added is not None:
        if base.indicator(form.added.code) is not None:
            message = _("指标代码 %(code)s 已存在", code=form.added.code)
            form.new_code.errors.append(message)
            problems.append(message)
            return None
        changed = changed.with_indicator(form.added)
    return changed


def _place_problems(form: SchemeForm, found: list[tuple[str, str]]) -> list[str]:
    """Put each problem beside its field; returns those about the weights (shown above the table)."""
    weights = []
    for field, message in found:
        if field == "weights":
            weights.append(message)
        elif field in PARAMETER_FIELDS:
            getattr(form, field).errors.append(message)
        elif field in ADDED_FIELDS and form.added is not None:
            getattr(form, ADDED_FIELDS[field]).errors.append(message)
    return weights
