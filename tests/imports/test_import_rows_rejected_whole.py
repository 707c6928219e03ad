"""A bad row never stops the others, on SQLite and PostgreSQL alike: text longer than its
column, a row the database refuses, and duplicate firm-years in one file."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.imports.services import import_file
from crm.models import AnnualReport, Designation, Enterprise
from crm.uscc import make_uscc
from importers import writer
from tests.factories import AnnualReportFactory, EnterpriseFactory
from tests.importers.helpers import xlsx_bytes

CODES = [make_uscc(f"91440783MA5X{n:05d}") for n in range(1, 12)]
HEADER = ["序号", "企业名称", "统一社会信用代码", "年度", "营业收入", "职工总数", "科技人员数", "所在镇街",
          "联系电话", "高新技术企业证书编号", "发证日期", "科技型中小企业入库编号"]


def line(n: int, code: str, revenue: object = 100, **cells: object) -> list[object]:
    values = {"序号": n, "企业名称": f"开平{code[-5:]}科技有限公司", "统一社会信用代码": code, "年度": 2023,
              "营业收入": revenue, "职工总数": 20, "科技人员数": 5, **cells}
    return [values.get(h, "") for h in HEADER]


def stored() -> dict[str, tuple[str, Decimal | None]]:
    """uscc -> (name, 2023 revenue) of every firm in the database."""
    rows = db.session.execute(
        select(Enterprise.uscc, Enterprise.name, AnnualReport.revenue)
        .outerjoin(AnnualReport, (AnnualReport.enterprise_id == Enterprise.id) & (AnnualReport.year == 2023))
    )
    return {uscc: (name, revenue) for uscc, name, revenue in rows}


def adds_up(result) -> bool:  # noqa: ANN001
    return result.rows == result.created + result.updated + result.unchanged + result.rejected


# --- text longer than its column -----------------------------------------------------------

@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"企业名称": "长" * 201}, "企业名称", "不能超过200个字符（现有201个）"),
        ({"所在镇街": "镇" * 51}, "所在镇街", "不能超过50个字符（现有51个）"),
        ({"联系电话": "1" * 51}, "联系电话", "不能超过50个字符（现有51个）"),
        ({"高新技术企业证书编号": "GR" + "1" * 63, "发证日期": "2022-12-22"}, "高新技术企业证书编号",
         "不能超过64个字符（现有65个）"),
        ({"科技型中小企业入库编号": "2023" + "4" * 61}, "科技型中小企业入库编号", "不能超过64个字符（现有65个）"),
    ],
)
def test_a_too_long_text_rejects_its_row_and_the_others_import(app, cells, column, message) -> None:
    rows = [HEADER, line(1, CODES[0]), line(2, CODES[1], **cells), line(3, CODES[2])]
    result = import_file(xlsx_bytes(rows, title="开平"), "开平.xlsx")

    assert result.counts() == {"rows": 3, "created": 2, "updated": 0, "unchanged": 0, "rejected": 1, "skipped": 0}
    assert [e.as_dict() for e in result.errors] == [{"sheet": "开平", "row": 3, "column": column, "message": message}]
    assert set(stored()) == {CODES[0], CODES[2]}
    assert db.session.scalar(select(func.count(Designation.id))) == 0


def test_an_existing_firm_keeps_its_values_when_the_row_is_too_long(app) -> None:
    EnterpriseFactory(uscc=CODES[0], name="原名称有限公司", district_code="440783", town="三埠")
    db.session.commit()
    result = import_file(xlsx_bytes([HEADER, line(1, CODES[0], 500, 所在镇街="街" * 51)]), "a.xlsx")
    assert (result.rejected, result.created, result.updated) == (1, 0, 0)
    firm = db.session.scalar(select(Enterprise).where(Enterprise.uscc == CODES[0]))
    assert (firm.name, firm.town, firm.annual_reports) == ("原名称有限公司", "三埠", [])


def test_cli_reports_too_long_rows_and_imports_the_rest(runner, tmp_path) -> None:
    path = tmp_path / "county.xlsx"
    rows = [HEADER, line(1, CODES[0]), line(2, CODES[1], 企业名称="长" * 201),
            line(3, CODES[2], 联系电话="1" * 51), line(4, CODES[3], 所在镇街="镇" * 51), line(5, CODES[4])]
    path.write_bytes(xlsx_bytes(rows))
    outcome = runner.invoke(args=["import-workbook", str(path), "--json"])
    assert outcome.exit_code == 0, outcome.output
    payload = json.loads(outcome.stdout)
    assert (payload["rows"], payload["created"], payload["rejected"]) == (5, 2, 3)
    assert [(e["row"], e["column"]) for e in payload["errors"]] == [(3, "企业名称"), (4, "联系电话"), (5, "所在镇街")]
    assert set(stored()) == {CODES[0], CODES[4]}


# --- a row the database refuses --------------------------------------------------------------

def test_a_row_the_database_refuses_is_rejected_alone(app, monkeypatch) -> None:
    """Should validation ever let through what the database refuses (here the CHECK on tech
    staff ≤ staff, with the row check switched off), the chunk is rolled back to its savepoint
    and retried row by row: that row is rejected with the database's reason, the others are
    written, on PostgreSQL (whose transaction must not stay aborted) as on SQLite."""
    from importers.rows import RowParser

    monkeypatch.setattr(RowParser, "_check_consistency", lambda self, record, failed, error: None)
    rows = [HEADER, line(1, CODES[0]), line(2, CODES[1], 职工总数=5, 科技人员数=9), line(3, CODES[2])]
    result = import_file(xlsx_bytes(rows), "a.xlsx")

    assert result.counts() == {"rows": 3, "created": 2, "updated": 0, "unchanged": 0, "rejected": 1, "skipped": 0}
    assert [e.row for e in result.errors] == [3] and "数据库拒绝写入此行" in result.errors[0].message
    assert set(stored()) == {CODES[0], CODES[2]}
    # Each good row was written once, with its audit entries (nothing left from the refused chunk,
    # nor from the first writing, which stopped at the refusal and was rolled back with its batch).
    assert db.session.scalar(select(func.count(AnnualReport.id))) == 2
    from crm.models import AuditLog, ImportBatch

    assert db.session.scalars(select(ImportBatch.id)).all() == [result.batch_id]
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.batch_id == result.batch_id)) == 4


# --- duplicate firm-years in one file ---------------------------------------------------------

A, B, C = CODES[5], CODES[6], CODES[7]


@pytest.mark.parametrize("chunk_rows", [2, 2000])
@pytest.mark.parametrize(
    ("rows", "counts", "rejected", "written"),
    [
        # Identical duplicates: the first is created, the repeat unchanged.
        ([line(1, A, 100), line(2, A, 100)], (1, 0, 1, 0), {}, {A: Decimal("100")}),
        # The same figures written differently are identical once parsed.
        ([line(1, A, 1000), line(2, A, "1,000"), line(3, A, "１０００")], (1, 0, 2, 0), {}, {A: Decimal("1000")}),
        # Conflicting: both rejected, each naming the other; nothing written for A.
        ([line(1, A, 100), line(2, B, 50), line(3, A, 200)], (1, 0, 0, 2),
         {2: ["第4行"], 4: ["第2行"]}, {B: Decimal("50")}),
        # Two identical and a third different: all three rejected, the pair said to be identical.
        ([line(1, A, 100), line(2, A, 100), line(3, C, 7), line(4, A, 300)], (1, 0, 0, 3),
         {2: ["与第3行相同", "第5行"], 3: ["与第2行相同", "第5行"], 5: ["第2行、第3行"]}, {C: Decimal("7")}),
        # A, B, A: the identical rows are not adjacent.
        ([line(1, A, 100), line(2, A, 200), line(3, A, 100)], (0, 0, 0, 3),
         {2: ["与第4行相同", "第3行"], 3: ["第2行、第4行"], 4: ["与第2行相同", "第3行"]}, {}),
        # A row rejected for its own error does not take part: the other row is imported.
        ([line(1, A, 100), line(2, A, -5)], (1, 0, 0, 1), {3: ["不能为负数"]}, {A: Decimal("100")}),
        # Conflicts far apart (other firms between them, across chunks of 2).
        ([line(1, A, 1), *(line(n, CODES[n - 2], n) for n in range(2, 7)), line(7, A, 2)], (5, 0, 0, 2),
         {2: ["第8行"], 8: ["第2行"]}, {CODES[n - 2]: Decimal(n) for n in range(2, 7)}),
    ],
)
def test_duplicate_firm_years(app, monkeypatch, chunk_rows, rows, counts, rejected, written) -> None:
    monkeypatch.setattr(writer, "CHUNK_ROWS", chunk_rows)
    result = import_file(xlsx_bytes([HEADER, *rows]), "dup.xlsx")

    assert (result.created, result.updated, result.unchanged, result.rejected) == counts
    assert result.rows == len(rows) and adds_up(result)
    assert sorted({e.row for e in result.errors}) == sorted(rejected)
    for row, fragments in rejected.items():
        (message,) = [e.message for e in result.errors if e.row == row]
        assert all(f in message for f in fragments), message
        if "不能为负数" not in fragments:
            assert "数据不一致" in message and "均未导入" in message
    assert {code: revenue for code, (_name, revenue) in stored().items()} == written
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)  # listed in row order


def test_conflicting_rows_leave_an_existing_firm_year_as_it_was(app) -> None:
    firm = EnterpriseFactory(uscc=A, district_code="440783")
    AnnualReportFactory(enterprise=firm, year=2023, revenue=Decimal("42"))
    db.session.commit()
    result = import_file(xlsx_bytes([HEADER, line(1, A, 100), line(2, A, 200)]), "dup.xlsx")
    assert (result.rejected, result.updated, result.unchanged) == (2, 0, 0)
    assert stored()[A][1] == Decimal("42")


def test_identical_rows_of_an_existing_firm_year_update_once(app) -> None:
    firm = EnterpriseFactory(uscc=A, district_code="440783")
    AnnualReportFactory(enterprise=firm, year=2023, revenue=Decimal("42"))
    db.session.commit()
    result = import_file(xlsx_bytes([HEADER, line(1, A, 100), line(2, A, 100)]), "dup.xlsx")
    assert (result.created, result.updated, result.unchanged, result.rejected) == (0, 1, 1, 0)
    assert stored()[A][1] == Decimal("100")


def test_conflicting_rows_on_two_sheets_name_the_other_sheet(app) -> None:
    data = xlsx_bytes([HEADER, line(1, A, 100), line(2, B, 5)], title="开平",
                      extra_sheets={"台山": [HEADER, line(1, C, 9), line(2, A, 300)]})
    result = import_file(data, "two.xlsx")
    assert (result.created, result.rejected) == (2, 2) and adds_up(result)
    by_place = {(e.sheet, e.row): e.message for e in result.errors}
    assert set(by_place) == {("开平", 2), ("台山", 3)}
    assert "工作表「台山」第3行" in by_place[("开平", 2)] and "工作表「开平」第2行" in by_place[("台山", 3)]
    assert set(stored()) == {B, C}


def test_dry_run_reports_conflicts_the_same(app) -> None:
    data = xlsx_bytes([HEADER, line(1, A, 100), line(2, A, 200)])
    dry = import_file(data, "dup.xlsx", dry_run=True)
    real = import_file(data, "dup.xlsx")
    assert dry.counts() == real.counts() and [e.as_dict() for e in dry.errors] == [e.as_dict() for e in real.errors]
