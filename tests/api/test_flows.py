"""GET /api/v1/flows (CONTRACT.md "Flows of the ladder"): shape, identity, scope, defaults, errors."""
from __future__ import annotations

import pytest

from crm.clock import today
from crm.flows.history import STAGES
from crm.flows.services import ladder_flows
from crm.models import Role
from tests.factories import EnterpriseUserFactory, OfficerFactory, UserFactory, issue_token
from tests.flows.test_pages import HESHAN, KAIPING, hand_made_world

ITEM_KEYS = {"year", "stage", "start", "entered", "left", "end"}


@pytest.fixture
def world(app) -> dict:
    return hand_made_world()


def get(client, token: str, query: str = ""):
    return client.get(f"/api/v1/flows{query}", headers={"Authorization": f"Bearer {token}"})


def test_without_token_is_401(client, world) -> None:
    response = client.get("/api/v1/flows")
    assert response.status_code == 401 and response.json["error"]


@pytest.mark.parametrize("district", [KAIPING, HESHAN, None])
def test_items_for_every_stage_and_year_equal_the_flows(client, world, district) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    response = get(client, token, f"?from=2019&to=2023{'&district=' + district if district else ''}")
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"items"}
    items = body["items"]
    assert [(i["year"], i["stage"]) for i in items] == [(y, s) for y in range(2019, 2024) for s in STAGES]
    table = ladder_flows(range(2019, 2024), district)
    for item in items:
        assert set(item) == ITEM_KEYS
        assert all(type(item[k]) is int for k in ITEM_KEYS - {"stage"})
        assert item["start"] + item["entered"] - item["left"] == item["end"], item
        flow = table[item["year"], item["stage"]]
        assert (item["start"], item["entered"], item["left"], item["end"]) == (
            flow.start, flow.entered_total, flow.left_total, flow.end)


def test_a_move_leaves_one_district_enters_the_other_and_not_the_city(client, world) -> None:
    token = issue_token(UserFactory(role=Role.admin))

    def hitech_2022(query: str) -> dict:
        items = get(client, token, f"?from=2022&to=2022{query}").json["items"]
        return next(i for i in items if i["stage"] == "hitech")

    assert hitech_2022(f"&district={KAIPING}")["left"] == 2        # moved away, and closed
    assert hitech_2022(f"&district={HESHAN}")["entered"] == 1      # moved in
    assert hitech_2022("")["left"] == 1                             # only the closure


def test_defaults_officer_their_district_bureau_the_city_last_ten_years(client, world) -> None:
    this_year = today().year
    officer = issue_token(OfficerFactory(district_code=HESHAN))
    items = get(client, officer).json["items"]
    assert {i["year"] for i in items} == set(range(this_year - 9, this_year + 1))
    heshan = get(client, officer, f"?district={HESHAN}").json["items"]
    assert items == heshan
    bureau = issue_token(UserFactory(role=Role.bureau))
    city = get(client, bureau, "?from=2022&to=2022").json["items"]
    assert next(i for i in city if i["stage"] == "hitech")["left"] == 1
    only_to = get(client, bureau, "?to=2020").json["items"]
    assert {i["year"] for i in only_to} == set(range(2011, 2021))


def test_a_district_out_of_scope_is_403(client, world) -> None:
    token = issue_token(OfficerFactory(district_code=HESHAN))
    response = get(client, token, f"?district={KAIPING}")
    assert response.status_code == 403 and "district" in response.json["error"]


def test_enterprise_users_are_403(client, world) -> None:
    token = issue_token(EnterpriseUserFactory(enterprise=world["lapsed"]))
    for query in ("", f"?district={KAIPING}"):
        response = get(client, token, query)
        assert response.status_code == 403 and response.json["error"]


@pytest.mark.parametrize("query, param", [
    ("?district=city", "district"),
    ("?district=999999", "district"),
    ("?from=abc", "from"),
    ("?from=20x0&to=2023", "from"),
    ("?from=2020&to=2023.0", "to"),
    ("?to=99999999999999999999", "to"),
    ("?from=2023&to=2020", "from"),
    ("?from=1990&to=2023", "from"),   # more than 30 years
    ("?from=1970&to=1975", "from"),
    ("?from=2020&to=2999", "to"),     # a year not over yet
])
def test_bad_parameters_are_400_naming_the_parameter(client, world, query, param) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    response = get(client, token, query)
    assert response.status_code == 400
    assert response.json["error"].startswith(f"参数 {param}："), response.json


def test_messages_are_chinese_whatever_the_accounts_language(client, world) -> None:
    token = issue_token(UserFactory(role=Role.bureau, locale="en"))
    response = get(client, token, "?from=2023&to=2020")
    assert response.status_code == 400 and "起始年份" in response.json["error"]
