"""Conversion of candidates, renewal of certificates and time between rungs, on a hand-worked
pair of districts (every number below is counted by hand from the firms' histories)."""
from __future__ import annotations

from datetime import date

import pytest

from crm.flows.conversion import (
    Candidacy,
    ConversionCohort,
    FirmRecord,
    LadderRecords,
    RenewalCohort,
    complete_years,
    conversion_cohorts,
    rate_for,
    renewal_cohorts,
    rung_times,
)
from crm.flows.history import FirmHistory, Held, Move

KP, PJ = "440783", "440703"
HITECH = "hitech_candidate"


def firm(eid: int, district: str, held: list[Held], flags: list[Candidacy] = (), moves: list[Move] = (),
         closed_on: date | None = None) -> FirmRecord:
    return FirmRecord(FirmHistory(eid, district, tuple(held), tuple(moves), closed_on), tuple(flags))


def hitech(start: date, end: date | None) -> Held:
    return Held("hitech", start, end)


@pytest.fixture
def records() -> LadderRecords:
    return LadderRecords([
        # 1: candidate in 2020, certified that November, renewed on time in 2023.
        firm(1, KP, [Held("tech_sme", date(2019, 4, 1), date(2019, 12, 31)),
                     hitech(date(2020, 11, 20), date(2023, 11, 19)), hitech(date(2023, 12, 1), date(2026, 11, 30))],
             [Candidacy(HITECH, date(2020, 3, 1), date(2020, 12, 1))]),
        # 2: candidate from mid-2020, certified in May 2022 (within two years of 2020, within one of
        #    2021 and 2022), never renewed; came through the incubator and the tech-SME list.
        firm(2, KP, [Held("incubated", date(2018, 1, 1), date(2020, 12, 31)),
                     Held("tech_sme", date(2020, 3, 1), date(2020, 12, 31)),
                     Held("tech_sme", date(2021, 3, 1), date(2021, 12, 31)),
                     hitech(date(2022, 5, 1), date(2025, 4, 30))],
             [Candidacy(HITECH, date(2020, 6, 1), date(2022, 5, 1))]),
        # 3: flagged on the last day of 2020, cleared on 1 January 2021: a candidate of both years.
        firm(3, KP, [], [Candidacy(HITECH, date(2020, 12, 31), date(2021, 1, 1))]),
        # 4: moved from Kaiping to Pengjiang in June 2021: a Pengjiang candidate of 2021; its
        #    certificate lapsed in 2024 and the next came more than a year later.
        firm(4, PJ, [Held("tech_sme", date(2020, 6, 1), date(2020, 12, 31)),
                     hitech(date(2021, 9, 15), date(2024, 9, 14)), hitech(date(2025, 10, 1), date(2028, 9, 30))],
             [Candidacy(HITECH, date(2021, 2, 1), date(2021, 10, 1))], [Move(date(2021, 6, 1), KP, PJ)]),
        # 5: a 2019 candidate already certified in 2018 (obtained before the year: no conversion by
        #    2020), renewed in March 2021 (a certificate obtained by the end of Y+2), lapsed in 2024.
        firm(5, PJ, [hitech(date(2018, 1, 1), date(2020, 12, 31)), hitech(date(2021, 3, 1), date(2024, 2, 29))],
             [Candidacy(HITECH, date(2019, 5, 1), date(2019, 8, 1))]),
        # 6: closed before its certificate ended: no renewal decision to count.
        firm(6, KP, [hitech(date(2020, 1, 1), date(2022, 12, 31))], closed_on=date(2022, 6, 30)),
        # 7: renewed early (the new certificate overlaps the old), then lapsed in 2024; it held
        #    high-tech before its tech-SME registration, so it never moved up from tech-SME.
        firm(7, KP, [hitech(date(2019, 3, 1), date(2022, 2, 28)), hitech(date(2021, 12, 1), date(2024, 11, 30)),
                     Held("tech_sme", date(2020, 2, 1), date(2020, 12, 31))]),
    ])


