"""GET/POST /api/v1/enterprises: shapes, filters, pagination and scope (CONTRACT.md)."""
from datetime import timedelta
from decimal import Decimal

import pytest

from crm.clock import today
from crm.models import DesignationKind, Role
from crm.uscc import make_uscc
from tests.factories import (
    AnnualReportFactory,
    DesignationFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    FlagFactory,
    OfficerFactory,
    PlatformFactory,
    TalentFactory,
    UserFactory,
    issue_token,
)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(app):
    kaiping = EnterpriseFactory(district="440783", name="开平甲科技有限公司")
    DesignationFactory(enterprise=kaiping, kind=DesignationKind.hitech, valid_from=today() - timedelta(days=30))
    AnnualReportFactory(enterprise=kaiping, year=2024, total_revenue=None, rd_expense=Decimal("150.25"))
    PlatformFactory(enterprise=kaiping)
    TalentFactory(enterprise=kaiping)
    FlagFactory(enterprise=kaiping, rule="hitech_expiring", reasons=["证书将于2026-11-30到期"])
    kaiping2 = EnterpriseFactory(district="440783", name="开平乙电子有限公司")
    heshan = EnterpriseFactory(district="440784", name="鹤山丙材料有限公司")
    return {"kaiping": kaiping, "kaiping2": kaiping2, "heshan": heshan}


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer wrong-token", "Basic abc", "Token x"])
def test_missing_or_bad_token_is_401_json(client, world, header) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/enterprises", headers=headers)
    assert response.status_code == 401
    assert "error" in response.json


def test_revoked_token_is_401(client, world) -> None:
    from crm.clock import utcnow
    from crm.extensions import db
    from crm.models import ApiToken

    user = UserFactory(role=Role.bureau)
    token = issue_token(user)
    db.session.query(ApiToken).update({"revoked_at": utcnow()})
    db.session.commit()
    assert client.get("/api/v1/enterprises", headers=auth(token)).status_code == 401


def test_officer_lists_only_own_district(client, world) -> None:
    token = issue_token(OfficerFactory(district_code="440783"))
    body = client.get("/api/v1/enterprises", headers=auth(token)).json
    assert body["total"] == 2
    assert {i["uscc"] for i in body["items"]} == {world["kaiping"].uscc, world["kaiping2"].uscc}
    item = next(i for i in body["items"] if i["uscc"] == world["kaiping"].uscc)
    assert item == {
        "uscc": world["kaiping"].uscc,
        "name": "开平甲科技有限公司",
        "district": {"code": "440783", "name": "开平市"},
        "stage": "hitech",
    }


def test_officer_cannot_read_other_district(client, world) -> None:
    token = issue_token(OfficerFactory(district_code="440783"))
    assert client.get(f"/api/v1/enterprises/{world['heshan'].uscc}", headers=auth(token)).status_code == 404
    response = client.get("/api/v1/enterprises?district=440784", headers=auth(token))
    assert response.status_code == 403
    assert response.json["error"]


def test_enterprise_user_reads_only_own_firm(client, world) -> None:
    token = issue_token(EnterpriseUserFactory(enterprise=world["kaiping"]))
    assert client.get("/api/v1/enterprises", headers=auth(token)).json["total"] == 1
    assert client.get(f"/api/v1/enterprises/{world['kaiping'].uscc}", headers=auth(token)).status_code == 200
    assert client.get(f"/api/v1/enterprises/{world['kaiping2'].uscc}", headers=auth(token)).status_code == 404


def test_bureau_sees_all_and_filters(client, world) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    assert client.get("/api/v1/enterprises", headers=auth(token)).json["total"] == 3
    assert client.get("/api/v1/enterprises?district=440784", headers=auth(token)).json["total"] == 1
    assert client.get("/api/v1/enterprises?stage=hitech", headers=auth(token)).json["total"] == 1
    assert client.get("/api/v1/enterprises?stage=none", headers=auth(token)).json["total"] == 2
    assert client.get("/api/v1/enterprises?flag=hitech_expiring", headers=auth(token)).json["total"] == 1
    assert client.get("/api/v1/enterprises?q=乙电子", headers=auth(token)).json["total"] == 1
    assert client.get("/api/v1/enterprises?q=kpj", headers=auth(token)).json["total"] == 1  # pinyin initials
    prefix = world["heshan"].uscc[:12].lower()
    assert client.get(f"/api/v1/enterprises?q={prefix}", headers=auth(token)).json["total"] == 1


@pytest.mark.parametrize(
    "query",
    [
        "district=999999", "stage=unicorn", "flag=nope", "page=0", "page=x", "page=1.5", "per_page=1000",
        "page=99999999999999999999", "page=9223372036854775807", "q=%00",
    ],
)
def test_bad_filters_are_400(client, world, query) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    response = client.get(f"/api/v1/enterprises?{query}", headers=auth(token))
    assert response.status_code == 400
    assert response.json["error"]


def test_pagination(client, app) -> None:
    for _ in range(5):
        EnterpriseFactory()
    token = issue_token(UserFactory(role=Role.bureau))
    body = client.get("/api/v1/enterprises?per_page=2&page=3", headers=auth(token)).json
    assert (body["page"], body["pages"], body["total"], len(body["items"])) == (3, 3, 5, 1)


