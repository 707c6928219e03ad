"""hitech_candidate: every condition at, below and above its threshold; bands; young firms."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from crm.rules import _format as fmt
from crm.rules import hitech
from crm.rules.parameters import defaults_for
from crm.rules.result import Eligibility
from tests.rules.builders import AS_OF, D, designation, figures, firm, hitech as hitech_cert

RULE = "hitech_candidate"
BASE: dict[str, Any] = dict(
    revenue=4000, rd_expense=240, rd_expense_domestic=200, hitech_revenue=3000, employees=100, tech_staff=20,
    ip_class1=1, ip_class2=3, net_assets=1000, total_assets=6000, status="verified",
)


def reports(years: tuple[int, ...] = (2023, 2024, 2025), **per_year: dict[str, Any]) -> list:
    """Passing reports; `y2025={...}` overrides that year's figures."""
    return [figures(y, **{**BASE, **per_year.get(f"y{y}", {})}) for y in years]


def run(facts: Any, as_of: date = AS_OF, **params: Any) -> Eligibility:
    result = hitech.evaluate(facts, as_of, params)
    # The nightly run's shortcut agrees at every edge of every table.
    assert hitech.evaluate_if_passing(facts, as_of, params) == (result if result.passed else None)
    return result


def test_baseline_firm_passes_with_reasons() -> None:
    result = run(firm(reports()))
    assert result.passed is True
    assert result.gaps == {}
    assert [c.passed for c in result.conditions] == [True] * 7
    assert "2023–2025年研发费用占销售收入比例 6.00%，达到 5% 的要求" in result.reasons[4]


@pytest.mark.parametrize(
    "founded, passed, gap",
    [
        (date(2025, 6, 15), True, None),    # exactly one year on the as-of date
        (date(2025, 6, 16), False, 1),      # one day short
        (date(2025, 6, 14), True, None),
        (date(2025, 9, 1), False, 78),      # younger than one year
    ],
)
def test_registered_one_year(founded: date, passed: bool, gap: int | None) -> None:
    c = run(firm(reports((2025,)), founded=founded)).condition("registered_years")
    assert (c.passed, c.gap) == (passed, gap)
    if not passed:
        assert f"还差 {gap} 天" in c.message and "方成立满 1 年" in c.message


def test_registered_unknown_founding_is_undecided() -> None:
    c = run(firm(reports(), founded=None)).condition("registered_years")
    assert c.passed is None and c.message == "缺少注册成立日期"


@pytest.mark.parametrize(
    "class1, class2, passed, actual, gap",
    [
        (0, 0, False, 0, 1),
        (1, 0, True, 1, None),
        (0, 1, True, 1, None),
        (None, 2, True, 2, None),     # blank class with the other filled in counts as none
        (None, None, None, None, None),
    ],
)
def test_ip_items(class1: int | None, class2: int | None, passed: bool | None, actual: int | None,
                  gap: int | None) -> None:
    c = run(firm(reports(y2025={"ip_class1": class1, "ip_class2": class2}))).condition("ip_items")
    assert (c.passed, c.actual, c.gap) == (passed, actual, gap)
    if passed is None:
        assert "2025年度报表缺少知识产权数量" in c.message


@pytest.mark.parametrize(
    "employees, tech_staff, passed, gap, shown",
    [
        (100, 10, True, None, "10.00%"),     # exactly 10%
        (100, 9, False, 2, "9.00%"),         # 10/101 still fails: the newcomers join the staff too
        (100, 11, True, None, "11.00%"),
        (1001, 100, False, 1, "9.99%"),      # 101/1002 passes
        (201, 20, False, 1, "9.95%"),
        (90, 8, False, 2, "8.88%"),          # (9 − 8) / 0.9 = 1.11 → 2
    ],
)
def test_tech_staff_ratio(employees: int, tech_staff: int, passed: bool, gap: int | None, shown: str) -> None:
    c = run(firm(reports(y2025={"employees": employees, "tech_staff": tech_staff}))).condition("tech_staff_ratio")
    assert (c.passed, c.gap) == (passed, gap)
    assert c.actual == Decimal(tech_staff) / Decimal(employees)
    assert shown in c.message
    if gap:
        assert f"低于 10% 的要求，差 {gap} 人（新增部分同时计入2025年度职工总数）" in c.message


