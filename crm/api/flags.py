"""GET /api/v1/flags: the enterprises a rule currently flags."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from sqlalchemy import select

from crm.api import bp
from crm.api.auth import api_error, token_required
from crm.api.serializers import day, district
from crm.districts import DISTRICTS
from crm.extensions import db
from crm.models import Enterprise, Flag
from crm.rules_catalogue import RULE_CODES
from crm.scoping import can_see_district, scoped


@bp.get("/flags")
@token_required
def list_flags() -> Any:
    user = g.api_user
    rule = request.args.get("rule") or None
    district_code = request.args.get("district") or None
    if rule and rule not in RULE_CODES:
        api_error(400, f"未知的规则：{rule}")
    if district_code and district_code not in DISTRICTS:
        api_error(400, f"未知的区（市）代码：{district_code}")
    if district_code and not can_see_district(user, district_code):
        api_error(403, "无权查看该区（市）的企业")
    stmt = scoped(
        select(Flag, Enterprise).join(Enterprise, Flag.enterprise_id == Enterprise.id), user
    ).where(Flag.cleared_on.is_(None))
    if rule:
        stmt = stmt.where(Flag.rule == rule)
    if district_code:
        stmt = stmt.where(Enterprise.district_code == district_code)
    rows = db.session.execute(stmt.order_by(Flag.rule, Enterprise.name)).all()
    items = [
        {
            "uscc": e.uscc,
            "name": e.name,
            "district": district(e),
            "rule": f.rule,
            "raised_on": day(f.raised_on),
            "reasons": list(f.reasons or []),
            "gaps": dict(f.gaps or {}),
        }
        for f, e in rows
    ]
    return jsonify({"items": items, "total": len(items)})
