"""Worlds for eligibility tests: firms that pass (or just miss) the high-tech and tech-SME rules."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from crm.models import Enterprise
from tests.factories import AnnualReportFactory, EnterpriseFactory

AS_OF = date(2026, 6, 15)
YEARS = (2023, 2024, 2025)


def candidate(district: str = "440783", name: str | None = None, **report: Any) -> Enterprise:
    """A firm with three verified reports meeting every high-tech and tech-SME condition
    (R&D 6% of sales, tech staff 20.8%, high-tech revenue 71%); `report` overrides the figures."""
    kwargs: dict[str, Any] = {"district": district}
    if name is not None:
        kwargs["name"] = name
    firm = EnterpriseFactory(**kwargs)
    for year in YEARS:
        AnnualReportFactory(enterprise=firm, year=year, **report)
    return firm


def weak_rd() -> dict[str, Decimal]:
    """Figures with R&D at 4% of sales (fails the 5% band)."""
    return {"rd_expense": Decimal("120"), "rd_expense_domestic": Decimal("120")}
