"""Pages of the ladder's flows: who entered and left each rung, per district and year, the firms
behind every number, and a printable table."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user, login_required

from crm.clock import today
from crm.districts import DISTRICTS
from crm.enterprises.queries import count_of
from crm.extensions import db
from crm.flows.history import ENTERED, LEFT, STAGES, Flow
from crm.flows.services import (
    DEFAULT_YEARS,
    FIRST_ASKABLE_YEAR,
    YearRangeError,
    ladder_flows,
    member_query,
    records_begin,
    year_range,
)
from crm.ladder import STAGE_LABELS
from crm.models import Enterprise, Role
from crm.paging import page_arg

bp = Blueprint("flows", __name__, url_prefix="/flows")

CITY_ARG = "city"
FIRMS_PER_PAGE = 50
PARTS = ("start", "entered", "left", "end")
PART_LABELS = {"start": _l("年初（1月1日）"), "entered": _l("进入"), "left": lazy_pgettext("flows", "退出"), "end": _l("年末（12月31日）")}
# The reasons of crm.flows.history, in words for people (its own labels are not translated).
ENTERED_LABELS = {"first": _l("首次进入"), "returning": _l("再次进入"), "moved_in": _l("从其他区（市）迁入")}
LEFT_LABELS = {"lapsed": _l("到期未续"), "moved_up": _l("升级后不再保留"), "moved_away": _l("迁往其他区（市）"),
               "closed": _l("注销")}
REASON_LABELS = {"entered": ENTERED_LABELS, "left": LEFT_LABELS}
# Chart colours: entries green and blue, exits warm.
REASON_COLOURS = {"first": "#2e7d32", "returning": "#66bb6a", "moved_in": "#42a5f5",
                  "lapsed": "#e53935", "moved_up": "#8e24aa", "moved_away": "#fb8c00", "closed": "#616161"}
MOVES = ("moved_in", "moved_away")  # no move between districts counts in the city


@bp.before_request
@login_required
def staff_only() -> None:
    if current_user.role is Role.enterprise:
        abort(404)


def _district() -> str | None:
    """The district asked for, None for the city. Officers see their district only: another, or the
    city, is not found (like any record of another district)."""
    raw = (request.args.get("district") or "").strip()
    if current_user.role is Role.officer:
        own = current_user.district_code
        if not own or raw not in ("", own):
            abort(404)
        return own
    if raw in ("", CITY_ARG):
        return None
    if raw not in DISTRICTS:
        abort(404)
    return raw


def _district_arg(district: str | None) -> str:
    """The district as a query argument of this area's links."""
    return district or CITY_ARG


def _district_label(district: str | None) -> str:
    return DISTRICTS[district] if district else _("江门市（全市）")


@dataclass
class YearRows:
    """One year of the table: its flow per stage, or why there is none."""

    year: int
    flows: list[Flow]
    before_records: bool


def _page_args(district: str | None) -> dict[str, Any]:
    return {
        "district": district,
        "district_arg": _district_arg(district),
        "district_label": _district_label(district),
        "can_choose": current_user.role in (Role.admin, Role.bureau),
        "choices": [(CITY_ARG, _district_label(None)), *DISTRICTS.items()],
        "STAGES": STAGES,
        "ENTERED": ENTERED,
        "LEFT": LEFT,
        "REASON_LABELS": REASON_LABELS,
        "PART_LABELS": PART_LABELS,
        "MOVES": MOVES,
    }


def _table(years: range, district: str | None) -> dict[str, Any]:
    """What the screen and the print view show: the rows per year, newest first, and the notes' facts."""
    begin = records_begin()
    table = ladder_flows(years, district)
    rows = [
        YearRows(year, [table[year, stage] for stage in STAGES], begin is None or year < begin)
        for year in reversed(years)
    ]
    return {"rows": rows, "records_begin": begin, "years": years, "this_year": today().year}


