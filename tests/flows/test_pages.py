"""The flows pages: the table's numbers are ladder_flows', every number leads to its firms, the
scope holds (another district's officer, a firm that moved away), bad year ranges say why, and
the print view prints the same table."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from crm.extensions import db
from crm.flows.history import ENTERED, LEFT, STAGES, members
from crm.flows.services import histories, ladder_flows
from crm.models import DesignationKind, DistrictMove, Role
from tests.conftest import login
from tests.factories import DesignationFactory, EnterpriseFactory, EnterpriseUserFactory, OfficerFactory, UserFactory

KAIPING, HESHAN = "440783", "440784"
YEARS = range(2016, 2024)   # 2016 and 2017 come before the first record (2018)
ARGS = "from=2016&to=2023"
CELL = re.compile(r'data-cell="(\d+):(\w+):(\w+):(\w*)">(\d+)<')
LINK = re.compile(r'<a href="([^"]+)" data-cell="(\d+):(\w+):(\w+):(\w*)">')


def held(firm, kind: str, start: date, end: date | None) -> None:
    DesignationFactory(enterprise=firm, kind=DesignationKind(kind), valid_from=start, valid_to=end)


def hand_made_world() -> dict:
    """Kaiping firms for every reason, and one that moved to Heshan in mid-2022 (records begin in 2018)."""
    firms = {
        "lapsed": EnterpriseFactory(district=KAIPING, name="甲到期未续有限公司"),
        "boundary": EnterpriseFactory(district=KAIPING, name="乙科技型中小企业有限公司"),
        "moved": EnterpriseFactory(district=HESHAN, name="丙迁往鹤山有限公司"),
        "closed": EnterpriseFactory(district=KAIPING, name="丁注销有限公司", closed_on=date(2022, 8, 15)),
        "up": EnterpriseFactory(district=KAIPING, name="戊升级有限公司"),
        "returning": EnterpriseFactory(district=KAIPING, name="己重新认定有限公司"),
    }
    held(firms["lapsed"], "hitech", date(2020, 3, 1), date(2023, 2, 28))
    # A tech-SME registration ends on 31 December: in 2021's end, not in 2022's start.
    held(firms["boundary"], "tech_sme", date(2021, 5, 1), date(2021, 12, 31))
    held(firms["boundary"], "hitech", date(2022, 1, 1), date(2024, 12, 31))
    held(firms["moved"], "hitech", date(2019, 11, 1), date(2025, 10, 31))
    db.session.add(DistrictMove(enterprise_id=firms["moved"].id, moved_on=date(2022, 6, 30),
                                from_district=KAIPING, to_district=HESHAN))
    held(firms["closed"], "hitech", date(2021, 3, 1), date(2024, 2, 28))
    held(firms["up"], "tech_sme", date(2021, 4, 1), date(2022, 6, 30))
    held(firms["up"], "hitech", date(2022, 5, 1), date(2025, 4, 30))
    held(firms["returning"], "hitech", date(2018, 1, 1), date(2020, 12, 31))
    held(firms["returning"], "hitech", date(2021, 6, 1), date(2024, 5, 31))
    db.session.commit()
    return firms


@pytest.fixture
def world(app) -> dict:
    firms = hand_made_world()
    UserFactory(username="bureau", role=Role.bureau)
    OfficerFactory(username="kp", district_code=KAIPING)
    OfficerFactory(username="hs", district_code=HESHAN)
    return firms


def cells(page: str) -> dict[tuple[int, str, str, str], int]:
    return {(int(y), s, p, r): int(n) for y, s, p, r, n in CELL.findall(page)}


def expected_cells(district: str | None, years: range) -> dict[tuple[int, str, str, str], int]:
    table = ladder_flows(years, district)
    out = {}
    for (year, stage), flow in table.items():
        out[year, stage, "start", ""] = flow.start
        out[year, stage, "end", ""] = flow.end
        out[year, stage, "entered", ""] = flow.entered_total
        out[year, stage, "left", ""] = flow.left_total
        for reason in ENTERED:
            if district is not None or reason != "moved_in":
                out[year, stage, "entered", reason] = flow.entered[reason]
        for reason in LEFT:
            if district is not None or reason != "moved_away":
                out[year, stage, "left", reason] = flow.left[reason]
    return out


@pytest.mark.parametrize("district", [KAIPING, HESHAN, None])
def test_the_tables_numbers_are_the_flows(client, world, district) -> None:
    login(client, "bureau")
    response = client.get(f"/flows/?district={district or 'city'}&{ARGS}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = cells(page)
    assert shown == expected_cells(district, range(2018, 2024))  # the years before the first record show none
    if district is None:
        assert 'id="note-city-moves"' in page
    assert 'id="note-year-boundary"' in page


def test_the_hand_made_flows_are_what_happened(client, world) -> None:
    login(client, "bureau")
    shown = cells(client.get(f"/flows/?district={KAIPING}&{ARGS}").get_data(as_text=True))
    assert shown[2022, "hitech", "left", "moved_away"] == 1
    assert shown[2022, "hitech", "left", "closed"] == 1
    assert shown[2023, "hitech", "left", "lapsed"] == 1
    assert shown[2022, "tech_sme", "left", "moved_up"] == 1
    assert shown[2021, "hitech", "entered", "returning"] == 1
    # The tech-SME registration ending on 31 December: in 2021's end, not in 2022's start.
    assert shown[2021, "tech_sme", "end", ""] == 2 and shown[2022, "tech_sme", "start", ""] == 1
    heshan = cells(client.get(f"/flows/?district={HESHAN}&{ARGS}").get_data(as_text=True))
    assert heshan[2022, "hitech", "entered", "moved_in"] == 1
    city = client.get(f"/flows/?{ARGS}").get_data(as_text=True)
    # The move is neither in nor out in the city: of the two that left Kaiping, only the closure left it.
    assert cells(city)[2022, "hitech", "left", ""] == 1 and cells(city)[2022, "hitech", "left", "closed"] == 1


def test_years_before_the_first_record_say_so_instead_of_zeros(client, world) -> None:
    login(client, "bureau")
    page = client.get(f"/flows/?district={KAIPING}&{ARGS}").get_data(as_text=True)
    assert 'data-first-year="2018"' in page
    assert "2016—2017年：" in page and "2018年以前没有认定记录" in page
    assert 'id="flows-2017"' not in page and 'id="flows-2018"' in page


def test_without_any_record_the_page_says_so(client, app) -> None:
    UserFactory(username="bureau", role=Role.bureau)
    login(client, "bureau")
    page = client.get(f"/flows/?{ARGS}").get_data(as_text=True)
    assert 'id="no-records"' in page and "flows-data" not in page


def listed_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-enterprise-id="(\d+)"', page)]


@pytest.mark.parametrize("district", [KAIPING, None])
def test_every_link_lists_the_firms_behind_its_number(client, world, district) -> None:
    login(client, "bureau")
    page = client.get(f"/flows/?district={district or 'city'}&{ARGS}").get_data(as_text=True)
    links = LINK.findall(page)
    assert links
    firms = histories(district)
    numbers = cells(page)
    for href, year, stage, part, reason in links:
        listed = client.get(unescape(href))
        assert listed.status_code == 200, href
        ids = listed_ids(listed.get_data(as_text=True))
        expected = members(firms, int(year), stage, part, reason or None, district)
        assert sorted(ids) == sorted(expected), href
        assert len(ids) == numbers[int(year), stage, part, reason], href


def test_a_zero_is_not_a_link(client, world) -> None:
    login(client, "bureau")
    page = client.get(f"/flows/?district={KAIPING}&{ARGS}").get_data(as_text=True)
    assert '<span data-cell="2022:listed:start:">0<' in page


def test_another_districts_officer_finds_nothing(client, world) -> None:
    login(client, "hs")
    assert client.get(f"/flows/?district={KAIPING}").status_code == 404
    assert client.get("/flows/?district=city").status_code == 404
    assert client.get(f"/flows/print?district={KAIPING}").status_code == 404
    assert client.get(f"/flows/firms?district={KAIPING}&year=2022&stage=hitech&part=start").status_code == 404
    # Without a district, an officer sees their own.
    page = client.get(f"/flows/?{ARGS}").get_data(as_text=True)
    assert f'data-district="{HESHAN}"' in page and 'id="district"' not in page


def test_enterprise_users_find_nothing(client, world) -> None:
    EnterpriseUserFactory(username="firm", enterprise=world["lapsed"])
    login(client, "firm")
    assert client.get("/flows/").status_code == 404
    assert client.get("/flows/firms?year=2022&stage=hitech&part=start").status_code == 404


def test_a_firm_that_moved_away_is_counted_for_the_old_district_but_listed_only_for_its_new_one(
        app, client, world) -> None:
    login(client, "kp")
    url = f"/flows/firms?year=2022&stage=hitech&part=left&reason=moved_away&district={KAIPING}"
    page = client.get(url).get_data(as_text=True)
    assert listed_ids(page) == []
    assert 'data-hidden="1"' in page and "现已迁往其他区（市）" in page and "共 1 家企业" in page
    # The 2022 start in Kaiping: five firms held it then, one is now Heshan's.
    page = client.get(f"/flows/firms?year=2022&stage=hitech&part=start&district={KAIPING}").get_data(as_text=True)
    assert len(listed_ids(page)) == 4 and 'data-hidden="1"' in page
    assert world["moved"].id not in listed_ids(page)
    client = app.test_client()
    login(client, "hs")
    page = client.get(f"/flows/firms?year=2022&stage=hitech&part=entered&reason=moved_in").get_data(as_text=True)
    assert listed_ids(page) == [world["moved"].id] and "data-hidden" not in page


@pytest.mark.parametrize("query, param, words", [
    ("from=abc&to=2023", "from", "应为四位数的年份"),
    ("from=2020.5&to=2023", "from", "应为四位数的年份"),
    ("from=2023&to=2020", "from", "起始年份 2023 晚于结束年份 2020"),
    ("from=1990&to=2023", "from", "一次最多查看 30 年"),
    ("from=2020&to=2999", "to", "年份应在 1980 至"),
    ("from=-1&to=2023", "from", "应为四位数的年份"),
    ("from=99999999999999999999", "from", "应为四位数的年份"),
])
def test_a_bad_year_range_says_why(client, world, query, param, words) -> None:
    login(client, "bureau")
    response = client.get(f"/flows/?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="year-error"' in page and words in page
    assert ("起始年份：" if param == "from" else "结束年份：") in page
    assert f'id="{param}" name="{param}"' in page and "is-invalid" in page
    assert client.get(f"/flows/print?{query}").status_code == 400


def test_the_default_range_is_the_last_ten_years(client, world) -> None:
    from crm.clock import today

    login(client, "bureau")
    page = client.get("/flows/").get_data(as_text=True)
    this_year = today().year
    assert f'name="from" value="{this_year - 9}"' in page and f'name="to" value="{this_year}"' in page
    assert 'id="note-this-year"' in page


@pytest.mark.parametrize("query", [
    "year=abc&stage=hitech&part=start", "year=2022&stage=gold&part=start", "year=2022&stage=hitech&part=middle",
    "year=2022&stage=hitech&part=left&reason=first", "stage=hitech&part=start",
])
def test_a_link_that_names_no_number_says_so(client, world, query) -> None:
    login(client, "bureau")
    response = client.get(f"/flows/firms?{query}")
    assert response.status_code == 400 and 'id="members-error"' in response.get_data(as_text=True)


def test_the_print_view_prints_the_same_table_without_links(client, world) -> None:
    login(client, "bureau")
    screen = cells(client.get(f"/flows/?district={KAIPING}&{ARGS}").get_data(as_text=True))
    response = client.get(f"/flows/print?district={KAIPING}&{ARGS}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert cells(page) == screen
    assert "<a href=\"/flows/firms" not in page and "data-print" in page
    assert "开平市科技企业梯队流动情况" in page and "2016年至2023年" in page and "2018年以前没有认定记录" in page
    assert "<script>" not in page   # the Content-Security-Policy allows no inline script


def test_the_page_carries_the_chart_data_for_its_static_script(client, world) -> None:
    import json

    login(client, "bureau")
    page = client.get(f"/flows/?district={KAIPING}&{ARGS}").get_data(as_text=True)
    raw = re.search(r'<script type="application/json" id="flows-data">(.*?)</script>', page, re.S).group(1)
    chart = json.loads(raw)
    assert chart["years"] == [str(y) for y in YEARS]
    hitech = next(s for s in chart["stages"] if s["code"] == "hitech")
    assert hitech["end"][:2] == [None, None]          # before the first record: no numbers
    away = next(s for s in hitech["series"] if s["reason"] == "moved_away")
    assert away["data"][YEARS.index(2022)] == -1       # exits point down
    assert [s["code"] for s in chart["stages"]] == list(STAGES)
    assert "js/flows.js" in page and "vendor/echarts" in page
    city = client.get(f"/flows/?{ARGS}").get_data(as_text=True)
    city_chart = json.loads(re.search(r'id="flows-data">(.*?)</script>', city, re.S).group(1))
    assert {s["reason"] for s in city_chart["stages"][0]["series"]} == {"first", "returning", "lapsed", "moved_up",
                                                                         "closed"}
