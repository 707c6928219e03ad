"""report_overdue: the last fiscal year's report is not in after the deadline.

Only a submitted or verified report counts; a draft or a returned report
leaves the firm overdue. On the deadline day itself nobody is overdue yet.
"""
from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from typing import Any

from crm.rules import _conditions as cond
from crm.rules import _format as fmt
from crm.rules.facts import REPORT_STATUS_LABELS, FirmFacts
from crm.rules.parameters import REPORT_OVERDUE as RULE
from crm.rules.parameters import resolve
from crm.rules.result import Condition, Eligibility


def deadline(year: int, p: Mapping[str, Any]) -> date:
    """The reporting deadline in `year` for the previous fiscal year (day clamped to the month)."""
    month = p["deadline_month"]
    return date(year, month, min(p["deadline_day"], calendar.monthrange(year, month)[1]))


def evaluate(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility:
    """Whether the firm's report for as_of.year − 1 is overdue on `as_of`."""
    p = resolve(RULE, params)
    year = as_of.year - 1
    due = deadline(as_of.year, p)
    conditions = (_past_deadline(year, due, as_of), _had_to_report(facts, year), _not_filed(facts, year))
    return Eligibility(RULE, cond.all_passed(conditions), conditions, {"fiscal_year": year, "deadline": due})


def _past_deadline(year: int, due: date, as_of: date) -> Condition:
    label = "已过报送截止日期"
    if as_of > due:
        # No day count or as-of date here: a stored flag would be re-worded every night.
        return cond.fact("past_deadline", label, True,
                         f"{year}年度报表应于{fmt.day(due)}前提交，截止日期已过",
                         threshold=due.isoformat())
    return cond.fact("past_deadline", label, False,
                     f"{year}年度报表提交截止日期为{fmt.day(due)}，尚未到期",
                     actual=as_of.isoformat(), threshold=due.isoformat())


def _had_to_report(facts: FirmFacts, year: int) -> Condition:
    label = f"须报送{year}年度报表"
    if facts.existed_in(year):
        return cond.fact("had_to_report", label, True, f"企业须报送{year}年度报表")
    founded = facts.founded_on.isoformat()  # type: ignore[union-attr]  # existed_in is True without a date
    return cond.fact("had_to_report", label, False,
                     f"企业成立于{fmt.day(facts.founded_on)}，晚于{year}年末，无须报送{year}年度报表",  # type: ignore[arg-type]
                     actual=founded)


def _not_filed(facts: FirmFacts, year: int) -> Condition:
    label = f"{year}年度报表未提交"
    figures = facts.report(year)
    if figures is not None and figures.filed:
        return cond.fact("not_filed", label, False,
                         f"{year}年度报表已提交（{REPORT_STATUS_LABELS.get(figures.status, figures.status)}）",
                         actual=figures.status)
    if figures is None:
        return cond.fact("not_filed", label, True, f"尚未提交{year}年度报表")
    # A draft or a returned report: say which, so the firm knows what to do.
    return cond.fact("not_filed", label, True, cond.missing_figures(facts, [year]) or f"尚未提交{year}年度报表",
                     actual=figures.status)
