"""Bureau staff import a platform list in the browser: the kind told from the columns, the
list's rows matched to firms by name, one row given its firm by hand, import, the firm's
page shows the platform, and the batch rolled back."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.extensions import db
from crm.models import ImportBatch, Platform
from crm.models.import_batch import BatchStatus
from crm.models.platform import PlatformKind, PlatformLevel
from crm.uscc import make_uscc
from tests.browser.conftest import sign_in
from tests.factories import EnterpriseFactory, UserFactory
from tests.importers.helpers import xlsx_bytes

pytestmark = pytest.mark.browser

KP = make_uscc("91440783MA5X00001")
XH = make_uscc("91440705MA5X00002")
ROWS = [
    ["2023年广东省工程技术研究中心认定名单"],
    ["序号", "依托单位", "平台名称", "级别", "认定时间", "有效期"],
    [1, "开平市甲科技（江门）有限公司", "广东省甲新材料工程技术研究中心", "省级", "2023年12月", "3年"],
    [2, "新会丙精密", "广东省丙精密制造工程技术研究中心", "省级", "2023年12月", "3年"],  # short for 新会丙精密制造有限公司
    [3, "开平市甲科技有限公司", "广东省甲测试中心", "县级", "2023年12月", ""],  # an unknown level
]


def test_bureau_imports_a_platform_list(app, page, tmp_path) -> None:
    UserFactory(username="city3")
    EnterpriseFactory(uscc=KP, name="开平市甲科技(江门)有限公司", district="440783")
    EnterpriseFactory(uscc=XH, name="新会丙精密制造有限公司", district="440705")
    db.session.commit()
    sheet = tmp_path / "平台名单.xlsx"
    sheet.write_bytes(xlsx_bytes(ROWS, merges=["A1:F1"]))
    sign_in(page, "city3")

    page.goto("/imports/")
    page.get_by_label("表格文件").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并预览").click()
    expect(page).to_have_title(re.compile("^导入预览"))
    expect(page.get_by_label("表格类型")).to_have_value("platforms")
    preview = page.locator("table.import-preview")
    # Full-width brackets in the list, half-width in the system: the same firm.
    expect(preview.locator("tbody tr", has_text="广东省甲新材料工程技术研究中心")).to_contain_text("✓")
    expect(preview.locator("tbody tr", has_text="广东省甲测试中心")).to_contain_text("平台级别「县级」无法识别")
    expect(preview.locator("tbody tr", has_text="新会丙精密")).to_contain_text("系统中没有名为「新会丙精密」的企业")

    # The unmatched row: close names are offered, none chosen; pick the firm and check again.
    pick = page.get_by_label("第4行对应的企业")
    expect(pick).to_have_value("")
    pick.select_option(label=f"新会丙精密制造有限公司（{XH}，新会区）")
    page.get_by_role("button", name="按所选对应关系重新校验").click()
    expect(page.locator('[data-count="created"]')).to_have_text("2")
    expect(page.locator("#picked")).to_contain_text("已人工指定 1 行")
    db.session.rollback()
    assert db.session.scalar(select(Platform.id)) is None  # the preview wrote nothing

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认导入").click()
    expect(page).to_have_title(re.compile("^导入批次"))
    expect(page.locator('[data-count="created"]')).to_have_text("2")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    expect(page.locator("[data-kind]")).to_have_text("科技创新平台名单")
    db.session.rollback()
    made = db.session.scalars(select(Platform).order_by(Platform.name)).all()
    assert [(p.kind, p.level, p.name) for p in made] == [
        (PlatformKind.engineering_center, PlatformLevel.provincial, "广东省丙精密制造工程技术研究中心"),
        (PlatformKind.engineering_center, PlatformLevel.provincial, "广东省甲新材料工程技术研究中心"),
    ]
    batch_url = page.url

    page.goto(f"/enterprises/{XH}")
    expect(page.locator("#platforms")).to_contain_text("广东省丙精密制造工程技术研究中心")

    page.goto(batch_url)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="撤销本批次").click()
    expect(page.locator("h1")).to_contain_text("已撤销")
    db.session.rollback()
    assert db.session.scalar(select(Platform.id)) is None
    assert db.session.scalar(select(ImportBatch.status)) is BatchStatus.rolled_back
