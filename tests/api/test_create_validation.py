"""POST /api/v1/enterprises: bad input is a 400/422 JSON answer naming the request's field, on every database."""
import pytest

from crm.extensions import db
from crm.models import Enterprise, Role
from crm.models.lengths import max_length
from crm.uscc import make_uscc
from tests.factories import UserFactory, issue_token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def token(app) -> str:
    return issue_token(UserFactory(role=Role.bureau))


def post(client, token: str, **fields):
    body = {"uscc": make_uscc("91440785MA4X00101"), "name": "恩平测试科技有限公司", **fields}
    return client.post("/api/v1/enterprises", json=body, headers=auth(token))


def test_lengths_come_from_the_columns() -> None:
    assert max_length(Enterprise, "name") == 200
    assert max_length(Enterprise, "contact_phone") == 50
    assert max_length(Enterprise, "notes") is None  # Text: unbounded


@pytest.mark.parametrize(("field", "size", "limit"), [("name", 500, 200), ("contact_phone", 300, 50),
                                                      ("town", 51, 50), ("address", 301, 300)])
def test_over_long_text_is_422_naming_field_and_limit(client, token, field, size, limit) -> None:
    response = post(client, token, **{field: "江" * size})
    assert response.status_code == 422, response.json
    assert set(response.json["fields"]) == {field}
    assert str(limit) in response.json["fields"][field]
    assert db.session.query(Enterprise).count() == 0


def test_text_at_the_limit_is_stored_whole(client, token) -> None:
    response = post(client, token, name="江" * 200, contact_phone="1" * 50)
    assert response.status_code == 201, response.json
    stored = db.session.query(Enterprise).one()
    assert stored.name == "江" * 200 and stored.contact_phone == "1" * 50


def test_surrounding_spaces_do_not_count(client, token) -> None:
    response = post(client, token, name="  " + "江" * 200 + "  ")
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"above_size": "maybe"}, "above_size"),
        ({"above_size": 1}, "above_size"),
        ({"name": 123}, "name"),
        ({"name": ["甲"]}, "name"),
        ({"uscc": 91440785}, "uscc"),
        ({"founded_on": 20200101}, "founded_on"),
        ({"founded_on": "20200101"}, "founded_on"),
        ({"founded_on": "2020-02-30"}, "founded_on"),
        ({"founded_on": True}, "founded_on"),
        ({"district": 440785}, "district"),
        ({"district": ["440785"]}, "district"),
        ({"district": {"code": 440785}}, "district"),
        ({"district": "123456"}, "district"),
        ({"town": 5}, "town"),
        ({"contact_phone": 13800138000}, "contact_phone"),
        ({"contact_email": {"a": 1}}, "contact_email"),
        ({"address": False}, "address"),
        ({"contact_person": 1.5}, "contact_person"),
        ({"hitech_field": 3}, "hitech_field"),
        ({"hitech_field": "rockets"}, "hitech_field"),
        ({"industry_code": 39}, "industry_code"),
        ({"industry_code": "ZZ"}, "industry_code"),
        ({"town": "开平\x00"}, "town"),
        ({"district_code": "440785"}, "district_code"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_wrong_types_are_422_naming_the_request_field(client, token, fields, field) -> None:
    response = post(client, token, **fields)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.json["fields"], response.json
    assert response.json["error"]
    assert db.session.query(Enterprise).count() == 0


def test_region_outside_jiangmen_names_the_district_field(client, token) -> None:
    response = client.post(
        "/api/v1/enterprises", json={"uscc": make_uscc("91440106MA4X00003"), "name": "广州公司"}, headers=auth(token)
    )
    assert response.status_code == 422
    assert list(response.json["fields"]) == ["district"]


def test_several_bad_fields_are_reported_together(client, token) -> None:
    response = post(client, token, name=1, above_size="yes", founded_on=2020)
    assert response.status_code == 422
    assert set(response.json["fields"]) == {"name", "above_size", "founded_on"}


def test_well_typed_values_are_stored(client, token) -> None:
    response = post(client, token, above_size=True, founded_on="2020-05-01", district={"code": "440785"},
                    hitech_field="electronics", town=None, contact_phone="0750-1234567")
    assert response.status_code == 201, response.json
    assert response.json["above_size"] is True
    assert response.json["founded_on"] == "2020-05-01"
    assert response.json["hitech_field"] == "electronics"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('["uscc", "name"]', "application/json"),
        ('"just a string"', "application/json"),
        ("42", "application/json"),
        ("null", "application/json"),
        ('{"uscc": ', "application/json"),
        ("uscc=1&name=2", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400_json(client, token, data, content_type) -> None:
    response = client.post("/api/v1/enterprises", data=data, content_type=content_type, headers=auth(token))
    assert response.status_code == 400
    assert response.json["error"]
