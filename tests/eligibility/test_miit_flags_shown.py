"""The MIIT ladder's flags, as the rules write them, wherever flags are shown: the candidate
lists (with their deciding figures), their export, the firm's page and the API's flags."""
from __future__ import annotations

import json
from datetime import date

from io import BytesIO

import openpyxl
import pytest

from crm.eligibility.services import result_details
from crm.extensions import db
from crm.models import Role
from crm.rules import RULES, params_of
from crm.rules_catalogue import RULE_LABELS
from tests.conftest import login
from tests.factories import EnterpriseFactory, FlagFactory, OfficerFactory, UserFactory, issue_token
from tests.rules.builders import AS_OF
from tests.rules.test_miit import giant_firm, innovative_firm, srdi_firm
from tests.rules.test_onsite import applicant

CASES = {
    "innovative_sme_candidate": innovative_firm,
    "srdi_sme_candidate": srdi_firm,
    "little_giant_candidate": giant_firm,
    "tech_sme_onsite_check": lambda: applicant(30, 10),
}


@pytest.mark.parametrize("code", list(CASES))
def test_a_new_rules_flag_on_every_page_that_shows_flags(app, client, code: str) -> None:
    result = RULES[code].evaluate(CASES[code](), AS_OF, params_of(code, {}))
    assert result.passed
    firm = EnterpriseFactory(district="440783", name="开平阶梯示范科技有限公司")
    FlagFactory(enterprise=firm, rule=code, raised_on=date(2026, 6, 15), reasons=result.reasons,
                gaps=json.loads(json.dumps(result_details(result), default=str)))
    OfficerFactory(username="kp", district_code="440783")
    token = issue_token(UserFactory(role=Role.bureau))
    db.session.commit()
    login(client, "kp")
    listing = client.get(f"/eligibility/?rule={code}").get_data(as_text=True)
    assert firm.name in listing and result.reasons[0] in listing
    export = openpyxl.load_workbook(BytesIO(client.get(f"/eligibility/export.xlsx?rule={code}").data)).active
    assert firm.name in [c.value for row in export.iter_rows() for c in row]
    assert str(RULE_LABELS[code]) in client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True)
    api = client.get(f"/api/v1/flags?rule={code}", headers={"Authorization": f"Bearer {token}"}).json
    assert [item["uscc"] for item in api["items"]] == [firm.uscc]
