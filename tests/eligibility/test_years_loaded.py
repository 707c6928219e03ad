"""Every reader of a firm's facts loads as many fiscal years as the rules in force need."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm.eligibility.facts import load_facts
from crm.eligibility.parameters import set_parameter
from crm.eligibility.services import evaluate_one, run_eligibility
from crm.extensions import db
from crm.models import DesignationKind
from tests.eligibility.helpers import AS_OF
from tests.factories import AnnualReportFactory, DesignationFactory, EnterpriseFactory


def _fast_grower_over_five_years():
    """A high-tech firm whose sales grow 25% a year 2021–2025 (five reports)."""
    firm = EnterpriseFactory(founded_on=date(2019, 3, 1))
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2024, 12, 1))
    revenue = Decimal(1000)
    for year in range(2021, 2026):
        AnnualReportFactory(enterprise=firm, year=year, revenue=revenue, total_revenue=revenue,
                            hitech_revenue=revenue * Decimal("0.7"))
        revenue *= Decimal("1.25")
    return firm


def test_a_longer_growth_period_set_by_an_administrator_is_read_by_every_evaluation(app) -> None:
    firm = _fast_grower_over_five_years()
    set_parameter("gazelle_candidate", "growth_years", 5, 2026)
    db.session.commit()

    run_eligibility(AS_OF)
    # The nightly run reads 2021–2025 and raises the flag; the one-firm evaluation behind the
    # portal's standing page and the officer's firm page must come to the same result.
    result = evaluate_one(firm.id, AS_OF)["gazelle_candidate"]
    assert result.passed is True, result.reasons
    assert any("2021–2025年销售收入年均复合增长率 25.00%" in r for r in result.reasons)
    assert sorted(load_facts([firm.id], AS_OF)[firm.id].reports) == [2021, 2022, 2023, 2024, 2025]
    # The officer's firm page evaluates through load_facts' default.
    from crm.enterprises.services import rule_results

    assert rule_results(firm, AS_OF)["gazelle_candidate"].passed is True
