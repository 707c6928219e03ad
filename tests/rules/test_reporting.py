"""report_overdue: after 31 May (parameter) with no submitted or verified report for last year."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from crm.rules import reporting
from crm.rules.result import Eligibility
from tests.rules.builders import figures, firm


def run(as_of: date, status: str | None = None, founded: date | None = date(2015, 3, 1),
        **params: Any) -> Eligibility:
    reports = [figures(2025, revenue=100, status=status)] if status else []
    return reporting.evaluate(firm(reports, founded=founded), as_of, params)


@pytest.mark.parametrize(
    "as_of, status, passed, text",
    [
        (date(2026, 5, 30), None, False, "2025年度报表提交截止日期为2026年5月31日，尚未到期"),
        (date(2026, 5, 31), None, False, "尚未到期"),              # the deadline day itself is in time
        (date(2026, 6, 1), None, True, "2025年度报表应于2026年5月31日前提交，截止日期已过"),
        (date(2026, 11, 1), None, True, "截止日期已过"),
        (date(2026, 6, 1), "draft", True, "2025年度报表尚未提交"),
        (date(2026, 6, 1), "returned", True, "2025年度报表已被退回"),
        (date(2026, 6, 1), "submitted", False, "2025年度报表已提交（已提交）"),
        (date(2026, 6, 1), "verified", False, "2025年度报表已提交（已核实）"),
    ],
)
def test_deadline_and_status(as_of: date, status: str | None, passed: bool, text: str) -> None:
    result = run(as_of, status)
    assert result.passed is passed
    assert any(text in r for r in result.reasons)


def test_overdue_result_stays_the_same_from_day_to_day_so_a_stored_flag_is_not_re_worded() -> None:
    first, later = run(date(2026, 6, 1)), run(date(2026, 11, 1))
    assert first.reasons == later.reasons
    assert [c.actual for c in first.conditions] == [c.actual for c in later.conditions]


def test_overdue_reasons_name_what_is_missing() -> None:
    assert run(date(2026, 6, 1)).reasons == [
        "2025年度报表应于2026年5月31日前提交，截止日期已过",
        "企业须报送2025年度报表",
        "尚未提交2025年度报表",
    ]


@pytest.mark.parametrize(
    "founded, passed",
    [(date(2025, 12, 31), True), (date(2026, 1, 1), False), (None, True)],
)
def test_firms_founded_after_the_fiscal_year_are_not_overdue(founded: date | None, passed: bool) -> None:
    result = run(date(2026, 7, 1), founded=founded)
    assert result.passed is passed
    if not passed:
        assert "晚于2025年末，无须报送2025年度报表" in result.reasons[0]


def test_deadline_parameters() -> None:
    assert run(date(2026, 6, 20), deadline_month=6, deadline_day=30).passed is False
    assert run(date(2026, 7, 1), deadline_month=6, deadline_day=30).passed is True
    # A day past the month's end clamps to it: 31 June → 30 June.
    result = run(date(2026, 7, 1), deadline_month=6, deadline_day=31)
    assert result.info["deadline"] == date(2026, 6, 30) and result.passed is True
