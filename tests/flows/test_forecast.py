"""The year-end forecast on a hand-worked district, its back-test on a small constructed history,
and the forecast page (targets past and to come, candidates, scope)."""
from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.flows.conversion import (
    Candidacy,
    ConversionCohort,
    FirmRecord,
    LadderRecords,
    RenewalCohort,
    conversion_cohorts,
    renewal_cohorts,
)
from crm.flows.forecast import backtest, backtest_years, forecast, horizon, needed_candidates, shortfall, tally
from crm.flows.history import FirmHistory, Held, Move
from crm.models import DesignationKind, PlanTarget, Role
from tests.conftest import login
from tests.factories import (
    AnnualReportFactory,
    DesignationFactory,
    EnterpriseFactory,
    FlagFactory,
    OfficerFactory,
    UserFactory,
)

KP, PJ = "440783", "440703"
HITECH = "hitech_candidate"
TECH_SME = "tech_sme_candidate"


def firm(eid: int, district: str, held: list[Held], flags: list[Candidacy] = (), moves: list[Move] = (),
         closed_on: date | None = None) -> FirmRecord:
    return FirmRecord(FirmHistory(eid, district, tuple(held), tuple(moves), closed_on), tuple(flags))


def cert(start: date, end: date | None) -> Held:
    return Held("hitech", start, end)


# ---------------------------------------------------------------------------
# A hand-worked district: Kaiping's high-tech firms on 1 January 2025
# ---------------------------------------------------------------------------

AS_OF = date(2025, 1, 1)


def kaiping() -> LadderRecords:
    open_flag = [Candidacy(HITECH, date(2024, 5, 1))]
    return LadderRecords([
        firm(1, KP, [cert(date(2023, 5, 1), date(2026, 4, 30))]),              # kept
        firm(2, KP, [cert(date(2024, 3, 1), date(2027, 2, 28))]),              # kept
        firm(3, KP, [cert(date(2022, 6, 1), date(2025, 5, 31))]),              # due: ends in May
        firm(4, KP, [cert(date(2022, 11, 1), date(2025, 10, 31))]),            # due: ends in October
        # Lapsed on 30 December 2024, before the last year-end: flagged again, so a candidate.
        firm(5, KP, [cert(date(2021, 12, 31), date(2024, 12, 30))], open_flag),
        # Ended on the last year-end (31 December 2024): due for renewal, though not held today.
        firm(6, KP, [cert(date(2022, 1, 1), date(2024, 12, 31))]),
        firm(7, KP, [], open_flag),                                            # candidate
        firm(8, KP, [], [Candidacy(HITECH, date(2024, 2, 1), date(2024, 10, 1))]),   # flag cleared
        firm(9, KP, [], [Candidacy(HITECH, date(2025, 2, 1))]),                # flagged after the day
        firm(10, KP, [cert(date(2025, 3, 1), date(2028, 2, 29))]),             # not yet known on the day
        firm(11, KP, [cert(date(2023, 1, 1), date(2025, 12, 31))], closed_on=date(2024, 11, 1)),  # closed
        firm(12, KP, [cert(date(2024, 1, 1), date(2026, 12, 31))], open_flag),  # kept; its flag adds nothing
        firm(13, PJ, [cert(date(2024, 1, 1), date(2026, 12, 31))]),             # another district
        # Moved in from Pengjiang in July 2024, holding a certificate to 2026: Kaiping's now.
        firm(14, KP, [cert(date(2023, 2, 1), date(2026, 1, 31))], moves=[Move(date(2024, 7, 1), PJ, KP)]),
    ])


# Kaiping's cohorts as counted by hand (rates pool the complete cohorts 2021-2023 on 1 January 2025).
RENEWALS = {("hitech", 2022, KP): RenewalCohort(4, 3), ("hitech", 2023, KP): RenewalCohort(6, 3),
            ("hitech", 2024, KP): RenewalCohort(50, 50)}          # 2024 is not complete yet: unused
