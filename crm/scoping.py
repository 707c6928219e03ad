"""The one place that decides which enterprises a user may see.

Every query of enterprise data (pages, API, exports, forms) goes through
`scoped()` or `enterprise_scope()`; a record out of scope is simply not found.
"""
from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy import ColumnElement, Select, false, select, true

from crm.extensions import db
from crm.models import Enterprise, Role, User

T = TypeVar("T", bound=Select)


def enterprise_scope(user: User | None) -> ColumnElement[bool]:
    """SQL condition on Enterprise that holds exactly for the firms `user` may see."""
    if user is None or not user.is_active:
        return false()
    if user.role in (Role.admin, Role.bureau):
        return true()
    if user.role is Role.officer and user.district_code:
        return Enterprise.district_code == user.district_code
    if user.role is Role.enterprise and user.enterprise_id is not None:
        return Enterprise.id == user.enterprise_id
    return false()


def scoped(query: T, user: User | None) -> T:
    """Restrict a select that includes (or joins) Enterprise to `user`'s scope."""
    return query.where(enterprise_scope(user))


def district_scope(user: User | None, district_code: ColumnElement[str]) -> ColumnElement[bool]:
    """SQL condition on a district code column that holds exactly for the districts `user` may see
    (the SQL form of :func:`can_see_district`)."""
    if user is None or not user.is_active:
        return false()
    if user.role in (Role.admin, Role.bureau):
        return true()
    if user.role is Role.officer and user.district_code:
        return district_code == user.district_code
    return false()


def can_see_district(user: User, district_code: str) -> bool:
    """Whether `user` may filter or report on a district."""
    if user.role in (Role.admin, Role.bureau):
        return True
    return user.role is Role.officer and user.district_code == district_code


def find_enterprise(user: User | None, uscc: str) -> Enterprise | None:
    """The enterprise with code `uscc` (as people type it) if `user` may see it, else None."""
    from crm.uscc import InvalidUSCC, normalize_uscc

    try:
        code = normalize_uscc(uscc)
    except InvalidUSCC:
        return None  # no stored firm has an invalid code (the model validates every one)
    stmt = scoped(select(Enterprise).where(Enterprise.uscc == code), user)
    return db.session.scalars(stmt).first()


def enterprise_or_404(user: User | None, uscc: str) -> Enterprise:
    """The enterprise in `user`'s scope, or a 404 (never a 403 that would confirm it exists)."""
    enterprise = find_enterprise(user, uscc)
    if enterprise is None:
        abort(404)
    return enterprise


def can_edit(user: User | None) -> bool:
    """Officers, bureau staff and admins edit records; enterprise users go through the portal."""
    return user is not None and user.role in (Role.admin, Role.bureau, Role.officer)
