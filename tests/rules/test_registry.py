"""The registry the scheduler uses: CONTRACT.md's rule codes, in order, all runnable at once."""
from __future__ import annotations

from datetime import date

from crm.rules import RULES, evaluate_all
from crm.rules.facts import FirmFacts
from tests.rules.builders import AS_OF, figures, firm, hitech

CONTRACT_ORDER = ["hitech_candidate", "hitech_expiring", "tech_sme_candidate", "gazelle_candidate",
                  "golden_seed_candidate", "report_overdue", "innovative_sme_candidate", "srdi_sme_candidate",
                  "little_giant_candidate", "tech_sme_onsite_check"]


def test_rules_in_contract_order() -> None:
    assert list(RULES) == CONTRACT_ORDER
    for code, spec in RULES.items():
        assert spec.code == code and spec.label and spec.description and callable(spec.evaluate)


def test_evaluate_all_with_defaults_and_overrides() -> None:
    # Sales 1,000 → 1,300 → 1,600万 (26.5% a year), R&D 6.15% of sales, all of it high-tech revenue.
    facts = firm([figures(y, revenue=1000 + 300 * (y - 2023), hitech_revenue=1000 + 300 * (y - 2023),
                          rd_expense=80, rd_expense_domestic=80, employees=50, tech_staff=10, ip_class1=1,
                          total_assets=3000, total_costs=900, net_profit=100) for y in (2023, 2024, 2025)],
                 founded=date(2019, 1, 1), designations=(hitech(date(2026, 10, 31)),))
    results = evaluate_all(facts, AS_OF, {})
    assert list(results) == CONTRACT_ORDER
    assert {code: r.passed for code, r in results.items()} == {
        "hitech_candidate": True,        # the certificate ends this year: re-recognition
        "hitech_expiring": True,
        "tech_sme_candidate": True,
        "gazelle_candidate": True,
        "golden_seed_candidate": False,
        "report_overdue": False,
        "innovative_sme_candidate": True,   # directly: a valid high-tech certificate
        "srdi_sme_candidate": False,        # holds no 创新型 designation
        "little_giant_candidate": False,
        "tech_sme_onsite_check": True,      # applies (a tech-SME candidate) for the first time
    }
    assert results["golden_seed_candidate"].gaps == {"revenue_min": 3400, "net_profit_min": 400}
    # Only the rule given parameters changes; the others keep their defaults.
    changed = evaluate_all(facts, AS_OF, {"gazelle_candidate": {"min_revenue_cagr": "0.3"}})
    assert changed["gazelle_candidate"].passed is False
    assert changed["hitech_candidate"].passed is True


def test_empty_firm_never_crashes() -> None:
    results = evaluate_all(FirmFacts(uscc="x", name="空企业", founded_on=None), AS_OF)
    assert not any(r.passed for code, r in results.items() if code != "report_overdue")
    assert results["report_overdue"].passed is True
    for r in results.values():
        assert all(c.message for c in r.conditions)
