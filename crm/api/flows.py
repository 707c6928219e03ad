"""GET /api/v1/flows: the ladder's stocks and flows per stage and year (CONTRACT.md "Flows of the ladder").

A district out of the caller's scope is 403 (as /api/v1/flags); enterprise users see no flows (403, as
/api/v1/indicators: the figures are other firms'). Without ``district`` an officer gets their district,
bureau staff and administrators the city; without ``from``/``to`` the last ten years up to this year.
"""
from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from flask_babel import force_locale

from crm.api import bp
from crm.api.auth import api_error, token_required
from crm.clock import today
from crm.districts import DISTRICTS
from crm.flows.history import STAGES
from crm.flows.services import YearRangeError, ladder_flows, year_range
from crm.models import Role, User
from crm.scoping import can_see_district


def _district(user: User) -> str | None:
    """The district asked for (None: the city)."""
    if user.role not in (Role.admin, Role.bureau, Role.officer):
        api_error(403, "无权查看梯队流动")
    code = (request.args.get("district") or "").strip()
    if code and code not in DISTRICTS:
        api_error(400, f"参数 district：未知的区（市）代码：{code[:20]}")
    if user.role is Role.officer:
        if not code:
            code = user.district_code or ""
        if not code or not can_see_district(user, code):
            api_error(403, f"参数 district：无权查看该区（市）的梯队流动：{code}")
        return code
    return code or None  # bureau staff and administrators see every district and the city


@bp.get("/flows")
@token_required
def list_flows() -> Any:
    """One item per year and stage: start + entered - left == end."""
    user = g.api_user
    district = _district(user)
    try:
        with force_locale("zh_CN"):  # the API's messages are Chinese, whatever the account's language
            years = year_range(request.args.get("from"), request.args.get("to"), today().year)
    except YearRangeError as exc:
        api_error(400, f"参数 {exc.param}：{exc.message}")
    table = ladder_flows(years, district)
    items = [
        {
            "year": year,
            "stage": stage,
            "start": flow.start,
            "entered": flow.entered_total,
            "left": flow.left_total,
            "end": flow.end,
        }
        for year in years
        for stage in STAGES
        for flow in (table[year, stage],)
    ]
    return jsonify({"items": items})
