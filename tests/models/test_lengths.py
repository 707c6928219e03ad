"""Every form field writing to a String(n) column takes its limit from that column, said in Chinese at the field."""
from __future__ import annotations

import pytest

from crm.auth.forms import LoginForm
from crm.dashboard.forms import PlanTargetForm
from crm.enterprises import forms as officer
from crm.models import (
    ApiToken,
    Designation,
    Enterprise,
    Honour,
    Invitation,
    PlanTarget,
    Platform,
    SupportRecord,
    Talent,
    User,
)
from crm.models.lengths import max_length
from crm.portal import forms as portal
from crm.users.forms import TokenForm, UserForm

FORM_FIELDS = [
    (officer.ProfileForm, "name", Enterprise, "name"),
    (officer.ProfileForm, "town", Enterprise, "town"),
    (officer.ProfileForm, "address", Enterprise, "address"),
    (officer.ProfileForm, "contact_person", Enterprise, "contact_person"),
    (officer.ProfileForm, "contact_phone", Enterprise, "contact_phone"),
    (officer.ProfileForm, "contact_email", Enterprise, "contact_email"),
    (officer.DesignationForm, "certificate_no", Designation, "certificate_no"),
    (officer.DesignationForm, "authority", Designation, "authority"),
    (officer.PlatformForm, "name", Platform, "name"),
    (officer.TalentForm, "name", Talent, "name"),
    (officer.SupportRecordForm, "programme", SupportRecord, "programme"),
    (officer.HonourForm, "title", Honour, "title"),
    (officer.BulkForm, "certificate_pattern", Designation, "certificate_no"),
    (portal.ProfileChangeForm, "name", Enterprise, "name"),
    (portal.ProfileChangeForm, "town", Enterprise, "town"),
    (portal.ProfileChangeForm, "address", Enterprise, "address"),
    (portal.ProfileChangeForm, "contact_person", Enterprise, "contact_person"),
    (portal.ProfileChangeForm, "contact_phone", Enterprise, "contact_phone"),
    (portal.ProfileChangeForm, "contact_email", Enterprise, "contact_email"),
    (portal.PlatformRequestForm, "name", Platform, "name"),
    (portal.TalentRequestForm, "name", Talent, "name"),
    (portal.SignupForm, "username", User, "username"),
    (portal.SignupForm, "display_name", User, "display_name"),
    (portal.SignupForm, "email", User, "email"),
    (portal.CreateUserForm, "username", User, "username"),
    (portal.CreateUserForm, "display_name", User, "display_name"),
    (portal.CreateUserForm, "email", User, "email"),
    (portal.InviteForm, "email", Invitation, "email"),
    (UserForm, "username", User, "username"),
    (UserForm, "display_name", User, "display_name"),
    (UserForm, "email", User, "email"),
    (TokenForm, "name", ApiToken, "name"),
    (LoginForm, "username", User, "username"),
    (PlanTargetForm, "plan", PlanTarget, "plan"),
    (PlanTargetForm, "code", PlanTarget, "code"),
    (PlanTargetForm, "name", PlanTarget, "name"),
    (PlanTargetForm, "unit", PlanTarget, "unit"),
    (PlanTargetForm, "category", PlanTarget, "category"),
    (PlanTargetForm, "nature", PlanTarget, "nature"),
]


def field_errors(app, form_class, field: str, value: str) -> list[str]:
    with app.test_request_context(method="POST", data={field: value}):
        form = form_class(meta={"csrf": False})
        for other in form:
            if getattr(other, "choices", ()) is None:
                other.choices = []  # the view fills these (e.g. industries)
        form.validate()
        return [str(e) for e in form[field].errors]


@pytest.mark.parametrize(("form_class", "field", "model", "column"), FORM_FIELDS)
def test_form_limit_is_the_columns_with_a_chinese_message(app, form_class, field, model, column) -> None:
    limit = max_length(model, column)
    assert limit, (model, column)
    message = f"不能超过{limit}个字符（现有{limit + 1}个）"
    assert message in field_errors(app, form_class, field, "a" * (limit + 1))
    assert not any("不能超过" in e for e in field_errors(app, form_class, field, "a" * limit))
