"""The parameter catalogue: every threshold documented, defaults resolved and coerced."""
from __future__ import annotations

from decimal import Decimal

import pytest

from crm.rules import RULES
from crm.rules.parameters import OTHER_GROUPS, DEFAULT_PARAMETERS, defaults_for, resolve, specs_for
from tests.rules.builders import D

UNITS = {"%", "万元", "人", "项", "分", "年", "月", "日", "级"}


def test_every_rule_has_documented_parameters() -> None:
    # Every rule's thresholds, and the groups that are not rules (designation validity).
    assert {s.rule for s in DEFAULT_PARAMETERS} == set(RULES) | set(OTHER_GROUPS)
    for spec in DEFAULT_PARAMETERS:
        assert spec.label and spec.description, spec.name
        assert spec.unit in UNITS, spec
        assert isinstance(spec.default, (Decimal, int)) and not isinstance(spec.default, bool)
        assert 2016 <= spec.effective_year <= 2026
        if spec.unit == "%":
            assert isinstance(spec.default, Decimal) and 0 <= spec.default < 1
    names = [(s.rule, s.name) for s in DEFAULT_PARAMETERS]
    assert len(names) == len(set(names))


def test_designation_validity_years_by_kind() -> None:
    from crm.models.designation import DesignationKind

    years = defaults_for("designation_validity")
    # MIIT's three designations run three years; the local lists are yearly.
    assert {k: years[f"{k}_years"] for k in ("innovative_sme", "srdi_sme", "little_giant")} == dict.fromkeys(
        ("innovative_sme", "srdi_sme", "little_giant"), 3)
    assert years["gazelle_years"] == years["golden_seed_years"] == 1
    # Every designation kind but those whose number or certificate gives the validity, and 上市.
    assert {name.removesuffix("_years") for name in years} == {
        k.value for k in DesignationKind} - {"hitech", "tech_sme", "listed"}


@pytest.mark.parametrize(
    "rule, name, default",
    [
        ("hitech_candidate", "min_registered_years", 1),
        ("hitech_candidate", "min_tech_staff_ratio", D("0.10")),
        ("hitech_candidate", "rd_band1_max_revenue", D(5000)),
        ("hitech_candidate", "rd_band1_min_ratio", D("0.05")),
        ("hitech_candidate", "rd_band2_max_revenue", D(20000)),
        ("hitech_candidate", "rd_band2_min_ratio", D("0.04")),
        ("hitech_candidate", "rd_band3_min_ratio", D("0.03")),
        ("hitech_candidate", "min_domestic_rd_ratio", D("0.60")),
        ("hitech_candidate", "min_hitech_revenue_ratio", D("0.60")),
        ("hitech_candidate", "rerecognition_lead_years", 0),
        ("hitech_expiring", "window_months", 6),
        ("tech_sme_candidate", "max_employees", 500),
        ("tech_sme_candidate", "max_revenue", D(20000)),
        ("tech_sme_candidate", "max_total_assets", D(20000)),
        ("tech_sme_candidate", "min_score", 60),
        ("tech_sme_candidate", "staff_share_for_4", D("0.10")),
        ("tech_sme_candidate", "rd_costs_for_50", D("0.30")),
        ("tech_sme_candidate", "ip_class2_for_24", 4),
        ("gazelle_candidate", "min_revenue", D(1000)),
        ("gazelle_candidate", "min_revenue_cagr", D("0.20")),
        ("gazelle_candidate", "max_age_years", 10),
        ("golden_seed_candidate", "min_revenue", D(5000)),
        ("golden_seed_candidate", "min_net_profit", D(500)),
        ("golden_seed_candidate", "min_revenue_growth", D("0.15")),
        ("report_overdue", "deadline_month", 5),
        ("report_overdue", "deadline_day", 31),
        ("report_overdue", "reminder_days", 30),
    ],
)
def test_defaults(rule: str, name: str, default: Decimal | int) -> None:
    assert defaults_for(rule)[name] == default


def test_resolve_coerces_and_merges() -> None:
    resolved = resolve("hitech_candidate", {"min_tech_staff_ratio": 0.1, "min_registered_years": "2",
                                            "rd_band1_min_ratio": None})
    assert resolved["min_tech_staff_ratio"] == D("0.1") and isinstance(resolved["min_tech_staff_ratio"], Decimal)
    assert resolved["min_registered_years"] == 2
    assert resolved["rd_band1_min_ratio"] == D("0.05")      # None keeps the default
    assert resolved["rd_band2_min_ratio"] == D("0.04")
    assert defaults_for("hitech_candidate")["min_registered_years"] == 1   # defaults untouched


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError, match="min_tech_staf"):
        resolve("hitech_candidate", {"min_tech_staf": 1})
    with pytest.raises(KeyError):
        defaults_for("no_such_rule")


def test_specs_for_keeps_order() -> None:
    assert [s.name for s in specs_for("report_overdue")] == ["deadline_month", "deadline_day", "reminder_days"]