CONVERSIONS = {(HITECH, 2021, KP): ConversionCohort(5, 1), (HITECH, 2023, KP): ConversionCohort(5, 2),
               (HITECH, 2020, KP): ConversionCohort(100, 0)}      # older than three years: unused


def test_the_forecast_of_a_hand_worked_district() -> None:
    assert horizon(AS_OF) == date(2025, 12, 31) and horizon(date(2025, 12, 31)) == date(2026, 12, 31)
    tallies = tally(kaiping(), ["hitech"], AS_OF)
    t = tallies["hitech", KP]
    assert (t.kept, t.due, t.ending, sorted(t.candidates)) == (4, 3, 2, [5, 7])   # kept: 1, 2, 12, 14; due: 3, 4, 6
    assert tallies["hitech", PJ].kept == 1

    made = forecast(tallies, "hitech", [KP], AS_OF, RENEWALS, CONVERSIONS, first_year=2018)
    part = made.parts[0]
    assert (part.renewal.hits, part.renewal.total) == (6, 10)       # r = 0.6
    assert (part.conversion.hits, part.conversion.total) == (3, 10)  # c = 0.3
    # Today 4 kept + 2 ending = 6; at the year-end 4 + 3 x 0.6 + 2 x 0.3 = 6.4.
    assert made.stock == 6
    assert made.point == pytest.approx(6.4)
    # Margin 1.645 x sqrt(3 x 0.6 x 0.4 + 2 x 0.3 x 0.7) = 1.645 x sqrt(1.14) = 1.7564.
    assert made.margin == pytest.approx(1.645 * math.sqrt(1.14))
    assert (made.low, made.high) == (4, 9)       # 4.64 -> 4 (never below the kept 4); 8.16 -> 9
    # Against a target of 8: 2 firms short (8 - 6.4 rounded up); each candidate made certain
    # adds 1 - 0.3, so 3 candidates would have to obtain it beyond the expected (only 2 are).
    assert shortfall(8, made.point) == 2 and shortfall(6, made.point) == 0 and shortfall(None, 1) is None
    assert needed_candidates(2, 0.3) == 3


def test_a_district_without_rates_uses_the_citys_and_a_kind_without_a_rule_has_no_candidates() -> None:
    tallies = tally(kaiping(), ["hitech", "listed"], AS_OF)
    city = {("hitech", 2022, None): RenewalCohort(10, 5)}
    made = forecast(tallies, "hitech", [KP], AS_OF, city, {}, first_year=2018)
    part = made.parts[0]
    assert part.renewal.source == "city" and part.renewal.value == 0.5
    assert part.conversion.source == "none"
    assert made.point == pytest.approx(4 + 3 * 0.5 + 2 * 0)
    listed = forecast(tallies, "listed", [KP], AS_OF, {}, {}, first_year=2018)
    assert listed.parts[0].conversion is None and listed.point == 0


# ---------------------------------------------------------------------------
# The back-test on a constructed history of yearly tech-SME lists (Kaiping, 2019-2022)
# ---------------------------------------------------------------------------


def tech_sme(*years: int) -> list[Held]:
    return [Held("tech_sme", date(y, 3, 1), date(y, 12, 31)) for y in years]


def lists() -> LadderRecords:
    return LadderRecords([
        firm(1, KP, tech_sme(2019, 2020, 2021, 2022)),
        firm(2, KP, tech_sme(2019, 2020)),
        firm(3, KP, tech_sme(2019)),
        firm(4, KP, tech_sme(2020, 2021, 2022)),
        firm(5, KP, tech_sme(2021, 2022), [Candidacy(TECH_SME, date(2020, 6, 1), date(2021, 3, 1))]),
        firm(6, KP, tech_sme(2020), [Candidacy(TECH_SME, date(2019, 5, 1), date(2020, 3, 1))]),
        firm(7, KP, [], [Candidacy(TECH_SME, date(2021, 5, 1), date(2022, 6, 1))]),
    ])


