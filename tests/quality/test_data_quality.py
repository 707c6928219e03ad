"""The data-quality page lists stored reports that break a consistency rule, in scope; they do
not block other edits of the firm, and saving the report itself asks for the fix."""
from __future__ import annotations

from decimal import Decimal

import pytest

from crm.extensions import db
from crm.models import AnnualReport, Enterprise, ReportStatus, Role
from tests.conftest import csrf_token, login
from tests.enterprises.helpers import post_form
from tests.enterprises.test_editing import REPORT_FIELDS
from tests.factories import (
    AnnualReportFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    OfficerFactory,
    UserFactory,
)

KP, HS = "440783", "440784"


@pytest.fixture
def broken(app) -> AnnualReport:
    """A report stored before the rule: sales revenue above total revenue (no form involved)."""
    firm = EnterpriseFactory(district=KP, name="开平旧数据有限公司")
    report = AnnualReportFactory(enterprise=firm, year=2024, revenue=Decimal("3000"), total_revenue=Decimal("2500"))
    AnnualReportFactory(enterprise=firm, year=2023)  # consistent
    # A draft breaking it is the firm's to correct (submitting checks it): not listed.
    AnnualReportFactory(enterprise=EnterpriseFactory(district=KP), status=ReportStatus.draft,
                        revenue=Decimal("3000"), total_revenue=Decimal("1"))
    return report


def test_the_page_lists_the_broken_report_with_a_link_to_fix_it(broken, client) -> None:
    OfficerFactory(username="kp", district_code=KP)
    login(client, "kp")
    response = client.get("/data-quality/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-total="1"' in page and "共 1 份报表需要改正" in page
    assert f'data-report="{broken.id}"' in page and "开平旧数据有限公司" in page
    assert "销售收入（营业收入）不得超过总收入" in page and "3,000.00 &gt;" in page
    assert f"/enterprises/{broken.enterprise.uscc}/reports/{broken.id}" in page


def test_another_districts_officer_does_not_see_it_the_bureau_does(broken, client) -> None:
    OfficerFactory(username="hs", district_code=HS)
    login(client, "hs")
    page = client.get("/data-quality/").get_data(as_text=True)
    assert 'data-total="0"' in page and "开平旧数据有限公司" not in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/data-quality/")})
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    assert 'data-total="1"' in client.get("/data-quality/").get_data(as_text=True)


def test_firm_users_cannot_reach_the_page(broken, client) -> None:
    EnterpriseUserFactory(username="firm", enterprise=broken.enterprise)
    login(client, "firm")
    assert client.get("/data-quality/").status_code == 404


def test_the_list_is_paged(app, client, monkeypatch) -> None:
    monkeypatch.setattr("crm.quality.views.PER_PAGE", 2)
    for year in (2021, 2022, 2023):
        AnnualReportFactory(enterprise=EnterpriseFactory(district=KP), year=year,
                            revenue=Decimal("10"), total_revenue=Decimal("5"))
    OfficerFactory(username="kp", district_code=KP)
    login(client, "kp")
    first = client.get("/data-quality/").get_data(as_text=True)
    second = client.get("/data-quality/?page=2").get_data(as_text=True)
    assert first.count("data-report=") == 2 and second.count("data-report=") == 1
    assert 'data-total="3"' in second


def test_unrelated_edits_of_the_firm_succeed(broken, client) -> None:
    firm = broken.enterprise
    OfficerFactory(username="kp", district_code=KP)
    login(client, "kp")
    profile = post_form(client, f"/enterprises/{firm.uscc}/profile", {"version_id": "1", "name": "开平新名有限公司"})
    assert profile.status_code == 302
    designation = post_form(client, f"/enterprises/{firm.uscc}/designations/new",
                            {"kind": "tech_sme", "valid_from": "2025-01-01"})
    assert designation.status_code == 302
    other = next(r for r in firm.annual_reports if r.year == 2023)
    edited = post_form(client, f"/enterprises/{firm.uscc}/reports/{other.id}",
                       {**REPORT_FIELDS, "year": "2023", "version_id": "1", "employees": "130"})
    assert edited.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enterprise, firm.id).name == "开平新名有限公司"
    assert db.session.get(AnnualReport, other.id).employees == 130


def test_saving_the_broken_report_asks_for_the_fix_then_it_leaves_the_list(broken, client) -> None:
    firm = broken.enterprise
    OfficerFactory(username="kp", district_code=KP)
    login(client, "kp")
    url = f"/enterprises/{firm.uscc}/reports/{broken.id}"
    unchanged = {**REPORT_FIELDS, "year": "2024", "version_id": "1", "revenue": "3000", "total_revenue": "2500"}
    refused = post_form(client, url, {**unchanged, "employees": "130"})
    assert refused.status_code == 422
    assert "销售收入（营业收入）不得超过总收入（3,000 &gt; 2,500）" in refused.get_data(as_text=True)
    assert post_form(client, url, {**unchanged, "total_revenue": "3200"}).status_code == 302
    assert 'data-total="0"' in client.get("/data-quality/").get_data(as_text=True)
