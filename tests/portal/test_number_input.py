"""How the report form reads typed numbers: separators only where they group three digits, the unit."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import AnnualReport
from tests.conftest import login
from tests.factories import EnterpriseUserFactory
from tests.portal.helpers import LAST_YEAR, post_report


@pytest.fixture()
def firm(client):  # noqa: ANN001, ANN201
    user = EnterpriseUserFactory(username="firm")
    login(client, "firm")
    return user.enterprise


def _report(firm_id: int) -> AnnualReport:
    db.session.expire_all()
    return db.session.scalar(select(AnnualReport).where(AnnualReport.enterprise_id == firm_id,
                                                        AnnualReport.year == LAST_YEAR))


@pytest.mark.parametrize(("typed", "stored"), [
    ("1,234.5", Decimal("1234.5")),
    ("1 234 567", Decimal("1234567")),
    ("１，２３４．５", Decimal("1234.5")),  # full-width digits, comma and point
    ("3000万元", Decimal("3000")),         # the figure's own unit
    ("  800 ", Decimal("800")),
])
def test_separators_full_width_digits_and_the_own_unit_are_read(app, client, firm, typed, stored) -> None:
    response = post_report(client, LAST_YEAR, {"revenue": typed, "employees": "120人", "ip_class1": "3项"})
    assert response.status_code == 302
    report = _report(firm.id)
    assert report.revenue == stored and report.employees == 120 and report.ip_class1 == 3
    assert report.draft_input is None


@pytest.mark.parametrize(("typed", "message"), [
    # A decimal comma or a slip of the finger is not silently read as 123 or 1234.
    ("1,23", "销售收入（营业收入）：“1,23”中的逗号不是千位分隔符（应每三位一个，如 1,234.5），请改正。"),
    ("1,234,56", "销售收入（营业收入）：“1,234,56”中的逗号不是千位分隔符（应每三位一个，如 1,234.5），请改正。"),
    ("12 34", "销售收入（营业收入）：“12 34”中的空格不是千位分隔符（应每三位一个，如 1 234.5），请改正。"),
    ("1.5亿元", "销售收入（营业收入）以万元为单位，请换算后只填写数字（不带单位）。"),
])
def test_ambiguous_numbers_and_other_units_are_refused_at_the_field_and_kept(app, client, firm, typed,
                                                                                message) -> None:
    response = post_report(client, LAST_YEAR, {"revenue": typed, "employees": "30"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    report = _report(firm.id)
    assert report.revenue is None and report.employees == 30
    assert report.draft_input == {"revenue": typed}
