"""GET /api/v1/innovation-points (CONTRACT.md "Innovation points"): shape, rounds, scope, filters, errors."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from crm.extensions import db
from crm.innovation.services import publish_round, run_round
from crm.models import InnovationScore, Role
from tests.factories import (
    AnnualReportFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    OfficerFactory,
    UserFactory,
    issue_token,
)

AS_OF = date(2026, 7, 1)  # scores fiscal year 2025
KAIPING, HESHAN = "440783", "440784"
ITEM_KEYS = {"uscc", "name", "district", "cohort", "score", "rank", "cohort_size", "stars", "groups"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def body_of(response) -> dict:
    """The JSON body with its numbers as exact decimals."""
    return json.loads(response.get_data(as_text=True), parse_float=Decimal)


def cohort_firms(count: int = 24) -> list:
    """``count`` firms of one cohort (成长期: founded 2015, revenue 3,000万), each better than the last
    in R&D, staff and IP; the best ones in Kaiping, every third firm in Heshan."""
    firms = []
    for n in range(count):
        firm = EnterpriseFactory(district=HESHAN if n % 3 == 0 else KAIPING, name=f"江门创新积分测试{n:02d}有限公司")
        for year, rd in ((2024, 80 + 5 * n), (2025, 100 + 10 * n)):
            AnnualReportFactory(enterprise=firm, year=year, revenue=Decimal(3000), rd_expense=Decimal(rd),
                                rd_staff=10 + n, employees=120, tech_staff=25 + n, ip_class1=n // 2, ip_class2=n,
                                net_profit=Decimal(200 + 5 * n), hitech_revenue=Decimal(1500 + 20 * n))
        firms.append(firm)
    return firms


@pytest.fixture
def world(app):
    firms = cohort_firms()
    no_report = EnterpriseFactory(district=KAIPING, name="江门尚无年报有限公司")
    admin = UserFactory(role=Role.admin)
    db.session.commit()
    published = run_round(AS_OF)
    publish_round(published, admin)
    db.session.commit()
    return {"firms": firms, "no_report": no_report, "published": published, "admin": admin}


def get(client, token: str, query: str = ""):
    return client.get(f"/api/v1/innovation-points{query}", headers=auth(token))


def test_without_token_is_401(client, world) -> None:
    response = client.get("/api/v1/innovation-points")
    assert response.status_code == 401 and response.json["error"]


def test_bureau_reads_the_latest_published_round_in_the_contract_shape(client, world) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    response = get(client, token)
    assert response.status_code == 200
    body = body_of(response)
    assert set(body) == {"round", "items"}
    published = world["published"]
    assert body["round"] == {"id": published.id, "as_of": "2026-07-01", "scheme": 1, "published": True}
    assert len(body["items"]) == 24  # the firm without a report is not scored, so not listed
    for item in body["items"]:
        assert set(item) == ITEM_KEYS
        assert set(item["groups"]) == {"tech", "growth", "extra"}
        assert all(isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in item["groups"].values())
        assert isinstance(item["score"], (int, Decimal))
        assert item["score"] == sum(item["groups"].values())
        assert item["cohort"] == "growth" and item["cohort_size"] == 24
    best = body["items"][0]
    assert best["name"] == "江门创新积分测试23有限公司"
    assert best["rank"] == 1 and best["stars"] == 5
    assert best["district"] == {"code": KAIPING, "name": "开平市"}
    # 24 firms: 五星 rank 1, 四星 rank 2, 三星 ranks 3–4 (5%, 10%, 20% rounded down), none below.
    assert [(i["rank"], i["stars"]) for i in body["items"][:6]] == [(1, 5), (2, 4), (3, 3), (4, 3), (5, None), (6, None)]
    assert [i["rank"] for i in body["items"]] == sorted(i["rank"] for i in body["items"])
    assert [i["score"] for i in body["items"]] == sorted((i["score"] for i in body["items"]), reverse=True)


def test_items_are_the_round_as_stored(client, world) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    items = {i["uscc"]: i for i in body_of(get(client, token))["items"]}
    stored = db.session.query(InnovationScore).filter(InnovationScore.score.is_not(None)).all()
    assert set(items) == {s.uscc for s in stored}
    for score in stored:
        item = items[score.uscc]
        assert item["score"] == score.score
        assert item["groups"] == {g: Decimal(score.groups[g]) for g in ("tech", "growth", "extra")}
        assert (item["rank"], item["stars"], item["name"]) == (score.rank, score.stars, score.name)


def test_no_published_round_is_404_with_why(client, app) -> None:
    cohort_firms(12)
    db.session.commit()
    unpublished = run_round(AS_OF)
    token = issue_token(UserFactory(role=Role.bureau))
    response = get(client, token)
    assert response.status_code == 404
    assert "尚未发布" in response.json["error"] and "round" in response.json["error"]
    # Staff may still ask for the round by its number.
    asked = get(client, token, f"?round={unpublished.id}")
    assert asked.status_code == 200 and asked.json["round"]["published"] is False


def test_staff_read_an_unpublished_round_enterprises_do_not(client, world) -> None:
    newer = run_round(date(2026, 8, 1))
    bureau = issue_token(UserFactory(role=Role.bureau))
    officer = issue_token(OfficerFactory(district_code=KAIPING))
    firm_user = issue_token(EnterpriseUserFactory(enterprise=world["firms"][1]))
    # Without `round`: still the latest *published* round, for everyone.
    assert get(client, bureau).json["round"]["id"] == world["published"].id
    assert get(client, firm_user).json["round"]["id"] == world["published"].id
    for token in (bureau, officer):
        response = get(client, token, f"?round={newer.id}")
        assert response.status_code == 200
        assert response.json["round"] == {"id": newer.id, "as_of": "2026-08-01", "scheme": 1, "published": False}
        assert response.json["items"]
    hidden = get(client, firm_user, f"?round={newer.id}")
    assert hidden.status_code == 404 and "round" in hidden.json["error"]
    # The same 404 as a round that does not exist: nothing tells the firm an unpublished one does.
    assert get(client, firm_user, "?round=999").json["error"].replace("999", str(newer.id)) == hidden.json["error"]


def test_officer_sees_own_district_only(client, world) -> None:
    token = issue_token(OfficerFactory(district_code=KAIPING))
    items = get(client, token).json["items"]
    assert len(items) == 16 and {i["district"]["code"] for i in items} == {KAIPING}
    # Ranks and cohort sizes are the city's cohort, not renumbered within the district.
    assert items[0]["rank"] == 1 and items[0]["cohort_size"] == 24
    assert get(client, token, f"?district={KAIPING}").json["items"] == items
    other = get(client, token, f"?district={HESHAN}")
    assert other.status_code == 403 and "district" in other.json["error"]


def test_bureau_filters_by_district_and_stars(client, world) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    heshan = get(client, token, f"?district={HESHAN}").json["items"]
    assert len(heshan) == 8 and {i["district"]["name"] for i in heshan} == {"鹤山市"}
    assert [i["stars"] for i in get(client, token, "?stars=5").json["items"]] == [5]
    assert [i["rank"] for i in get(client, token, "?stars=3").json["items"]] == [3, 4]
    # Firm 21 (rank 3) is in Heshan, firm 22 (rank 2) and 23 (rank 1) in Kaiping.
    both = get(client, token, f"?stars=3&district={HESHAN}").json["items"]
    assert [(i["name"], i["stars"]) for i in both] == [("江门创新积分测试21有限公司", 3)]


def test_enterprise_user_sees_only_its_own_firm(client, world) -> None:
    firm = world["firms"][22]
    token = issue_token(EnterpriseUserFactory(enterprise=firm))
    items = get(client, token).json["items"]
    assert [(i["uscc"], i["rank"], i["stars"]) for i in items] == [(firm.uscc, 2, 4)]
    assert get(client, token, "?stars=5").json["items"] == []
    assert get(client, token, f"?district={KAIPING}").status_code == 403


def test_a_firm_that_moved_keeps_the_district_it_was_scored_in(client, world) -> None:
    moved = world["firms"][23]
    moved.district_code = HESHAN
    moved.district_overridden = True
    db.session.commit()
    heshan_officer = issue_token(OfficerFactory(district_code=HESHAN))
    items = get(client, heshan_officer).json["items"]
    # In scope by where it is now; listed with the district of the round.
    mover = next(i for i in items if i["uscc"] == moved.uscc)
    assert mover["district"]["code"] == KAIPING and mover["rank"] == 1
    kaiping_officer = issue_token(OfficerFactory(district_code=KAIPING))
    assert moved.uscc not in {i["uscc"] for i in get(client, kaiping_officer).json["items"]}


@pytest.mark.parametrize(("query", "status", "parameter"), [
    ("?round=abc", 400, "round"),
    ("?round=-1", 400, "round"),
    ("?round=1.5", 400, "round"),
    ("?round=999", 404, "round"),
    ("?round=0", 404, "round"),
    ("?round=99999999999999999999999", 404, "round"),
    ("?stars=2", 400, "stars"),
    ("?stars=five", 400, "stars"),
    ("?stars=6", 400, "stars"),
    ("?district=440700", 400, "district"),
    ("?district=999999", 400, "district"),
])
def test_bad_values_are_json_errors_naming_the_parameter(client, world, query, status, parameter) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    response = get(client, token, query)
    assert response.status_code == status
    assert parameter in response.json["error"]


def test_empty_values_are_not_given(client, world) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    response = get(client, token, "?round=&district=&stars=")
    assert response.status_code == 200 and len(response.json["items"]) == 24