@pytest.mark.parametrize("employees, tech_staff", [(100, 9), (1001, 100), (201, 20), (90, 8), (120, 10), (37, 0)])
def test_tech_staff_gap_is_exactly_enough_when_added(employees: int, tech_staff: int) -> None:
    c = run(firm(reports(y2025={"employees": employees, "tech_staff": tech_staff}))).condition("tech_staff_ratio")
    added = c.gap
    more = run(firm(reports(y2025={"employees": employees + added, "tech_staff": tech_staff + added})))
    assert more.condition("tech_staff_ratio").passed is True
    fewer = run(firm(reports(y2025={"employees": employees + added - 1, "tech_staff": tech_staff + added - 1})))
    assert fewer.condition("tech_staff_ratio").passed is False


def test_hitech_revenue_gap_is_enough_when_added() -> None:
    # 2,400 of 5,000 is 48%; 1,500 more high-tech revenue makes 3,900 of 6,500 = 60% exactly.
    c = run(firm(reports(y2025={"hitech_revenue": 2400, "total_revenue": 5000}))).condition("hitech_revenue_ratio")
    assert c.gap == 1500
    after = firm(reports(y2025={"hitech_revenue": 2400 + c.gap, "total_revenue": 5000 + c.gap}))
    assert run(after).condition("hitech_revenue_ratio").passed is True
    short = firm(reports(y2025={"hitech_revenue": D("3899.99"), "total_revenue": D("6499.99")}))
    assert run(short).condition("hitech_revenue_ratio").passed is False


def test_tech_staff_with_zero_employees_fails_clearly() -> None:
    c = run(firm(reports(y2025={"employees": 0, "tech_staff": 0}))).condition("tech_staff_ratio")
    assert c.passed is False and c.gap is None
    assert c.message == "2025年度职工总数为 0 人，无法计算2025年度科技人员占职工总数比例"


@pytest.mark.parametrize(
    "rd_2025, passed, gap, shown",
    [
        ("120", True, None, "5.00%"),          # 120+240+240 = 600 of 12,000: exactly 5%
        ("119.99", False, D("0.01"), "4.99%"),
        ("120.01", True, None, "5.00%"),
        ("117", False, D(3), "4.97%"),          # 4.975% shows truncated, never as 5.00%
    ],
)
def test_rd_ratio_threshold(rd_2025: str, passed: bool, gap: Decimal | None, shown: str) -> None:
    facts = firm(reports(y2023={"rd_expense": 240}, y2024={"rd_expense": 240},
                         y2025={"rd_expense": rd_2025, "rd_expense_domestic": 100}))
    c = run(facts).condition("rd_ratio_3y")
    assert (c.passed, c.gap, c.threshold) == (passed, gap, D("0.05"))
    assert c.actual == (D(480) + D(rd_2025)) / D(12000)
    assert f"2023–2025年研发费用占销售收入比例 {shown}" in c.message
    assert "2025年销售收入 4,000 万元，适用 5% 的标准" in c.message
    if gap is not None:
        assert f"低于 5% 的要求，差 {gap.normalize():f} 万元" in c.message


@pytest.mark.parametrize(
    "latest_revenue, threshold",
    [
        ("4999.99", "0.05"),
        ("5000", "0.05"),          # exactly 5,000万 is the lowest band
        ("5000.0001", "0.04"),
        ("20000", "0.04"),         # exactly 2亿 stays in the middle band
        ("20000.01", "0.03"),
        ("80000", "0.03"),
    ],
)
def test_rd_band_edges(latest_revenue: str, threshold: str) -> None:
    revenue = D(latest_revenue)
    required = D(threshold) * (revenue * 3)
    at = firm(reports(**{f"y{y}": {"revenue": revenue, "rd_expense": required / 3,
                                   "rd_expense_domestic": required / 3,
                                   "hitech_revenue": revenue} for y in (2023, 2024, 2025)}))
    result = run(at)
    c = result.condition("rd_ratio_3y")
    assert result.info["rd_threshold"] == D(threshold) == c.threshold
    assert c.passed is True
    below = firm(reports(**{f"y{y}": {"revenue": revenue, "rd_expense": required / 3 - D("0.01"),
                                      "hitech_revenue": revenue, "rd_expense_domestic": 0}
                            for y in (2023, 2024, 2025)}))
    c = run(below).condition("rd_ratio_3y")
    assert c.passed is False and c.gap == D("0.03")
    assert "差 0.03 万元" in c.message


