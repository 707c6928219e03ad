"""The import pages end to end: upload, preview, correct a mapping, import, result,
error report, rollback, template; and who may use them."""
from __future__ import annotations

import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from crm.extensions import db
from crm.models import AnnualReport, Enterprise, HeaderMapping, ImportBatch
from crm.models.import_batch import BatchStatus
from crm.uscc import make_uscc
from tests.conftest import csrf_token, login
from tests.factories import EnterpriseUserFactory, OfficerFactory, UserFactory
from tests.importers.helpers import ods_bytes, xlsx_bytes

U1 = make_uscc("91440783MA51AB0C1")
U2 = make_uscc("91440703MA52CD0E2")
ROWS = [
    ["开平市2023年度科技型企业统计表"],
    ["企业名称", "统一社会信用代码", "营收", "研发费用", "职工总数", "科技人员数"],
    ["江门甲科技有限公司", U1, 1234.5, 100, 80, 20],
    ["开平乙电子有限公司", U2, 2000, 50, 10, 30],  # tech staff above staff: rejected
    ["合计", "", 3234.5, 150, 90, 50],
]


@pytest.fixture
def bureau(client):
    UserFactory(username="city1")
    db.session.commit()
    login(client, "city1")
    return client


def upload(client, data: bytes, name: str, **extra: str):
    token = csrf_token(client, "/imports/")
    return client.post(
        "/imports/", data={"csrf_token": token, "file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data",
    )


def test_upload_preview_correct_mapping_import_report_and_rollback(bureau) -> None:
    response = upload(bureau, xlsx_bytes(ROWS, merges=["A1:F1"]), "开平2023.xlsx", district="440783")
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    page = bureau.get(preview_url).get_data(as_text=True)
    assert "江门甲科技有限公司" in page and "营收" in page
    assert 'data-count="rows">2<' in page
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0  # preview writes nothing

    # "营收" is not a known spelling: map it to 营业收入 and re-check.
    token = csrf_token(bureau, preview_url)
    form = {"csrf_token": token, "action": "recheck", "col_0_0": "name", "col_0_1": "uscc", "col_0_2": "revenue",
            "col_0_3": "rd_expense", "col_0_4": "employees", "col_0_5": "tech_staff"}
    assert bureau.post(preview_url, data=form).status_code == 303
    page = bureau.get(preview_url).get_data(as_text=True)
    assert re.search(r'name="col_0_2"[^>]*>.*?<option value="revenue" selected', page, re.S)

    response = bureau.post(preview_url, data={**form, "action": "import"})
    assert response.status_code == 303
    batch_url = response.headers["Location"]
    page = bureau.get(batch_url).get_data(as_text=True)
    assert 'data-count="created">1<' in page and 'data-count="rejected">1<' in page and "开平2023.xlsx" in page
    firm = db.session.scalar(select(Enterprise).where(Enterprise.uscc == U1))
    assert firm.annual_reports[0].revenue == 1234.5
    remembered = db.session.scalar(select(HeaderMapping).where(HeaderMapping.source == "district:440783"))
    assert remembered.mapping["营收"] == "revenue"

    report = bureau.get(batch_url + "/errors.xlsx")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["企业名称", "统一社会信用代码"] and values[0][-1] == "错误原因"
    assert values[1][0] == "开平乙电子有限公司" and "超过职工总数" in values[1][-1]
    assert sheet.cell(2, 6).fill.fgColor.rgb == "FFFF9999"
    assert sheet.cell(2, 1).fill.fill_type is None

    # A second file from the same district gets the remembered mapping.
    response = upload(bureau, xlsx_bytes(ROWS, merges=["A1:F1"]), "again.xlsx", district="440783")
    page = bureau.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-count="unchanged">1<' in page

    batch_id = int(batch_url.rstrip("/").rsplit("/", 1)[1])
    token = csrf_token(bureau, batch_url)
    response = bureau.post(f"/imports/batches/{batch_id}/rollback", data={"csrf_token": token})
    assert response.status_code == 303
    assert db.session.get(ImportBatch, batch_id).status is BatchStatus.rolled_back
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0


def selected_options(page: str) -> list[tuple[str, str]]:
    """What a browser posts for the page's selects: each name with its selected option."""
    pairs: list[tuple[str, str]] = []

    class Selects(HTMLParser):
        name: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = dict(attrs)
            if tag == "select":
                self.name = found["name"]
            elif tag == "option" and "selected" in found and self.name:
                pairs.append((self.name, found["value"] or ""))

        def handle_endtag(self, tag: str) -> None:
            if tag == "select":
                self.name = None

    Selects().feed(page)
    return pairs


def test_sheets_with_different_columns_keep_their_own_mapping(bureau) -> None:
    # Column D is 营业收入 on one sheet and 研发费用 on the other: confirming the preview
    # as shown must not map the second sheet's column D to the first one's field.
    data = xlsx_bytes(
        [["企业名称", "统一社会信用代码", "年度", "营业收入"], ["江门甲科技有限公司", U1, 2023, 100]], title="高企",
        extra_sheets={"科小": [["企业名称", "统一社会信用代码", "年度", "研发费用"], ["开平乙电子有限公司", U2, 2023, 7]]},
    )
    preview_url = upload(bureau, data, "两表.xlsx").headers["Location"]
    page = bureau.get(preview_url).get_data(as_text=True)
    choices = selected_options(page)
    assert ("col_0_3", "revenue") in choices and ("col_1_3", "rd_expense") in choices
    form = MultiDict([("csrf_token", csrf_token(bureau, preview_url)), ("action", "import"), *choices])
    assert bureau.post(preview_url, data=form).status_code == 303
    figures = {
        uscc: (revenue, rd)
        for uscc, revenue, rd in db.session.execute(
            select(Enterprise.uscc, AnnualReport.revenue, AnnualReport.rd_expense).join(AnnualReport)
        )
    }
    assert figures == {U1: (Decimal("100"), None), U2: (None, Decimal("7"))}


def test_rollback_needs_csrf(bureau) -> None:
    assert bureau.post("/imports/batches/1/rollback").status_code == 400


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"not a spreadsheet at all", "a.xlsx", "不是有效的Excel表格"),
        (b"", "empty.csv", "文件为空"),
        (b"%PDF", "a.pdf", "只能导入"),
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le"), "locked.xlsx",
         "加密"),
        (xlsx_bytes([["随便", "什么"], [1, 2]]), "nohead.xlsx", "表头"),
    ],
)
def test_bad_uploads_give_a_clear_message_and_write_nothing(bureau, data, name, message) -> None:
    response = upload(bureau, data, name)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_upload_year_must_be_an_ended_fiscal_year(bureau) -> None:
    from crm.clock import today

    this_year = today().year
    response = upload(bureau, xlsx_bytes(ROWS), "a.xlsx", year=str(this_year))
    assert response.status_code == 200
    assert f"年度不能晚于{this_year - 1}年（只能填报已结束的年度）" in response.get_data(as_text=True)
    response = upload(bureau, xlsx_bytes(ROWS), "a.xlsx", year=str(this_year - 1))
    assert response.status_code == 303


