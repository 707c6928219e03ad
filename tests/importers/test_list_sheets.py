"""Lists laid out as published: the kind of sheet told from its title and columns, the
sheet step (designation kind, announcement date) and each kind's rows, without a database."""
from __future__ import annotations

import datetime as dt

import pytest

from crm.models.designation import DesignationKind
from crm.models.platform import PlatformKind, PlatformLevel
from crm.models.support import SupportKind
from crm.models.talent import TalentCategory, TalentProgramme
from importers import ParsedRow, SheetResult, SkippedRow, WorkbookError, parse_workbook
from importers.headers import detect_kind
from importers.lists import ListOptions
from importers.readers import SourceRow
from tests.importers.helpers import csv_bytes, xlsx_bytes

TODAY = dt.date(2025, 6, 1)


def rows_of(*rows: list[object]) -> list[SourceRow]:
    return [SourceRow("S", n, tuple(r)) for n, r in enumerate(rows, start=1)]


@pytest.mark.parametrize(
    ("rows", "sheet_name", "kind"),
    [
        # A 高企 filing list: 序号, 企业名称, 证书编号 (it used to be read as a figure sheet).
        ([["广东省2024年第一批高新技术企业备案名单"], ["序号", "企业名称", "证书编号"], [1, "甲", "GR202444001234"]],
         "Sheet1", "designations"),
        # A province-wide tech-SME list.
        ([["序号", "企业名称", "地市", "入库登记编号"], [1, "甲", "江门市", "2024440783A0000456"]], "S", "designations"),
        # A list of names only: the title decides.
        ([["江门市2024年瞪羚企业名单"], ["序号", "企业名称", "统一社会信用代码"], [1, "甲", "x"]], "S", "designations"),
        # The same columns, named by the file (a CSV's sheet is its file name).
        ([["序号", "企业名称", "统一社会信用代码"], [1, "甲", "x"]], "2024年金种子企业名单", "designations"),
        # The same columns and nothing else to go by: a county figure sheet, as before lists came in.
        ([["序号", "企业名称", "统一社会信用代码"], [1, "甲", "x"]], "Sheet1", "figures"),
        ([["序号", "原名称", "现名称", "证书编号", "发证日期"]], "S", "renames"),
        ([["序号", "依托单位", "平台名称", "类别", "级别", "认定时间", "有效期"]], "S", "platforms"),
        ([["序号", "团队名称", "带头人", "依托单位", "人才计划", "类别", "年度"]], "S", "talents"),
        ([["序号", "企业名称", "项目类别", "资助类型", "金额（万元）", "拨付日期"]], "S", "support"),
        # A county sheet with certificate columns beside the year is still a figure sheet.
        ([["企业名称", "统一社会信用代码", "年度", "高新技术企业证书编号", "发证日期", "科技型中小企业入库编号"]], "S",
         "figures"),
        ([["企业名称", "统一社会信用代码", "年度", "营业收入", "研发费用"]], "S", "figures"),
    ],
)
def test_the_kind_of_a_sheet_is_told_from_its_columns_and_title(rows, sheet_name, kind) -> None:
    assert detect_kind(rows_of(*rows), sheet_name).field_set.kind == kind


def parsed(rows: list[list[object]], kind: str | None = None, **options: object) -> list[SheetResult | ParsedRow | SkippedRow]:
    return list(parse_workbook(xlsx_bytes(rows), "list.xlsx", kind=kind, options=ListOptions(**options), today=TODAY))


def data_rows(items: list[object]) -> list[ParsedRow | SkippedRow]:
    return [i for i in items if isinstance(i, (ParsedRow, SkippedRow))]


HITECH = [["广东省2024年第一批高新技术企业备案名单"], ["序号", "企业名称", "证书编号"]]


def test_a_hitech_list_takes_its_date_from_the_option_and_runs_three_years_less_a_day() -> None:
    items = parsed([*HITECH, [1, "江门甲公司", "gr 2024 44 001234"]], issued_on=dt.date(2024, 12, 11))
    sheet, row = items[0], items[1]
    assert isinstance(sheet, SheetResult) and sheet.kind == "designations"
    assert sheet.context.designation is DesignationKind.hitech and sheet.context.designation_from == "numbers"
    assert isinstance(row, ParsedRow) and row.ok
    assert {k: row.record[k] for k in ("kind", "certificate_no", "valid_from", "valid_to")} == {
        "kind": DesignationKind.hitech, "certificate_no": "GR202444001234",
        "valid_from": dt.date(2024, 12, 11), "valid_to": dt.date(2027, 12, 10)}