def test_band_is_chosen_by_latest_year_not_the_average() -> None:
    # Earlier years above 5,000万 do not matter: the latest year's 4,000万 sets the 5% band.
    facts = firm(reports(y2023={"revenue": 30000, "rd_expense": 1200}, y2024={"revenue": 30000, "rd_expense": 1200},
                         y2025={"revenue": 4000, "rd_expense": 200}))
    c = run(facts).condition("rd_ratio_3y")
    assert c.threshold == D("0.05") and c.passed is False
    assert c.gap == D("0.05") * 64000 - 2600


def test_zero_revenue_makes_ratio_undefined() -> None:
    nothing_sold = {"revenue": 0, "rd_expense": 10, "hitech_revenue": 0}
    facts = firm(reports(**{f"y{y}": nothing_sold for y in (2023, 2024, 2025)}))
    result = run(facts)
    c = result.condition("rd_ratio_3y")
    assert result.passed is False
    assert c.passed is False and c.gap is None
    assert "2023–2025年销售收入合计为 0 万元，无法计算2023–2025年研发费用占销售收入比例" in c.message
    assert result.condition("hitech_revenue_ratio").message.startswith("2025年度总收入为 0 万元")


def test_firm_younger_than_three_years_averages_only_its_years() -> None:
    # Founded in 2024: 2024 and 2025 count; no 2023 report is needed.
    facts = firm(reports((2024, 2025), y2024={"rd_expense": 150}, y2025={"rd_expense": 250}),
                 founded=date(2024, 5, 1))
    result = run(facts)
    c = result.condition("rd_ratio_3y")
    assert result.info["rd_years"] == (2024, 2025)
    assert c.actual == D(400) / D(8000) and c.passed is True
    assert "2024–2025年研发费用占销售收入比例 5.00%" in c.message
    assert result.passed is True


def test_firm_younger_than_one_year_has_a_single_year() -> None:
    facts = firm(reports((2025,), y2025={"rd_expense": 199}), founded=date(2025, 9, 1))
    result = run(facts)
    assert result.info["rd_years"] == (2025,)
    c = result.condition("rd_ratio_3y")
    assert c.passed is False and c.gap == 1
    assert c.message.startswith("2025年研发费用占销售收入比例 4.97%")
    assert result.condition("registered_years").passed is False


def test_firm_founded_in_the_as_of_year_has_no_data() -> None:
    result = run(firm(founded=date(2026, 2, 1)))
    assert result.passed is False
    assert "企业成立于2026年，尚无2025年度数据" in result.condition("rd_ratio_3y").message


def test_missing_latest_report_says_which() -> None:
    result = run(firm(reports((2023, 2024))))
    assert result.passed is False
    for code in ("ip_items", "tech_staff_ratio", "rd_ratio_3y", "rd_domestic_ratio", "hitech_revenue_ratio"):
        c = result.condition(code)
        assert c.passed is None
        assert "缺少2025年度报表" in c.message
    assert "缺少2025年度报表" in result.reasons[0]
    assert result.gaps == {}


def test_missing_older_year_within_window() -> None:
    c = run(firm(reports((2023, 2025)))).condition("rd_ratio_3y")
    assert c.passed is None and c.message == "缺少2024年度报表"


def test_older_year_before_founding_is_not_missing() -> None:
    c = run(firm(reports((2024, 2025)), founded=date(2024, 1, 1))).condition("rd_ratio_3y")
    assert c.passed is True