def test_conversion_of_candidates_by_the_end_of_the_next_year_and_the_one_after(records) -> None:
    cohorts = conversion_cohorts(records, range(2018, 2024))

    def seen(year: int, where: str | None) -> tuple[int, int, int]:
        c = cohorts.get((HITECH, year, where), ConversionCohort())
        return c.candidates, c.within_1, c.within_2

    assert seen(2019, PJ) == (1, 0, 1)            # firm 5: held before 2019, renewed in March 2021
    assert seen(2020, KP) == (3, 1, 2)            # 1 (2020), 2 (2022: by Y+2 only), 3 (never)
    assert seen(2021, KP) == (2, 1, 1)            # 2 and 3 (cleared on 1 January: open in 2021)
    assert seen(2021, PJ) == (1, 1, 1)            # 4 counts where it was on 31 December
    assert seen(2021, None) == (3, 2, 2)          # the city: each firm once
    assert seen(2022, KP) == (1, 1, 1)
    assert seen(2023, KP) == (0, 0, 0)
    assert sorted(cohorts[HITECH, 2020, KP].firms) == [1, 2, 3]


def test_renewal_of_certificates_in_their_expiry_year(records) -> None:
    cohorts = renewal_cohorts(records, range(2018, 2027), ["hitech"])

    def seen(year: int, where: str | None) -> tuple[int, int]:
        c = cohorts.get(("hitech", year, where), RenewalCohort())
        return c.ending, c.renewed

    assert seen(2020, PJ) == (1, 1)     # firm 5, renewed in March 2021
    assert seen(2022, KP) == (1, 1)     # firm 7's early renewal; firm 6 closed before its end
    assert seen(2023, KP) == (1, 1)     # firm 1
    assert seen(2024, PJ) == (2, 0)     # firm 4 (next certificate 13 months later), firm 5
    assert seen(2024, KP) == (1, 0)     # firm 7's second certificate
    assert seen(2025, KP) == (1, 0)     # firm 2
    assert seen(2024, None) == (3, 0)


def test_median_time_from_one_rung_to_the_next(records) -> None:
    times = rung_times(records, date(2025, 6, 30))
    # tech_sme -> hitech: firm 1 599 days, firm 2 791 (Kaiping), firm 4 471 (in Pengjiang when
    # certified); firm 7 held high-tech first and is left out.
    kp = times["tech_sme", "hitech", KP]
    assert sorted(kp.days) == [599, 791] and kp.firms == 2
    assert kp.median_months == pytest.approx(695 / (365.25 / 12))
    assert times["tech_sme", "hitech", PJ].days == [471]
    assert times["tech_sme", "hitech", None].median_months == pytest.approx(599 / (365.25 / 12))
    assert times["incubated", "tech_sme", KP].days == [790]
    # Nothing after the as-of day counts: on 1 May 2022 firm 2 was not yet certified.
    assert sorted(rung_times(records, date(2022, 4, 30))["tech_sme", "hitech", KP].days) == [599]


def test_rates_pool_complete_cohorts_and_fall_back_to_the_city(records) -> None:
    # A cohort of year Y is complete once 31 December of Y+1 has passed.
    assert complete_years(date(2023, 6, 30), 2018, lag=1) == (2019, 2020, 2021)
    assert complete_years(date(2023, 12, 31), 2018, lag=1) == (2020, 2021, 2022)
    assert complete_years(date(2020, 1, 1), 2019, lag=1) == ()
    cohorts = conversion_cohorts(records, range(2018, 2024))
    kp = rate_for(cohorts, HITECH, (2020, 2021), KP)
    assert (kp.hits, kp.total, kp.source) == (2, 5, "district") and kp.value == pytest.approx(0.4)
    pj = rate_for(cohorts, HITECH, (2020,), PJ)           # no Pengjiang candidate in 2020
    assert (pj.hits, pj.total, pj.source) == (1, 3, "city")
    none = rate_for(cohorts, HITECH, (2015,), PJ)
    assert (none.known, none.value, none.source) == (False, 0.0, "none")


def test_a_flag_is_open_in_a_year_and_on_a_day() -> None:
    flag = Candidacy(HITECH, date(2020, 12, 31), date(2021, 1, 1))
    assert flag.open_in(2020) and flag.open_in(2021) and not flag.open_in(2022)
    assert flag.open_on(date(2020, 12, 31)) and not flag.open_on(date(2021, 1, 1))
    assert Candidacy(HITECH, date(2020, 1, 1)).open_on(date(2030, 1, 1))
