"""golden_seed_candidate: valid high-tech firm with revenue, profit and growth; not in the pool, not listed."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from crm.rules import golden_seed
from crm.rules.result import Eligibility
from tests.rules.builders import AS_OF, D, designation, figures, firm, hitech

CERT = hitech(date(2027, 12, 31))


def run(latest: dict[str, Any] | None = None, previous: dict[str, Any] | None = None, *,
        designations: tuple = (CERT,), **facts: Any) -> Eligibility:
    reports = [figures(2024, **{"revenue": 5000, **(previous or {})}),
               figures(2025, **{"revenue": 5750, "net_profit": 500, **(latest or {})})]
    return golden_seed.evaluate(firm(reports, designations=designations, **facts), AS_OF, {})


def test_baseline_at_every_threshold_passes() -> None:
    result = run()
    assert result.passed is True
    assert result.condition("revenue_growth").message == "2025年较2024年销售收入增长率 15.00%，达到 15% 的要求"


@pytest.mark.parametrize(
    "code, latest, previous, passed, gap",
    [
        ("revenue_min", {"revenue": "4999.99"}, {"revenue": 4000}, False, D("0.01")),
        ("revenue_min", {"revenue": "5000"}, {"revenue": 4000}, True, None),
        ("revenue_min", {"revenue": "5000.01"}, {"revenue": 4000}, True, None),
        ("net_profit_min", {"net_profit": "499.99"}, {}, False, D("0.01")),
        ("net_profit_min", {"net_profit": "500.01"}, {}, True, None),
        ("net_profit_min", {"net_profit": "-20"}, {}, False, D(520)),
        ("revenue_growth", {"revenue": "5749.99"}, {}, False, D("0.01")),
        ("revenue_growth", {"revenue": "5750.01"}, {}, True, None),
        ("revenue_growth", {}, {"revenue": 0}, False, None),
    ],
)
def test_thresholds(code: str, latest: dict, previous: dict, passed: bool, gap: Decimal | None) -> None:
    result = run(latest, previous)
    c = result.condition(code)
    assert (c.passed, c.gap) == (passed, gap)
    assert result.passed is passed
    if gap is not None:
        assert result.gaps == {code: gap}


def test_negative_profit_message() -> None:
    c = run({"net_profit": "-20"}).condition("net_profit_min")
    assert c.message == "2025年度净利润 -20 万元，低于 500 万元的要求，差 520 万元"


@pytest.mark.parametrize(
    "designations, reason",
    [
        ((), "未持有有效的高新技术企业资格"),
        ((CERT, designation("golden_seed", date(2025, 7, 1), date(2026, 6, 30))), "已是金种子企业（有效期至2026年6月30日）"),
        ((CERT, designation("listed", date(2024, 1, 1))), "已是上市企业（长期有效）"),
    ],
)
def test_standing(designations: tuple, reason: str) -> None:
    result = run(designations=designations)
    assert result.passed is False
    assert result.reasons == [reason]


def test_lapsed_pool_entry_is_a_candidate_again() -> None:
    assert run(designations=(CERT, designation("golden_seed", date(2024, 7, 1), date(2025, 6, 30)))).passed is True


def test_missing_profit_is_undecided() -> None:
    c = run({"net_profit": None}).condition("net_profit_min")
    assert c.passed is None and c.message == "2025年度报表缺少净利润"


def test_parameters_override_defaults() -> None:
    facts = firm([figures(2024, revenue=5000), figures(2025, revenue=5750, net_profit=500)], designations=(CERT,))
    result = golden_seed.evaluate(facts, AS_OF, {"min_net_profit": 800})
    assert result.passed is False and result.gaps == {"net_profit_min": 300}
