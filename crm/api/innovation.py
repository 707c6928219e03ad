"""GET /api/v1/innovation-points: a round's innovation points in the caller's scope (CONTRACT.md).

Officers, bureau staff and administrators read any round, published or not; an enterprise user
reads published rounds only, and only its own firm (an unpublished round is not found for it).
The whole scoped list is returned: the contract's shape has no pages.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import g, jsonify, request
from sqlalchemy.orm import defer

from crm.api import bp
from crm.api.auth import api_error, token_required
from crm.api.serializers import day, number
from crm.districts import DISTRICTS
from crm.extensions import db
from crm.innovation.scheme import GROUPS
from crm.innovation.services import latest_round, score_query
from crm.models import InnovationRound, InnovationScore, Role, User
from crm.paging import MAX_ID
from crm.scoping import can_see_district

STARS = (5, 4, 3)


def _round(user: User) -> InnovationRound:
    """The round asked for (`round`), or the latest published one; 400 or 404 with why."""
    published_only = user.role is Role.enterprise
    raw = (request.args.get("round") or "").strip()
    if not raw:
        found = latest_round(published_only=True)
        if found is None:
            api_error(404, "尚未发布创新积分评价结果（可用参数 round 指定轮次）" if not published_only
                      else "尚未发布创新积分评价结果")
        return found
    if not raw.isascii() or not raw.isdigit():
        api_error(400, f"参数 round 应为轮次编号（正整数）：{raw}")
    # A number beyond any stored id names no round (and must not reach the database).
    round_id = int(raw) if len(raw) <= 12 else 0
    found = db.session.get(InnovationRound, round_id) if 0 < round_id <= MAX_ID else None
    if found is None or (published_only and not found.published):
        api_error(404, f"参数 round：没有第 {raw} 轮创新积分评价结果")
    return found


def _district(user: User) -> str | None:
    code = (request.args.get("district") or "").strip() or None
    if code is None:
        return None
    if code not in DISTRICTS:
        api_error(400, f"参数 district：未知的区（市）代码：{code}")
    if not can_see_district(user, code):
        api_error(403, f"参数 district：无权查看该区（市）的企业：{code}")
    return code


def _stars() -> int | None:
    raw = (request.args.get("stars") or "").strip()
    if not raw:
        return None
    if raw not in {str(s) for s in STARS}:
        api_error(400, f"参数 stars 应为 5、4 或 3：{raw}")
    return int(raw)


def _points(value: str | None) -> float | int:
    return number(Decimal(value or 0)) or 0


def score_item(score: InnovationScore) -> dict[str, Any]:
    """One firm's line: the contract's keys, points as numbers (the score is the groups' sum)."""
    return {
        "uscc": score.uscc,
        "name": score.name,
        # As scored: a firm that moved since keeps the round's district.
        "district": {"code": score.district_code, "name": DISTRICTS.get(score.district_code, score.district_code)},
        "cohort": score.cohort,
        "score": number(score.score),
        "rank": score.rank,
        "cohort_size": score.cohort_size,
        "stars": score.stars,
        "groups": {group: _points(score.groups.get(group)) for group in GROUPS},
    }


@bp.get("/innovation-points")
@token_required
def list_innovation_points() -> Any:
    user = g.api_user
    round_ = _round(user)
    district = _district(user)
    stars = _stars()
    # The per-indicator inputs are the portrait's, not the list's: not loaded.
    query = score_query(round_.id, user, district=district, stars=stars).options(defer(InnovationScore.indicators))
    return jsonify({
        "round": {
            "id": round_.id,
            "as_of": day(round_.as_of),
            "scheme": round_.scheme.version,
            "published": round_.published,
        },
        "items": [score_item(score) for score in db.session.scalars(query)],
    })
