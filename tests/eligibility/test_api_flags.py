"""The API's flags are the rules' results, as stored by the run."""
from __future__ import annotations

from crm.eligibility.facts import load_facts
from crm.eligibility.parameters import params_for
from crm.eligibility.services import run_eligibility
from crm.rules import evaluate_all
from tests.eligibility.helpers import AS_OF, candidate, weak_rd
from tests.factories import OfficerFactory, UserFactory, issue_token
from crm.models import Role


def test_api_flags_match_rule_results(client) -> None:
    good = candidate("440783", name="达标科技有限公司")
    weak = candidate("440783", name="研发不足科技有限公司", **weak_rd())
    other = candidate("440784")
    run_eligibility(AS_OF)
    token = issue_token(OfficerFactory(district_code="440783"))
    headers = {"Authorization": f"Bearer {token}"}

    body = client.get("/api/v1/flags?rule=hitech_candidate", headers=headers).get_json()
    by_uscc = {item["uscc"]: item for item in body["items"]}
    assert set(by_uscc) == {good.uscc}  # weak fails the R&D ratio; other is out of scope
    expected = evaluate_all(load_facts([good.id], AS_OF)[good.id], AS_OF, params_for(AS_OF))
    item = by_uscc[good.uscc]
    assert item["reasons"] == expected["hitech_candidate"].reasons
    assert item["raised_on"] == AS_OF.isoformat()
    assert all(isinstance(r, str) and r for r in item["reasons"])

    # Every rule the API lists for a firm passes, and every passing rule is listed.
    for firm in (good, weak):
        results = evaluate_all(load_facts([firm.id], AS_OF)[firm.id], AS_OF, params_for(AS_OF))
        detail = client.get(f"/api/v1/enterprises/{firm.uscc}", headers=headers).get_json()
        assert {f["rule"] for f in detail["flags"]} == {code for code, r in results.items() if r.passed}
        for flag in detail["flags"]:
            assert flag["reasons"] == results[flag["rule"]].reasons

    city = issue_token(UserFactory(role=Role.bureau))
    all_items = client.get("/api/v1/flags?rule=hitech_candidate",
                           headers={"Authorization": f"Bearer {city}"}).get_json()["items"]
    assert {i["uscc"] for i in all_items} == {good.uscc, other.uscc}
