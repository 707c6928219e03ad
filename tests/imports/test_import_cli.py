"""`flask --app crm import-workbook` as CONTRACT.md fixes it."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Enterprise, ImportBatch
from tests.importers.helpers import xlsx_bytes
from tests.importers.sample_data import sheet_rows

# CONTRACT.md: the figure sheet's keys, and "kind" since lists came in (--kind).
KEYS = ["rows", "created", "updated", "unchanged", "rejected", "skipped", "errors", "batch", "kind"]


def test_json_shape_and_dry_run(runner, tmp_path) -> None:
    path = tmp_path / "county.xlsx"
    rows = sheet_rows() + [[9, "坏数据公司", "91440783MA51AB0C10", "", -5]]
    path.write_bytes(xlsx_bytes(rows))
    dry = runner.invoke(args=["import-workbook", str(path), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    payload = json.loads(dry.stdout)
    assert list(payload) == KEYS and payload["batch"] is None and payload["kind"] == "figures"
    assert payload["rows"] == 4 and payload["rejected"] == 1 and payload["created"] == 3
    assert all(list(e) == ["sheet", "row", "column", "message"] for e in payload["errors"])
    assert {e["row"] for e in payload["errors"]} == {8}
    assert db.session.scalar(select(func.count(Enterprise.id))) == 0

    real = runner.invoke(args=["import-workbook", str(path), "--json", "--year", "2023"])
    assert real.exit_code == 0
    payload = json.loads(real.stdout)
    assert isinstance(payload["batch"], int) and db.session.get(ImportBatch, payload["batch"]) is not None
    assert db.session.scalar(select(func.count(Enterprise.id))) == 3


def test_unreadable_files_exit_non_zero_with_one_line(runner, tmp_path) -> None:
    not_sheet = tmp_path / "notes.xlsx"
    not_sheet.write_bytes(b"just some text, not a workbook")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    wrong_type = tmp_path / "a.pdf"
    wrong_type.write_bytes(b"%PDF-1.4")
    for path in (not_sheet, empty, wrong_type, tmp_path / "missing.xlsx"):
        result = runner.invoke(args=["import-workbook", str(path), "--json"])
        assert result.exit_code != 0
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1 and "无法导入" in result.stderr
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_a_file_without_any_header_is_refused_and_records_no_batch(runner, tmp_path) -> None:
    # A text file saved as .csv reads as a "spreadsheet" but holds no county sheet.
    path = tmp_path / "notes.csv"
    path.write_bytes("会议纪要\n下周一交材料\n".encode("gbk"))
    for extra in ([], ["--dry-run"]):
        result = runner.invoke(args=["import-workbook", str(path), "--json", *extra])
        assert result.exit_code == 1 and result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1 and "没有可识别的表头" in result.stderr
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_text_output_and_unknown_user(runner, tmp_path) -> None:
    path = tmp_path / "county.xlsx"
    path.write_bytes(xlsx_bytes(sheet_rows()))
    result = runner.invoke(args=["import-workbook", str(path)])
    assert result.exit_code == 0 and "新增 3" in result.stdout
    bad = runner.invoke(args=["import-workbook", str(path), "--user", "nobody"])
    assert bad.exit_code != 0 and "nobody" in bad.stderr


def test_text_output_reports_unknown_columns_and_skipped_sheets(runner, tmp_path) -> None:
    rows = [[*row, "客户经理" if n == 2 else ""] for n, row in enumerate(sheet_rows())]
    path = tmp_path / "county.xlsx"
    path.write_bytes(xlsx_bytes(rows, extra_sheets={"说明": [["本表由开平市科技局填报"]]}))
    result = runner.invoke(args=["import-workbook", str(path), "--year", "2023"])
    assert result.exit_code == 0, result.output
    assert "未识别的列（未导入）：客户经理" in result.stdout
    assert "工作表「说明」" in result.stdout and "已跳过此工作表" in result.stdout
