"""User, token and login forms: the limit is the column's, said in Chinese at the field."""
from __future__ import annotations

import pytest

from crm.auth.forms import LoginForm
from crm.extensions import db
from crm.models import ApiToken, Role, User
from crm.models.lengths import max_length
from crm.users.forms import TokenForm, UserForm
from tests.conftest import csrf_token, login
from tests.factories import DEFAULT_PASSWORD, UserFactory


def field_errors(app, form_class, field: str, value: str) -> list[str]:
    with app.test_request_context(method="POST", data={field: value}):
        form = form_class(meta={"csrf": False})
        form.validate()
        return [str(e) for e in form[field].errors]


@pytest.mark.parametrize(
    ("form_class", "field", "model", "column"),
    [
        (UserForm, "username", User, "username"),
        (UserForm, "display_name", User, "display_name"),
        (UserForm, "email", User, "email"),
        (TokenForm, "name", ApiToken, "name"),
        (LoginForm, "username", User, "username"),
    ],
)
def test_form_limit_is_the_columns_with_a_chinese_message(app, form_class, field, model, column) -> None:
    limit = max_length(model, column)
    message = f"不能超过{limit}个字符（现有{limit + 1}个）"
    assert message in field_errors(app, form_class, field, "a" * (limit + 1))
    assert not any("不能超过" in e for e in field_errors(app, form_class, field, "a" * limit))


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
