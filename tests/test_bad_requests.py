"""Requests no page can honour are refused whole, before any area's code runs."""
from __future__ import annotations

from crm.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import EnterpriseFactory, OfficerFactory


def test_nul_character_in_a_query_is_400_not_a_server_error(client) -> None:
    login(client, OfficerFactory(username="nul_officer", district_code="440783").username)
    response = client.get("/enterprises/?q=%00abc")
    assert response.status_code == 400
    assert "请求无法处理" in response.get_data(as_text=True)


def test_nul_character_in_a_form_is_refused_and_nothing_is_saved(client) -> None:
    firm = EnterpriseFactory(district="440783", name="开平原名科技有限公司")
    login(client, OfficerFactory(username="nul_editor", district_code="440783").username)
    path = f"/enterprises/{firm.uscc}/profile"
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "name": "新\x00名", "version_id": str(firm.version_id)})
    assert response.status_code == 400
    db.session.expire_all()
    assert firm.name == "开平原名科技有限公司"
