"""The reporting season: which fiscal year the rules read for a firm on a day.

Last year's report is due by the `report_overdue` rule's deadline (default 31 May).
Until then a firm that has not filed it is judged on the year before, and every
reason says so; after the deadline a missing report is a missing report. One
function decides, so every rule, the nightly run's shortcuts and the pages agree.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from crm.rules.facts import FILED_STATUSES, FirmFacts
from crm.rules.parameters import REPORT_OVERDUE, resolve
from crm.rules.reporting import deadline


@dataclass(frozen=True)
class Basis:
    """The latest fiscal year a firm is judged on, and the year whose report is due."""

    year: int        # the rules' latest fiscal year
    due_year: int    # the year whose report is due this season (as-of year − 1)

    @property
    def deferred(self) -> bool:
        """True in the reporting season when last year's report is not in yet."""
        return self.year < self.due_year

    @property
    def note(self) -> str | None:
        """The sentence every deferred result begins with, None otherwise."""
        if not self.deferred:
            return None
        return f"以{self.year}年度数据评估：{self.due_year}年度年报尚未到报送截止日"

    def info(self) -> dict[str, object]:
        """What a result's info says about its basis (stored with a flag in Flag.gaps["info"])."""
        found: dict[str, object] = {"basis_year": self.year}
        if self.deferred:
            found["basis_note"] = self.note
        return found


def season_params(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """The deadline parameters passed to a rule under the report_overdue code (crm.rules.params_of)."""
    return params.get(REPORT_OVERDUE) or {}


def basis(facts: FirmFacts, as_of: date, deadline_params: Mapping[str, Any] | None = None) -> Basis:
    """The fiscal year to judge the firm on as of a day.

    As-of year − 1 once its report is filed (submitted or verified) or the deadline has
    passed; until the deadline (inclusive, as report_overdue counts it) the year before,
    if the firm existed then. `deadline_params` are report_overdue's (defaults if empty).
    """
    due_year = as_of.year - 1
    # Called by every rule for every firm each night: the common case (filed) first, inline.
    figures = facts.reports.get(due_year)
    if (figures is not None and figures.status in FILED_STATUSES) or not facts.existed_in(due_year - 1):
        return _basis(due_year, due_year)
    if as_of > deadline(as_of.year, resolve(REPORT_OVERDUE, deadline_params or {})):
        return _basis(due_year, due_year)
    return _basis(due_year - 1, due_year)


@lru_cache(maxsize=64)
def _basis(year: int, due_year: int) -> Basis:
    """One shared value per pair of years (a frozen dataclass costs more to build than to look up)."""
    return Basis(year, due_year)
