"""Small builders for FirmFacts in rule tests: sensible defaults, override what a case is about."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from crm.rules.facts import FirmFacts, HeldDesignation, HeldPlatform, Honour, YearFigures

AS_OF = date(2026, 6, 15)
LATEST = 2025

MONEY_FIELDS = {
    "revenue", "total_revenue", "rd_expense", "rd_expense_domestic", "hitech_revenue",
    "total_assets", "net_assets", "net_profit", "total_costs", "main_revenue", "total_liabilities",
}


def D(value: str | int | float) -> Decimal:
    """A Decimal from a literal; floats go through str so 0.1 stays 0.1."""
    return Decimal(str(value))


def figures(year: int, **values: Any) -> YearFigures:
    """A year's report; money given as int/str/float becomes Decimal."""
    converted = {k: (D(v) if k in MONEY_FIELDS and v is not None else v) for k, v in values.items()}
    return YearFigures(year=year, **converted)


def firm(reports: list[YearFigures] | tuple[YearFigures, ...] = (), *, founded: date | None = date(2015, 3, 1),
         designations: tuple[HeldDesignation, ...] = (), platforms: tuple[HeldPlatform, ...] = (),
         honours: tuple[Honour, ...] = (), **profile: Any) -> FirmFacts:
    """A firm with the given reports keyed by year."""
    return FirmFacts(uscc="91440703MA0000000X", name="江门测试科技有限公司", founded_on=founded,
                     designations=designations, platforms=platforms, honours=honours,
                     reports={r.year: r for r in reports}, **profile)


def hitech(valid_to: date | None, valid_from: date | None = None,
           number: str | None = "GR202344000001") -> HeldDesignation:
    """A high-tech certificate; by default issued three years before it ends."""
    start = valid_from or (date(valid_to.year - 3, valid_to.month, 1) if valid_to else date(2020, 1, 1))
    return HeldDesignation("hitech", start, valid_to, number)


def designation(kind: str, valid_from: date, valid_to: date | None = None) -> HeldDesignation:
    """Any other designation."""
    return HeldDesignation(kind, valid_from, valid_to)
