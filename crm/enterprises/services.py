"""Operations on enterprises, shared by forms, the API, the CLI and importers."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from crm.districts import DISTRICTS, district_from_uscc
from crm.extensions import db
from crm.models import Enterprise, HitechField
from crm.uscc import InvalidUSCC, normalize_uscc


class ValidationFailed(ValueError):
    """Input that breaks a rule; `errors` maps each field to a message for people."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class DuplicateEnterprise(ValueError):
    """An enterprise with this code already exists."""

    def __init__(self, uscc: str):
        super().__init__(f"统一社会信用代码 {uscc} 的企业已存在")
        self.uscc = uscc


PROFILE_FIELDS = (
    "name", "district_code", "town", "founded_on", "industry_code", "hitech_field",
    "above_size", "address", "contact_person", "contact_phone", "contact_email",
)


def resolve_district(uscc: str, district_code: str | None) -> tuple[str, bool]:
    """The district to store and whether it overrides the code's region.

    The code's region wins when no district is given; a given district must be a
    Jiangmen district and is kept as an override when it differs from the region.
    """
    inferred = district_from_uscc(uscc)
    if district_code:
        if district_code not in DISTRICTS:
            raise ValidationFailed({"district_code": f"未知的区（市）代码：{district_code}"})
        return district_code, inferred is not None and inferred != district_code
    if inferred is None:
        raise ValidationFailed(
            {"district_code": f"无法从统一社会信用代码 {uscc} 推断所属区（市），请填写所属区（市）"}
        )
    return inferred, False


def check_profile(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if "name" in values and not (values["name"] or "").strip():
        errors["name"] = "企业名称不能为空"
    founded = values.get("founded_on")
    if isinstance(founded, date) and founded > date.today():
        errors["founded_on"] = "成立日期不能晚于今天"
    field = values.get("hitech_field")
    if field is not None and not isinstance(field, HitechField):
        try:
            values["hitech_field"] = HitechField(field)
        except ValueError:
            errors["hitech_field"] = f"未知的高新技术领域：{field}"
    if errors:
        raise ValidationFailed(errors)


def create_enterprise(uscc: str, name: str, district_code: str | None = None, **profile: Any) -> Enterprise:
    """Add a new enterprise (not committed); raises ValidationFailed or DuplicateEnterprise."""
    try:
        code = normalize_uscc(uscc)
    except InvalidUSCC as exc:
        raise ValidationFailed({"uscc": str(exc)}) from None
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed({f: "未知字段" for f in sorted(unknown)})
    values = {"name": name, **profile}
    check_profile(values)
    district, overridden = resolve_district(code, district_code)
    if db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == code)) is not None:
        raise DuplicateEnterprise(code)
    enterprise = Enterprise(
        uscc=code, district_code=district, district_overridden=overridden,
        **{k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()},
    )
    db.session.add(enterprise)
    return enterprise