def test_detail_shape(client, world) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    body = client.get(f"/api/v1/enterprises/{world['kaiping'].uscc}", headers=auth(token)).json
    assert body["uscc"] == world["kaiping"].uscc
    assert body["founded_on"] == "2015-03-01"
    assert body["stage"] == "hitech"
    (designation,) = body["designations"]
    assert designation["kind"] == "hitech"
    assert designation["valid_from"] == (today() - timedelta(days=30)).isoformat()
    assert designation["certificate_no"].startswith("GR")
    (report,) = body["annual_reports"]
    assert report["year"] == 2024 and report["status"] == "verified"
    assert report["revenue"] == 3000 and report["rd_expense"] == 150.25
    # total_revenue defaults to revenue when not reported.
    assert report["total_revenue"] == 3000
    assert set(report) >= {
        "rd_expense_domestic", "hitech_revenue", "total_assets", "net_assets", "net_profit",
        "total_costs", "employees", "tech_staff", "rd_staff", "ip_class1", "ip_class2",
    }
    assert body["platforms"][0]["kind"] == "engineering_center"
    assert body["talents"][0]["category"] == "innovation_team"
    assert body["flags"] == [{"rule": "hitech_expiring", "raised_on": "2026-01-02", "reasons": ["证书将于2026-11-30到期"]}]


def test_unreported_figure_is_null(client, app) -> None:
    report = AnnualReportFactory(hitech_revenue=None, ip_class1=None)
    token = issue_token(UserFactory(role=Role.bureau))
    body = client.get(f"/api/v1/enterprises/{report.enterprise.uscc}", headers=auth(token)).json
    assert body["annual_reports"][0]["hitech_revenue"] is None
    assert body["annual_reports"][0]["ip_class1"] is None


def test_create_enterprise_infers_district_and_conflicts(client, app) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    code = make_uscc("91440785MA4X00003")
    response = client.post(
        "/api/v1/enterprises", json={"uscc": code.lower(), "name": "恩平新公司", "founded_on": "2020-05-01"}, headers=auth(token)
    )
    assert response.status_code == 201, response.json
    assert response.json["district"] == {"code": "440785", "name": "恩平市"}
    assert response.json["uscc"] == code
    again = client.post("/api/v1/enterprises", json={"uscc": code, "name": "重复"}, headers=auth(token))
    assert again.status_code == 409
    assert code in again.json["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"uscc": "91440785MA4X000030", "name": "甲"}, "uscc"),
        ({"uscc": make_uscc("91440106MA4X00003"), "name": "广州公司"}, "district"),
        ({"uscc": make_uscc("91440785MA4X00004"), "name": "  "}, "name"),
        ({"uscc": make_uscc("91440785MA4X00005"), "name": "甲", "founded_on": "2020.5.1"}, "founded_on"),
        ({"uscc": make_uscc("91440785MA4X00006"), "name": "甲", "district": "123456"}, "district"),
    ],
)
def test_create_enterprise_validation_names_field(client, app, body, field) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    response = client.post("/api/v1/enterprises", json=body, headers=auth(token))
    assert response.status_code == 422
    assert field in response.json["fields"]


def test_officer_creates_only_in_own_district(client, app) -> None:
    token = issue_token(OfficerFactory(district_code="440783"))
    other = client.post(
        "/api/v1/enterprises", json={"uscc": make_uscc("91440784MA4X00007"), "name": "鹤山公司"}, headers=auth(token)
    )
    assert other.status_code == 403
    own = client.post(
        "/api/v1/enterprises", json={"uscc": make_uscc("91440783MA4X00008"), "name": "开平公司"}, headers=auth(token)
    )
    assert own.status_code == 201


def test_enterprise_user_cannot_create(client, app) -> None:
    token = issue_token(EnterpriseUserFactory())
    response = client.post("/api/v1/enterprises", json={"uscc": make_uscc("91440783MA4X00009"), "name": "x"}, headers=auth(token))
    assert response.status_code == 403


def test_token_records_last_use(client, app) -> None:
    from crm.extensions import db
    from crm.models import ApiToken

    token = issue_token(UserFactory(role=Role.bureau))
    client.get("/api/v1/enterprises", headers=auth(token))
    assert db.session.query(ApiToken).one().last_used_at is not None


@pytest.mark.parametrize("path", ["%00", "not-a-code", "91440783MA4X00001"])
def test_detail_of_a_malformed_code_is_404_json(client, world, path) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    response = client.get(f"/api/v1/enterprises/{path}", headers=auth(token))
    assert response.status_code == 404
    assert response.json["error"]


def test_detail_accepts_the_code_as_people_type_it(client, world) -> None:
    token = issue_token(OfficerFactory(district_code="440783"))
    code = world["kaiping"].uscc
    response = client.get(f"/api/v1/enterprises/{code[:8].lower()}%20{code[8:]}", headers=auth(token))
    assert response.status_code == 200 and response.json["uscc"] == code
