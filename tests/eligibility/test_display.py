"""Condition figures in tables and lists round as the rule's sentence beside them (crm.rules._format)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from crm.eligibility.display import condition_figures, deciding_figures, estimate_lines
from crm.models import Flag
from crm.rules import _conditions as cond

D = Decimal


def test_a_failing_ratio_is_rounded_down_as_in_its_sentence() -> None:
    c = cond.ratio("rd", "研发费用占比", numerator=D("145.17"), denominator=D("3000"), threshold=D("0.05"),
                   subject="研发费用占比", denominator_name="销售收入")
    assert c.passed is False and "4.83%" in c.message
    figures = condition_figures(c)
    assert figures["actual"] == ("4.83%", "")            # not 4.84% (half up)
    assert figures["threshold"] == ("5.00%", "")
    assert figures["gap"] == ("4.83", "万元") and "差 4.83 万元" in c.message


def test_just_below_never_reads_as_the_threshold() -> None:
    c = cond.ratio("rd", "研发费用占比", numerator=D("4.99999"), denominator=D("100"), threshold=D("0.05"),
                   subject="研发费用占比", denominator_name="销售收入")
    assert condition_figures(c)["actual"] == ("4.99%", "") and "4.99%" in c.message


def test_a_passing_ratio_is_rounded_half_up_as_in_its_sentence() -> None:
    c = cond.ratio("hr", "高新收入占比", numerator=D("2200"), denominator=D("3100"), threshold=D("0.60"),
                   subject="高新收入占比", denominator_name="总收入")
    assert c.passed is True and "70.97%" in c.message
    assert condition_figures(c)["actual"] == ("70.97%", "") and condition_figures(c)["gap"] == ("—", "")


def test_money_over_a_limit_is_rounded_up_and_below_a_minimum_down() -> None:
    over = cond.at_most("rev", "销售收入", value=D("20000.004"), limit=D("20000"), unit="万元", subject="销售收入")
    assert "20,000.01 万元" in over.message
    assert condition_figures(over)["actual"] == ("20,000.01", "万元")
    under = cond.at_least("rev", "销售收入", value=D("999.996"), threshold=D("1000"), unit="万元", subject="销售收入")
    assert "999.99 万元" in under.message
    assert condition_figures(under)["actual"] == ("999.99", "万元")
    assert condition_figures(under)["gap"] == ("0.01", "万元")


def test_persons_missing_are_whole_and_dates_shown_as_they_are() -> None:
    assert condition_figures({"actual": 0.0916, "threshold": 0.1, "gap": 2, "unit": "%", "gap_unit": "人",
                              "passed": False})["gap"] == ("2", "人")
    assert condition_figures({"actual": "2018-03-15", "threshold": 1, "unit": "年", "passed": True}) == {
        "actual": ("2018-03-15", ""), "threshold": ("1", "年"), "gap": ("—", "")}


@pytest.mark.parametrize("passed, shown", [(False, "4.83%"), (True, "4.84%")])
def test_candidate_lists_round_the_stored_figures_the_same_way(passed: bool, shown: str) -> None:
    flag = Flag(rule="tech_sme_candidate", gaps={"conditions": [
        {"code": "rd", "label": "研发费用占比", "passed": passed, "actual": 0.048376, "threshold": 0.05,
         "gap": None, "unit": "%", "gap_unit": "万元"}]})
    assert deciding_figures(flag) == [("研发费用占比", f"{shown}（要求 5%）", passed)]


def test_the_estimate_reads_the_rules_own_info_as_the_stored_one() -> None:
    info = {"net_assets_growth": D("0.4"), "net_assets_growth_points": (9, 10), "revenue_growth": D(0),
            "revenue_growth_points": (1, 2), "growth_points": (10, 12), "growth_points_max": 20,
            "ip_quantity_points": (7, 8), "ip_quantity_points_max": 8}
    lines = ["成长性 10–12/20 分：净资产增长率 40.00%（9–10 分），销售收入增长率 0.00%（1–2 分）", "知识产权数量 7–8/8 分"]
    assert estimate_lines("hitech_candidate", info) == lines
    stored = {"net_assets_growth": 0.4, "net_assets_growth_points": [9, 10], "revenue_growth": 0,
              "revenue_growth_points": [1, 2], "growth_points": [10, 12], "growth_points_max": 20,
              "ip_quantity_points": [7, 8], "ip_quantity_points_max": 8}
    assert estimate_lines("hitech_candidate", stored) == lines
    assert estimate_lines("gazelle_candidate", info) == []


@pytest.mark.parametrize("condition, text", [
    (cond.at_most("employees_max", "职工总数不超过上限", value=120, limit=500, unit="人", subject="职工总数"),
     "120 人（上限 500 人）"),
    (cond.at_most("revenue_max", "销售收入不超过上限", value=D("900"), limit=D("20000"), unit="万元", subject="销售收入"),
     "900.00 万元（上限 20,000 万元）"),
    (cond.at_least("ip_items", "知识产权", value=2, threshold=1, unit="项", subject="知识产权"), "2 项（要求 1 项）"),
])
def test_each_bound_reads_in_the_words_of_its_sentence(condition, text: str) -> None:
    from crm.eligibility.services import result_details
    from crm.rules.result import Eligibility

    stored = result_details(Eligibility("tech_sme_candidate", True, (condition,)))
    flag = Flag(rule="tech_sme_candidate", gaps=stored)
    [(_label, shown, _passed)] = deciding_figures(flag)
    assert shown == text
    requirement = text[text.index("（") + 1:-1]
    assert requirement.split(" ", 1)[1] in condition.message  # the sentence names the same amount
    if requirement.startswith("上限"):
        assert requirement in condition.message


def test_founding_age_reads_as_a_duration_on_both_sides() -> None:
    from datetime import date

    from crm.eligibility.services import result_details
    from crm.rules import gazelle, hitech
    from crm.rules.result import Eligibility
    from tests.rules.builders import AS_OF, figures, firm

    facts = firm([figures(2025, revenue=1000)], founded=date(2020, 5, 1))
    registered = hitech._registered(facts, AS_OF, {"min_registered_years": 1})
    young = gazelle._young(facts, AS_OF, 10)
    flag = Flag(rule="hitech_candidate", gaps=result_details(Eligibility("hitech_candidate", True, (registered, young))))
    assert [text for _label, text, _passed in deciding_figures(flag)] == [
        "2020-05-01（成立满 1 年）", "2020-05-01（成立不超过 10 年）"]
    assert "已成立满 1 年" in registered.message and "符合成立不超过 10 年的条件" in young.message


def test_a_flag_stored_before_bounds_reads_as_before() -> None:
    flag = Flag(rule="tech_sme_candidate", gaps={"conditions": [
        {"code": "employees_max", "label": "职工总数不超过上限", "passed": True, "actual": 120, "threshold": 500,
         "gap": None, "unit": "人", "gap_unit": "人"}]})
    assert deciding_figures(flag)[0][1] == "120 人（要求 500 人）"  # the next nightly run stores the bound
