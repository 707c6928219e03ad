"""Finding enterprises: the one filter used by the list page, its export and the API."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, exists, func, or_, select

from crm.districts import DISTRICTS
from crm.ladder import STAGE_RANK, stage_rank_column, valid_on
from crm.models import Designation, DesignationKind, Enterprise, Flag, Platform, User
from crm.models.platform import RD_INSTITUTION_KINDS
from crm.rules_catalogue import RULE_CODES
from crm.scoping import scoped


class FilterError(ValueError):
    """A filter value that names nothing (message for people)."""


@dataclass
class EnterpriseFilter:
    district: str | None = None
    stage: str | None = None
    flag: str | None = None
    q: str | None = None
    designation: str | None = None
    town: str | None = None
    industry: str | None = None
    above_size: bool | None = None
    has_rd_institution: bool | None = None

    def validate(self) -> None:
        if self.district and self.district not in DISTRICTS:
            raise FilterError(f"未知的区（市）代码：{self.district}")
        if self.stage and self.stage not in STAGE_RANK:
            raise FilterError(f"未知的梯队阶段：{self.stage}")
        if self.flag and self.flag not in RULE_CODES:
            raise FilterError(f"未知的规则：{self.flag}")
        if self.designation and self.designation not in {k.value for k in DesignationKind}:
            raise FilterError(f"未知的认定类型：{self.designation}")


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(q: str):  # noqa: ANN201 - a SQL boolean expression
    """Name contains, code starts with, or pinyin initials start with the text."""
    text = q.strip()
    pattern = like_escape(text)
    return or_(
        Enterprise.name.like(f"%{pattern}%", escape="\\"),
        Enterprise.uscc.like(f"{like_escape(text.upper())}%", escape="\\"),
        Enterprise.name_initials.like(f"{like_escape(text.lower())}%", escape="\\"),
    )


def filtered_enterprises(user: User, filters: EnterpriseFilter, as_of: date) -> Select:
    """select(Enterprise, stage_rank) in `user`'s scope matching `filters` (unordered)."""
    filters.validate()
    rank = stage_rank_column(Enterprise.id, as_of)
    stmt = scoped(select(Enterprise, rank), user)
    if filters.district:
        stmt = stmt.where(Enterprise.district_code == filters.district)
    if filters.stage:
        stmt = stmt.where(rank == STAGE_RANK[filters.stage])
    if filters.flag:
        stmt = stmt.where(
            exists().where(
                Flag.enterprise_id == Enterprise.id, Flag.rule == filters.flag, Flag.cleared_on.is_(None)
            )
        )
    if filters.q and filters.q.strip():
        stmt = stmt.where(search_condition(filters.q))
    if filters.designation:
        stmt = stmt.where(
            exists().where(
                Designation.enterprise_id == Enterprise.id,
                Designation.kind == DesignationKind(filters.designation),
                valid_on(as_of),
            )
        )
    if filters.town:
        stmt = stmt.where(Enterprise.town == filters.town)
    if filters.industry:
        stmt = stmt.where(Enterprise.industry_code == filters.industry)
    if filters.above_size is not None:
        stmt = stmt.where(Enterprise.above_size.is_(filters.above_size))
    if filters.has_rd_institution is not None:
        has = exists().where(Platform.enterprise_id == Enterprise.id, Platform.kind.in_(RD_INSTITUTION_KINDS))
        stmt = stmt.where(has if filters.has_rd_institution else ~has)
    return stmt


def count_of(stmt: Select) -> int:
    from crm.extensions import db

    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
