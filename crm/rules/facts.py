"""The facts about one firm that the rules read: plain frozen values, no database.

The loading layer builds a `FirmFacts` per enterprise from its records; every
rule is a pure function of these facts, an as-of date and its parameters.
Money is `Decimal` in 万元; `None` always means "not reported", never zero.
"""
from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# Kind codes are CONTRACT.md's strings (designations: "hitech", "tech_sme",
# "gazelle", "golden_seed", "listed", ...; platforms: "engineering_center", ...;
# levels: national | provincial | municipal). Incubation carriers host other
# firms; every other platform kind is an R&D institution of the firm (研发机构).
CARRIER_PLATFORM_KINDS: frozenset[str] = frozenset({"incubator", "maker_space", "star_space", "accelerator"})

# Only a report the firm has handed in counts as reported: a draft is unfinished
# and a returned report was rejected by an officer as wrong.
FILED_STATUSES: frozenset[str] = frozenset({"submitted", "verified"})
REPORT_STATUS_LABELS: dict[str, str] = {
    "draft": "草稿", "submitted": "已提交", "verified": "已核实", "returned": "已退回",
}

# Chinese names of the annual figures, for messages about missing data.
FIGURE_LABELS: dict[str, str] = {
    "revenue": "销售收入",
    "total_revenue": "总收入",
    "main_revenue": "主营业务收入",
    "rd_expense": "研发费用",
    "rd_expense_domestic": "境内研发费用",
    "hitech_revenue": "高新技术产品（服务）收入",
    "total_assets": "资产总额",
    "total_liabilities": "负债总额",
    "net_assets": "净资产",
    "net_profit": "净利润",
    "total_costs": "成本费用总额",
    "employees": "职工总数",
    "tech_staff": "科技人员数",
    "rd_staff": "研发人员数",
    "ip_class1": "I类知识产权数",
    "ip_class2": "II类知识产权数",
}


@dataclass(frozen=True)
class YearFigures:
    """One fiscal year's annual report of a firm (money in 万元)."""

    year: int
    revenue: Decimal | None = None            # sales revenue 营业收入, base of R&D ratios
    total_revenue: Decimal | None = None      # 总收入 (None: same as revenue)
    main_revenue: Decimal | None = None       # 主营业务收入 (MIIT ladder)
    rd_expense: Decimal | None = None
    rd_expense_domestic: Decimal | None = None
    hitech_revenue: Decimal | None = None
    total_assets: Decimal | None = None
    total_liabilities: Decimal | None = None  # 负债总额 (MIIT ladder: debt ratio)
    net_assets: Decimal | None = None
    net_profit: Decimal | None = None
    total_costs: Decimal | None = None
    employees: int | None = None
    tech_staff: int | None = None
    rd_staff: int | None = None
    ip_class1: int | None = None
    ip_class2: int | None = None
    status: str = "verified"   # draft | submitted | verified | returned

    @property
    def filed(self) -> bool:
        """Whether the firm has handed this report in (submitted or verified)."""
        return self.status in FILED_STATUSES

    @property
    def effective_total_revenue(self) -> Decimal | None:
        """总收入, falling back to sales revenue when it was not reported separately."""
        return self.total_revenue if self.total_revenue is not None else self.revenue


@dataclass(frozen=True)
class HeldDesignation:
    """A designation (certificate, registration, list entry) a firm holds or held."""

    kind: str
    valid_from: date
    valid_to: date | None = None   # None: open-ended
    certificate_no: str | None = None

    def valid_on(self, on: date) -> bool:
        """Whether the designation is in force on that day (both ends inclusive)."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class HeldPlatform:
    """An R&D institution or incubation carrier run by the firm."""

    kind: str
    level: str                      # national | provincial | municipal
    recognized_on: date | None = None
    valid_to: date | None = None

    @property
    def is_rd_institution(self) -> bool:
        """R&D institutions are every platform kind except incubation carriers."""
        return self.kind not in CARRIER_PLATFORM_KINDS

    def valid_on(self, on: date) -> bool:
        """Whether the platform's recognition is in force on that day."""
        started = self.recognized_on is None or self.recognized_on <= on
        return started and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class Honour:
    """An award, a led standard or an equity round, dated by year."""

    kind: str
    year: int
    amount: Decimal | None = None   # 万元, for equity_raised