def test_too_large_upload(bureau, app) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = upload(bureau, b"x" * 4096, "big.csv")
    assert response.status_code == 303
    page = bureau.get(response.headers["Location"]).get_data(as_text=True)
    assert "文件过大" in page
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_template_download_has_headers_and_validation(bureau) -> None:
    response = bureau.get("/imports/template.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ["统一社会信用代码", "企业名称"] and "营业收入（万元）" in headers
    kinds = {v.type for v in sheet.data_validations.dataValidation}
    assert {"whole", "decimal", "date", "list"} <= kinds
    assert sheet.cell(1, 1).comment is not None


@pytest.mark.parametrize("make_user", [lambda: OfficerFactory(username="off1"),
                                       lambda: EnterpriseUserFactory(username="ent1")])
def test_officers_and_enterprise_users_may_not_import(client, make_user) -> None:
    user = make_user()
    db.session.commit()
    login(client, user.username)
    for path in ("/imports/", "/imports/template.xlsx", "/imports/batches/1", "/imports/preview/abcdefghijklmnopqrstuvwxyz"):
        assert client.get(path).status_code == 403


def test_batch_times_are_shown_in_jiangmen_time(bureau) -> None:
    from datetime import datetime

    response = upload(bureau, xlsx_bytes(ROWS, merges=["A1:F1"]), "开平2023.xlsx", district="440783")
    preview_url = response.headers["Location"]
    token = csrf_token(bureau, preview_url)
    response = bureau.post(preview_url, data={"csrf_token": token, "action": "import"})
    batch = db.session.scalar(select(ImportBatch))
    batch.created_at = datetime(2026, 3, 1, 23, 30)  # stored as naive UTC: 2 March 07:30 in Jiangmen
    db.session.commit()
    for url in ("/imports/", f"/imports/batches/{batch.id}"):
        page = bureau.get(url).get_data(as_text=True)
        assert "2026-03-02 07:30" in page and "2026-03-01 23:30" not in page, url


def test_error_report_of_a_csv_whose_name_excel_refuses_as_a_sheet_name(bureau) -> None:
    # A CSV's sheet is named after the file; a browser's second download is "开平2023[1].csv".
    from tests.importers.helpers import csv_bytes

    response = upload(bureau, csv_bytes(ROWS, "gbk"), "开平2023[1].csv")
    preview_url = response.headers["Location"]
    response = bureau.post(preview_url, data={"csrf_token": csrf_token(bureau, preview_url), "action": "import"})
    report = bureau.get(response.headers["Location"] + "/errors.xlsx")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).active
    assert sheet.title == "开平2023_1_"
    assert sheet.cell(2, 1).value == "开平乙电子有限公司" and "超过职工总数" in sheet.cell(2, 7).value


