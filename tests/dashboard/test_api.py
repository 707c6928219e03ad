"""GET /api/v1/indicators: shape, scope and errors (CONTRACT.md)."""
from __future__ import annotations

import pytest

from crm.models import Role
from tests.dashboard.world import AS_OF, KP, PJ, build_world
from tests.factories import OfficerFactory, UserFactory, issue_token


@pytest.fixture
def world(app):
    return build_world()


def get(client, token, query=""):
    return client.get(f"/api/v1/indicators{query}", headers={"Authorization": f"Bearer {token}"})


def test_city_indicators_shape_and_values(world, client) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    response = get(client, token, f"?as_of={AS_OF.isoformat()}")
    assert response.status_code == 200
    items = response.get_json()["items"]
    for item in items:
        assert set(item) == {"code", "name", "unit", "actual", "baseline", "targets"}
        assert set(item["baseline"]) == {"year", "value"}
        assert set(item["targets"]) == {"2023", "2025"}
    by_code = {i["code"]: i for i in items}
    assert len(by_code) == len(items)  # each code once
    hitech = by_code["hitech_enterprises"]
    assert hitech == {
        "code": "hitech_enterprises", "name": "高新技术企业数量", "unit": "家", "actual": 3,
        "baseline": {"year": 2020, "value": 1845}, "targets": {"2023": 2300, "2025": 2600},
    }
    rd = by_code["rd_ratio_above_size"]  # "%" indicators are fractions throughout
    assert rd["actual"] == pytest.approx(0.0225)
    assert rd["baseline"]["value"] == pytest.approx(0.0155)
    assert rd["targets"]["2023"] == pytest.approx(0.0165)
    assert by_code["rd_fte_per_10k_people"]["actual"] is None
    assert by_code["golden_seed_enterprises"]["actual"] == 1


def test_district_indicators(world, client) -> None:
    token = issue_token(OfficerFactory(district_code=KP))
    items = get(client, token, f"?district={KP}&as_of={AS_OF.isoformat()}").get_json()["items"]
    by_code = {i["code"]: i for i in items}
    assert by_code["hitech_enterprises"]["actual"] == 3
    assert by_code["hitech_enterprises"]["targets"] == {"2023": 190, "2025": 225}
    assert by_code["rd_institution_coverage"]["actual"] == pytest.approx(2 / 3)


def test_officer_without_a_district_gets_their_own_and_another_district_is_forbidden(world, client) -> None:
    token = issue_token(OfficerFactory(district_code=KP))
    own = get(client, token, f"?as_of={AS_OF.isoformat()}")
    assert own.status_code == 200
    assert own.get_json() == get(client, token, f"?district={KP}&as_of={AS_OF.isoformat()}").get_json()
    response = get(client, token, f"?district={PJ}")
    assert response.status_code == 403 and "error" in response.get_json()


def test_bad_date_and_unknown_district(world, client) -> None:
    token = issue_token(UserFactory(role=Role.bureau))
    for bad in ("2025-13-01", "20250630", "2025-W26-1", "2025-6-30", "yesterday"):
        response = get(client, token, f"?as_of={bad}")
        assert response.status_code == 400 and "as_of" in response.get_json()["error"], bad
    assert get(client, token, "?district=999999").status_code == 400
    assert client.get("/api/v1/indicators").status_code == 401