@pytest.mark.parametrize(
    "status, message",
    [
        ("draft", "2025年度报表尚未提交"),
        ("returned", "2025年度报表已被退回，待修改后重新提交"),
    ],
)
def test_unfiled_latest_report_does_not_count(status: str, message: str) -> None:
    c = run(firm(reports(y2025={"status": status}))).condition("tech_staff_ratio")
    assert c.passed is None and c.message == message


def test_submitted_report_counts() -> None:
    assert run(firm(reports(y2025={"status": "submitted"}))).passed is True


def test_missing_figure_in_latest_report() -> None:
    c = run(firm(reports(y2025={"tech_staff": None}))).condition("tech_staff_ratio")
    assert c.passed is None and c.message == "2025年度报表缺少科技人员数"


@pytest.mark.parametrize(
    "domestic_2025, passed, gap",
    [
        (32, True, None),      # 200+200+32 = 432 of 720: exactly 60%
        ("31.99", False, D("0.025")),   # 0.01 more abroad-free R&D raises the total too: 0.01 / 0.4
        (33, True, None),
    ],
)
def test_domestic_rd_ratio(domestic_2025: Any, passed: bool, gap: Decimal | None) -> None:
    c = run(firm(reports(y2025={"rd_expense_domestic": domestic_2025}))).condition("rd_domestic_ratio")
    assert (c.passed, c.gap) == (passed, gap)
    assert "境内研发费用占全部研发费用比例" in c.message


def test_domestic_rd_with_no_rd_at_all() -> None:
    facts = firm(reports(**{f"y{y}": {"rd_expense": 0, "rd_expense_domestic": 0} for y in (2023, 2024, 2025)}))
    c = run(facts).condition("rd_domestic_ratio")
    assert c.passed is False and "研发费用合计为 0 万元" in c.message


@pytest.mark.parametrize(
    "hitech_revenue, total_revenue, passed, gap",
    [
        (2400, None, True, None),            # 60% of the sales revenue when no total is reported
        ("2399.99", None, False, D("0.025")),   # 0.01 / (1 − 60%): added revenue counts in the total too
        (2401, None, True, None),
        (2400, 5000, False, 1500),           # total revenue is the base when reported: (3,000 − 2,400) / 0.4
        (3000, 5000, True, None),
    ],
)
def test_hitech_revenue_ratio(hitech_revenue: Any, total_revenue: Any, passed: bool, gap: Any) -> None:
    facts = firm(reports(y2025={"hitech_revenue": hitech_revenue, "total_revenue": total_revenue}))
    c = run(facts).condition("hitech_revenue_ratio")
    assert (c.passed, c.gap) == (passed, gap)
    if gap:
        assert f"低于 60% 的要求，差 {fmt.gap_money(gap)} 万元（新增部分同时计入2025年度总收入）" in c.message


@pytest.mark.parametrize(
    "certificates, passed, text",
    [
        ((), True, "未持有有效的高新技术企业证书"),
        ((hitech_cert(date(2026, 12, 31)),), True, "高企证书有效期至2026年12月31日，应于2026年申请重新认定"),
        ((hitech_cert(date(2026, 6, 15)),), True, "应于2026年申请重新认定"),   # last day still valid
        ((hitech_cert(date(2027, 1, 1)),), False, "已持有有效高企证书（有效期至2027年1月1日），2027年方可申请重新认定"),
        ((hitech_cert(date(2026, 6, 14)),), True, "未持有有效的高新技术企业证书"),  # lapsed yesterday
        ((hitech_cert(date(2026, 12, 31)), hitech_cert(date(2029, 11, 30), date(2026, 6, 1))), False,
         "有效期至2029年11月30日"),   # already renewed, overlapping
        ((hitech_cert(date(2026, 12, 31)), hitech_cert(date(2029, 12, 31), date(2026, 12, 1))), False,
         "已取得新的高企证书（自2026年12月1日起有效）"),
        ((hitech_cert(None),), False, "长期有效"),
        ((designation("tech_sme", date(2026, 1, 1), date(2026, 12, 31)),), True, "未持有有效"),
    ],
)
def test_certificate_and_rerecognition(certificates: tuple, passed: bool, text: str) -> None:
    result = run(firm(reports(), designations=certificates))
    c = result.condition("certificate")
    assert c.passed is passed
    assert text in c.message
    assert result.passed is passed