def _chart(rows: list[YearRows], district: str | None) -> dict[str, Any]:
    """The page's chart data: per stage, the entries (up) and exits (down) of each year by reason
    (the city's without moves between districts, which it never counts)."""
    ordered = sorted(rows, key=lambda r: r.year)
    stages = []
    for index, stage in enumerate(STAGES):
        flows = [None if r.before_records else r.flows[index] for r in ordered]
        series = [
            {"name": str(label), "reason": reason, "stack": part, "color": REASON_COLOURS[reason],
             "data": [None if f is None else (f.entered[reason] if part == "entered" else -f.left[reason])
                      for f in flows]}
            for part in ("entered", "left")
            for reason, label in REASON_LABELS[part].items()
            if district is not None or reason not in MOVES
        ]
        stages.append({
            "code": stage, "name": str(STAGE_LABELS[stage]), "series": series,
            "start": [None if f is None else f.start for f in flows],
            "end": [None if f is None else f.end for f in flows],
        })
    return {
        "years": [str(r.year) for r in ordered], "stages": stages, "default": "hitech",
        "labels": {"start": str(PART_LABELS["start"]), "end": str(PART_LABELS["end"]),
                   "entered": str(PART_LABELS["entered"]), "left": str(PART_LABELS["left"])},
    }


def _years() -> tuple[range | None, str | None, str | None]:
    """The year range asked for, or (None, the argument that is wrong, why)."""
    try:
        return year_range(request.args.get("from"), request.args.get("to"), today().year), None, None
    except YearRangeError as exc:
        return None, exc.param, exc.message


def _year_field_label(param: str) -> str:
    return _("起始年份") if param == "from" else _("结束年份")


@bp.route("/")
def index() -> Any:  # noqa: ANN401 - a page, or a page and its status
    district = _district()
    years, param, message = _years()
    args = _page_args(district)
    raw = {"from": (request.args.get("from") or "")[:20], "to": (request.args.get("to") or "")[:20]}
    if years is None:
        error = _("%(field)s：%(message)s", field=_year_field_label(param or ""), message=message)
        return render_template("flows/index.html", error=error, error_param=param, raw=raw, **args), 400
    table = _table(years, district)
    return render_template(
        "flows/index.html", error=None, error_param=None, raw={"from": years.start, "to": years.stop - 1},
        chart=_chart(table["rows"], district), **table, **args,
    )


@bp.route("/print")
def print_view() -> Any:  # noqa: ANN401
    district = _district()
    years, param, message = _years()
    args = _page_args(district)
    if years is None:
        error = _("%(field)s：%(message)s", field=_year_field_label(param or ""), message=message)
        return render_template("flows/print.html", error=error, **args), 400
    return render_template("flows/print.html", error=None, **_table(years, district), **args)


def _member_args() -> tuple[int, str, str, str | None] | str:
    """year, stage, part and reason of a number's link, or why they name no number."""
    raw_year = (request.args.get("year") or "").strip()
    stage = request.args.get("stage") or ""
    part = request.args.get("part") or ""
    reason = request.args.get("reason") or None
    if not raw_year:
        return _("请指定年份（year）")
    try:
        years = year_range(raw_year, raw_year, today().year)
    except YearRangeError as exc:
        return _("年份：%(message)s", message=exc.message)
    if stage not in STAGES:
        return _("未知的梯队：%(stage)s", stage=stage[:20])
    if part not in PARTS:
        return _("未知的流动类别：%(part)s", part=part[:20])
    if reason is not None and reason not in REASON_LABELS.get(part, {}):
        return _("未知的原因：%(reason)s", reason=reason[:20])
    return years.start, stage, part, reason


@bp.route("/firms")
def firms() -> Any:  # noqa: ANN401
    """The firms behind one number of the table, those the user may see; how many others, and why."""
    district = _district()
    args = _page_args(district)
    asked = _member_args()
    if isinstance(asked, str):
        return render_template("flows/firms.html", error=asked, **args), 400
    year, stage, part, reason = asked
    stmt, hidden = member_query(year, stage, part, reason, district, current_user)
    page = page_arg(request.args)
    total = count_of(stmt)
    rows = db.session.scalars(
        stmt.order_by(Enterprise.district_code, Enterprise.name, Enterprise.id)
        .limit(FIRMS_PER_PAGE).offset((page - 1) * FIRMS_PER_PAGE)
    ).all()
    title = f"{STAGE_LABELS[stage]} · {REASON_LABELS[part][reason] if reason else PART_LABELS[part]}"
    back = url_for("flows.index", district=_district_arg(district),
                   **{"from": max(year - DEFAULT_YEARS + 1, FIRST_ASKABLE_YEAR), "to": year})
    return render_template(
        "flows/firms.html", error=None, firms=rows, total=total, hidden=hidden, page=page,
        pages=max(1, -(-total // FIRMS_PER_PAGE)), year=year, stage=stage, part=part, reason=reason,
        title=title, back=back, **args,
    )
