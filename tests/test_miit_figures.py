"""主营业务收入 and 负债总额, the MIIT ladder's two figures, wherever figures come in: the county
sheet import, the officer's report form, the portal, and the API."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from crm.extensions import db
from crm.imports.services import import_file
from crm.models import AnnualReport, ApiToken, Role
from crm.uscc import make_uscc
from tests.conftest import login
from tests.enterprises.helpers import post_form
from tests.factories import AnnualReportFactory, EnterpriseFactory, EnterpriseUserFactory, OfficerFactory, UserFactory
from tests.importers.helpers import xlsx_bytes
from tests.portal.helpers import GOOD_FIGURES, LAST_YEAR, post_report

CODE = make_uscc("91440783MA5M00001")


def test_a_county_sheet_brings_both_and_a_main_revenue_above_revenue_rejects_the_row(app) -> None:
    rows = [["企业名称", "统一社会信用代码", "年度", "营业收入", "主营业务收入", "资产总额", "负债合计"],
            ["开平甲科技有限公司", CODE, 2024, 3000, 2600, 2000, 2400],  # insolvent: liabilities above assets
            ["开平乙科技有限公司", make_uscc("91440783MA5M00002"), 2024, 3000, 3100, 2000, 900]]
    result = import_file(xlsx_bytes(rows), "开平.xlsx", district="440783")
    assert (result.created, result.rejected) == (1, 1)
    assert (result.errors[0].column, result.errors[0].message) == ("主营业务收入", "主营业务收入（3100）超过营业收入（3000）")
    report = db.session.scalars(select(AnnualReport)).one()
    assert (report.main_revenue, report.total_liabilities) == (Decimal(2600), Decimal(2400))


def test_the_officers_form_checks_main_revenue_within_revenue(app, client) -> None:
    firm = EnterpriseFactory(district="440783")
    OfficerFactory(username="kp")
    login(client, "kp")
    url = f"/enterprises/{firm.uscc}/reports/new"
    refused = post_form(client, url, {"year": "2024", "revenue": "1000", "main_revenue": "1200"})
    assert refused.status_code == 422
    assert "主营业务收入不得超过销售收入（营业收入）" in refused.get_data(as_text=True)
    saved = post_form(client, url, {"year": "2024", "revenue": "1000", "main_revenue": "800",
                                    "total_assets": "500", "total_liabilities": "650"})
    assert saved.status_code == 302
    report = db.session.scalars(select(AnnualReport)).one()
    assert (report.main_revenue, report.total_liabilities) == (Decimal(800), Decimal(650))


def test_the_portal_refuses_a_main_revenue_above_revenue_on_submit(app, client) -> None:
    EnterpriseUserFactory(username="firm")
    login(client, "firm")
    response = post_report(client, LAST_YEAR, {**GOOD_FIGURES, "main_revenue": "3500", "total_liabilities": "6000"},
                           action="submit")
    assert response.status_code == 422
    assert "主营业务收入不得超过销售收入：3,500 万元 &gt; 3,000 万元" in response.get_data(as_text=True)
    report = db.session.scalars(select(AnnualReport)).one()
    assert report.status.value == "draft" and report.total_liabilities == Decimal(6000)
    assert post_report(client, LAST_YEAR, {**GOOD_FIGURES, "main_revenue": "2800"}, action="submit").status_code == 302


def test_the_api_gives_both(app, client) -> None:
    firm = EnterpriseFactory()
    AnnualReportFactory(enterprise=firm, year=2024, main_revenue=Decimal("2500.5"), total_liabilities=None)
    token, secret = ApiToken.issue(UserFactory(role=Role.bureau), "t")
    db.session.add(token)
    db.session.commit()
    body = client.get(f"/api/v1/enterprises/{firm.uscc}", headers={"Authorization": f"Bearer {secret}"}).json
    assert body["annual_reports"][0]["main_revenue"] == 2500.5
    assert body["annual_reports"][0]["total_liabilities"] is None