def test_a_hitech_list_takes_its_date_from_a_title_line_or_a_column() -> None:
    titled = parsed([HITECH[0], ["发证日期：2024年12月11日"], HITECH[1], [1, "甲", "GR202444001234"]])
    assert data_rows(titled)[0].record["valid_from"] == dt.date(2024, 12, 11)
    column = parsed([["序号", "企业名称", "证书编号", "发证日期"], [1, "甲", "GR202444001234", "2024-11-28"]],
                    kind="designations")
    assert data_rows(column)[0].record["valid_to"] == dt.date(2027, 11, 27)


def test_a_hitech_list_without_a_date_rejects_its_rows_saying_how_to_give_one() -> None:
    row = data_rows(parsed([*HITECH, [1, "甲", "GR202444001234"]]))[0]
    assert [(e.column, e.message) for e in row.errors] == [
        ("发证日期", "缺少发证日期：表中没有“发证日期”，标题中也没有；请在导入时填写公告的发证日期")]


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ([1, "甲", "GR2024440012"], "证书编号", "证书编号「GR2024440012」不是高新技术企业证书编号"),
        ([1, "甲", ""], "证书编号", "缺少高新技术企业证书编号"),
        ([1, "", "GR202444001234"], "企业名称", "企业名称不能为空"),
        ([1, "名" * 201, "GR202444001234"], "企业名称", "不能超过200个字符（现有201个）"),
    ],
)
def test_bad_hitech_rows_are_rejected_naming_the_column(cells, column, message) -> None:
    row = data_rows(parsed([*HITECH, cells], issued_on=dt.date(2024, 12, 11)))[0]
    assert isinstance(row, ParsedRow)
    assert any(e.column == column and message in e.message for e in row.errors), row.errors


def test_a_certificate_year_other_than_the_issue_year_is_imported_with_a_notice() -> None:
    row = data_rows(parsed([*HITECH, [1, "甲", "GR202344001234"]], issued_on=dt.date(2024, 12, 11)))[0]
    assert row.ok
    assert [(n.column, n.message) for n in row.notices] == [
        ("发证日期", "证书编号年份2023与发证日期2024-12-11不一致，请核对")]


def test_a_hitech_date_in_the_future_is_refused() -> None:
    row = data_rows(parsed([["序号", "企业名称", "证书编号", "发证日期"], [1, "甲", "GR202544001234", "2025-12-01"]],
                           kind="designations"))[0]
    assert [e.message for e in row.errors] == ["认定（发证）日期2025-12-01晚于今天"]


TECH_SME = [["2024年第三批入库科技型中小企业名单"], ["序号", "企业名称", "地市", "入库登记编号"]]


def test_a_province_wide_tech_sme_list_skips_other_cities() -> None:
    rows = data_rows(parsed([
        *TECH_SME,
        [1, "江门甲公司", "江门市", "2024440783A0000456"],
        [2, "广州乙公司", "广州市", "2024440106A0000001"],
        [3, "深圳丙公司", "", "2024440305A0000002"],  # no 地市: the number's region code says
        [4, "江门丁公司", "", "2024440700A0000003"],  # the city's own code: Jiangmen, no district
    ]))
    assert [(r.row, r.reason) for r in rows if isinstance(r, SkippedRow)] == [
        (4, "外市企业（广州市）"), (5, "外市企业（入库登记编号区划440305）")]
    kept = [r for r in rows if isinstance(r, ParsedRow)]
    assert [(r.record["valid_from"], r.record["valid_to"], r.record.get("number_district")) for r in kept] == [
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31), "440783"), (dt.date(2024, 1, 1), dt.date(2024, 12, 31), None)]


