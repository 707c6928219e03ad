"""GET /api/v1/indicators: the plans' indicators computed from the records (CONTRACT.md)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from flask import g, jsonify, request
from flask_babel import force_locale

from crm.api import bp
from crm.api.auth import api_error, token_required
from crm.clock import today
from crm.dashboard.services import CITY, JurisdictionError, JurisdictionForbidden, api_items, resolve_jurisdiction
from crm.models import Role

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# The API's money is in 万元 (CONTRACT.md); some plans state a figure in 元 or 亿元.
TO_WAN_YUAN = {"元": Decimal("0.0001"), "千元": Decimal("0.1"), "亿元": Decimal("10000")}


def _in_wan_yuan(value: float | int | Decimal | None, factor: Decimal) -> float | int | None:
    if value is None:
        return None
    converted = Decimal(str(value)) * factor
    return int(converted) if converted == converted.to_integral_value() else float(converted)


def money_in_wan_yuan(item: dict[str, Any]) -> dict[str, Any]:
    """An indicator item whose money figures (actual, baseline, targets) are in 万元."""
    factor = TO_WAN_YUAN.get(item["unit"])
    if factor is None:
        return item
    return {
        **item,
        "unit": "万元",
        "actual": _in_wan_yuan(item["actual"], factor),
        "baseline": {**item["baseline"], "value": _in_wan_yuan(item["baseline"]["value"], factor)},
        "targets": {year: _in_wan_yuan(value, factor) for year, value in item["targets"].items()},
    }


@bp.get("/indicators")
@token_required
def list_indicators() -> Any:
    """Items per indicator; ratios (unit "%") as fractions and money in 万元, in actual, baseline and targets alike."""
    raw = (request.args.get("as_of") or "").strip()
    try:
        # fromisoformat alone also takes 20250630 or 2025-W26-1; the contract says YYYY-MM-DD.
        if raw and not ISO_DATE.fullmatch(raw):
            raise ValueError(raw)
        as_of = date.fromisoformat(raw) if raw else today()
    except ValueError:
        api_error(400, f"参数 as_of 的日期格式应为 YYYY-MM-DD：{raw}")
    district = (request.args.get("district") or "").strip()
    if district == CITY:
        api_error(400, f"未知的区（市）代码：{district}")
    if not district and g.api_user.role is Role.officer:
        district = g.api_user.district_code  # as on the dashboard: an officer's default is their district
    try:
        # Without `district` the caller asks for the whole city.
        jurisdiction = resolve_jurisdiction(g.api_user, district or CITY)
    except JurisdictionError as exc:
        api_error(400, str(exc))
    except JurisdictionForbidden as exc:
        api_error(403, str(exc))
    with force_locale("zh_CN"):  # the API's names are the Chinese ones, whatever the account's language
        items = [money_in_wan_yuan(item) for item in api_items(g.api_user, jurisdiction, as_of)]
    return jsonify({"items": items})
