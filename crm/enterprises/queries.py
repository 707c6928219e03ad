"""Finding enterprises: the one filter used by the list page, its export and the API."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from crm.districts import DISTRICTS
from crm.enterprises.summary import reported
from crm.ladder import NONE_STAGE, STAGE_RANK, STAGES, stage_rank_column, valid_on
from crm.models import (
    AnnualReport, Designation, DesignationKind, Enterprise, Flag, FormerName, Platform, User,
)
from crm.models.platform import RD_INSTITUTION_KINDS
from crm.pinyin import search_initials
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
    """Name, former name (曾用名), code or one pinyin reading of the name contain the text (a
    code may be typed with spaces, initials with brackets). Every search box and the API's
    ``q`` use it."""
    text = q.strip()
    code = "".join(text.split()).upper()
    # Letters and digits only: never the readings' separator, so a match lies within one reading.
    initials = search_initials(text)
    # Names are written with full- or half-width brackets ("江门（鹤山）…" and "江门(鹤山)…"):
    # either typed finds both.
    patterns = [f"%{like_escape(t)}%" for t in dict.fromkeys(
        (text, text.translate(_FULL_BRACKETS), text.translate(_HALF_BRACKETS)))]
    return or_(
        *(Enterprise.name.like(p, escape="\\") for p in patterns),
        Enterprise.uscc.like(f"%{like_escape(code)}%", escape="\\"),
        *([Enterprise.name_initials.like(f"%{initials}%")] if initials else []),
        # Uncorrelated: the few former names that match are found once, not per firm.
        Enterprise.id.in_(select(FormerName.enterprise_id).where(
            or_(*(FormerName.name.like(p, escape="\\") for p in patterns)))),
    )


_FULL_BRACKETS = str.maketrans("()", "（）")
_HALF_BRACKETS = str.maketrans("（）", "()")


def stage_condition(stage: str, as_of: date) -> ColumnElement[bool]:
    """SQL condition on Enterprise: its stage on `as_of` is `stage` ("none" included).

    Holds a valid designation of that stage and none of a higher one: two EXISTS per
    firm on the (enterprise_id, kind, validity) index. Filtered lists only look at the
    firms in scope, so this beats grouping every designation of the city first
    (ladder.at_stage), several times over for a district's list.
    """

    def holds(kinds: list[DesignationKind]) -> ColumnElement[bool]:
        return exists().where(Designation.enterprise_id == Enterprise.id, Designation.kind.in_(kinds), valid_on(as_of))

    if stage == NONE_STAGE:
        return ~holds(list(STAGES))
    rank = STAGE_RANK[stage]
    higher = list(STAGES[rank:])
    return and_(holds([STAGES[rank - 1]]), ~holds(higher)) if higher else holds([STAGES[rank - 1]])


def filtered_enterprises(user: User, filters: EnterpriseFilter, as_of: date) -> Select:
    """select(Enterprise, stage_rank) in `user`'s scope matching `filters` (unordered)."""
    filters.validate()
    rank = stage_rank_column(Enterprise.id, as_of)
    stmt = scoped(select(Enterprise, rank), user)
    if filters.district:
        stmt = stmt.where(Enterprise.district_code == filters.district)
    if filters.stage:
        stmt = stmt.where(stage_condition(filters.stage, as_of))
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
        # A section (C 制造业) takes in its divisions (C34 …): codes nest by prefix.
        stmt = stmt.where(Enterprise.industry_code.like(f"{like_escape(filters.industry)}%", escape="\\"))
    if filters.above_size is not None:
        stmt = stmt.where(Enterprise.above_size.is_(filters.above_size))
    if filters.has_rd_institution is not None:
        # An R&D institution valid on as_of, as the dashboard's coverage figure counts one (the
        # figure's population, above-size firms of industry, is the dashboard's own filter).
        has = exists().where(
            Platform.enterprise_id == Enterprise.id,
            Platform.kind.in_(RD_INSTITUTION_KINDS),
            or_(Platform.recognized_on.is_(None), Platform.recognized_on <= as_of),
            or_(Platform.valid_to.is_(None), Platform.valid_to >= as_of),
        )
        stmt = stmt.where(has if filters.has_rd_institution else ~has)
    return stmt


def count_of(stmt: Select) -> int:
    from crm.extensions import db

    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


# --- Sorting and the latest-year figures of the list -------------------------------------

SORTS: dict[str, str] = {
    "name": _l("企业名称"),
    "revenue": _l("最近年度营业收入"),
    "rd_ratio": _l("研发费用占比"),
    "growth": _l("营业收入增长率"),
}


def sort_key(sort: str) -> Any:  # noqa: ANN401
    """The indexed column a list sorts by (latest-year figures: crm/enterprises/summary.py)."""
    if sort == "revenue":
        return Enterprise.latest_revenue
    if sort == "rd_ratio":
        return Enterprise.latest_rd_ratio
    if sort == "growth":
        return Enterprise.revenue_growth
    return Enterprise.name


def ordered_ids(stmt: Select, sort: str = "name", descending: bool = False) -> Select:
    """select(Enterprise.id) of a filtered statement, ordered by `sort` (blanks last).

    Only the id and the sort key are computed per row, so the database can sort a
    district's tens of thousands of firms before fetching the one page it shows.
    """
    key = sort_key(sort if sort in SORTS else "name")
    direction = key.desc() if descending else key.asc()
    order = [direction.nulls_last()] if sort in SORTS and sort != "name" else [direction]
    return stmt.with_only_columns(Enterprise.id).order_by(*order, Enterprise.name, Enterprise.id)


def count_matching(stmt: Select) -> int:
    """How many firms a filtered statement matches (counting ids only)."""
    from crm.extensions import db

    inner = stmt.with_only_columns(Enterprise.id).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0


@dataclass
class LatestFigures:
    """What the list and its export show of a firm's reports."""

    year: int | None = None
    revenue: Decimal | None = None
    rd_expense: Decimal | None = None
    employees: int | None = None
    rd_ratio: Decimal | None = None
    growth: Decimal | None = None


def latest_figures(enterprise_ids: list[int]) -> dict[int, LatestFigures]:
    """Latest reported year per firm, the same definitions the SQL sort keys use."""
    from crm.extensions import db

    by_firm: dict[int, dict[int, tuple[Decimal | None, Decimal | None, int | None]]] = {}
    for start in range(0, len(enterprise_ids), 900):
        chunk = enterprise_ids[start:start + 900]
        rows = db.session.execute(
            select(
                AnnualReport.enterprise_id, AnnualReport.year, AnnualReport.revenue,
                AnnualReport.rd_expense, AnnualReport.employees,
            ).where(AnnualReport.enterprise_id.in_(chunk), reported(AnnualReport))
        )
        for firm_id, year, revenue, rd_expense, employees in rows:
            by_firm.setdefault(firm_id, {})[year] = (revenue, rd_expense, employees)
    result: dict[int, LatestFigures] = {}
    for firm_id in enterprise_ids:
        years = by_firm.get(firm_id)
        if not years:
            result[firm_id] = LatestFigures()
            continue
        year = max(years)
        revenue, rd_expense, employees = years[year]
        figures = LatestFigures(year=year, revenue=revenue, rd_expense=rd_expense, employees=employees)
        if revenue and rd_expense is not None:
            figures.rd_ratio = Decimal(rd_expense) / Decimal(revenue)
        previous = years.get(year - 1)
        if previous and previous[0] and revenue is not None:
            figures.growth = Decimal(revenue) / Decimal(previous[0]) - 1
        result[firm_id] = figures
    return result