@pytest.mark.parametrize(
    ("rows", "options", "designation", "start", "end"),
    [
        # 专精特新 lists run three years (a parameter), from the title's year.
        ([["2024年度广东省专精特新中小企业名单"], ["序号", "企业名称"], [1, "甲"]], {}, DesignationKind.srdi_sme,
         dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
        # A yearly list with a date column: to the end of that year.
        ([["江门市瞪羚企业名单"], ["序号", "企业名称", "认定时间"], [1, "甲", "2024年7月"]], {}, DesignationKind.gazelle,
         dt.date(2024, 7, 1), dt.date(2024, 12, 31)),
        # The person's choice overrides the title; the option's date is the start.
        ([["江门市瞪羚企业名单"], ["序号", "企业名称"], [1, "甲"]],
         {"designation": DesignationKind.golden_seed, "issued_on": dt.date(2024, 3, 5)}, DesignationKind.golden_seed,
         dt.date(2024, 3, 5), dt.date(2024, 12, 31)),
        # The administrator's validity for 瞪羚 set to 2 years.
        ([["江门市2024年瞪羚企业名单"], ["序号", "企业名称"], [1, "甲"]],
         {"validity_years": {DesignationKind.gazelle: 2}}, DesignationKind.gazelle, dt.date(2024, 1, 1),
         dt.date(2025, 12, 31)),
        # A 认定类型 column decides row by row; a stated validity wins.
        ([["序号", "企业名称", "认定类型", "年度", "有效期至"], [1, "甲", "创新型中小企业", 2023, "2026-06-30"]], {},
         DesignationKind.innovative_sme, dt.date(2023, 1, 1), dt.date(2026, 6, 30)),
    ],
)
def test_other_designation_lists(rows, options, designation, start, end) -> None:
    row = data_rows(parsed(rows, kind="designations", **options))[0]
    assert isinstance(row, ParsedRow) and row.ok, getattr(row, "errors", row)
    assert (row.record["kind"], row.record["valid_from"], row.record["valid_to"]) == (designation, start, end)


def test_a_designation_list_whose_kind_cannot_be_told_is_refused_whole() -> None:
    with pytest.raises(WorkbookError, match="无法确定名单的认定类型.*请在导入时选择认定类型"):
        parsed([["序号", "企业名称"], [1, "甲"]], kind="designations")


def test_a_rename_row() -> None:
    row = data_rows(parsed([["序号", "原名称", "现名称", "证书编号", "发证日期"],
                            [1, "开平甲（江门）科技有限公司", "开平甲新材料有限公司", "GR202344001234", "2023年12月"]]))[0]
    assert row.ok and row.record == {
        "old_name": "开平甲（江门）科技有限公司", "new_name": "开平甲新材料有限公司", "certificate_no": "GR202344001234",
        "valid_from": dt.date(2023, 12, 1), "valid_to": dt.date(2026, 11, 30),
        "old_normal": "开平甲(江门)科技有限公司", "new_normal": "开平甲新材料有限公司"}
    same = data_rows(parsed([["原名称", "现名称"], ["甲 公司", "甲公司"]], kind="renames"))[0]
    assert [e.message for e in same.errors] == ["现名称与原名称相同"]


@pytest.mark.parametrize(
    ("title", "cells", "expected"),
    [
        ("2023年江门市工程技术研究中心认定名单", ["甲公司", "江门市甲工程技术研究中心", "", "", "2023年12月", "3年"],
         (PlatformKind.engineering_center, PlatformLevel.municipal, dt.date(2023, 12, 1), dt.date(2026, 11, 30))),
        ("名单", ["甲公司", "甲实验室", "重点实验室", "省级", "2022", "2025-12-31"],
         (PlatformKind.key_lab, PlatformLevel.provincial, dt.date(2022, 1, 1), dt.date(2025, 12, 31))),
        ("名单", ["甲公司", "广东省甲新型研发机构", "", "", "", ""],
         (PlatformKind.new_rd_institution, PlatformLevel.provincial, None, None)),
    ],
)
def test_platform_rows_take_kind_and_level_from_the_cells_else_the_title_else_the_name(title, cells, expected) -> None:
    row = data_rows(parsed([[title], ["序号", "依托单位", "平台名称", "类别", "级别", "认定时间", "有效期"], [1, *cells]]))[0]
    assert row.ok, row.errors
    assert (row.record["kind"], row.record["level"], row.record["recognized_on"], row.record["valid_to"]) == expected


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (["甲公司", "甲中心", "火星中心", "省级", "", ""], "类别", "平台类别「火星中心」无法识别"),
        (["甲公司", "甲中心", "重点实验室", "县级", "", ""], "级别", "平台级别「县级」无法识别"),
        (["甲公司", "甲中心", "", "", "", ""], "类别", "缺少平台类别"),
        (["甲公司", "", "重点实验室", "省级", "", ""], "平台名称", "平台名称不能为空"),
        (["甲公司", "甲实验室", "重点实验室", "省级", "2023-05-01", "2022-01-01"], "有效期", "早于认定时间"),
        (["甲公司", "甲实验室", "重点实验室", "省级", "去年", ""], "认定时间", "不是可识别的日期"),
    ],
)
def test_bad_platform_rows_are_rejected(cells, column, message) -> None:
    row = data_rows(parsed([["名单"], ["序号", "依托单位", "平台名称", "类别", "级别", "认定时间", "有效期"], [1, *cells]]))[0]
    assert any(e.column == column and message in e.message for e in row.errors), row.errors