def test_a_mapping_is_not_remembered_for_a_file_named_by_digits_alone(bureau) -> None:
    rows = [["企业名称", "统一社会信用代码", "营业额", "职工总数"], ["江门甲科技有限公司", U1, 100, 8]]
    response = upload(bureau, xlsx_bytes(rows), "2023.xlsx", year="2023")
    preview_url = response.headers["Location"]
    form = {"csrf_token": csrf_token(bureau, preview_url), "action": "import", "col_0_0": "name", "col_0_1": "uscc",
            "col_0_2": "revenue", "col_0_3": "employees"}
    assert bureau.post(preview_url, data=form).status_code == 303
    assert db.session.scalar(select(func.count(Enterprise.id))) == 1
    # Another office's "2024.xlsx" must not inherit that choice.
    assert db.session.scalar(select(func.count(HeaderMapping.id))) == 0
    response = upload(bureau, xlsx_bytes(rows), "2024.xlsx", year="2023")
    page = bureau.get(response.headers["Location"]).get_data(as_text=True)
    assert not re.search(r'name="col_0_2"[^>]*>.*?<option value="revenue" selected', page, re.S)


def test_an_ods_file_is_uploaded_previewed_and_imported(bureau) -> None:
    rows = [["开平市2023年度科技型企业统计表"], ["企业名称", "统一社会信用代码", "营业收入", "职工总数"],
            ["江门甲科技有限公司", U1, 1234.5, 80]]
    page = bureau.get("/imports/").get_data(as_text=True)
    assert 'accept=".xlsx,.xlsm,.xls,.ods,.csv"' in page
    response = upload(bureau, ods_bytes(rows, "2023年度"), "开平2023.ods")
    assert response.status_code == 303, response.get_data(as_text=True)
    preview_url = response.headers["Location"]
    assert 'data-count="rows">1<' in bureau.get(preview_url).get_data(as_text=True)
    response = bureau.post(preview_url, data={"csrf_token": csrf_token(bureau, preview_url), "action": "import"})
    assert response.status_code == 303
    firm = db.session.scalar(select(Enterprise).where(Enterprise.uscc == U1))
    assert firm.annual_reports[0].year == 2023 and firm.annual_reports[0].revenue == Decimal("1234.5")


def test_a_file_name_with_nul_is_imported_under_the_name_without_it(bureau) -> None:
    response = upload(bureau, xlsx_bytes(ROWS), "开平\x002023\x1b.xlsx", district="440783", year="2023")
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    token = csrf_token(bureau, preview_url)
    response = bureau.post(preview_url, data={"csrf_token": token, "action": "import", "kind": "figures"})
    assert response.status_code == 303
    assert db.session.scalars(select(ImportBatch.filename)).all() == ["开平2023.xlsx"]


def test_a_batch_of_many_rejected_rows_is_paged_and_its_report_has_them_all(bureau) -> None:
    rows = [ROWS[1], *([f"坏企业{i}", "不是代码", 1, 1, 1, 1] for i in range(250))]
    response = upload(bureau, xlsx_bytes(rows), "坏.xlsx", district="440783", year="2023")
    token = csrf_token(bureau, response.headers["Location"])
    response = bureau.post(response.headers["Location"], data={"csrf_token": token, "action": "import",
                                                                "kind": "figures"})
    batch = response.headers["Location"]
    page = bureau.get(batch).get_data(as_text=True)
    assert "被拒绝的行的问题（250 条）" in page and "第 1 / 3 页" in page
    assert page.count("<tr><td>Sheet1</td>") == 100 and "<td>2</td>" in page
    last = bureau.get(f"{batch}?page=3").get_data(as_text=True)
    assert last.count("<tr><td>Sheet1</td>") == 50 and "<td>251</td>" in last
    report = openpyxl.load_workbook(io.BytesIO(bureau.get(f"{batch}/errors.xlsx").data)).active
    values = list(report.iter_rows(values_only=True))
    assert values[0][-1] == "错误原因" and len(values) == 251
    assert [v[0] for v in values[1:4]] == ["坏企业0", "坏企业1", "坏企业2"]


def test_a_preview_left_unfinished_for_a_day_is_deleted_at_the_next_upload(bureau, app) -> None:
    from datetime import timedelta

    from crm.clock import utcnow
    from crm.models import PendingImport, StoredFile, StoredFileChunk

    old = upload(bureau, xlsx_bytes(ROWS), "开平2023.xlsx", district="440783").headers["Location"]
    token = old.rsplit("/", 1)[-1]
    pending = db.session.scalar(select(PendingImport).where(PendingImport.token == token))
    day_ago = utcnow() - timedelta(hours=25)
    pending.updated_at = pending.created_at = pending.file.created_at = day_ago
    db.session.commit()
    fresh = upload(bureau, xlsx_bytes(ROWS), "开平2023.xlsx", district="440783").headers["Location"]
    assert bureau.get(old).status_code == 404
    assert bureau.get(fresh).status_code == 200
    db.session.expire_all()
    # The old preview and its file are gone from the database (no disk holds them).
    [kept] = db.session.scalars(select(PendingImport)).all()
    assert kept.token == fresh.rsplit("/", 1)[-1]
    assert db.session.scalars(select(StoredFile.id)).all() == [kept.file_id]
    assert set(db.session.scalars(select(StoredFileChunk.file_id))) == {kept.file_id}
