"""The reporting season: the basis year a firm is judged on, and how the results say so."""
from __future__ import annotations

from datetime import date

import pytest

from crm.rules import RULES, evaluate_all
from crm.rules.season import basis
from tests.rules.builders import figures, firm

NOTE = "以2024年度数据评估：2025年度年报尚未到报送截止日"
# Figures passing the high-tech and tech-SME rules (R&D 6% of sales, tech staff 20.8%).
GOOD = dict(revenue=3000, total_revenue=3100, rd_expense=180, rd_expense_domestic=180, hitech_revenue=2200,
            total_assets=5000, net_assets=2500, net_profit=300, total_costs=2600, employees=120, tech_staff=25,
            rd_staff=18, ip_class1=2, ip_class2=6)
THROUGH_2024 = firm([figures(year, **GOOD) for year in (2022, 2023, 2024)])


@pytest.mark.parametrize(("as_of", "year"), [
    (date(2025, 12, 31), 2024),   # 2024's report was due on 31 May 2025: in
    (date(2026, 1, 1), 2024),     # 2025's is not due yet
    (date(2026, 5, 31), 2024),    # the deadline day itself still waits
    (date(2026, 6, 1), 2025),     # after it a missing report is missing
])
def test_the_basis_year_of_a_firm_without_last_years_report(as_of: date, year: int) -> None:
    assert basis(THROUGH_2024, as_of).year == year


def test_a_filed_report_is_the_basis_at_once_and_a_draft_is_not() -> None:
    filed = firm([figures(year, **GOOD) for year in (2023, 2024, 2025)])
    assert basis(filed, date(2026, 2, 1)).year == 2025
    assert basis(filed, date(2026, 2, 1)).note is None
    draft = firm([figures(2024, **GOOD), figures(2025, status="draft", **GOOD)])
    assert basis(draft, date(2026, 2, 1)).year == 2024
    assert basis(draft, date(2026, 2, 1)).note == NOTE


def test_a_firm_founded_last_year_has_no_earlier_year_to_fall_back_on() -> None:
    assert basis(firm([], founded=date(2025, 4, 1)), date(2026, 3, 1)).year == 2025


def test_the_deadline_is_the_report_overdue_parameter() -> None:
    early = {"deadline_month": 3, "deadline_day": 31}
    assert basis(THROUGH_2024, date(2026, 4, 15), early).year == 2025
    assert basis(THROUGH_2024, date(2026, 3, 31), early).year == 2024
    # Every rule reading figures is given report_overdue's parameters (crm.rules.params_of).
    results = evaluate_all(THROUGH_2024, date(2026, 4, 15), {"report_overdue": early})
    assert results["hitech_candidate"].info["basis_year"] == 2025
    assert results["hitech_candidate"].passed is False
    assert results["report_overdue"].passed is True


def test_every_rule_reading_figures_says_which_year_it_rests_on() -> None:
    results = evaluate_all(THROUGH_2024, date(2026, 3, 1))
    for code in ("hitech_candidate", "tech_sme_candidate", "gazelle_candidate", "golden_seed_candidate",
                 "innovative_sme_candidate", "srdi_sme_candidate", "little_giant_candidate",
                 "tech_sme_onsite_check"):
        assert RULES[code].uses and "report_overdue" in RULES[code].uses, code
        result = results[code]
        assert result.info["basis_year"] == 2024, code
        assert result.reasons[0] == NOTE, code
    # In the season the firm is judged on 2022–2024 and passes, as it did in December.
    assert results["hitech_candidate"].passed and results["tech_sme_candidate"].passed
    assert any("2022–2024年研发费用占销售收入比例 6.00%" in r for r in results["hitech_candidate"].reasons)
    assert results["report_overdue"].passed is False


def test_after_the_deadline_a_missing_report_is_a_missing_report() -> None:
    results = evaluate_all(THROUGH_2024, date(2026, 6, 1))
    assert not results["hitech_candidate"].passed and not results["tech_sme_candidate"].passed
    assert results["hitech_candidate"].info["basis_year"] == 2025
    assert "basis_note" not in results["hitech_candidate"].info
    assert not any("以2024年度数据评估" in r for r in results["tech_sme_candidate"].reasons)
    assert any("缺少2025年度报表" in r for r in results["tech_sme_candidate"].reasons)
    assert results["report_overdue"].passed


def test_screening_agrees_with_the_full_evaluation_in_the_season() -> None:
    from crm.rules import passing_evaluator

    as_of = date(2026, 3, 1)
    for code in ("hitech_candidate", "tech_sme_candidate", "innovative_sme_candidate", "tech_sme_onsite_check"):
        full = RULES[code].evaluate(THROUGH_2024, as_of, {})
        screened = passing_evaluator(RULES[code].evaluate)(THROUGH_2024, as_of, {})
        assert (screened is not None) == full.passed, code
        if screened is not None:
            assert screened.reasons == full.reasons, code
