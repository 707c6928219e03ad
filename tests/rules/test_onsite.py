"""tech_sme_onsite_check: which tech-SME applicants the county bureau checks on site, at and
just off each ground's edge (江科〔2025〕118号 as DOMAIN.md gives it)."""
from __future__ import annotations

from datetime import date

import pytest

from crm.rules import RULES, evaluate_all
from crm.rules.onsite import evaluate
from tests.rules.builders import AS_OF, designation, figures, firm

PARAMS = {"tech_sme_candidate": {}}
REGISTERED_LAST_YEAR = designation("tech_sme", date(2025, 1, 1), date(2025, 12, 31))
REGISTERED_THIS_YEAR = designation("tech_sme", date(2026, 5, 1), date(2026, 12, 31))


def applicant(employees: int, tech: int, *earlier: object):  # noqa: ANN201
    return firm([figures(2025, revenue=800, total_assets=900, rd_expense=40, total_costs=700, employees=employees,
                         tech_staff=tech, ip_class1=1, ip_class2=0)],
                designations=(*earlier, REGISTERED_THIS_YEAR))  # type: ignore[arg-type]


@pytest.mark.parametrize(("employees", "tech", "flagged"), [
    (5, 1, True), (6, 1, False),                # ≤ 5 staff
    (50, 45, True), (50, 44, False), (49, 45, False),  # ≥ 90% tech staff and ≥ 50 staff
])
def test_grounds_at_and_off_their_edges(employees: int, tech: int, flagged: bool) -> None:
    assert evaluate(applicant(employees, tech, REGISTERED_LAST_YEAR), AS_OF, PARAMS).passed is flagged


def test_a_first_time_applicant_is_always_checked() -> None:
    result = evaluate(applicant(30, 10), AS_OF, PARAMS)
    assert result.passed and "首次申报科技型中小企业" in result.reasons[-1]


def test_a_registration_cut_short_before_counts_as_revoked() -> None:
    revoked = designation("tech_sme", date(2024, 1, 1), date(2024, 8, 31))
    result = evaluate(applicant(30, 10, revoked, REGISTERED_LAST_YEAR), AS_OF, PARAMS)
    assert result.passed and "2024年的入库登记曾被撤销（2024年8月31日终止）" in result.reasons[-1]


def test_a_firm_not_applying_is_not_flagged() -> None:
    stays = firm([figures(2025, revenue=80000, total_assets=90000, employees=3, tech_staff=1)])  # too big for 科小
    result = evaluate(stays, AS_OF, PARAMS)
    assert not result.passed and result.condition("applying").passed is False


def test_the_tech_sme_thresholds_an_administrator_set_decide_who_applies() -> None:
    candidate = firm([figures(2025, revenue=800, total_assets=900, rd_expense=40, total_costs=700, employees=30,
                              tech_staff=10, ip_class1=1, ip_class2=0)])
    assert evaluate_all(candidate, AS_OF, {})["tech_sme_onsite_check"].passed
    stricter = {"tech_sme_candidate": {"max_revenue": 500}}
    assert not evaluate_all(candidate, AS_OF, stricter)["tech_sme_onsite_check"].passed
    assert "tech_sme_candidate" in RULES["tech_sme_onsite_check"].uses
