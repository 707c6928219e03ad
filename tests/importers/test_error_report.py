"""The error report writes a county office's text as text: a cell starting with =, +, -
or @ never becomes a formula that runs when the file is opened."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from importers.report import error_report
from tests.importers.helpers import csv_bytes


@pytest.mark.parametrize("text", ['=HYPERLINK("http://example.invalid","点此")', "+1+2", "-3+4", "@SUM(A1:A2)"])
def test_text_that_looks_like_a_formula_stays_text(text: str) -> None:
    data = csv_bytes([["统一社会信用代码", "企业名称"], ["914407830001000000", text]], "utf-8")
    report = error_report(data, "a.csv", [{"sheet": "a", "row": 2, "column": "企业名称", "message": "校验位错误",
                                          "column_index": 1}])
    with zipfile.ZipFile(io.BytesIO(report)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    sheet = openpyxl.load_workbook(io.BytesIO(report)).active
    assert sheet.cell(2, 2).value == text and sheet.cell(2, 2).data_type == "s"
    assert sheet.cell(2, 3).value == "第2行 企业名称：校验位错误"
