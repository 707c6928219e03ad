"""`evaluate.if_passing` (the nightly run's shortcut) agrees with `evaluate` on every firm."""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from crm.rules import RULES, passing_evaluator
from crm.rules.facts import Declaration, HeldDesignation, HeldPlatform, Honour
from tests.rules.builders import AS_OF, figures, firm


def _random_firm(rng: random.Random):
    def money(low: int, high: int) -> Decimal | None:
        return None if rng.random() < 0.05 else Decimal(rng.randrange(low * 100, high * 100)) / 100

    def count(low: int, high: int) -> int | None:
        return None if rng.random() < 0.05 else rng.randrange(low, high)

    reports = []
    for year in (2022, 2023, 2024, 2025):
        if rng.random() < 0.1:
            continue
        revenue = money(0, 30_000)
        rd = money(0, 2_000)
        reports.append(figures(
            year, status=rng.choice(["verified", "submitted", "draft", "returned"]), revenue=revenue,
            total_revenue=rng.choice([None, money(0, 32_000)]), rd_expense=rd, rd_expense_domestic=money(0, 2_000),
            hitech_revenue=money(0, 30_000), total_assets=money(0, 40_000), net_assets=money(-500, 20_000),
            net_profit=money(-500, 3_000), total_costs=money(0, 30_000), employees=count(0, 900),
            tech_staff=count(0, 300), ip_class1=count(0, 3), ip_class2=count(0, 8),
            main_revenue=money(0, 30_000), total_liabilities=money(0, 40_000), rd_staff=count(0, 300),
        ))
    designations = []
    for kind in ("hitech", "tech_sme", "gazelle", "golden_seed", "listed", "innovative_sme", "srdi_sme"):
        if rng.random() < 0.3:
            start = date(rng.randrange(2019, 2027), rng.randrange(1, 13), 1)
            end = None if rng.random() < 0.1 else date(start.year + 3, start.month, 1)
            designations.append(HeldDesignation(kind, start, end, rng.choice([None, "GR2023"])))
    platforms = tuple(HeldPlatform(rng.choice(["engineering_center", "incubator"]),
                                   rng.choice(["national", "provincial", "municipal"]), None, None)
                      for _ in range(rng.randrange(0, 2)))
    honours = tuple(Honour(rng.choice(["national_science_award", "led_national_standard"]), rng.randrange(2018, 2027))
                    for _ in range(rng.randrange(0, 2)))
    founded = None if rng.random() < 0.05 else date(rng.randrange(2010, 2027), rng.randrange(1, 13), 1)
    declarations = tuple(
        Declaration(date(rng.randrange(2020, 2027), 1, 1), rng.choice(["verified", "verified", "submitted"]),
                    niche_since=rng.choice([None, rng.randrange(2010, 2025)]),
                    product_field=rng.choice([None, "strategic_gap", "six_basics", "other"]),
                    digital_level=rng.choice([None, 1, 2, 3]), quality_certified=rng.random() < 0.7,
                    own_brand=rng.random() < 0.7, strategic_emerging=rng.choice([None, True, False]),
                    ip_grade=rng.choice([None, "high_value", "own", "plain"]))
        for _ in range(rng.randrange(0, 2)))
    return firm(reports, founded=founded, designations=tuple(designations), platforms=platforms, honours=honours,
                declarations=declarations)


@pytest.mark.parametrize("code", list(RULES))
def test_if_passing_is_evaluate_for_passes_and_none_for_failures(code: str) -> None:
    rng = random.Random(code)
    evaluate = RULES[code].evaluate
    if_passing = passing_evaluator(evaluate)
    passes = 0
    for _ in range(1000):
        facts = _random_firm(rng)
        result = evaluate(facts, AS_OF, {})
        screened = if_passing(facts, AS_OF, {})
        if result.passed:
            passes += 1
            assert screened == result and screened.info == result.info
        else:
            assert screened is None
    assert passes > 0 or code in {"gazelle_candidate", "golden_seed_candidate", "hitech_expiring",
                                  "little_giant_candidate"}


def test_rules_that_stop_early_provide_the_shortcut() -> None:
    assert getattr(RULES["hitech_candidate"].evaluate, "if_passing", None) is not None
    assert getattr(RULES["tech_sme_candidate"].evaluate, "if_passing", None) is not None
