"""tech_sme_candidate: size limits, score tables, the non-zero staff score, direct qualification."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from crm.rules import tech_sme
from crm.rules.facts import HeldPlatform, Honour
from crm.rules.parameters import defaults_for
from crm.rules.result import Eligibility
from tests.rules.builders import AS_OF, D, designation, figures, firm, hitech

RULE = "tech_sme_candidate"
# 30% staff (20) + R&D 6% of sales (50) + an invention patent (30) = 100 points.
BASE: dict[str, Any] = dict(revenue=1000, total_costs=900, rd_expense=60, employees=100, tech_staff=30,
                            ip_class1=1, ip_class2=0, total_assets=5000)


def run(latest: dict[str, Any] | None = None, *, report: bool = True, **facts: Any) -> Eligibility:
    reports = [figures(2025, **{**BASE, **(latest or {})})] if report else []
    result = tech_sme.evaluate(firm(reports, **facts), AS_OF, {})
    # The nightly run's shortcut agrees at every edge of every table.
    assert tech_sme.evaluate_if_passing(firm(reports, **facts), AS_OF, {}) == (result if result.passed else None)
    return result


def test_baseline_passes() -> None:
    result = run()
    assert result.passed is True
    assert result.info["score"] == 100
    assert result.condition("score").message == "评价得分 100 分，达到 60 分的要求（科技人员 20 分、研发投入 50 分、科技成果 30 分）"


@pytest.mark.parametrize(
    "field, value, passed, gap, text",
    [
        ("employees", 500, True, None, "2025年度职工总数 500 人，未超过上限 500 人"),
        ("employees", 501, False, 1, "2025年度职工总数 501 人，超过上限 500 人，超出 1 人"),
        ("employees", 499, True, None, "499 人"),
        ("revenue", "20000", True, None, "2025年度销售收入 20,000 万元，未超过上限 20,000 万元"),
        ("revenue", "20000.01", False, D("0.01"), "超出 0.01 万元"),
        ("total_assets", "20000", True, None, "2025年度资产总额 20,000 万元"),
        ("total_assets", "20500", False, D(500), "超过上限 20,000 万元，超出 500 万元"),
    ],
)
def test_size_limits(field: str, value: Any, passed: bool, gap: Any, text: str) -> None:
    # Keep staff share and R&D ratios constant while scaling the size figure.
    latest: dict[str, Any] = {field: value}
    if field == "employees":
        latest["tech_staff"] = value
    if field == "revenue":
        latest["rd_expense"] = D(value) * D("0.06")
    result = run(latest)
    c = result.condition(f"{field}_max" if field != "employees" else "employees_max")
    assert (c.passed, c.gap) == (passed, gap)
    assert text in c.message
    assert result.passed is passed


def test_size_limits_apply_even_with_direct_qualification() -> None:
    result = run({"employees": 600, "tech_staff": 180}, designations=(hitech(date(2027, 12, 31)),))
    assert result.condition("direct").passed is True
    assert result.passed is False
    assert result.gaps == {"employees_max": 100}


@pytest.mark.parametrize(
    "tech_staff, points",
    [(30, 20), (29, 16), (25, 16), (24, 12), (20, 12), (19, 8), (15, 8), (14, 4), (10, 4), (9, 0)],
)
def test_staff_points(tech_staff: int, points: int) -> None:
    result = run({"tech_staff": tech_staff})
    assert result.info["staff_points"] == points


@pytest.mark.parametrize(
    "rd, revenue, costs, points",
    [
        (60, 1000, 99999, 50), ("59.99", 1000, 99999, 40), (50, 1000, 99999, 40), (40, 1000, 99999, 30),
        (30, 1000, 99999, 20), (20, 1000, 99999, 10), ("19.99", 1000, 99999, 0),
        (30, 1000, 100, 50),       # 3% of sales, but 30% of total costs: the better counts
        (25, 1000, 100, 40), (20, 1000, 100, 30), (15, 1000, 100, 20), (10, 1000, 100, 10),
        (10, 0, 0, 0),             # no base: no points
    ],
)
def test_rd_points_best_of_sales_and_costs(rd: Any, revenue: Any, costs: Any, points: int) -> None:
    result = run({"rd_expense": rd, "revenue": revenue, "total_costs": costs})
    assert result.info["rd_points"] == points


@pytest.mark.parametrize(
    "class1, class2, points",
    [(1, 0, 30), (2, 9, 30), (0, 4, 24), (0, 5, 24), (0, 3, 18), (0, 2, 12), (0, 1, 6), (0, 0, 0), (None, 3, 18)],
)
def test_ip_points(class1: int | None, class2: int, points: int) -> None:
    assert run({"ip_class1": class1, "ip_class2": class2}).info["ip_points"] == points


@pytest.mark.parametrize(
    "latest, score, passed, gap",
    [
        ({"tech_staff": 20, "rd_expense": 40, "ip_class1": 0, "ip_class2": 3}, 60, True, None),    # 12+30+18
        ({"tech_staff": 25, "rd_expense": 40, "ip_class1": 0, "ip_class2": 2}, 58, False, 2),      # 16+30+12
        ({"tech_staff": 30, "rd_expense": 40, "ip_class1": 0, "ip_class2": 2}, 62, True, None),    # 20+30+12
    ],
)
def test_score_threshold(latest: dict[str, Any], score: int, passed: bool, gap: int | None) -> None:
    result = run(latest)
    c = result.condition("score")
    assert (c.passed, c.actual, c.gap) == (passed, score, gap)
    assert result.passed is passed
    if gap:
        assert f"评价得分 {score} 分，低于 60 分的要求，差 {gap} 分" in c.message
        assert result.gaps == {"score": gap}


@pytest.mark.parametrize(
    "tech_staff, passed",
    [(10, True), (9, False), (11, True)],
)
def test_zero_staff_score_fails_even_with_a_high_score(tech_staff: int, passed: bool) -> None:
    result = run({"tech_staff": tech_staff})     # 0 or 4 + 50 + 30 ≥ 60 either way
    assert result.passed is passed
    c = result.condition("staff_score")
    assert c.passed is passed
    if not passed:
        # 9 of 100: a 10th and 11th tech person also join the staff (10/101 < 10% ≤ 11/102).
        assert c.gap == 2
        assert "低于 10% 的要求，差 2 人（新增部分同时计入2025年度职工总数），科技人员指标得0分，不能参加评价" in c.message


def _platform(kind: str, level: str, valid_to: date | None = None) -> HeldPlatform:
    return HeldPlatform(kind, level, date(2020, 1, 1), valid_to)


@pytest.mark.parametrize(
    "extra, passed, text",
    [
        ({"designations": (hitech(date(2027, 12, 31)),)}, True, "持有有效高企证书，有效期至2027年12月31日"),
        ({"designations": (hitech(date(2026, 6, 14)),)}, False, "无直接认定条件"),
        ({"platforms": (_platform("engineering_center", "provincial"),)}, True, "拥有省级研发机构"),
        ({"platforms": (_platform("key_lab", "national"),)}, True, "拥有国家级研发机构"),
        ({"platforms": (_platform("engineering_center", "municipal"),)}, False, "无直接认定条件"),
        ({"platforms": (_platform("incubator", "national"),)}, False, "无直接认定条件"),   # a carrier, not R&D
        ({"platforms": (_platform("engineering_center", "provincial", date(2026, 1, 1)),)}, False, "无直接认定条件"),
        ({"honours": (Honour("national_science_award", 2021),)}, True, "2021年获国家级科技奖励"),
        ({"honours": (Honour("national_science_award", 2020),)}, False, "无直接认定条件"),
        ({"honours": (Honour("provincial_science_award", 2024),)}, False, "无直接认定条件"),
        ({"honours": (Honour("led_industry_standard", 2022),)}, True, "2022年主导制定行业标准"),
        ({"honours": (Honour("led_national_standard", 2021),)}, True, "2021年主导制定国家标准"),
        ({"honours": (Honour("led_national_standard", 2020),)}, False, "无直接认定条件"),
    ],
)
def test_direct_qualification(extra: dict[str, Any], passed: bool, text: str) -> None:
    # A score far below 60 (staff 0): only a direct qualification can pass.
    result = run({"tech_staff": 0, "rd_expense": 0, "ip_class1": 0}, **extra)
    assert result.condition("direct").passed is passed
    assert text in result.condition("direct").message
    assert result.passed is passed
    if passed:
        assert result.gaps == {}
        assert any(text in r for r in result.reasons)


@pytest.mark.parametrize(
    "entry, passed",
    [
        (designation("tech_sme", date(2026, 3, 1), date(2026, 12, 31)), False),   # registered this year
        (designation("tech_sme", date(2026, 3, 1)), False),
        (designation("tech_sme", date(2025, 5, 1), date(2026, 12, 31)), False),   # still valid on the as-of date
        (designation("tech_sme", date(2025, 5, 1), date(2025, 12, 31)), True),    # last year's entry lapsed
    ],
)
def test_already_registered(entry: Any, passed: bool) -> None:
    result = run(designations=(entry,))
    assert result.condition("not_registered").passed is passed
    assert result.passed is passed
    if not passed:
        assert "已入库科技型中小企业" in result.reasons[0]


def test_missing_latest_report() -> None:
    result = run(report=False)
    assert result.passed is False
    assert result.condition("employees_max").passed is None
    assert "缺少2025年度报表" in result.condition("employees_max").message
    assert result.condition("score").passed is None


def test_unknown_part_decides_when_known_points_suffice() -> None:
    # IP not reported, but staff 20 + R&D 50 = 70 already passes.
    assert run({"ip_class1": None, "ip_class2": None}).passed is True
    # R&D not reported and staff 20 + IP 30 = 50: undecidable, and says what is missing.
    result = run({"rd_expense": None})
    c = result.condition("score")
    assert result.passed is False and c.passed is None
    assert "2025年度报表缺少研发费用" in c.message and "研发投入 ? 分" in c.message


def test_rd_one_base_missing_is_a_lower_bound() -> None:
    result = run({"total_costs": None, "rd_expense": 30})   # 3% of sales = 20, costs unknown
    assert result.info["rd_points"] is None
    assert result.condition("score").passed is True        # 20 + 20 + 30 = 70 anyway
    # At the maximum already, the missing base cannot add anything.
    best = tech_sme.rd_points(firm([figures(2025, **{**BASE, "total_costs": None})]), 2025, defaults_for(RULE))
    assert (best.points, best.known) == (50, True)


def test_parameters_override_limits() -> None:
    facts = firm([figures(2025, **{**BASE, "employees": 400, "tech_staff": 120})])
    assert tech_sme.evaluate(facts, AS_OF, {}).passed is True
    result = tech_sme.evaluate(facts, AS_OF, {"max_employees": 300})
    assert result.passed is False and result.gaps == {"employees_max": 100}


def test_score_message_has_decimal_free_numbers() -> None:
    c = run({"tech_staff": 25, "rd_expense": Decimal(40), "ip_class1": 0, "ip_class2": 2}).condition("score")
    assert "（科技人员 16 分、研发投入 30 分、科技成果 12 分）" in c.message