def test_the_back_test_forecasts_each_year_from_1_january_with_what_was_known_then() -> None:
    records = lists()
    renewals = renewal_cohorts(records, range(2019, 2024), ["tech_sme"])
    conversions = conversion_cohorts(records, range(2019, 2024), [TECH_SME])
    # Re-listing by hand: 2019 3 lists, 2 re-listed (1, 2); 2020 4, 2 (1, 4); 2021 3, 3; 2022 3, 0.
    assert [(renewals["tech_sme", y, KP].ending, renewals["tech_sme", y, KP].renewed) for y in range(2019, 2023)] \
        == [(3, 2), (4, 2), (3, 3), (3, 0)]
    # Candidates: 2019 firm 6 (listed 2020); 2020 firms 5 and 6; 2021 firms 5 and 7 (7 never).
    assert [(conversions[TECH_SME, y, KP].candidates, conversions[TECH_SME, y, KP].within_1)
            for y in (2019, 2020, 2021)] == [(1, 1), (2, 2), (2, 1)]

    years = backtest_years(records.first_year(), date(2023, 6, 30))
    assert years == [2021, 2022]        # two complete years of records before each
    result = backtest(records, ["tech_sme"], [KP], years, renewals, conversions, records.first_year())["tech_sme"]
    y2021, y2022 = result.years
    # 1 January 2021 (rates of 2019: re-listing 2/3, conversion 1/1): due 1, 2, 4, 6 (lists of
    # 2020); candidate 5 (flag open, 2021 list not yet known); firm 7 not yet flagged.
    # 4 x 2/3 + 1 = 3.667 against 3 listed on 31 December (1, 4, 5): error +0.667, 22.2%.
    assert (y2021.forecast.due, y2021.forecast.candidates, y2021.actual) == (4, 1, 3)
    assert y2021.forecast.point == pytest.approx(4 * 2 / 3 + 1)
    assert y2021.error == pytest.approx(2 / 3) and y2021.error_percent == pytest.approx(200 / 9)
    assert y2021.within_range
    # 1 January 2022 (rates of 2019-2020: 4/7 and 3/3): due 1, 4, 5; candidate 7.
    # 3 x 4/7 + 1 = 2.714 against 3 (1, 4, 5): error -0.286, 9.5%.
    assert (y2022.forecast.due, y2022.forecast.candidates, y2022.actual) == (3, 1, 3)
    assert y2022.error == pytest.approx(3 * 4 / 7 + 1 - 3)
    assert result.mean_absolute_error == pytest.approx((2 / 3 + (3 - 3 * 4 / 7 - 1)) / 2)
    assert result.mean_absolute_percent == pytest.approx((200 / 9 + abs(3 * 4 / 7 + 1 - 3) / 3 * 100) / 2)
    assert result.covered == 2


def test_no_back_test_without_two_years_of_records() -> None:
    assert backtest_years(None, date(2025, 6, 30)) == []
    assert backtest_years(2024, date(2025, 6, 30)) == []
    assert backtest_years(2010, date(2025, 12, 31)) == list(range(2016, 2026))   # the latest ten


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


def _designate(firm_, kind: DesignationKind, start: date, end: date | None) -> None:
    DesignationFactory(enterprise=firm_, kind=kind, valid_from=start, valid_to=end)


@pytest.fixture
def world(app):
    """Kaiping: high-tech firms over 2021-2025 and candidates; its plan (001) targets 190 in 2023
    and 225 in 2025 are set to small numbers to compare against."""
    from crm.dashboard.forecast import forget_models

    forget_models()
    firms = {}
    for n in range(4):   # four firms certified 2020-2023; two renewed in March 2023
        f = firms[f"steady{n}"] = EnterpriseFactory(district=KP, name=f"稳健科技{n}")
        _designate(f, DesignationKind.hitech, date(2020, 3, 1), date(2023, 2, 28))
        if n < 2:
            _designate(f, DesignationKind.hitech, date(2023, 3, 1), date(2026, 2, 28))
    f = firms["due"] = EnterpriseFactory(district=KP, name="到期科技")
    _designate(f, DesignationKind.hitech, date(2022, 8, 1), date(2025, 7, 31))
    for name, rd in (("甲候选", "300"), ("乙候选", "100")):
        f = firms[name] = EnterpriseFactory(district=KP, name=name, latest_year=2024)
        AnnualReportFactory(enterprise=f, year=2024, rd_expense=Decimal(rd), revenue=Decimal("5000"))
        FlagFactory(enterprise=f, rule=HITECH, raised_on=date(2024, 9, 1), cleared_on=None)
    other = EnterpriseFactory(district=PJ, name="蓬江科技")
    _designate(other, DesignationKind.hitech, date(2024, 1, 1), date(2026, 12, 31))
    FlagFactory(enterprise=other, rule=HITECH, raised_on=date(2024, 9, 1), cleared_on=None)
    target = db.session.scalar(select(PlanTarget).where(PlanTarget.plan == "001", PlanTarget.code == "hitech_enterprises"))
    target.targets = {"2023": "3", "2025": "6"}
    db.session.commit()
    return firms


