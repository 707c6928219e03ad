"""Portal forms and change requests keep text within the columns it will be written to."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import ChangeRequest, Enterprise
from crm.portal import services
from tests.conftest import csrf_token, login
from tests.factories import ChangeRequestFactory, EnterpriseFactory, EnterpriseUserFactory, OfficerFactory


def test_over_long_profile_change_is_refused_at_the_field(app, client) -> None:
    firm = EnterpriseFactory()
    EnterpriseUserFactory(username="firm", enterprise=firm)
    login(client, "firm")
    token = csrf_token(client, "/portal/change-requests")
    response = client.post("/portal/change-requests/profile", data={
        "csrf_token": token, "profile-name": firm.name, "profile-town": "镇" * 51})
    assert response.status_code == 422
    assert "不能超过50个字符（现有51个）" in response.get_data(as_text=True)
    assert db.session.scalar(select(ChangeRequest)) is None


def test_service_refuses_over_long_requests(app) -> None:
    firm = EnterpriseFactory()
    user = EnterpriseUserFactory(enterprise=firm)
    with pytest.raises(services.ChangeRequestError, match="联系电话不能超过50个字符"):
        services.request_profile_change(firm, user, {"contact_phone": "1" * 51})
    with pytest.raises(services.ChangeRequestError, match="200"):
        services.request_platform(firm, user, {"kind": "engineering_center", "level": "municipal", "name": "名" * 201})
    with pytest.raises(services.ChangeRequestError, match="200"):
        services.request_talent(firm, user, {"category": "doctor", "name": "名" * 201, "programme": "pearl_river",
                                             "year": 2024})


def test_approving_an_over_long_old_request_is_a_message_not_a_database_error(app) -> None:
    firm = EnterpriseFactory(address=None)
    officer = OfficerFactory(district_code=firm.district_code)
    change = ChangeRequestFactory(enterprise=firm, kind="profile",
                                  payload={"changes": {"address": ["", "路" * 301]}})
    with pytest.raises(services.ChangeRequestError, match="地址不能超过300个字符"):
        services.decide_change_request(change, officer, True, None)
    db.session.rollback()
    assert db.session.get(Enterprise, firm.id).address is None
