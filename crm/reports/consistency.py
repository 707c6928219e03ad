"""The rules an annual report's figures and year must satisfy, defined once.

The officer's form (crm.enterprises.forms.AnnualReportForm), the enterprise
portal (crm.portal.services) and the importer (importers.rows) check figures
with these bounds, so a value one of them refuses the others refuse too.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# (part, whole, message): a part never exceeds its whole. These three are also the
# annual_report table's check constraints, so a draft may never store a breach of them.
STORED_BOUNDS = (
    ("rd_expense_domestic", "rd_expense", _l("境内研发费用不得超过研发费用")),
    ("tech_staff", "employees", _l("科技人员数不得超过职工总数")),
    ("rd_staff", "employees", _l("研发人员数不得超过职工总数")),
)
# High-tech product revenue within total revenue (sales revenue when total revenue is
# blank). No constraint: the portal checks it on submit, the officer's form on save.
HITECH_BOUND = ("hitech_revenue", "total_revenue", _l("高新技术产品（服务）收入不得超过总收入（未填总收入时为营业收入）"))
# Main-business revenue is part of sales revenue. (Liabilities may exceed total assets: an
# insolvent firm's do.)
MAIN_REVENUE_BOUND = ("main_revenue", "revenue", _l("主营业务收入不得超过销售收入（营业收入）"))
# Sales revenue is part of total revenue (总收入 includes 销售收入); a blank total stands for
# sales revenue, so it breaks nothing. No constraint: reports stored before this rule may break
# it, and are listed for officers to fix (crm.quality) without blocking other edits.
TOTAL_REVENUE_BOUND = ("revenue", "total_revenue", _l("销售收入（营业收入）不得超过总收入"))
# Bounds without a constraint, checked by the officer's form on save, the portal on submit and
# the importer on every row.
SUBMIT_BOUNDS = (HITECH_BOUND, MAIN_REVENUE_BOUND, TOTAL_REVENUE_BOUND)
FIGURE_BOUNDS = (*STORED_BOUNDS, *SUBMIT_BOUNDS)
# A blank whole stands for this figure instead.
WHOLE_FALLBACKS = {"total_revenue": "revenue"}


@dataclass(frozen=True)
class BoundBreach:
    part: str
    whole: str
    part_value: Any
    whole_value: Any
    message: Any  # a lazy string


def whole_value(values: Mapping[str, Any], whole: str) -> Any:  # noqa: ANN401 - Decimal or int
    value = values.get(whole)
    if value is None and whole in WHOLE_FALLBACKS:
        value = values.get(WHOLE_FALLBACKS[whole])
    return value


def bound_breaches(values: Mapping[str, Any], bounds: Iterable[tuple[str, str, Any]] = FIGURE_BOUNDS) -> list[BoundBreach]:
    """Each bound whose part exceeds its whole in `values` (blank figures break nothing)."""
    breaches = []
    for part, whole, message in bounds:
        a, b = values.get(part), whole_value(values, whole)
        if a is not None and b is not None and a > b:
            breaches.append(BoundBreach(part, whole, a, b, message))
    return breaches


def earliest_fiscal_year() -> int:
    """The oldest fiscal year anyone may record: the importer's plausibility floor."""
    from importers.rows import MIN_YEAR

    return MIN_YEAR


def last_fiscal_year(as_of: date) -> int:
    """The newest fiscal year that has ended on `as_of`."""
    return as_of.year - 1


def fiscal_year_problem(year: int, as_of: date, founded_on: date | None = None) -> str | None:
    """Why `year` cannot be a firm's reported fiscal year, or None when it can."""
    latest = last_fiscal_year(as_of)
    if year > latest:
        return _("年度不能晚于%(year)s年（只能填报已结束的年度）", year=latest)
    earliest = earliest_fiscal_year()
    if year < earliest:
        return _("年度%(year)s不合理，不能早于%(earliest)s年", year=year, earliest=earliest)
    if founded_on is not None and year < founded_on.year:
        return _("年度不能早于企业成立年份（%(year)s年）", year=founded_on.year)
    return None
