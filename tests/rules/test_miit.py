"""The MIIT ladder's rules, worked by hand from DOMAIN.md: every band edge of each score, at
and just off it (bands include their lower bound, debt bands their upper one), zero bases,
negative ones, missing figures, facts undeclared or declared after the as-of date."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from crm.rules import RULES
from crm.rules.facts import Declaration, HeldPlatform, Honour
from crm.rules.miit import evaluate_innovative_sme, evaluate_little_giant, evaluate_srdi_sme
from tests.rules.builders import AS_OF, designation, figures, firm, hitech

DECLARED = Declaration(date(2026, 1, 1), "verified", niche_since=2022, leading_product="精密轴承",
                       product_field="strategic_gap", digital_level=3, quality_award=False, quality_certified=True,
                       own_brand=True, standards=False, strategic_emerging=True, ip_grade="high_value")


def innovative_firm(rd: str = "50", main_2025: str = "920", revenue: str = "1000", liabilities: str = "550",
                    main_2024: str = "800", declared: Declaration | None = DECLARED, **extra: object):
    """A firm scoring 100: high-value IP 20, R&D 5% 20, growth 15% 20, debt 55% 10, emerging 10,
    main business 92% 20."""
    return firm([
        figures(2024, revenue=1000, main_revenue=main_2024),
        figures(2025, revenue=revenue, main_revenue=main_2025, rd_expense=rd, total_assets=1000,
                total_liabilities=liabilities, ip_class1=1, ip_class2=3, employees=100, tech_staff=20, rd_staff=20,
                net_profit=100),
    ], declarations=(declared,) if declared else (), **extra)


def parts(result) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return dict(result.info["parts"])


def test_a_firm_on_every_top_band_scores_100() -> None:
    result = evaluate_innovative_sme(innovative_firm(), AS_OF, {})
    assert result.passed
    assert parts(result) == {"ip": 20, "rd_ratio": 20, "main_growth": 20, "debt_ratio": 10, "field": 10, "main_share": 20}
    assert result.info["score"] == 100
    assert "评价得分100分" in result.condition("score").message


@pytest.mark.parametrize(("rd", "points"), [
    ("50", 20), ("49.99", 15), ("30", 15), ("29.99", 10), ("20", 10), ("19.99", 5), ("10", 5), ("9.99", 0),
])
def test_innovative_rd_ratio_bands(rd: str, points: int) -> None:
    assert parts(evaluate_innovative_sme(innovative_firm(rd=rd), AS_OF, {}))["rd_ratio"] == points


@pytest.mark.parametrize(("main", "points"), [
    ("920", 20), ("919.99", 15), ("880", 15), ("879.99", 10), ("840", 10), ("839.99", 5), ("800", 5), ("799.99", 0),
])
def test_innovative_main_business_growth_bands(main: str, points: int) -> None:
    assert parts(evaluate_innovative_sme(innovative_firm(main_2025=main), AS_OF, {}))["main_growth"] == points


@pytest.mark.parametrize(("liabilities", "points"), [
    ("550", 10), ("550.01", 5), ("750", 5), ("750.01", 0), ("1200", 0),  # an insolvent firm: above its assets
])
def test_innovative_debt_ratio_bands_include_their_upper_bound(liabilities: str, points: int) -> None:
    assert parts(evaluate_innovative_sme(innovative_firm(liabilities=liabilities), AS_OF, {}))["debt_ratio"] == points


@pytest.mark.parametrize(("revenue", "points"), [
    # 700 of main-business revenue over the year's revenue
    ("1000", 20), ("1000.02", 15), ("1166.66", 15), ("1166.67", 10), ("1272.72", 10), ("1272.73", 5),
    ("1400", 5), ("1400.01", 0),
])
def test_innovative_main_business_share_bands(revenue: str, points: int) -> None:
    result = evaluate_innovative_sme(innovative_firm(main_2025="700", revenue=revenue), AS_OF, {})
    assert parts(result)["main_share"] == points


@pytest.mark.parametrize(("grade", "class1", "points"), [
    ("high_value", 1, 20), ("own", 1, 15), ("plain", 1, 10), (None, 1, 10), ("high_value", 0, 5),
])
def test_innovative_ip_points_by_grade(grade: str | None, class1: int, points: int) -> None:
    facts = innovative_firm(declared=replace(DECLARED, ip_grade=grade))
    facts = replace(facts, reports={**facts.reports, 2025: replace(facts.reports[2025], ip_class1=class1)})
    assert parts(evaluate_innovative_sme(facts, AS_OF, {}))["ip"] == points


def test_undeclared_facts_count_as_the_lowest_and_say_what_a_declaration_adds() -> None:
    result = evaluate_innovative_sme(innovative_firm(declared=None), AS_OF, {})
    assert parts(result)["field"] == 5 and parts(result)["ip"] == 10
    assert "如属战略性新兴产业可得10分，请申报" in result.condition("field").message


def test_a_declaration_dated_after_the_as_of_date_does_not_count_yet() -> None:
    later = replace(DECLARED, declared_on=date(2026, 7, 1))
    result = evaluate_innovative_sme(innovative_firm(declared=later), AS_OF, {})
    assert parts(result)["field"] == 5
    assert "2026年7月1日的申报尚未生效" in result.condition("field").message


def test_a_score_above_60_with_a_group_below_its_minimum_fails_naming_the_group() -> None:
    # IP: II-class only (5); R&D 1% (5): innovation 10 < 20, though the total is 70.
    facts = innovative_firm(rd="10", declared=replace(DECLARED, ip_grade=None))
    facts = replace(facts, reports={**facts.reports, 2025: replace(facts.reports[2025], ip_class1=0)})
    result = evaluate_innovative_sme(facts, AS_OF, {})
    assert result.info["score"] == 70 and not result.passed
    assert "创新能力得分10分，低于20分，差10分" in result.reasons


def test_zero_revenue_makes_ratios_not_computable_not_an_error() -> None:
    result = evaluate_innovative_sme(innovative_firm(revenue="0", main_2025="0"), AS_OF, {})
    assert result.condition("rd_ratio").passed is None
    assert "2025年度销售收入为0万元，无法计算比重" in result.condition("rd_ratio").message


def test_growth_from_a_zero_base_is_not_computable_and_says_so() -> None:
    result = evaluate_innovative_sme(innovative_firm(main_2024="0"), AS_OF, {})
    assert result.condition("main_growth").passed is None
    assert result.condition("main_growth").message == "2024年度主营业务收入为0万元，增长率无法计算"


def test_a_missing_figure_is_a_reason_never_a_zero() -> None:
    facts = innovative_firm(rd="10", declared=None)
    facts = replace(facts, reports={**facts.reports, 2025: replace(facts.reports[2025], main_revenue=None)})
    result = evaluate_innovative_sme(facts, AS_OF, {})
    assert not result.passed and result.condition("score").passed is None
    assert "2025年度报表缺少主营业务收入" in result.reasons


def test_innovative_direct_grounds() -> None:
    weak = innovative_firm(rd="0", main_2025="100", declared=None)
    assert not evaluate_innovative_sme(weak, AS_OF, {}).passed
    for extra in ({"designations": (hitech(date(2027, 12, 1)),)},
                  {"platforms": (HeldPlatform("engineering_center", "provincial"),)},
                  {"honours": (Honour("provincial_science_award", 2024),)},
                  {"honours": (Honour("equity_raised", 2024, Decimal(300)), Honour("equity_raised", 2025, Decimal(200)))}):
        result = evaluate_innovative_sme(replace(weak, **extra), AS_OF, {})
        assert result.passed, extra
        assert result.reasons[-1].startswith("符合直通条件")
    # 499.99万 of equity in three years is not enough.
    short = replace(weak, honours=(Honour("equity_raised", 2025, Decimal("499.99")),))
    assert not evaluate_innovative_sme(short, AS_OF, {}).passed


def test_a_firm_already_on_the_ladder_is_no_innovative_candidate() -> None:
    facts = innovative_firm(designations=(designation("srdi_sme", date(2025, 1, 1), date(2027, 12, 31)),))
    result = evaluate_innovative_sme(facts, AS_OF, {})
    assert not result.passed and result.reasons[0].startswith("已是专精特新中小企业")


# --- 专精特新中小企业 ---------------------------------------------------------------------

def srdi_firm(rd: str = "100", niche_since: int | None = 2022, revenue: str = "1000", **extra: object):
    """Holds 创新型; 77 points: 专业化 5+10+1+5, 精细化 5+5+10+5, 特色化 0, 创新能力 8+10+5+8."""
    declared = replace(DECLARED, niche_since=niche_since, ip_grade="own")
    return firm([
        figures(2023, revenue=900, main_revenue=800),
        figures(2024, revenue=950, main_revenue=880, rd_expense=90),
        figures(2025, revenue=revenue, main_revenue=968, rd_expense=rd, net_profit=100, total_assets=1000,
                total_liabilities=500, employees=100, rd_staff=20, tech_staff=25, ip_class1=2, ip_class2=1),
    ], designations=(designation("innovative_sme", date(2024, 9, 1), date(2027, 8, 31)),),
        platforms=(HeldPlatform("engineering_center", "provincial"),), declarations=(declared,), **extra)


def test_a_worked_srdi_case_scores_77() -> None:
    result = evaluate_srdi_sme(srdi_firm(), AS_OF, {})
    assert parts(result) == {"main_share": 5, "main_growth": 10, "niche_points": 1, "product_field": 5, "digital": 5,
                             "quality": 5, "net_margin": 10, "debt_ratio": 5, "special": 0, "ip": 8, "rd": 10,
                             "rd_staff_share": 5, "institution": 8}
    assert result.info["score"] == 77 and result.passed


def test_the_special_items_are_the_provinces_points() -> None:
    assert evaluate_srdi_sme(srdi_firm(), AS_OF, {"special_points": 12}).info["score"] == 89


@pytest.mark.parametrize(("rd", "passed", "reason"), [
    ("100", True, None), ("99.99", False, "2025年度研发费用 99.99 万元，低于 100 万元的要求，差 0.01 万元"),
])
def test_srdi_rd_of_100_wan_is_enough_and_a_cent_less_is_not(rd: str, passed: bool, reason: str | None) -> None:
    result = evaluate_srdi_sme(srdi_firm(rd=rd), AS_OF, {})
    assert result.passed is passed
    if reason:
        assert reason in result.reasons


@pytest.mark.parametrize(("since", "passed"), [(2023, True), (2024, False)])
def test_srdi_two_full_years_in_the_niche(since: int, passed: bool) -> None:
    assert evaluate_srdi_sme(srdi_firm(niche_since=since), AS_OF, {}).passed is passed


def test_one_undeclared_fact_is_the_only_reason() -> None:
    result = evaluate_srdi_sme(srdi_firm(niche_since=None), AS_OF, {})
    assert not result.passed
    assert result.reasons == ["未申报从事特定细分市场的起始年份（请在企业端“企业情况申报”中申报）"]


def test_srdi_revenue_below_1000_wan_passes_with_2000_wan_of_equity() -> None:
    low = srdi_firm(revenue="999.99")
    assert not evaluate_srdi_sme(low, AS_OF, {}).passed
    funded = replace(low, honours=(Honour("equity_raised", 2025, Decimal(2000)),))
    assert evaluate_srdi_sme(funded, AS_OF, {}).passed


@pytest.mark.parametrize(("main", "points"), [("800", 5), ("799.99", 3), ("700", 3), ("699.99", 1), ("600", 1),
                                              ("599.99", 0)])
def test_srdi_main_share_bands(main: str, points: int) -> None:
    facts = srdi_firm()
    facts = replace(facts, reports={**facts.reports, 2025: replace(facts.reports[2025], main_revenue=Decimal(main))})
    assert parts(evaluate_srdi_sme(facts, AS_OF, {}))["main_share"] == points


@pytest.mark.parametrize(("profit", "points"), [("100", 10), ("99.99", 8), ("80", 8), ("60", 6), ("40", 4),
                                                ("20", 2), ("19.99", 0), ("-50", 0)])
def test_srdi_net_margin_bands(profit: str, points: int) -> None:
    facts = srdi_firm()
    facts = replace(facts, reports={**facts.reports, 2025: replace(facts.reports[2025], net_profit=Decimal(profit))})
    assert parts(evaluate_srdi_sme(facts, AS_OF, {}))["net_margin"] == points


@pytest.mark.parametrize(("liabilities", "points"), [("500", 5), ("500.01", 3), ("600", 3), ("700", 1), ("700.01", 0)])
def test_srdi_debt_ratio_bands(liabilities: str, points: int) -> None:
    facts = srdi_firm()
    facts = replace(facts, reports={**facts.reports, 2025: replace(facts.reports[2025],
                                                                  total_liabilities=Decimal(liabilities))})
    assert parts(evaluate_srdi_sme(facts, AS_OF, {}))["debt_ratio"] == points


@pytest.mark.parametrize(("rd", "revenue", "points"), [
    ("500", "100000", 10), ("499.99", "100000", 8), ("100", "1000", 10), ("80", "1000", 8), ("79.99", "1000", 6),
    ("30", "1000", 2), ("100", "100000", 2), ("99.99", "100000", 0),
])
def test_srdi_rd_scores_the_better_of_amount_and_ratio(rd: str, revenue: str, points: int) -> None:
    facts = srdi_firm()
    facts = replace(facts, reports={**facts.reports, 2025: replace(facts.reports[2025], rd_expense=Decimal(rd),
                                                                  revenue=Decimal(revenue))})
    assert parts(evaluate_srdi_sme(facts, AS_OF, {}))["rd"] == points


def test_srdi_needs_a_valid_innovative_designation() -> None:
    result = evaluate_srdi_sme(replace(srdi_firm(), designations=()), AS_OF, {})
    assert not result.passed and "未持有有效的创新型中小企业资格" in result.reasons


# --- 专精特新"小巨人" ---------------------------------------------------------------------

def giant_firm(**extra: object):
    """Holds 专精特新; revenue 1.2亿 with R&D 4% both years, 75% main business growing 6%."""
    declared = replace(DECLARED, niche_since=2021, digital_level=2)
    return firm([
        figures(2023, revenue=11000, main_revenue=8000),
        figures(2024, revenue=11500, main_revenue=8480, rd_expense=460),
        figures(2025, revenue=12000, main_revenue=9000, rd_expense=480, total_assets=10000, total_liabilities=7000,
                ip_class1=2, employees=300, rd_staff=40),
    ], designations=(designation("srdi_sme", date(2024, 7, 1), date(2027, 6, 30)),),
        platforms=(HeldPlatform("enterprise_tech_center", "municipal"),), declarations=(declared,), **extra)


def test_a_little_giant_candidate() -> None:
    result = evaluate_little_giant(giant_firm(), AS_OF, {})
    assert result.passed, result.reasons
    assert "全国细分市场占有率" in result.info["note"]


@pytest.mark.parametrize(("change", "reason"), [
    ({"total_liabilities": Decimal("7000.01")}, "2025年末资产负债率 70.00%，超过上限 70%"),
    ({"ip_class1": 1}, "2025年度I类知识产权 1 项，低于 2 项的要求，差 1 项"),
    ({"main_revenue": Decimal("8399.99")}, "2025年度主营业务收入占营业收入比重 69.99%，低于 70% 的要求"),
])
def test_a_little_giant_condition_just_missed(change: dict[str, object], reason: str) -> None:
    facts = giant_firm()
    facts = replace(facts, reports={**facts.reports, 2025: replace(facts.reports[2025], **change)})
    result = evaluate_little_giant(facts, AS_OF, {})
    assert not result.passed
    assert any(r.startswith(reason) for r in result.reasons), result.reasons


def test_a_national_award_stands_for_the_innovation_conditions() -> None:
    facts = replace(giant_firm(), platforms=())
    assert not evaluate_little_giant(facts, AS_OF, {}).passed
    awarded = replace(facts, honours=(Honour("national_science_award", 2024),))
    assert evaluate_little_giant(awarded, AS_OF, {}).passed


def test_the_on_site_check_is_registered_with_the_tech_sme_parameters() -> None:
    assert "tech_sme_candidate" in RULES["tech_sme_onsite_check"].uses
