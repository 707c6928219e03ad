"""Skip detection and row validation, as tables of cases."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from crm.uscc import make_uscc
from importers.headers import detect_header
from importers.readers import SourceRow
from importers.rows import ParsedRow, RowParser, SkippedRow, parse_row, record_key, skip_reason

TODAY = dt.date(2024, 6, 1)
KAIPING = make_uscc("91440783MA4W00011")
PENGJIANG = make_uscc("91440703MA4W00022")
CITY = make_uscc("91440700MA4W00033")  # registered by the city: names no district
GUANGZHOU = make_uscc("91440101MA4W00044")

HEADER = ["序号", "企业名称", "统一社会信用代码", "所属区县", "年度", "成立日期", "营业收入", "总收入",
          "研发费用", "境内研发费用", "高新技术产品（服务）收入", "净利润", "职工总数", "科技人员数",
          "研发人员", "Ⅰ类知识产权", "高企证书编号", "发证日期", "有效期至", "入库编号", "是否规上"]
LAYOUT = detect_header([SourceRow("S", 1, tuple(HEADER))])


def row(**cells: Any) -> SourceRow:
    """A data row by header text; 企业名称 and 统一社会信用代码 filled unless given."""
    values = {"序号": 1, "企业名称": "江门甲科技有限公司", "统一社会信用代码": KAIPING, "年度": 2023}
    values.update({k.replace("_", ""): v for k, v in cells.items()})
    return SourceRow("S", 9, tuple(values.get(h, "") for h in HEADER))


def parse(source: SourceRow, **kwargs: Any) -> ParsedRow:
    parsed = parse_row(source, LAYOUT, today=TODAY, **kwargs)
    assert isinstance(parsed, ParsedRow)
    return parsed


def messages(parsed: ParsedRow) -> list[tuple[str, str]]:
    return [(e.column, e.message) for e in parsed.errors]


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (("", "", ""), "空行"),
        ((None, "  ", "\u3000"), "空行"),
        ((7, "", ""), "空行（仅有序号）"),
        (("合计", "", 1234.5), "合计行（合计）"),
        (("", "合  计", 12), "合计行（合计）"),
        (("小计", 3), "合计行（小计）"),
        (("总计：", 3), "合计行（总计:）"),
        (("其中：高新技术企业", 3), "合计行（其中:高新技术企业）"),
        (("填表说明：1.金额单位为万元",), "说明行（填表说明:1.金额单）"),
        (("注：数据截至2023年底",), "说明行（注:数据截至2023）"),
        (("说明", ""), "说明行（说明）"),
        (("制表人：张三", "", "审核人：李四"), "说明行（制表人:张三）"),
        (("审核人：李四",), "说明行（审核人:李四）"),
        (("甲", "乙", 1, 2, 3, 4), "栏次行"),
        ((1, "江门甲科技有限公司", KAIPING), None),
        (("", "注塑科技有限公司", KAIPING), None),  # a name, not a note
        ((1, "甲公司", 2, 3), None),
        (("3", "", ""), "空行（仅有序号）"),
    ],
)
def test_skip_reason(cells: tuple[object, ...], reason: str | None) -> None:
    assert skip_reason(cells, seq_index=0) == reason


def test_skipped_rows_keep_their_row_number() -> None:
    skipped = parse_row(SourceRow("S", 42, ("合计", "", "", 5)), LAYOUT, today=TODAY)
    assert skipped == SkippedRow("S", 42, "合计行（合计）")


def test_repeated_header_row_is_skipped() -> None:
    assert isinstance(parse_row(SourceRow("S", 20, tuple(HEADER)), LAYOUT, today=TODAY), SkippedRow)


def test_a_good_row() -> None:
    parsed = parse(row(成立日期="2019年5月12日", 营业收入="１,２００", 研发费用=60.5, 境内研发费用="60.5",
                       职工总数="30人", 科技人员数=5, 高企证书编号="gr2022 4400 1234", 发证日期="2022-12-22",
                       是否规上="是", 统一社会信用代码=" " + KAIPING.lower()[:9] + " " + KAIPING.lower()[9:]))
    assert parsed.ok, parsed.errors
    assert parsed.record == {
        "name": "江门甲科技有限公司", "uscc": KAIPING, "year": 2023, "founded_on": dt.date(2019, 5, 12),
        "revenue": Decimal("1200.0000"), "rd_expense": Decimal("60.5000"), "rd_expense_domestic": Decimal("60.5000"),
        "employees": 30, "tech_staff": 5, "hitech_cert_no": "GR202244001234", "hitech_issued_on": dt.date(2022, 12, 22),
        "above_size": True, "district_code": "440783",
    }
    assert parsed.key == record_key(parsed.record) == (KAIPING, 2023)
    assert parsed.cells[2].strip().upper().replace(" ", "") == KAIPING  # original cells kept for the error report


def test_empty_cells_are_absent_not_zero() -> None:
    parsed = parse(row(营业收入="", 研发费用="—", 净利润=0))
    assert "revenue" not in parsed.record and "rd_expense" not in parsed.record
    assert parsed.record["net_profit"] == Decimal("0.0000")


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        ({"统一社会信用代码": KAIPING[:-1] + ("0" if KAIPING[-1] != "0" else "1")}, "统一社会信用代码", "校验位"),
        ({"统一社会信用代码": "91440783MA4W"}, "统一社会信用代码", "18位"),
        ({"统一社会信用代码": 9.14407830000001e17}, "统一社会信用代码", "存成了数字"),
        ({"统一社会信用代码": ""}, "统一社会信用代码", "不能为空"),
        ({"企业名称": ""}, "企业名称", "不能为空"),
        ({"企业名称": "/"}, "企业名称", "不能为空"),
        ({"营业收入": -5}, "营业收入", "不能为负数"),
        # A float cell is quoted as Excel shows it, not as Python's "-500.0".
        ({"营业收入": -500.0}, "营业收入", "「-500」不能为负数"),
        ({"职工总数": -3.0}, "职工总数", "「-3」不能为负数"),
        ({"研发费用": "(12)"}, "研发费用", "不能为负数"),
        ({"职工总数": "-3"}, "职工总数", "不能为负数"),
        ({"营业收入": "很多"}, "营业收入", "不是有效的数字"),
        ({"职工总数": 12.5}, "职工总数", "应为整数"),
        ({"职工总数": 10, "科技人员数": 11}, "科技人员数", "科技人员数（11）超过职工总数（10）"),
        ({"职工总数": 10, "研发人员": 12}, "研发人员", "研发人员数（12）超过职工总数（10）"),
        ({"研发费用": 10, "境内研发费用": 10.5}, "境内研发费用", "境内研发费用（10.5）超过研发费用（10）"),
        ({"营业收入": 100, "高新技术产品（服务）收入": 120}, "高新技术产品（服务）收入", "超过营业收入（100）"),
        ({"营业收入": 100, "总收入": 150, "高新技术产品（服务）收入": 160}, "高新技术产品（服务）收入", "超过总收入（150）"),
        ({"年度": 1999}, "年度", "年度1999不合理"),
        ({"年度": 2025}, "年度", "年度不能晚于2023年（只能填报已结束的年度）"),
        # The current fiscal year has not ended: the officer's form and the portal refuse it too.
        ({"年度": 2024}, "年度", "年度不能晚于2023年"),
        ({"年度": 2019, "成立日期": "2020-03-01"}, "年度", "年度不能早于企业成立年份（2020年）"),
        ({"年度": "明年"}, "年度", "不是有效的年份"),
        ({"成立日期": "2024-07-01"}, "成立日期", "晚于今天"),
        ({"成立日期": "2019-02-30"}, "成立日期", "不是有效的日期"),
        ({"所属区县": "蓬江区"}, "所属区县", "与统一社会信用代码登记地开平市（440783）不一致"),
        ({"所属区县": "广州市"}, "所属区县", "不是江门市的区（市）"),
        ({"统一社会信用代码": GUANGZHOU}, "所属区县", "无法确定所属区县"),
        ({"统一社会信用代码": CITY}, "所属区县", "无法确定所属区县"),
        ({"高企证书编号": "GR202244001234"}, "发证日期", "缺少发证日期"),
        ({"发证日期": "2022-12-22"}, "高企证书编号", "缺少证书编号"),
        ({"高企证书编号": "GR1", "发证日期": "2022-12-22", "有效期至": "2021-12-22"}, "有效期至", "早于发证日期"),
        ({"是否规上": "大概"}, "是否规上", "是"),
    ],
)
def test_row_errors(cells: dict[str, object], column: str, fragment: str) -> None:
    parsed = parse(row(**cells))
    assert not parsed.ok
    assert len(parsed.errors) == 1, parsed.errors
    error = parsed.errors[0]
    assert (error.sheet, error.row, error.column) == ("S", 9, column)
    assert fragment in error.message
    assert error.column_index == HEADER.index(column)
    assert error.as_dict() == {"sheet": "S", "row": 9, "column": column, "message": error.message}


FULL_WIDTH = str.maketrans("0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ")


@pytest.mark.parametrize(
    "cell",
    [
        KAIPING,
        KAIPING.lower(),
        f"{KAIPING[:6].lower()} {KAIPING[6:].lower()}",
        f" {KAIPING}\t",
        KAIPING.translate(FULL_WIDTH),  # full-width digits and letters (was a KeyError)
        KAIPING[:8].translate(FULL_WIDTH) + KAIPING[8:],
        f"{KAIPING[:6]}\u3000{KAIPING[6:]}",  # ideographic space
        f"{KAIPING[:4]}-{KAIPING[4:]}",
    ],
)
def test_codes_as_typed_give_the_canonical_code(cell: str) -> None:
    parsed = parse(row(统一社会信用代码=cell))
    assert parsed.ok, parsed.errors
    assert parsed.record["uscc"] == KAIPING


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        (KAIPING[:-1].lower() + ("0" if KAIPING[-1] != "0" else "1"), "校验位"),
        (KAIPING[:17].translate(FULL_WIDTH) + ("0" if KAIPING[-1] != "0" else "1"), "校验位"),
        (f"{KAIPING[:6]} {KAIPING[6:-1]}", "18位"),
        (KAIPING[:-1] + "I", "格式错误"),
    ],
)
def test_codes_as_typed_with_a_wrong_check_digit_or_length(cell: str, fragment: str) -> None:
    parsed = parse(row(统一社会信用代码=cell))
    assert [e.column for e in parsed.errors] == ["统一社会信用代码"]
    assert fragment in parsed.errors[0].message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("15", 15), ("007", 7), ("1234567", 1234567), (15.0, 15), ("１５", 15), (" 15 ", 15), ("15人", 15), ("0", 0)],
)
def test_counts_as_text(cell: object, expected: int) -> None:
    assert parse(row(职工总数=cell)).record["employees"] == expected


def test_a_row_lists_all_its_errors() -> None:
    parsed = parse(row(统一社会信用代码="91440783MA4W0001", 企业名称="", 营业收入=-1, 职工总数=3, 科技人员数=4,
                       成立日期="昨天"))
    assert [c for c, _m in messages(parsed)] == ["统一社会信用代码", "成立日期", "营业收入", "企业名称", "科技人员数"]


@pytest.mark.parametrize(
    ("district", "uscc", "default_district", "expected"),
    [
        ("", KAIPING, None, "440783"),  # the code's region wins when the column is empty
        ("开平", KAIPING, None, "440783"),
        ("开平市", KAIPING, "440703", "440783"),
        ("江门高新区", CITY, None, "440704"),  # a city-registered firm: the column decides
        ("鹤山市", CITY, None, "440784"),
        ("", CITY, "440705", "440705"),  # the batch's source district as a last resort
        ("", PENGJIANG, None, "440703"),
    ],
)
def test_district_resolution(district: str, uscc: str, default_district: str | None, expected: str) -> None:
    parsed = parse(row(所属区县=district, 统一社会信用代码=uscc), default_district=default_district)
    assert parsed.ok, parsed.errors
    assert parsed.record["district_code"] == expected
    assert "district" not in parsed.record


@pytest.mark.parametrize(
    ("column_year", "title_year", "default_year", "expected"),
    [(2022, 2023, 2021, 2022), ("", 2023, 2021, 2023), ("", None, 2021, 2021)],
)
def test_year_comes_from_column_then_title_then_default(
    column_year: object, title_year: int | None, default_year: int, expected: int
) -> None:
    layout = detect_header([SourceRow("S", 1, tuple(HEADER))])
    layout.year_hint = title_year
    parsed = RowParser(layout, default_year, today=TODAY).parse(row(年度=column_year))
    assert isinstance(parsed, ParsedRow) and parsed.ok
    assert parsed.record["year"] == expected


def test_missing_year_everywhere_is_an_error() -> None:
    layout = detect_header([SourceRow("S", 1, ("企业名称", "统一社会信用代码"))])
    parsed = RowParser(layout, today=TODAY).parse(SourceRow("S", 2, ("甲公司", KAIPING)))
    assert isinstance(parsed, ParsedRow)
    assert messages(parsed) == [("年度", "缺少年度：请在表中填写“年度”列，或在标题中写明“2023年度”，或导入时指定年度")]


def test_money_units_convert_to_wan_yuan() -> None:
    layout = detect_header([SourceRow("S", 1, ("企业名称", "统一社会信用代码", "年度", "营业收入（元）", "研发费用（亿元）"))])
    parsed = RowParser(layout, today=TODAY).parse(SourceRow("S", 2, ("甲", KAIPING, 2023, "12,345,678", 0.5)))
    assert isinstance(parsed, ParsedRow) and parsed.ok
    assert parsed.record["revenue"] == Decimal("1234.5678")
    assert parsed.record["rd_expense"] == Decimal("5000.0000")


def test_records_compare_by_value() -> None:
    a = parse(row(营业收入="1,200", 成立日期="2019.5.12"))
    b = parse(row(营业收入=1200.0, 成立日期=dt.date(2019, 5, 12)))
    c = parse(row(营业收入=1201))
    assert a.record == b.record
    assert a.record != c.record
    assert a.key == c.key


def test_negative_profit_and_net_assets_are_allowed() -> None:
    parsed = parse(row(净利润="-120.5"))
    assert parsed.ok and parsed.record["net_profit"] == Decimal("-120.5000")