@pytest.mark.parametrize(
    ("header", "cells", "expected"),
    [
        (["团队名称", "带头人", "依托单位", "人才计划", "年度"], ["甲创新团队", "张三", "甲公司", "珠江人才计划", 2023],
         (TalentCategory.innovation_team, True, TalentProgramme.pearl_river, 2023, True, "张三")),
        (["姓名", "依托单位", "人才计划", "类别", "年度"], ["李四", "甲公司", "侨都英才计划", "博士", 2022],
         (TalentCategory.doctor, False, TalentProgramme.qiaodu, 2022, False, None)),
        (["团队名称", "依托单位", "人才计划", "年度", "高端创新创业人才团队"], ["乙团队", "甲公司", "其他", 2021, "是"],
         (TalentCategory.innovation_team, True, TalentProgramme.other, 2021, True, None)),
        (["团队名称", "依托单位", "人才计划", "年度"], ["丙团队", "甲公司", "其他", 2021],
         (TalentCategory.innovation_team, True, TalentProgramme.other, 2021, False, None)),
    ],
)
def test_talent_rows(header, cells, expected) -> None:
    row = data_rows(parsed([header, cells], kind="talents"))[0]
    assert row.ok, row.errors
    record = row.record
    assert (record["category"], record["is_team"], record["programme"], record["year"], record["high_end"],
            record.get("leader")) == expected


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (["甲团队", "甲公司", "火星计划", 2023], "人才计划", "人才计划「火星计划」无法识别"),
        (["甲团队", "甲公司", "珠江人才计划", ""], "年度", "缺少年度"),
        (["甲团队", "甲公司", "珠江人才计划", 2030], "年度", "年度2030不合理"),
    ],
)
def test_bad_talent_rows_are_rejected(cells, column, message) -> None:
    row = data_rows(parsed([["团队名称", "依托单位", "人才计划", "年度"], cells], kind="talents"))[0]
    assert any(e.column == column and message in e.message for e in row.errors), row.errors


def test_support_rows_read_amounts_in_the_columns_unit() -> None:
    rows = data_rows(parsed([["企业名称", "项目类别", "资助类型", "金额（元）", "拨付日期"],
                             ["甲公司", "研发费用后补助", "", "150,000", "2024-06-30"],
                             ["乙公司", "科技信贷风险补偿", "贷款贴息", 20000, "2024年6月"],
                             ["丙公司", "研发费用后补助", "", "-5", "2024-06-30"],
                             ["丁公司", "研发费用后补助", "捐赠", 1, "2024-06-30"]], kind="support"))
    first, second, negative, unknown = rows
    assert first.ok and (first.record["kind"], str(first.record["amount"]), first.record["granted_on"]) == (
        SupportKind.subsidy, "15.0000", dt.date(2024, 6, 30))
    assert second.ok and (second.record["kind"], str(second.record["amount"]), second.record["granted_on"]) == (
        SupportKind.loan, "2.0000", dt.date(2024, 6, 1))
    assert [(e.column, e.message) for e in negative.errors] == [("金额（元）", "「-5」不能为负数")]
    assert [e.column for e in unknown.errors] == ["资助类型"]


def test_a_csv_list_named_by_its_file() -> None:
    items = list(parse_workbook(csv_bytes([["序号", "企业名称", "统一社会信用代码"], [1, "甲", ""]], "gb18030"),
                                "2024年江门市瞪羚企业名单.csv", kind=None, today=TODAY))
    sheet = items[0]
    assert sheet.kind == "designations" and sheet.context.designation is DesignationKind.gazelle


@pytest.mark.parametrize(
    ("rows", "kind"),
    [
        # A list printed page by page repeats its header.
        ([*HITECH, [1, "甲公司", "GR202444001234"], ["序号", "企业名称", "证书编号"], [2, "乙公司", "GR202444001235"]],
         "designations"),
        # A county sheet: the code column's header, in any spelling.
        ([["企业名称", "统一社会信用代码", "年度", "营业收入"], ["甲公司", "91440783MA5W00001X", 2023, 1],
          ["企业名称", "社会信用代码", "年度", "营业收入"], ["乙公司", "91440783MA5W00002X", 2023, 1]], "figures"),
    ],
)
def test_a_repeated_header_row_is_skipped(rows, kind) -> None:
    found = data_rows(parsed(rows, kind=kind, issued_on=dt.date(2024, 12, 11)))
    assert [(r.row, r.reason) for r in found if isinstance(r, SkippedRow)] == [(len(rows) - 1, "重复的表头行")]
    assert len([r for r in found if isinstance(r, ParsedRow)]) == 2


def test_a_firm_named_like_nothing_in_the_header_is_a_row() -> None:
    rows = data_rows(parsed([*HITECH, [1, "企业", "GR202444001234"]], issued_on=dt.date(2024, 12, 11)))
    assert isinstance(rows[0], ParsedRow)
