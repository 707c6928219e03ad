"""How numbers, money, dates and codes look on pages (Jinja filters)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask

from crm.clock import local_time
from crm.districts import DISTRICTS
from crm.ladder import DESIGNATION_LABELS, STAGE_LABELS
from crm.models import DesignationKind
from crm.models.annual_report import REPORT_STATUS_LABELS


def money(value: Decimal | float | int | None, places: int = 2) -> str:
    """万元 with thousands separators, e.g. 12,345.60; blank for not reported."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.{places}f}"


def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def percent(value: Decimal | float | None, places: int = 2) -> str:
    """A fraction as a percentage: 0.0498 -> 4.98%."""
    if value is None:
        return "—"
    return f"{Decimal(value) * 100:.{places}f}%"


def ymd(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value).strftime("%Y-%m-%d %H:%M")  # stored as naive UTC
    return value.isoformat()


def designation_label(kind: DesignationKind | str) -> str:
    key = kind if isinstance(kind, DesignationKind) else DesignationKind(kind)
    return DESIGNATION_LABELS[key]


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money, count=count, percent=percent, ymd=ymd, designation_label=designation_label
    )

    @app.context_processor
    def labels() -> dict[str, Any]:
        from flask_babel import get_locale

        return {"STAGE_LABELS": STAGE_LABELS, "REPORT_STATUS_LABELS": REPORT_STATUS_LABELS, "DISTRICTS": DISTRICTS,
                "get_locale": get_locale}
