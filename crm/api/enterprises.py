"""GET/POST /api/v1/enterprises."""
from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from flask import g, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from crm.api import bp
from crm.api.auth import api_error, token_required
from crm.api.serializers import enterprise_detail, enterprise_summary
from crm.clock import today
from crm.districts import district_from_uscc
from crm.paging import MAX_PAGE
from crm.uscc import InvalidUSCC, normalize_uscc
from crm.enterprises.queries import EnterpriseFilter, FilterError, count_of, filtered_enterprises
from crm.enterprises.services import PROFILE_FIELDS, DuplicateEnterprise, ValidationFailed, create_enterprise
from crm.extensions import db
from crm.ladder import stage_from_rank
from crm.models import Enterprise, Flag, Role
from crm.scoping import can_edit, can_see_district, find_enterprise

MAX_PER_PAGE = 200
# Far beyond any real list, and small enough that the row offset fits every database's integer.


def _int_arg(name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        api_error(400, f"参数 {name} 应为整数：{raw}")
    if value < minimum or (maximum is not None and value > maximum):
        api_error(400, f"参数 {name} 超出范围：{raw}")
    return value


def _text_arg(name: str) -> str | None:
    raw = request.args.get(name)
    if raw and "\x00" in raw:  # PostgreSQL text cannot hold NUL; no name or code contains one
        api_error(400, f"参数 {name} 含有无效字符")
    return raw or None


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(value: Any, field: str) -> date | None:  # noqa: ANN401 - a JSON value
    """The API's dates are YYYY-MM-DD strings (CONTRACT.md); anything else is a field error."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationFailed({field: f"日期格式应为 YYYY-MM-DD：{value}"})


# POST /api/v1/enterprises: the body's fields (the request's own names) besides uscc, name, district.
CREATE_FIELDS = tuple(f for f in PROFILE_FIELDS if f not in ("name", "district_code"))
# Where a service names a field differently from the request.
REQUEST_NAMES = {"district_code": "district"}


def _district_of(value: Any) -> str | None:  # noqa: ANN401 - a JSON value
    """`district` is a code or the {"code", "name"} object the API returns."""
    if isinstance(value, dict):
        value = value.get("code")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationFailed({"district": f"应为区（市）代码（文本），如 440703：{value}"})
    return value.strip()


def creation_values(body: dict[str, Any]) -> tuple[Any, Any, str | None, dict[str, Any]]:
    """(uscc, name, district, profile) from a POST body; raises ValidationFailed per request field."""
    errors: dict[str, str] = {}
    for key in sorted(set(body) - {"uscc", "name", "district", *CREATE_FIELDS}):
        errors[key] = "未知字段" if key != "district_code" else "未知字段（所属区（市）请用 district）"
    for key in ("uscc", "name"):
        if body.get(key) is not None and not isinstance(body[key], str):
            errors[key] = "应为文本"
    district = None
    try:
        district = _district_of(body.get("district"))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    profile: dict[str, Any] = {}
    for key in CREATE_FIELDS:
        if key not in body or body[key] is None:
            continue  # null: not given
        value = body[key]
        if key == "founded_on":
            try:
                value = iso_date(value, key)
            except ValidationFailed as exc:
                errors.update(exc.errors)
                continue
        elif key == "above_size":
            if not isinstance(value, bool):
                errors[key] = f"应为 true 或 false：{value}"
                continue
        elif not isinstance(value, str):
            errors[key] = "应为文本"
            continue
        profile[key] = value
    if errors:
        raise ValidationFailed(errors)
    return body.get("uscc"), body.get("name"), district, profile


def request_errors(errors: dict[str, str]) -> dict[str, str]:
    """A service's field errors under the request's own field names."""
    return {REQUEST_NAMES.get(name, name): message for name, message in errors.items()}


@bp.get("/enterprises")
@token_required
def list_enterprises() -> Any:
    user = g.api_user
    filters = EnterpriseFilter(
        district=request.args.get("district") or None,
        stage=request.args.get("stage") or None,
        flag=request.args.get("flag") or None,
        q=_text_arg("q"),
    )
    page = _int_arg("page", 1, maximum=MAX_PAGE)
    per_page = _int_arg("per_page", 50, maximum=MAX_PER_PAGE)
    try:
        stmt = filtered_enterprises(user, filters, today())
    except FilterError as exc:
        api_error(400, str(exc))
    if filters.district and not can_see_district(user, filters.district):
        api_error(403, "无权查看该区（市）的企业")
    total = count_of(stmt)
    rows = db.session.execute(
        stmt.order_by(Enterprise.name, Enterprise.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return jsonify(
        {
            "items": [enterprise_summary(e, stage_from_rank(rank)) for e, rank in rows],
            "page": page,
            "pages": max(1, math.ceil(total / per_page)),
            "total": total,
        }
    )


@bp.get("/enterprises/<uscc>")
@token_required
def get_enterprise(uscc: str) -> Any:
    enterprise = find_enterprise(g.api_user, uscc)
    if enterprise is None:
        api_error(404, f"未找到企业：{uscc}")
    flags = db.session.scalars(
        select(Flag)
        .where(Flag.enterprise_id == enterprise.id, Flag.cleared_on.is_(None))
        .order_by(Flag.rule)
    ).all()
    return jsonify(enterprise_detail(enterprise, today(), list(flags)))


def _unprocessable(fields: dict[str, str]) -> tuple[Any, int]:
    return jsonify({"error": "; ".join(f"{k}: {v}" for k, v in fields.items()), "fields": fields}), 422


@bp.post("/enterprises")
@token_required
def post_enterprise() -> Any:
    user = g.api_user
    if not can_edit(user):
        api_error(403, "无权新建企业")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        api_error(400, "请求体应为 JSON 对象")
    try:
        uscc, name, district, profile = creation_values(body)
    except ValidationFailed as exc:
        return _unprocessable(exc.errors)  # already under the request's names
    if user.role is Role.officer:
        # Officers create firms in their own district only, and never one whose
        # code places it in another Jiangmen district.
        if district and district != user.district_code:
            api_error(403, "只能在本区（市）新建企业")
        try:
            region = district_from_uscc(normalize_uscc(uscc))
        except InvalidUSCC:
            region = None  # create_enterprise reports the bad code as a field error
        if region is not None and region != user.district_code:
            api_error(403, "该企业的统一社会信用代码属于其他区（市），不能在本区（市）新建")
        district = district or user.district_code
    try:
        enterprise = create_enterprise(uscc or "", name or "", district, **profile)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _unprocessable(request_errors(exc.errors))
    except DuplicateEnterprise as exc:
        db.session.rollback()
        api_error(409, str(exc))
    except IntegrityError:
        db.session.rollback()
        api_error(409, "企业已存在或数据冲突")
    enterprise = db.session.scalar(
        select(Enterprise).options(selectinload(Enterprise.designations)).where(Enterprise.id == enterprise.id)
    )
    return jsonify(enterprise_detail(enterprise, today(), [])), 201
