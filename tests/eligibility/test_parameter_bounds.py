"""An administrator cannot store a threshold the rules cannot work with."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.eligibility.parameters import ParameterError, params_for, set_parameter
from crm.extensions import db
from crm.models import RuleParameter
from crm.rules import RULES
from tests.eligibility.helpers import AS_OF
from tests.rules.builders import firm


@pytest.mark.parametrize(("rule", "name", "value", "message"), [
    ("report_overdue", "deadline_month", "13", "年报截止月份应在 1–12 之间"),
    ("report_overdue", "deadline_month", "0", "年报截止月份应在 1–12 之间"),
    ("report_overdue", "deadline_day", "0", "年报截止日应在 1–31 之间"),
    ("report_overdue", "deadline_day", "32", "年报截止日应在 1–31 之间"),
    ("gazelle_candidate", "growth_years", "1", "增长率统计年数不能小于 2"),
    ("hitech_candidate", "rd_years", "0", "研发费用统计年数不能小于 1"),
])
def test_values_that_would_break_every_evaluation_are_refused(app, rule: str, name: str, value: str,
                                                              message: str) -> None:
    with pytest.raises(ParameterError) as refused:
        set_parameter(rule, name, value, AS_OF.year)
    assert refused.value.field == "value" and message in str(refused.value)
    db.session.rollback()
    assert db.session.scalar(select(RuleParameter)) is None


@pytest.mark.parametrize(("rule", "name", "value"), [
    ("report_overdue", "deadline_month", "12"), ("report_overdue", "deadline_month", "1"),
    ("report_overdue", "deadline_day", "31"), ("report_overdue", "deadline_day", "1"),
    ("gazelle_candidate", "growth_years", "2"), ("hitech_candidate", "rd_years", "1"),
])
def test_the_bounds_themselves_are_accepted_and_the_rules_run(app, rule: str, name: str, value: str) -> None:
    set_parameter(rule, name, value, AS_OF.year)
    db.session.commit()
    params = params_for(AS_OF)[rule]
    assert params[name] == int(value)
    result = RULES[rule].evaluate(firm(), AS_OF, params)
    assert result.passed in (True, False)
