"""The dashboard's innovation-points section: stars per district and movement between rounds,
counted by hand on rounds made here, in each user's scope; and the section on the page."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from crm.dashboard.innovation import (
    previous_round,
    shown_rounds,
    star_movement,
    stars_by_district,
    stars_section,
)
from crm.dashboard.services import CITY
from crm.extensions import db
from crm.innovation.services import latest_scheme, publish_round, run_round
from crm.models import Enterprise, InnovationRound, InnovationScore, Role
from tests.conftest import login
from tests.factories import AnnualReportFactory, EnterpriseFactory, OfficerFactory, UserFactory

KP, PJ, HS = "440783", "440703", "440784"  # 开平市, 蓬江区, 鹤山市
UNSCORED = "unscored"


def make_round(stars: dict[Enterprise, int | None | str], *, published: bool = True, year: int = 2025,
               districts: dict[Enterprise, str] | None = None) -> InnovationRound:
    """A stored round in which each firm has the given stars (None: scored without; UNSCORED: not scored)."""
    round_ = InnovationRound(as_of=date(year + 1, 7, 1), fiscal_year=year, scheme_id=latest_scheme().id,
                             cohorts=[], counts={}, published_at=datetime(year + 1, 7, 5) if published else None)
    db.session.add(round_)
    db.session.flush()
    ranked = sorted(stars.items(), key=lambda pair: -(pair[1] if isinstance(pair[1], int) else 0))
    for rank, (firm, given) in enumerate(ranked, start=1):
        scored = given != UNSCORED
        db.session.add(InnovationScore(
            round_id=round_.id, enterprise_id=firm.id, uscc=firm.uscc, name=firm.name,
            district_code=(districts or {}).get(firm, firm.district_code),
            cohort="growth" if scored else None, cohort_size=len(stars) if scored else None,
            score=Decimal(100 - rank) if scored else None, rank=rank if scored else None,
            stars=given if scored else None, groups={}, indicators={},
            reason=None if scored else "没有2025年度报表"))
    db.session.commit()
    return round_


@pytest.fixture
def firms(app) -> dict[str, Enterprise]:
    made = {name: EnterpriseFactory(district=district, name=f"江门星级{name}有限公司")
            for name, district in (("a", KP), ("b", KP), ("c", KP), ("d", KP), ("e", KP), ("f", KP),
                                   ("g", PJ), ("h", PJ), ("i", HS))}
    db.session.commit()
    return made


@pytest.fixture
def two_rounds(firms):
    f = firms
    before = make_round({f["a"]: 5, f["b"]: 3, f["c"]: 4, f["d"]: None, f["e"]: 3, f["f"]: 5, f["g"]: 4,
                         f["h"]: None}, year=2024)
    # a down, b up, c same, d new, e lost (scored, no stars), f lost (not scored), g same,
    # h stays without stars, i new (was not in the round before at all).
    after = make_round({f["a"]: 4, f["b"]: 5, f["c"]: 4, f["d"]: 3, f["e"]: None, f["f"]: UNSCORED, f["g"]: 4,
                        f["h"]: None, f["i"]: 3}, year=2025)
    return before, after


def test_stars_per_district_and_city_for_bureau(two_rounds) -> None:
    bureau = UserFactory(role=Role.bureau)
    _before, after = two_rounds
    counts = stars_by_district(bureau, CITY, after.id)
    assert list(counts) == ["440703", "440704", "440705", "440781", "440783", "440784", "440785"]
    kaiping = counts[KP]
    assert kaiping.stars == {5: 1, 4: 2, 3: 1} and kaiping.starred == 4
    assert kaiping.scored == 5  # f was not scored
    assert (counts[PJ].stars, counts[PJ].scored) == ({5: 0, 4: 1, 3: 0}, 2)
    assert counts[HS].stars == {5: 0, 4: 0, 3: 1}
    assert counts["440785"].starred == counts["440785"].scored == 0
    section = stars_section(bureau, CITY)
    assert section.total.stars == {5: 1, 4: 3, 3: 2} and section.total.scored == 8


def test_officer_counts_own_district_only(two_rounds) -> None:
    officer = OfficerFactory(district_code=PJ)
    _before, after = two_rounds
    counts = stars_by_district(officer, PJ, after.id)
    assert list(counts) == [PJ] and counts[PJ].stars == {5: 0, 4: 1, 3: 0}
    section = stars_section(officer, PJ)
    assert section.total is None and section.total_movement is None
    assert list(section.movement) == [PJ]
    assert section.movement[PJ].moves == {"up": 0, "down": 0, "same": 1, "new": 0, "lost": 0}
    # Even asked for the whole city, the scope leaves only the officer's firms.
    city = stars_by_district(officer, CITY, after.id)
    assert sum(row.scored for code, row in city.items() if code != PJ) == 0


def test_movement_between_two_rounds(two_rounds) -> None:
    bureau = UserFactory(role=Role.bureau)
    before, after = two_rounds
    movement = star_movement(bureau, CITY, after.id, before.id)
    assert movement[KP].moves == {"up": 1, "down": 1, "same": 1, "new": 1, "lost": 2}
    assert movement[PJ].moves == {"up": 0, "down": 0, "same": 1, "new": 0, "lost": 0}
    assert movement[HS].moves == {"up": 0, "down": 0, "same": 0, "new": 1, "lost": 0}
    section = stars_section(bureau, CITY)
    assert (section.round.id, section.previous.id, section.pending) == (after.id, before.id, None)
    assert section.total_movement.moves == {"up": 1, "down": 1, "same": 2, "new": 2, "lost": 2}


def test_a_firm_counts_in_the_district_it_was_scored_in(firms) -> None:
    f = firms
    # Firm a moved from Kaiping to Pengjiang between the rounds; b lost its stars after moving.
    before = make_round({f["a"]: 3, f["b"]: 4}, year=2024)
    after = make_round({f["a"]: 5, f["b"]: None}, year=2025, districts={f["a"]: PJ, f["b"]: PJ})
    movement = star_movement(UserFactory(role=Role.bureau), CITY, after.id, before.id)
    assert movement[PJ].moves["up"] == 1
    assert movement[KP].moves["lost"] == 1 and movement[KP].moves["up"] == 0


def test_which_rounds_are_shown(firms) -> None:
    f = firms
    assert shown_rounds() == (None, None, None)
    assert stars_section(UserFactory(role=Role.bureau), CITY).round is None
    first = make_round({f["a"]: 5}, published=False, year=2023)
    # Nothing published yet: the latest round, noted as not published.
    assert shown_rounds() == (first, None, None)
    second = make_round({f["a"]: 4}, published=True, year=2024)
    unpublished_between = make_round({f["a"]: 3}, published=False, year=2025)
    third = make_round({f["a"]: 5}, published=True, year=2025)
    newest = make_round({f["a"]: 3}, published=False, year=2026)
    shown, pending, previous = shown_rounds()
    # The latest published round, compared with the published one before it.
    assert (shown, pending, previous) == (third, newest, second)
    assert previous_round(unpublished_between) == second
    assert previous_round(newest) == third


def test_a_real_round_counted(app) -> None:
    """24 firms of one cohort scored by run_round: one 五星, one 四星, two 三星 (5%/10%/20%)."""
    for n in range(24):
        firm = EnterpriseFactory(district=KP if n % 2 else HS)
        AnnualReportFactory(enterprise=firm, year=2025, rd_expense=Decimal(100 + n), ip_class1=n)
    db.session.commit()
    round_ = run_round(date(2026, 7, 1))
    publish_round(round_, UserFactory(role=Role.admin))
    db.session.commit()
    section = stars_section(UserFactory(role=Role.bureau), CITY)
    assert section.round == round_ and section.previous is None and section.movement == {}
    assert section.total.stars == {5: 1, 4: 1, 3: 2} and section.total.scored == 24
    assert section.counts[KP].scored == section.counts[HS].scored == 12


def _dashboard(client) -> str:
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _row(html: str, table: str, district: str) -> dict[str, str]:
    body = re.search(rf'<table[^>]*id="{table}".*?</table>', html, re.S).group(0)
    row = re.search(rf'<tr data-district="{district}">(.*?)</tr>', body, re.S).group(1)
    # A star count is a link to the round's list of those firms: its text is the count.
    return dict(re.findall(r'data-(?:stars|move)="(\w+)">(?:<a href="[^"]*">)?([^<]*)<', row))


def test_the_section_on_the_dashboard_page(client, two_rounds) -> None:
    before, after = two_rounds
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    html = _dashboard(client)
    assert "企业创新积分星级" in html and f'data-round="{after.id}"' in html
    assert _row(html, "stars-by-district", KP) == {"5": "1", "4": "2", "3": "1"}
    link = f'/innovation/rounds/{after.id}?district={KP}&amp;stars=4'
    assert f'<a href="{link}">2</a>' in html
    assert _row(html, "stars-by-district", "city") == {"5": "1", "4": "3", "3": "2"}
    assert _row(html, "stars-movement", KP) == {"up": "1", "down": "1", "same": "1", "new": "1", "lost": "2"}
    assert "data-unpublished" not in html and "data-pending" not in html
    # The stacked bars' figures travel in the page's JSON (no inline script: the CSP forbids it).
    chart = json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html, re.S)
                       .group(1))
    assert chart["stars"]["districts"][0] == "蓬江区"
    assert [s["name"] for s in chart["stars"]["series"]] == ["五星", "四星", "三星"]
    assert chart["stars"]["series"][1]["data"][4] == 2  # 四星 in Kaiping, the fifth district
    assert 'id="chart-stars"' in html


def test_officer_page_and_an_unpublished_round(client, firms) -> None:
    make_round({firms["a"]: 5, firms["g"]: 4}, published=False)
    OfficerFactory(username="kp", district_code=KP)
    login(client, "kp")
    html = _dashboard(client)
    assert "data-unpublished" in html and "data-no-previous" in html
    assert _row(html, "stars-by-district", KP) == {"5": "1", "4": "0", "3": "0"}
    assert f'<tr data-district="{PJ}">' not in html.split('id="stars-by-district"')[1].split("</table>")[0]
    assert 'data-district="city"' not in html and 'id="chart-stars"' not in html


def test_no_round_yet(client, app) -> None:
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    assert "data-no-round" in _dashboard(client)
