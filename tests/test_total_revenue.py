"""Total revenue includes sales revenue (issue 18, decision 2): every way figures come in — the
sheet import, the officer's report form, the portal — refuses sales revenue above total revenue,
naming both figures (and the row)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from crm.extensions import db
from crm.imports.services import import_file
from crm.models import AnnualReport
from crm.reports.consistency import bound_breaches
from crm.uscc import make_uscc
from tests.conftest import login
from tests.enterprises.helpers import post_form
from tests.factories import EnterpriseFactory, EnterpriseUserFactory, OfficerFactory
from tests.importers.helpers import xlsx_bytes
from tests.portal.helpers import GOOD_FIGURES, LAST_YEAR, post_report


def test_the_rule_breaks_only_when_both_are_given_and_sales_exceed_total() -> None:
    assert [b.part for b in bound_breaches({"revenue": Decimal(3000), "total_revenue": Decimal(2999)})] == ["revenue"]
    assert bound_breaches({"revenue": Decimal(3000), "total_revenue": Decimal(3000)}) == []
    # A blank total stands for sales revenue; a blank sales revenue breaks nothing.
    assert bound_breaches({"revenue": Decimal(3000), "total_revenue": None}) == []
    assert bound_breaches({"revenue": None, "total_revenue": Decimal(10)}) == []


def test_an_import_row_with_sales_above_total_is_rejected_naming_the_row(app) -> None:
    rows = [["企业名称", "统一社会信用代码", "年度", "营业收入", "总收入"],
            ["开平甲科技有限公司", make_uscc("91440783MA5M00001"), 2024, 3000, 3100],
            ["开平乙科技有限公司", make_uscc("91440783MA5M00002"), 2024, 3000, 2800],
            ["开平丙科技有限公司", make_uscc("91440783MA5M00003"), 2024, 3000, None]]
    result = import_file(xlsx_bytes(rows), "开平.xlsx", district="440783")
    assert (result.created, result.rejected) == (2, 1)
    error = result.errors[0]
    assert (error.row, error.column) == (3, "营业收入")
    assert error.message == "营业收入（3000）超过总收入（2800）：总收入包含营业收入"
    assert {r.total_revenue for r in db.session.scalars(select(AnnualReport))} == {Decimal(3100), None}


def test_the_officers_form_refuses_sales_above_total(app, client) -> None:
    firm = EnterpriseFactory(district="440783")
    OfficerFactory(username="kp")
    login(client, "kp")
    url = f"/enterprises/{firm.uscc}/reports/new"
    refused = post_form(client, url, {"year": "2024", "revenue": "1000", "total_revenue": "900"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "销售收入（营业收入）不得超过总收入（1,000 &gt; 900）" in page
    assert db.session.scalars(select(AnnualReport)).first() is None
    assert post_form(client, url, {"year": "2024", "revenue": "1000", "total_revenue": "1000"}).status_code == 302


def test_the_portal_refuses_sales_above_total_on_submit(app, client) -> None:
    EnterpriseUserFactory(username="firm")
    login(client, "firm")
    response = post_report(client, LAST_YEAR, {**GOOD_FIGURES, "total_revenue": "2900"}, action="submit")
    assert response.status_code == 422
    assert "销售收入不得超过总收入（总收入包含销售收入）：3,000 万元 &gt; 2,900 万元" in response.get_data(as_text=True)
    report = db.session.scalars(select(AnnualReport)).one()
    assert report.status.value == "draft"
    assert post_report(client, LAST_YEAR, {**GOOD_FIGURES, "total_revenue": ""}, action="submit").status_code == 302
