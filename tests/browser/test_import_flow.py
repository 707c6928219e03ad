"""Bureau staff import a county sheet in the browser: upload, preview with the detected
mapping and the validation results, correct a column, import, download the error report,
roll the batch back."""
from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import AnnualReport, Enterprise, ImportBatch
from crm.models.import_batch import BatchStatus
from crm.uscc import make_uscc
from tests.browser.conftest import sign_in
from tests.factories import UserFactory
from tests.importers.helpers import xlsx_bytes

pytestmark = pytest.mark.browser

U1 = make_uscc("91440783MA51AB0C1")  # 开平市
U2 = make_uscc("91440703MA52CD0E2")  # 蓬江区
ROWS = [
    ["开平市2023年度科技型企业统计表"],
    ["单位：万元"],
    ["企业名称", "统一社会信用代码", "营业额", "研发费用", "职工总数", "科技人员数"],
    ["江门甲科技有限公司", f"{U1[:6].lower()} {U1[6:].lower()}", "1,234.5", 100, 80, 20],
    ["开平乙电子有限公司", U2, 2000, 50, 10, 30],  # tech staff above staff: rejected
    ["合计", "", 3234.5, 150, 90, 50],
]


def test_bureau_imports_a_county_sheet(app, page, tmp_path) -> None:
    UserFactory(username="city1")
    db.session.commit()
    sheet = tmp_path / "开平2023.xlsx"
    sheet.write_bytes(xlsx_bytes(ROWS, merges=["A1:F1"]))
    sign_in(page, "city1")

    page.goto("/imports/")
    page.get_by_label("表格文件").set_input_files(str(sheet))
    page.get_by_label("来源区县").select_option(label="开平市")
    page.get_by_role("button", name="上传并预览").click()
    expect(page).to_have_title(re.compile("^导入预览"))

    # The preview: the bad row is marked with its reason, the totals row is skipped, and
    # "营业额" (not a known spelling) is reported, not guessed.
    preview = page.locator("table.import-preview")
    bad = preview.locator("tbody tr", has_text="开平乙电子有限公司")
    expect(bad).to_contain_text("科技人员数（30）超过职工总数（10）")
    expect(bad.locator("td.table-danger")).to_have_text("30")
    expect(preview.locator("tbody tr", has_text="合计")).to_contain_text("跳过")
    expect(page.locator("main")).to_contain_text("未识别的列（不会导入）：营业额")
    expect(page.locator('[data-count="rows"]')).to_have_text("2")

    # Map 营业额 to 营业收入 and check again.
    page.get_by_label("营业额", exact=True).select_option(value="revenue")
    page.get_by_role("button", name="按所选对应关系重新校验").click()
    expect(page.get_by_text("未识别的列")).to_have_count(0)
    expect(page.get_by_label("营业额", exact=True)).to_have_value("revenue")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0  # the preview wrote nothing

    # Asked first: declining leaves the preview as it was, nothing written.
    questions: list[str] = []

    def decline(dialog) -> None:  # noqa: ANN001 - playwright's Dialog
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.get_by_role("button", name="确认导入").click()
    assert questions == ["确认导入？有错误的行将被拒绝，其余行写入数据库。"]
    expect(page).to_have_title(re.compile("^导入预览"))
    db.session.rollback()
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认导入").click()
    expect(page).to_have_title(re.compile("^导入批次"))
    expect(page.locator('[data-count="created"]')).to_have_text("1")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    expect(page.locator("main")).to_contain_text("科技人员数（30）超过职工总数（10）")
    db.session.rollback()
    firm = db.session.scalar(select(Enterprise).where(Enterprise.uscc == U1))
    assert firm is not None and firm.district_code == "440783"
    report = db.session.scalar(select(AnnualReport).where(AnnualReport.enterprise_id == firm.id))
    assert (report.year, report.revenue, report.tech_staff) == (2023, Decimal("1234.5"), 20)
    assert db.session.scalar(select(Enterprise).where(Enterprise.uscc == U2)) is None
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 1  # the declined click imported nothing

    # The error report: the original rows, the failing cell marked, a column of reasons.
    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误报告（.xlsx）").click()
    book = load_workbook(BytesIO(download.value.path().read_bytes()))
    rows = [[c.value for c in r] for r in book.active.iter_rows()]
    flat = [str(v) for r in rows for v in r if v is not None]
    assert "开平乙电子有限公司" in flat and "江门甲科技有限公司" not in flat
    assert any("科技人员数（30）超过职工总数（10）" in v for v in flat)

    # Roll the batch back: the firm it created is gone.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="撤销本批次").click()
    expect(page.locator("h1")).to_contain_text("已撤销")
    db.session.rollback()
    assert db.session.scalar(select(Enterprise).where(Enterprise.uscc == U1)) is None
    assert db.session.scalar(select(ImportBatch.status)) is BatchStatus.rolled_back