@dataclass(frozen=True)
class Declaration:
    """Facts the firm declared (crm.models.declaration), as of ``declared_on``; only a verified
    one counts, and not before its date."""

    declared_on: date
    status: str = "verified"   # draft | submitted | verified | returned
    niche_since: int | None = None      # year it entered its niche market
    leading_product: str | None = None
    product_field: str | None = None    # strategic_gap | six_basics | time_honoured | chain_supplier | other
    digital_level: int | None = None    # 1–3
    quality_award: bool = False
    quality_certified: bool = False
    own_brand: bool = False
    standards: bool = False
    strategic_emerging: bool | None = None
    ip_grade: str | None = None         # high_value | own | plain

    @property
    def quality_items(self) -> int:
        return sum((self.quality_award, self.quality_certified, self.own_brand, self.standards))


@dataclass(frozen=True)
class FirmFacts:
    """Everything the rules know about one enterprise."""

    uscc: str
    name: str
    founded_on: date | None
    above_size: bool = False
    hitech_field: str | None = None
    designations: tuple[HeldDesignation, ...] = ()
    platforms: tuple[HeldPlatform, ...] = ()
    reports: Mapping[int, YearFigures] = field(default_factory=dict)
    honours: tuple[Honour, ...] = ()
    declarations: tuple[Declaration, ...] = ()  # oldest first
    closed_on: date | None = None  # 注销: from this day no rule applies to the firm

    def closed(self, on: date) -> bool:
        return self.closed_on is not None and self.closed_on <= on

    def declared(self, on: date) -> Declaration | None:
        """The latest verified declaration in force on a day, or None."""
        found = None
        for declaration in self.declarations:
            if declaration.status == "verified" and declaration.declared_on <= on:
                found = declaration
        return found

    def pending_declaration(self, on: date) -> Declaration | None:
        """A declaration made after the one in force (not yet verified, or dated later), or None."""
        current = self.declared(on)
        later = [d for d in self.declarations if d is not current
                 and (current is None or d.declared_on >= current.declared_on) and d.status != "returned"]
        return later[-1] if later else None

    def report(self, year: int) -> YearFigures | None:
        """The report for a fiscal year, whatever its status, or None."""
        return self.reports.get(year)

    def filed_report(self, year: int) -> YearFigures | None:
        """The report for a fiscal year if it was submitted or verified, else None."""
        figures = self.reports.get(year)
        return figures if figures is not None and figures.status in FILED_STATUSES else None

    def figure(self, year: int, name: str) -> object:
        """One figure of a filed report (None if the report or the figure is missing).

        `total_revenue` falls back to sales revenue, as the contract says.
        """
        # The hottest call of the rules (a dozen per firm and rule): filed_report inlined.
        figures = self.reports.get(year)
        if figures is None or figures.status not in FILED_STATUSES:
            return None
        if name == "total_revenue":
            return figures.effective_total_revenue
        return getattr(figures, name)

    def holds(self, kind: str, on: date) -> HeldDesignation | None:
        """The designation of that kind valid on a day, or None.

        When several overlap (a renewed certificate issued before the old one
        ends) the one lasting longest is returned, since it decides expiry.
        """
        valid = [d for d in self.designations if d.kind == kind and d.valid_on(on)]
        if not valid:
            return None
        return max(valid, key=lambda d: (d.valid_to is None, d.valid_to or date.min))

    def upcoming(self, kind: str, after: date) -> HeldDesignation | None:
        """The earliest designation of that kind that starts after a day (a renewal already granted)."""
        later = [d for d in self.designations if d.kind == kind and d.valid_from > after]
        return min(later, key=lambda d: d.valid_from) if later else None

    def existed_in(self, year: int) -> bool:
        """Whether the firm existed at some point of a calendar year (unknown founding: yes)."""
        return self.founded_on is None or self.founded_on.year <= year


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Aug + 6 → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 Feb becomes 28 Feb in a common year."""
    return add_months(day, 12 * years)
