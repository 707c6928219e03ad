"""The whole pipeline on real-looking files: a messy county sheet, and one sheet in every format."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from crm.uscc import make_uscc
from importers import ParsedRow, SheetResult, SkippedRow, WorkbookError, parse_workbook
from tests.importers.helpers import csv_bytes, xlsx_bytes
from tests.importers.sample_data import EXPECTED, sheet_rows

TODAY = dt.date(2024, 6, 1)
FIXTURES = Path(__file__).with_name("fixtures")


def by_kind(items: list[object]) -> tuple[list[SheetResult], dict[int, ParsedRow], dict[int, SkippedRow]]:
    sheets = [i for i in items if isinstance(i, SheetResult)]
    parsed = {i.row: i for i in items if isinstance(i, ParsedRow)}
    skipped = {i.row: i for i in items if isinstance(i, SkippedRow)}
    return sheets, parsed, skipped


def test_messy_county_sheet() -> None:
    kaiping = [make_uscc(f"91440783MA5{n:06d}") for n in range(1, 8)]
    pengjiang = make_uscc("91440703MA5000008")
    bad_check = kaiping[3][:-1] + ("0" if kaiping[3][-1] != "0" else "1")
    spaced = " ".join([kaiping[1][:6].lower(), kaiping[1][6:12].lower(), kaiping[1][12:].lower()])
    rows = [
        ["开平市2023年度科技型企业统计表"],                                              # 1 merged title
        ["填报单位：开平市科学技术局", "", "", "", "", "", "单位：万元"],                  # 2 notes
        ["序号", "企业（单位）名称", "统一社会信用代码", "成立时间", "销售收入", "研发投入", "", "从业人员", "科技人员"],  # 3
        ["", "", "", "", "", "合计", "其中：境内", "", ""],                               # 4 two-row header
        ["", "", "", "", "万元", "万元", "万元", "人", "人"],                             # 5 units row
        [1, "开平甲科技有限公司", kaiping[0], dt.date(2015, 3, 1), 1234.5, 100, 80, 50, 10],  # 6 good
        [2, "开平乙电子有限公司", spaced, "2019.5.12", "1,234.50", "６０", "６０", "３０", "５"],  # 7 good, messy
        [],                                                                             # 8 blank
        [3, "开平丙材料有限公司", kaiping[2], "2018年7月1日", "２,０００", 90, 90, 40, 8],   # 9 good
        [4, "开平丁机械有限公司", bad_check, "20170101", 500, 20, 20, 20, 4],              # 10 wrong check digit
        [5, "开平戊化工有限公司", kaiping[4], 43597, -300, 10, 10, 25, 5],                # 11 negative amount
        [6, "开平己光电有限公司", kaiping[5], "2020/1/2", 800, 30, 30, 10, 12],            # 12 tech staff > staff
        [None, None, None],                                                             # 13 blank
        [7, "蓬江庚科技有限公司", pengjiang, "2016-06-06", "1,000", 50, 40, 60, 9],        # 14 good, 蓬江
        [8, "开平辛软件有限公司", kaiping[6], "2021年13月1日", 100, 5, 6, 10, 2],          # 15 bad date + domestic>R&D
        ["合计", "", "", "", 5768.5, 355, 336, 255, 50],                                 # 16 totals
        ["填表说明：金额单位为万元"],                                                     # 17 notes
    ]
    data = xlsx_bytes(rows, title="Sheet1", merges=["A1:I1", "F3:G3"])
    sheets, parsed, skipped = by_kind(list(parse_workbook(data, "开平.xlsx", today=TODAY)))

    layout = sheets[0].layout
    assert layout is not None and layout.header_rows == (3, 4, 5) and layout.year_hint == 2023
    assert set(parsed) == {6, 7, 9, 10, 11, 12, 14, 15}
    assert {n: s.reason for n, s in skipped.items()} == {
        8: "空行", 13: "空行", 16: "合计行（合计）", 17: "说明行（填表说明:金额单位为）"}
    bad = {n: [e.column for e in p.errors] for n, p in parsed.items() if p.errors}
    assert bad == {
        10: ["统一社会信用代码"],
        11: ["销售收入（万元）"],
        12: ["科技人员（人）"],
        15: ["成立时间", "研发投入/其中：境内（万元）"],
    }
    assert "校验位" in parsed[10].errors[0].message
    assert parsed[7].record == {
        "name": "开平乙电子有限公司", "uscc": kaiping[1], "founded_on": dt.date(2019, 5, 12),
        "revenue": Decimal("1234.5000"), "rd_expense": Decimal("60.0000"), "rd_expense_domestic": Decimal("60.0000"),
        "employees": 30, "tech_staff": 5, "year": 2023, "district_code": "440783",
    }
    assert parsed[11].record["founded_on"] == dt.date(2019, 5, 12)
    assert parsed[14].record["district_code"] == "440703"  # inferred from the code
    assert all(p.record["year"] == 2023 for p in parsed.values())


@pytest.mark.parametrize("kind", ["xlsx", "xls", "csv-gbk", "csv-utf8-bom", "xlsx-bytes-path"])
def test_the_same_sheet_imports_identically_in_every_format(kind: str, tmp_path: Path) -> None:
    if kind == "xls":
        source: bytes | Path = FIXTURES / "county_2023.xls"
        filename = None
    elif kind.startswith("csv"):
        source = csv_bytes(sheet_rows(), "gbk" if kind == "csv-gbk" else "utf-8-sig")
        filename = "开平.csv"
    else:
        source = xlsx_bytes(sheet_rows(), merges=["A1:H1"])
        filename = "开平.xlsx"
        if kind == "xlsx-bytes-path":
            path = tmp_path / "开平.xlsx"
            path.write_bytes(source)
            source, filename = path, None
    sheets, parsed, skipped = by_kind(list(parse_workbook(source, filename, today=TODAY)))
    assert len(sheets) == 1 and sheets[0].layout is not None
    assert {n: p.record for n, p in parsed.items()} == EXPECTED
    assert all(p.ok for p in parsed.values())
    assert list(skipped) == [7]


def test_sheets_without_a_header_are_announced_and_skipped() -> None:
    data = xlsx_bytes(
        [["企业名称", "统一社会信用代码", "年度"], ["甲", make_uscc("91440783MA5000001"), 2023]],
        extra_sheets={"填表说明": [["1. 金额单位为万元"], ["2. 请勿修改表头"]], "空表": []},
    )
    sheets, parsed, _skipped = by_kind(list(parse_workbook(data, "x.xlsx", today=TODAY)))
    assert [(s.name, s.layout is not None) for s in sheets] == [("Sheet1", True), ("填表说明", False), ("空表", False)]
    assert "未找到表头" in (sheets[1].message or "")
    assert sheets[2].message == "空工作表"
    assert list(parsed) == [2]


def test_default_year_and_mapping_override() -> None:
    code = make_uscc("91440783MA5000001")
    data = xlsx_bytes([["企业名称", "代码", "营业收入（元）", "收入"], ["甲公司", code, "1,000", 5]])
    override = {1: "uscc", "营业收入（元）": "total_revenue", "收入": None}
    sheets, parsed, _skipped = by_kind(list(parse_workbook(data, "x.xlsx", 2022, override, today=TODAY)))
    assert sheets[0].layout is not None and sheets[0].layout.unknown == []
    assert parsed[2].ok
    assert parsed[2].record == {"name": "甲公司", "uscc": code, "total_revenue": Decimal("0.1000"), "year": 2022,
                                "district_code": "440783"}


def test_unreadable_file_fails_before_any_row() -> None:
    with pytest.raises(WorkbookError):
        parse_workbook(b"not a workbook", "x.xlsx")
