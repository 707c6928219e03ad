"""The officer's annual-report form checks what the portal checks: parts within wholes, plausible years."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import AnnualReport
from tests.conftest import login
from tests.enterprises.helpers import post_form
from tests.enterprises.test_editing import REPORT_FIELDS
from tests.factories import AnnualReportFactory, EnterpriseFactory, OfficerFactory


@pytest.fixture
def on_2026_12_01(monkeypatch):  # noqa: ANN201
    monkeypatch.setattr("crm.enterprises.forms.today", lambda: date(2026, 12, 1))


def _report_url(report: AnnualReport) -> str:
    return f"/enterprises/{report.enterprise.uscc}/reports/{report.id}"


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        # The tester's case: high-tech revenue above total revenue.
        ({"hitech_revenue": "2000", "revenue": "1666", "total_revenue": "1692"}, "hitech_revenue",
         "高新技术产品（服务）收入不得超过总收入"),
        # A blank total revenue stands for sales revenue.
        ({"hitech_revenue": "2000", "revenue": "1666", "total_revenue": ""}, "hitech_revenue",
         "高新技术产品（服务）收入不得超过总收入"),
        ({"rd_expense_domestic": "200", "rd_expense": "180"}, "rd_expense_domestic", "境内研发费用不得超过研发费用"),
        ({"tech_staff": "130", "employees": "120"}, "tech_staff", "科技人员数不得超过职工总数"),
        ({"rd_staff": "121", "employees": "120"}, "rd_staff", "研发人员数不得超过职工总数"),
    ],
)
def test_a_part_above_its_whole_is_refused_at_the_field(app, client, on_2026_12_01, typed, field, message) -> None:
    report = AnnualReportFactory(hitech_revenue=Decimal("1000"))
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, _report_url(report), {**REPORT_FIELDS, "version_id": "1", **typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    # The message stands at the part's own field, and every typed value is given back.
    field_html = page[page.index(f'name="{field}"'):]
    assert field_html.index(message) < field_html.index('name="', 10)
    for name, value in typed.items():
        assert f'name="{name}"' in page and (not value or f'value="{value}"' in page)
    db.session.expire_all()
    stored = db.session.get(AnnualReport, report.id)
    assert stored.version_id == 1 and stored.hitech_revenue == Decimal("1000")


def test_high_tech_revenue_within_revenue_when_total_is_blank_saves(app, client, on_2026_12_01) -> None:
    report = AnnualReportFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, _report_url(report), {
        **REPORT_FIELDS, "version_id": "1", "hitech_revenue": "1600", "revenue": "1666", "total_revenue": "",
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AnnualReport, report.id).hitech_revenue == Decimal("1600")


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2030", "年度不能晚于2025年"),
        ("2026", "年度不能晚于2025年"),  # the current year has not ended
        ("1990", "不能早于2000年"),  # the importer's floor (importers.rows.MIN_YEAR)
        ("2014", "年度不能早于企业成立年份（2015年）"),  # the factory's firm was founded 2015-03-01
    ],
)
def test_an_implausible_year_is_refused_at_the_field(app, client, on_2026_12_01, year, message) -> None:
    firm = EnterpriseFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, f"/enterprises/{firm.uscc}/reports/new", {**REPORT_FIELDS, "year": year})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'value="{year}"' in page
    assert db.session.scalar(select(AnnualReport)) is None


def test_last_year_and_the_founding_year_are_accepted(app, client, on_2026_12_01) -> None:
    firm = EnterpriseFactory(founded_on=date(2015, 3, 1))
    OfficerFactory(username="kp")
    login(client, "kp")
    for year in ("2025", "2015"):
        response = post_form(client, f"/enterprises/{firm.uscc}/reports/new", {**REPORT_FIELDS, "year": year})
        assert response.status_code == 302, year
    assert sorted(db.session.scalars(select(AnnualReport.year))) == [2015, 2025]


def test_the_year_floor_is_the_importers() -> None:
    from crm.reports.consistency import earliest_fiscal_year
    from importers.rows import MIN_YEAR

    assert earliest_fiscal_year() == MIN_YEAR
