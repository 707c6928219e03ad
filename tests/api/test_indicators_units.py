"""GET /api/v1/indicators: the API's money is in 万元 whatever unit a plan states (CONTRACT.md)."""
from __future__ import annotations

import pytest

from crm.models import Role
from tests.factories import UserFactory, issue_token

JIANGHAI = "440704"  # plan 003 states GDP and trade in 亿元, per-head figures in 元


@pytest.fixture
def items(app, client) -> dict[str, dict]:
    token = issue_token(UserFactory(role=Role.bureau))
    response = client.get(
        f"/api/v1/indicators?district={JIANGHAI}&as_of=2025-06-30", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    return {item["code"]: item for item in response.get_json()["items"]}


def test_yi_yuan_figures_are_given_in_wan_yuan(items) -> None:
    gdp = items["gdp"]  # 243.9 亿元 in 2019
    assert gdp["unit"] == "万元"
    assert gdp["baseline"] == {"year": 2019, "value": 2_439_000}
    assert items["fdi"]["baseline"]["value"] == 23_100  # 2.31 亿元


def test_yuan_figures_are_given_in_wan_yuan(items) -> None:
    per_head = items["tech_contract_value_per_capita"]  # 1,800 元 per head
    assert per_head["unit"] == "万元"
    assert per_head["baseline"]["value"] == pytest.approx(0.18)
    assert items["urban_disposable_income"]["baseline"]["value"] == pytest.approx(4.3874)


def test_no_money_unit_but_wan_yuan_is_left(items) -> None:
    money_units = {"元", "千元", "亿元"}
    assert not {item["unit"] for item in items.values()} & money_units
    # Counts and ratios keep their units and values.
    assert items["hitech_enterprises"]["unit"] == "家"
    assert items["hitech_enterprises"]["baseline"]["value"] == 352
    assert items["rd_institution_coverage"]["baseline"]["value"] == pytest.approx(0.6477)
