"""golden_seed_candidate: listing-reserve candidates for the 金种子 pool, local thresholds.

Defaults (parameters): valid high-tech certificate, latest-year sales ≥ 5,000万,
net profit ≥ 500万, sales growth over the previous year ≥ 15%; a firm already
in the pool (valid golden_seed designation) or listed is not a candidate.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from crm.rules import _conditions as cond
from crm.rules import season
from crm.rules.facts import FirmFacts
from crm.rules.parameters import GOLDEN_SEED as RULE
from crm.rules.parameters import resolve
from crm.rules.result import Eligibility


def evaluate(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility:
    """Whether the firm is a golden-seed candidate on `as_of`."""
    p = resolve(RULE, params)
    basis = season.basis(facts, as_of, season.season_params(params))
    latest = basis.year
    conditions = (
        cond.holding("holds_hitech", "持有有效高企证书", facts, "hitech", as_of, "高新技术企业", wanted=True),
        cond.at_least("revenue_min", "最近一年销售收入", value=facts.figure(latest, "revenue"),
                      threshold=p["min_revenue"], unit=cond.MONEY, subject=f"{latest}年度销售收入",
                      missing=cond.missing_figures(facts, [latest], ["revenue"])),
        cond.at_least("net_profit_min", "最近一年净利润", value=facts.figure(latest, "net_profit"),
                      threshold=p["min_net_profit"], unit=cond.MONEY, subject=f"{latest}年度净利润",
                      missing=cond.missing_figures(facts, [latest], ["net_profit"])),
        cond.revenue_growth(facts, latest, 2, p["min_revenue_growth"], "revenue_growth", "销售收入增长率"),
        cond.holding("not_in_pool", "尚未入金种子库", facts, "golden_seed", as_of, "金种子企业", wanted=False),
        cond.holding("not_listed", "尚未上市", facts, "listed", as_of, "上市企业", wanted=False),
    )
    return Eligibility(RULE, cond.all_passed(conditions), conditions, {"latest_year": latest, **basis.info()})