def test_rerecognition_lead_years_parameter() -> None:
    facts = firm(reports(), designations=(hitech_cert(date(2027, 3, 1)),))
    assert run(facts).passed is False
    assert run(facts, rerecognition_lead_years=1).passed is True


def test_parameters_change_thresholds() -> None:
    facts = firm(reports(y2025={"employees": 100, "tech_staff": 12}))
    assert run(facts).passed is True
    c = run(facts, min_tech_staff_ratio="0.15").condition("tech_staff_ratio")
    # (15 − 12) / 0.85 = 3.5: 16 of 104 passes, 15 of 103 does not.
    assert c.passed is False and c.gap == 4 and "低于 15% 的要求，差 4 人" in c.message


def test_reasons_and_gaps_when_failing() -> None:
    facts = firm(reports(y2025={"tech_staff": 5, "rd_expense": 100}))
    result = run(facts)
    assert result.passed is False
    # 5 of 100 tech staff: (10 − 5) / 0.9 = 5.6 → 6; R&D: 600 needed, 580 spent.
    assert result.gaps == {"tech_staff_ratio": 6, "rd_ratio_3y": D(20)}
    assert result.reasons == [result.condition("tech_staff_ratio").message, result.condition("rd_ratio_3y").message]
    assert "差 20 万元" in result.reasons[1]


# --- the innovation-capability estimate (information only) ---

@pytest.mark.parametrize(
    "values, rate",
    [
        (["100", "120", "144"], D("0.2")),
        (["100", "150", "150"], D("0.25")),       # ((1.5 + 1.0) / 2) − 1
        (["100", "110"], D("0.1")),               # a younger firm: one year-over-year ratio
        (["100"], None),
        (["0", "100", "120"], None),              # no base to grow from
        (["100", "-5", "20"], None),
        (["100", "90", "81"], D("-0.1")),
    ],
)
def test_growth_rate(values: list[str], rate: Decimal | None) -> None:
    assert hitech.growth_rate([D(v) for v in values]) == rate


@pytest.mark.parametrize(
    "rate, points",
    [("0.35", (9, 10)), ("0.3499", (7, 8)), ("0.25", (7, 8)), ("0.15", (5, 6)), ("0.1499", (3, 4)),
     ("0.05", (3, 4)), ("0", (1, 2)), ("-0.0001", (0, 0))],
)
def test_growth_points_bands(rate: str, points: tuple[int, int]) -> None:
    assert hitech.growth_points(D(rate), defaults_for(RULE)) == points


@pytest.mark.parametrize(
    "class1, class2, points",
    [(1, 0, (7, 8)), (0, 5, (5, 6)), (0, 4, (3, 4)), (0, 3, (3, 4)), (0, 2, (1, 2)), (0, 1, (1, 2)),
     (0, 0, (0, 0)), (None, None, None)],
)
def test_ip_quantity_points(class1: int | None, class2: int | None, points: tuple[int, int] | None) -> None:
    assert hitech.ip_quantity_points(class1, class2, defaults_for(RULE)) == points


def test_innovation_estimate_in_info_does_not_decide() -> None:
    facts = firm(reports(y2023={"net_assets": 1000, "revenue": 4000},
                         y2024={"net_assets": 1400, "revenue": 4000},
                         y2025={"net_assets": 1960, "revenue": 4000}))
    result = run(facts)
    assert result.passed is True
    assert result.info["net_assets_growth"] == D("0.4")
    assert result.info["net_assets_growth_points"] == (9, 10)
    assert result.info["revenue_growth"] == 0
    assert result.info["revenue_growth_points"] == (1, 2)
    assert result.info["growth_points"] == (10, 12)
    assert result.info["ip_quantity_points"] == (7, 8)

    shrinking = run(firm(reports(y2025={"net_assets": 500})))
    assert shrinking.info["net_assets_growth_points"] == (0, 0)
    assert shrinking.passed is True