def test_page_forecasts_reports_a_past_target_and_lists_candidates(world, client) -> None:
    from crm.dashboard.forecast import build_forecast

    bureau = UserFactory(username="city", role=Role.bureau)
    page = build_forecast(bureau, KP, date(2025, 6, 30))
    item = next(i for i in page.items if i.key == "hitech_count")
    # Held on 30 June 2025: steady0, steady1 (renewed), due (to July): 3. Kept 2; due 1;
    # candidates 2. The 2023 target (3) is past: on 31 December 2023 steady0, steady1 and due held it.
    assert (item.forecast.stock, item.forecast.kept, item.forecast.due, item.forecast.candidates) == (3, 2, 1, 2)
    assert [(p.year, p.target, p.actual, p.reached) for p in item.past] == [(2023, 3.0, 3, True)]
    assert (item.target_year, item.target, item.target_on_path) == (2025, 6.0, False)
    # Rates pool the complete cohorts 2021-2023: four certificates ended in 2023, two renewed
    # (0.5); the candidates were flagged in 2024, a cohort not complete yet (0). 2 + 0.5 = 2.5,
    # short of 6 by 4: four candidates would be needed, there are two, best first (R&D expense).
    assert item.forecast.point == pytest.approx(2.5)
    assert item.shortfall == 4 and item.needed == 4
    assert [c.name for c in item.candidates] == ["甲候选", "乙候选"]
    assert any(nf.row.code == "rd_institution_coverage" for nf in page.not_forecast)

    login(client, "city")
    html = client.get(f"/dashboard/forecast?district={KP}&as_of=2025-06-30").get_data(as_text=True)
    assert 'data-indicator="hitech_count"' in html and 'data-past="2023"' in html and 'data-reached="yes"' in html
    assert f"/enterprises/{world['甲候选'].uscc}" in html
    assert 'id="method"' in html and 'id="backtest' in html and 'id="rates"' in html and 'id="times"' in html
    # The dashboard links here.
    assert "/dashboard/forecast?" in client.get(f"/dashboard/?district={KP}&as_of=2025-06-30").get_data(as_text=True)


def test_a_missed_past_target(world, app) -> None:
    from crm.dashboard.forecast import build_forecast

    target = db.session.scalar(select(PlanTarget).where(PlanTarget.plan == "001", PlanTarget.code == "hitech_enterprises"))
    target.targets = {"2023": "4", "2025": "6"}
    db.session.commit()
    bureau = UserFactory(username="city", role=Role.bureau)
    item = next(i for i in build_forecast(bureau, KP, date(2025, 6, 30)).items if i.key == "hitech_count")
    assert [(p.year, p.actual, p.reached) for p in item.past] == [(2023, 3, False)]


def test_officers_see_their_district_only(world, client) -> None:
    OfficerFactory(username="kp", district_code=KP)
    login(client, "kp")
    assert client.get("/dashboard/forecast?as_of=2025-06-30").status_code == 200
    assert client.get(f"/dashboard/forecast?district={PJ}").status_code == 404
    assert client.get("/dashboard/forecast?district=city").status_code == 404
    html = client.get("/dashboard/forecast?as_of=2025-06-30").get_data(as_text=True)
    assert "蓬江科技" not in html
