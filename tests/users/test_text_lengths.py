"""User, token and login forms: the limit is the column's, said in Chinese at the field."""
from __future__ import annotations


from crm.extensions import db
from crm.models import Role, User
from tests.conftest import csrf_token, login
from tests.factories import DEFAULT_PASSWORD, UserFactory


def test_admin_creating_a_user_with_an_over_long_email_gets_the_message(client, app) -> None:
    UserFactory(username="root", role=Role.admin)
    login(client, "root")
    email = "a" * 190 + "@example.com"  # 202 characters, a valid address
    response = client.post("/admin/users", data={
        "csrf_token": csrf_token(client, "/admin/users"), "username": "city2", "role": "bureau",
        "district_code": "", "password": DEFAULT_PASSWORD, "email": email,
    })
    assert "不能超过200个字符（现有202个）" in response.get_data(as_text=True)
    assert db.session.query(User).filter_by(username="city2").count() == 0
