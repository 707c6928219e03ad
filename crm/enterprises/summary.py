"""Each firm's latest-year figures, stored on the firm so lists sort on an index.

`latest_year`, `latest_revenue`, `latest_rd_ratio` and `revenue_growth` on
Enterprise are derived from its annual reports (the newest year that is not a
draft). Every ORM change to a report refreshes its firm in the same flush; code
that writes reports with Core statements calls `refresh_latest_figures()` itself.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, and_, cast, event, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from crm.models import AnnualReport, Enterprise, ReportStatus

CHUNK = 5000


def reported(report: Any) -> Any:  # noqa: ANN401 - an aliased entity
    # Figures count once a firm has submitted them (drafts are the firm's own business).
    return report.status != ReportStatus.draft


def _latest(column: Any) -> Any:  # noqa: ANN401 - a correlated scalar subquery
    return (
        select(column)
        .where(AnnualReport.enterprise_id == Enterprise.id, reported(AnnualReport))
        .order_by(AnnualReport.year.desc())
        .limit(1)
        .correlate(Enterprise)
        .scalar_subquery()
    )


def _growth() -> Any:  # noqa: ANN401
    current = aliased(AnnualReport)
    previous = aliased(AnnualReport)
    growth = cast(current.revenue, Float) / func.nullif(cast(previous.revenue, Float), 0) - 1
    return (
        select(growth)
        .select_from(current)
        .outerjoin(
            previous,
            and_(
                previous.enterprise_id == current.enterprise_id,
                previous.year == current.year - 1,
                reported(previous),
            ),
        )
        .where(current.enterprise_id == Enterprise.id, reported(current))
        .order_by(current.year.desc())
        .limit(1)
        .correlate(Enterprise)
        .scalar_subquery()
    )


def _values() -> dict[str, Any]:
    ratio = cast(AnnualReport.rd_expense, Float) / func.nullif(cast(AnnualReport.revenue, Float), 0)
    return {
        "latest_year": _latest(AnnualReport.year),
        "latest_revenue": _latest(AnnualReport.revenue),
        "latest_rd_ratio": _latest(ratio),
        "revenue_growth": _growth(),
    }


def refresh_latest_figures(connection: Connection | Session, enterprise_ids: Iterable[int] | None = None) -> None:
    """Recompute the stored latest-year figures of these firms (all firms when None)."""
    statement = update(Enterprise.__table__).values(
        {Enterprise.__table__.c[name]: value for name, value in _values().items()}
    )
    if enterprise_ids is None:
        connection.execute(statement)
        return
    ids = sorted(set(enterprise_ids))
    for start in range(0, len(ids), CHUNK):
        connection.execute(statement.where(Enterprise.__table__.c.id.in_(ids[start : start + CHUNK])))


FIGURE_COLUMNS = ("latest_year", "latest_revenue", "latest_rd_ratio", "revenue_growth")


def rd_ratio(rd_expense: Decimal | None, revenue: Decimal | None, dialect_name: str) -> float | None:
    """``latest_rd_ratio`` of a stored report exactly as the refresh statement computes it
    (``CAST(rd AS FLOAT) / NULLIF(CAST(revenue AS FLOAT), 0)``), for code that writes a
    firm's figures with the firm instead of refreshing afterwards. ValueError for a
    dialect whose arithmetic is not replicated here (refresh instead).

    Values are the stored ones (4 decimal places). SQLite stores them as REAL: both
    casts are Python's float(). PostgreSQL converts each numeric to float8 correctly
    rounded, but SQLAlchemy renders the divisor as ``CAST(… AS NUMERIC)``, a
    float8→numeric conversion that keeps 15 significant digits, then back to float8."""
    if rd_expense is None or revenue is None:
        return None
    divisor = float(revenue)
    if divisor == 0:
        return None
    if dialect_name == "postgresql":
        divisor = float(f"{divisor:.15g}")
    elif dialect_name != "sqlite":
        raise ValueError(dialect_name)
    return float(rd_expense) / divisor


@event.listens_for(Session, "after_flush")
def _refresh_after_report_changes(session: Session, _flush_context: Any) -> None:
    touched = {
        obj.enterprise_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, AnnualReport) and obj.enterprise_id is not None
    }
    if touched:
        # Same connection and transaction as the flush: a rollback undoes both.
        refresh_latest_figures(session.connection(), touched)
