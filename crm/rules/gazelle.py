"""gazelle_candidate: a young high-tech firm growing fast (瞪羚企业), local thresholds.

Defaults (parameters): valid high-tech certificate, founded at most 10 years
before the as-of date, latest-year sales ≥ 1,000万, and compound annual sales
growth ≥ 20% from the first to the last of the last three fiscal years (two
growth periods); a firm already holding a valid gazelle designation is not a
candidate.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from crm.rules import _conditions as cond
from crm.rules import _format as fmt
from crm.rules import season
from crm.rules.facts import FirmFacts, add_years
from crm.rules.parameters import GAZELLE as RULE
from crm.rules.parameters import resolve
from crm.rules.result import Bound, Condition, Eligibility


def evaluate(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility:
    """Whether the firm is a gazelle candidate on `as_of`."""
    p = resolve(RULE, params)
    basis = season.basis(facts, as_of, season.season_params(params))
    latest = basis.year
    conditions = (
        cond.holding("holds_hitech", "持有有效高企证书", facts, "hitech", as_of, "高新技术企业", wanted=True),
        _young(facts, as_of, p["max_age_years"]),
        cond.at_least("revenue_min", "最近一年销售收入", value=facts.figure(latest, "revenue"),
                      threshold=p["min_revenue"], unit=cond.MONEY, subject=f"{latest}年度销售收入",
                      missing=cond.missing_figures(facts, [latest], ["revenue"])),
        cond.revenue_growth(facts, latest, p["growth_years"], p["min_revenue_cagr"], "revenue_cagr",
                       "销售收入年均复合增长率"),
        cond.holding("not_gazelle", "尚未认定为瞪羚企业", facts, "gazelle", as_of, "瞪羚企业", wanted=False),
    )
    return Eligibility(RULE, cond.all_passed(conditions), conditions, {"latest_year": latest, **basis.info()})


def _young(facts: FirmFacts, as_of: date, years: int) -> Condition:
    code, label = "age_max", f"成立不超过{years}年"
    bound = Bound.founded_at_most
    if facts.founded_on is None:
        return cond.undecided(code, label, "缺少注册成立日期", threshold=years, unit="年", bound=bound)
    limit = add_years(facts.founded_on, years)
    founded = fmt.day(facts.founded_on)
    required = fmt.requirement(bound, years, "年")
    if as_of <= limit:
        return cond.fact(code, label, True, f"成立于{founded}，符合{required}的条件",
                         actual=facts.founded_on.isoformat(), threshold=years, unit="年", bound=bound)
    return cond.fact(code, label, False,
                     f"成立于{founded}，已于{fmt.day(limit)}满{years}年，不符合{required}的条件",
                     actual=facts.founded_on.isoformat(), threshold=years, unit="年", bound=bound)

