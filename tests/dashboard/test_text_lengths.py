"""The plan-target form: every text field within its column, in Chinese at the field."""
from __future__ import annotations

import pytest

from crm.dashboard.forms import PlanTargetForm
from crm.models import PlanTarget
from crm.models.lengths import max_length


def field_errors(app, field: str, value: str) -> list[str]:
    with app.test_request_context(method="POST", data={field: value}):
        form = PlanTargetForm(meta={"csrf": False})
        form.validate()
        return [str(e) for e in form[field].errors]


@pytest.mark.parametrize("field", ["plan", "code", "name", "unit", "category", "nature"])
def test_target_form_limit_is_the_columns(app, field) -> None:
    limit = max_length(PlanTarget, field)
    assert f"不能超过{limit}个字符（现有{limit + 1}个）" in field_errors(app, field, "a" * (limit + 1))
    assert not any("不能超过" in e for e in field_errors(app, field, "a" * limit))
