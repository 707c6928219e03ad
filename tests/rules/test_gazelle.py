"""gazelle_candidate: valid high-tech firm, young, large enough, growing ≥ 20% a year."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from crm.rules import gazelle
from crm.rules.result import Eligibility
from tests.rules.builders import AS_OF, D, designation, figures, firm, hitech

CERT = hitech(date(2027, 12, 31))


def run(revenues: dict[int, Any], *, founded: date = date(2018, 1, 1), designations: tuple = (CERT,),
        **params: Any) -> Eligibility:
    reports = [figures(y, revenue=v) for y, v in revenues.items()]
    return gazelle.evaluate(firm(reports, founded=founded, designations=designations), AS_OF, params)


GROWING = {2023: 1000, 2024: 1100, 2025: 1440}   # (1440/1000)^(1/2) − 1 = 20% exactly


def test_baseline_passes() -> None:
    result = run(GROWING)
    assert result.passed is True
    c = result.condition("revenue_cagr")
    assert c.actual == D("0.2")
    assert c.message == "2023–2025年销售收入年均复合增长率 20.00%，达到 20% 的要求"


@pytest.mark.parametrize(
    "latest, passed, gap, shown",
    [
        ("1440", True, None, "20.00%"),
        ("1439.99", False, D("0.01"), "19.99%"),
        ("1440.01", True, None, "20.00%"),
        ("1210", False, D(230), "10.00%"),
    ],
)
def test_cagr_threshold(latest: str, passed: bool, gap: Decimal | None, shown: str) -> None:
    c = run({**GROWING, 2025: latest}).condition("revenue_cagr")
    assert (c.passed, c.gap) == (passed, gap)
    assert shown in c.message
    if gap:
        assert f"低于 20% 的要求，差 {gap} 万元" in c.message


@pytest.mark.parametrize(
    "latest, first, passed, gap",
    [("1000", "600", True, None), ("999.99", "600", False, D("0.01")), ("1000.01", "600", True, None)],
)
def test_minimum_revenue(latest: str, first: str, passed: bool, gap: Decimal | None) -> None:
    c = run({2023: first, 2024: 800, 2025: latest}).condition("revenue_min")
    assert (c.passed, c.gap) == (passed, gap)
    if gap:
        assert c.message == "2025年度销售收入 999.99 万元，低于 1,000 万元的要求，差 0.01 万元"


@pytest.mark.parametrize(
    "founded, passed",
    [(date(2016, 6, 15), True), (date(2016, 6, 14), False), (date(2016, 6, 16), True)],
)
def test_founded_at_most_ten_years(founded: date, passed: bool) -> None:
    c = run(GROWING, founded=founded).condition("age_max")
    assert c.passed is passed
    if not passed:
        assert "已于2026年6月14日满10年" in c.message


def test_needs_valid_hitech_and_no_gazelle_yet() -> None:
    assert run(GROWING, designations=()).reasons == ["未持有有效的高新技术企业资格"]
    already = run(GROWING, designations=(CERT, designation("gazelle", date(2026, 1, 1), date(2026, 12, 31))))
    assert already.passed is False
    assert already.reasons == ["已是瞪羚企业（有效期至2026年12月31日）"]


def test_young_firm_cannot_show_three_year_growth() -> None:
    c = run({2024: 500, 2025: 2000}, founded=date(2024, 3, 1)).condition("revenue_cagr")
    assert c.passed is False
    assert c.message == "企业成立于2024年，经营不足3个会计年度，无法计算2023–2025年销售收入年均复合增长率"


def test_missing_and_zero_base_year() -> None:
    missing = run({2024: 1100, 2025: 1440}).condition("revenue_cagr")
    assert missing.passed is None and missing.message == "缺少2023年度报表"
    zero = run({**GROWING, 2023: 0}).condition("revenue_cagr")
    assert zero.passed is False and "2023年度销售收入为 0 万元" in zero.message


def test_missing_latest_report() -> None:
    result = run({2023: 1000, 2024: 1100})
    assert result.passed is False
    assert result.condition("revenue_min").message == "缺少2025年度报表"


def test_parameters() -> None:
    assert run(GROWING, min_revenue_cagr="0.25").passed is False
    # Two fiscal years: one growth period 2024 → 2025 (1100 → 1440 is 30.909…%).
    c = run(GROWING, growth_years=2, min_revenue_cagr="0.3").condition("revenue_cagr")
    assert c.passed is True and "2025年较2024年销售收入增长率 30.91%" in c.message
