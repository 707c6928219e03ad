"""A firm accepts an invitation, drafts, fixes, submits; an officer returns, the firm corrects; verified; gaps shown.

The officer's steps use the workspace's verification pages (enterprises.verification_queue
and enterprises.review_report).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from crm.clock import today
from crm.extensions import db
from crm.models import AnnualReport, ReportStatus
from crm.portal.invitations import issue_invitation
from tests.browser.conftest import sign_in
from tests.factories import AnnualReportFactory, EnterpriseFactory, OfficerFactory

LAST_YEAR = today().year - 1
PASSWORD = "firm-secret-pass"
FIGURES = {
    "revenue": "3000", "total_revenue": "3100", "hitech_revenue": "2200", "total_assets": "5000",
    "net_assets": "2500", "net_profit": "300", "total_costs": "2600", "rd_expense": "180",
    "rd_expense_domestic": "170", "employees": "120", "tech_staff": "10", "rd_staff": "8",
    "ip_class1": "2", "ip_class2": "6",
}


def _sign_out(page) -> None:  # noqa: ANN001
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login**")


def _officer_decides(page, decision: str, reason: str = "") -> None:  # noqa: ANN001
    sign_in(page, "kp")
    page.goto("/enterprises/verification")
    page.locator("#queue").get_by_role("link", name="审核").first.click()
    if reason:
        page.get_by_label("退回原因").fill(reason)
    page.get_by_role("button", name=decision).click()
    page.wait_for_url("**/enterprises/verification")
    _sign_out(page)


def _report() -> AnnualReport:
    db.session.rollback()
    return db.session.query(AnnualReport).filter_by(year=LAST_YEAR).one()


@pytest.mark.browser
def test_firm_reports_through_the_portal(app, page) -> None:
    firm = EnterpriseFactory(district="440783", name="江门浏览器测试科技有限公司")
    # Two earlier verified years with the same staff figures, so no large-change warning.
    for year in (LAST_YEAR - 2, LAST_YEAR - 1):
        AnnualReportFactory(enterprise=firm, year=year, employees=120, tech_staff=10, rd_staff=8,
                            rd_expense_domestic=Decimal("170"))
    OfficerFactory(username="kp", district_code="440783")
    _invitation, token = issue_invitation(firm, None)
    db.session.commit()

    # Accept the invitation: lands signed in on the firm's page.
    page.goto(f"/portal/invite/{token}")
    page.locator("#username").fill("liu")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.get_by_role("button", name="创建账号并登录").click()
    page.wait_for_url("**/portal/")
    assert "江门浏览器测试科技有限公司" in page.locator("h1").inner_text()

    # Start last year's report and save a partial draft.
    page.get_by_role("link", name="年度报表").first.click()
    page.get_by_role("button", name="填报").click()
    page.wait_for_url(f"**/portal/reports/{LAST_YEAR}")
    page.locator("#revenue").fill("3000")
    page.locator("#employees").fill("120")
    page.get_by_role("button", name="保存草稿").click()
    assert page.get_by_text("草稿已保存").is_visible()

    # Leave and come back: the draft is there.
    page.goto("/portal/standing")
    page.goto(f"/portal/reports/{LAST_YEAR}")
    assert page.locator("#revenue").input_value() == "3000"
    assert page.locator("#employees").input_value() == "120"

    # Submit with a mistake: told at the field, nothing lost.
    for name, value in FIGURES.items():
        page.locator(f"#{name}").fill(value)
    page.locator("#tech_staff").fill("130")
    page.get_by_role("button", name="提交审核").click()
    assert page.get_by_text("科技人员数不得超过职工总数").first.is_visible()
    assert page.locator("#tech_staff").input_value() == "130"
    assert page.locator("#rd_expense").input_value() == "180"
    assert _report().status is ReportStatus.draft

    # Leave and come back: the refused figure is still there as typed, with its message.
    page.goto("/portal/standing")
    page.goto(f"/portal/reports/{LAST_YEAR}")
    assert page.locator("#tech_staff").input_value() == "130"
    assert page.get_by_text("科技人员数不得超过职工总数（科技人员数 130 人 > 职工总数 120 人）").is_visible()
    assert _report().draft_input == {"tech_staff": "130"}

    # Fix it and submit.
    page.locator("#tech_staff").fill("10")
    page.get_by_role("button", name="提交审核").click()
    assert page.get_by_text(f"{LAST_YEAR}年度报表已提交").is_visible()
    assert page.locator("#report-status").get_attribute("data-status") == "submitted"
    assert _report().draft_input is None
    _sign_out(page)

    # The officer returns it with a reason.
    _officer_decides(page, "退回企业", "研发费用与审计报告不一致，请核对")
    assert _report().status is ReportStatus.returned

    # The firm sees the reason, corrects and resubmits.
    sign_in(page, "liu", PASSWORD)
    assert page.get_by_text("研发费用与审计报告不一致，请核对").is_visible()
    page.goto(f"/portal/reports/{LAST_YEAR}")
    assert "研发费用与审计报告不一致，请核对" in page.locator("#return-reason").inner_text()
    page.locator("#rd_expense").fill("175")
    page.get_by_role("button", name="提交审核").click()
    assert page.locator("#report-status").get_attribute("data-status") == "submitted"
    _sign_out(page)

    # The officer verifies.
    _officer_decides(page, "核实通过")
    report = _report()
    assert report.status is ReportStatus.verified and report.rd_expense == Decimal("175")

    # The firm's standing shows the gaps computed from the verified figures:
    # 10 tech staff of 120 is 8.33%; 3 more (13 of 123, 10.57%) reach 10%, 2 (12 of 122) do not.
    sign_in(page, "liu", PASSWORD)
    page.goto("/portal/standing")
    row = page.locator('[data-rule="hitech_candidate"] [data-condition="tech_staff_ratio"]')
    assert row.locator("[data-actual]").inner_text() == "8.33%"
    assert row.locator("[data-gap]").inner_text() == "3 人"
    assert f"{LAST_YEAR}年度科技人员占职工总数比例" in row.inner_text()
