"""An officer's day in the browser: filter, open a firm, log a call, correct a figure, see the trail,
verify a report, export the list; another district's firm stays out of reach."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from io import BytesIO

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from crm.extensions import db
from crm.models import AnnualReport, ReportStatus
from tests.browser.conftest import sign_in
from tests.factories import AnnualReportFactory, EnterpriseFactory, OfficerFactory

pytestmark = pytest.mark.browser


def test_officer_flow(app, page) -> None:
    firm = EnterpriseFactory(name="江门恒力精密科技有限公司", district="440783")
    EnterpriseFactory(name="开平永安机械厂", district="440783")
    other = EnterpriseFactory(name="鹤山其他科技有限公司", district="440784")
    last_year = AnnualReportFactory(enterprise=firm, year=2024, revenue=Decimal("3000"))
    submitted = AnnualReportFactory(
        enterprise=firm, year=2025, revenue=Decimal("5000"), status=ReportStatus.submitted,
        submitted_at=datetime(2026, 2, 1, 9, 0),
    )
    OfficerFactory(username="kp", district_code="440783")

    sign_in(page, "kp")

    # Filter the list by pinyin initials.
    page.goto("/enterprises/")
    assert page.title().startswith("企业名单")
    page.get_by_label("名称、代码或拼音首字母").fill("jmhl")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**q=jmhl**")
    rows = page.locator("#firm-list tbody tr")
    assert rows.count() == 1
    assert "江门恒力精密科技有限公司" in rows.first.inner_text()

    # Open the firm.
    page.get_by_role("link", name="江门恒力精密科技有限公司").click()
    expect(page).to_have_title(re.compile("^江门恒力精密科技有限公司"))
    assert page.locator("#stage").is_visible()

    # Log a phone call: the channel starts at （请选择）, so skipping it is refused at the field and the text stays.
    page.get_by_role("link", name="记录走访/电话").click()
    expect(page).to_have_title(re.compile("^新增联系记录"))
    expect(page.get_by_label("方式")).to_have_value("")
    page.get_by_label("内容").fill("电话了解今年研发投入")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("请选择联系方式")).to_be_visible()
    expect(page.get_by_label("内容")).to_have_value("电话了解今年研发投入")
    page.get_by_label("方式").select_option(label="电话")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("联系记录已保存。")).to_be_visible()
    assert "电话" in page.locator("#notes").inner_text() and "电话了解今年研发投入" in page.locator("#notes").inner_text()

    # Correct last year's revenue.
    page.locator('#report-table tr[data-year="2024"]').get_by_role("link", name="编辑").click()
    expect(page).to_have_title(re.compile("^编辑年度报表"))
    page.get_by_label("营业收入（万元）", exact=True).fill("3,210.5")
    page.get_by_label("总收入（万元）", exact=True).fill("3,300")  # total revenue includes sales revenue
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("年度报表已保存。")).to_be_visible()
    assert "3,210.50" in page.locator('#report-table tr[data-year="2024"] td[data-field="revenue"]').inner_text()
    # The audit trail shows the change with before and after.
    assert "3000 → 3210.5" in page.locator("#audit-table").inner_text()
    db.session.rollback()
    assert db.session.get(AnnualReport, last_year.id).revenue == Decimal("3210.5")

    # Verify the submitted report from the queue; the jump is called out.
    page.goto("/enterprises/verification")
    assert page.title().startswith("年报审核")
    page.locator("#queue").get_by_role("link", name="审核").first.click()
    expect(page.locator("#large-changes")).to_be_visible()
    page.get_by_role("button", name="核实通过").click()
    expect(page.get_by_text("年度报表已核实")).to_be_visible()
    db.session.rollback()
    assert db.session.get(AnnualReport, submitted.id).status is ReportStatus.verified

    # Export the filtered list and read the workbook.
    page.goto("/enterprises/?q=jmhl")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as handle:
        sheet = load_workbook(BytesIO(handle.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "统一社会信用代码"
    assert [r[1] for r in rows[1:]] == ["江门恒力精密科技有限公司"]
    assert rows[1][0] == firm.uscc and rows[1][7] == 2025

    # Another district's firm is unreachable.
    response = page.goto(f"/enterprises/{other.uscc}")
    assert response is not None and response.status == 404
    assert "鹤山其他科技有限公司" not in page.content()
