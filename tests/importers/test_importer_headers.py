"""Header normalisation, the alias table, header detection and the user's overrides."""
from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal

import pytest

from importers.fields import ALL_FIELDS, FIELD_LABELS
from importers.headers import (
    ALIASES_PATH,
    HeaderNotFound,
    alias_table,
    apply_mapping_override,
    column_letter,
    detect_header,
    field_for_header,
    normalize_header,
)
from importers.readers import SourceRow


def rows_of(*rows: Sequence[object], first: int = 1) -> list[SourceRow]:
    return [SourceRow("S", first + i, tuple(r)) for i, r in enumerate(rows)]


def mapping(layout) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    return {c.header_text: c.field for c in layout.columns}


@pytest.mark.parametrize(
    ("text", "key", "unit"),
    [
        ("营业收入（万元）", "营业收入", "万元"),
        ("营业收入(元)", "营业收入", "元"),
        ("研发费用\n（单位：千元）", "研发费用", "千元"),
        ("资产总额【亿元】", "资产总额", "亿元"),
        ("职工人数（人）", "职工人数", "人"),
        ("Ⅰ类知识产权（个）", "i类知识产权", "个"),
        ("Ⅱ类知识产权", "ii类知识产权", None),
        ("研发费用占比(%)", "研发费用占比", "%"),
        ("R&D 经费/万元", "r&d经费", "万元"),
        ("企业（单位）名称", "企业(单位)名称", None),
        ("＊企业名称：", "企业名称", None),
        (" 统 一 社 会\n信用代码 ", "统一社会信用代码", None),
        ("【备注】", "备注", None),
        ("万元", "", "万元"),
        ("（万元）", "", "万元"),
        ("", "", None),
        (None, "", None),
    ],
)
def test_normalize_header(text: object, key: str, unit: str | None) -> None:
    assert normalize_header(text) == (key, unit)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("企业名称", "name"), ("单位名称", "name"), ("企业（单位）名称", "name"), ("企业(单位)名称", "name"),
        ("统一社会信用代码", "uscc"), ("社会信用代码", "uscc"), ("信用代码", "uscc"), ("组织机构代码", "uscc"),
        ("纳税人识别号", "uscc"),
        ("所属区县", "district"), ("所在区", "district"), ("区（市）", "district"),
        ("所在镇街", "town"), ("镇（街）", "town"), ("园区", "town"),
        ("成立日期", "founded_on"), ("成立时间", "founded_on"), ("注册日期", "founded_on"), ("注册时间", "founded_on"),
        ("营业收入", "revenue"), ("销售收入（万元）", "revenue"), ("主营业务收入", "main_revenue"), ("年销售收入", "revenue"),
        ("总收入", "total_revenue"), ("收入总额", "total_revenue"),
        ("研发费用", "rd_expense"), ("研发投入", "rd_expense"), ("R&D经费", "rd_expense"), ("r&d 经费", "rd_expense"),
        ("研究开发费用", "rd_expense"), ("研发经费支出", "rd_expense"),
        ("境内研发费用", "rd_expense_domestic"), ("在中国境内发生的研发费用", "rd_expense_domestic"),
        ("高新技术产品（服务）收入", "hitech_revenue"), ("高品收入", "hitech_revenue"),
        ("资产总额", "total_assets"), ("总资产", "total_assets"),
        ("净资产", "net_assets"), ("所有者权益", "net_assets"), ("净利润", "net_profit"),
        ("成本费用总额", "total_costs"), ("总成本", "total_costs"),
        ("职工总数", "employees"), ("从业人员", "employees"), ("职工人数", "employees"), ("年末从业人员", "employees"),
        ("科技人员数", "tech_staff"), ("科技人员", "tech_staff"),
        ("研发人员", "rd_staff"), ("研究开发人员", "rd_staff"),
        ("Ⅰ类知识产权", "ip_class1"), ("一类知识产权", "ip_class1"), ("I类知识产权数", "ip_class1"),
        ("Ⅰ类知识产权（件）", "ip_class1"),
        ("Ⅱ类知识产权", "ip_class2"), ("二类知识产权", "ip_class2"), ("II类知识产权数", "ip_class2"),
        ("是否规上", "above_size"), ("规模以上", "above_size"),
        ("高企证书编号", "hitech_cert_no"), ("高新技术企业证书编号", "hitech_cert_no"),
        ("发证日期", "hitech_issued_on"), ("认定时间", "hitech_issued_on"),
        ("入库编号", "tech_sme_reg_no"), ("科技型中小企业入库登记编号", "tech_sme_reg_no"),
        ("年度", "year"), ("统计年度", "year"), ("报告年度", "year"),
        ("序号", "seq"), ("备注", "remarks"),
        ("1.营业收入", "revenue"), ("其中：境内研发费用", "rd_expense_domestic"),
        ("所在镇街", "town"), ("联系电话", "contact_phone"), ("联系人", "contact_person"),
        ("uscc", "uscc"),  # this system's own export
        ("公司规模", None), ("", None),
    ],
)
def test_field_for_header(header: str, field: str | None) -> None:
    assert field_for_header(header) == field


def test_alias_table_is_consistent_data() -> None:
    fields_in = {}
    for path in (ALIASES_PATH, ALIASES_PATH.with_name("common.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            fields_in[path.name] = {line["field"] for line in csv.DictReader(handle)}
    # The figure sheet's own spellings, plus the shared ones (code, name's district, 序号, 备注).
    assert fields_in["figures.csv"] | (fields_in["common.csv"] & set(ALL_FIELDS)) == set(ALL_FIELDS)
    table = alias_table()
    for field, label in FIELD_LABELS.items():
        assert field_for_header(label) == field
    assert len(table) > 250


@pytest.mark.parametrize("kind", ["designations", "renames", "platforms", "talents", "support"])
def test_every_list_kind_reads_its_own_labels_and_the_shared_spellings(kind: str) -> None:
    from importers.fields import field_set

    fields = field_set(kind)
    for field, label in fields.labels.items():
        assert field_for_header(label, fields) == field, (kind, label)
    assert field_for_header("社会信用代码", fields) == "uscc"
    assert field_for_header("所属地市", fields) == "city"
    # A spelling of another kind's field is not this kind's.
    assert field_for_header("研发费用", fields) is None


def test_single_header_below_title_and_notes() -> None:
    layout = detect_header(rows_of(
        ["开平市2023年度科技型企业统计表", "", "", ""],
        ["填报单位：开平市科技局", "", "单位：万元", ""],
        ["序号", "企业名称", "统一社会信用代码", "研发费用", "神秘列"],
        [1, "甲", "x", 1],
    ))
    assert layout.header_rows == (3,)
    assert layout.first_data_row == 4
    assert layout.year_hint == 2023
    assert layout.sheet_unit == "万元"
    assert mapping(layout) == {"序号": "seq", "企业名称": "name", "统一社会信用代码": "uscc", "研发费用": "rd_expense",
                               "神秘列": None}
    assert layout.unknown == ["神秘列"]
    assert layout.missing_required == []


def test_group_row_over_subheaders_with_merged_cells() -> None:
    rows = rows_of(
        ["企业名称", "统一社会信用代码", "研发费用", "", "高品收入（元）"],
        ["", "", "合计", "其中：境内", ""],
        ["甲", "x", 10, 8, 100],
        first=5,
    )
    merged = [((4, 0), (5, 0)), ((4, 1), (5, 1)), ((4, 2), (4, 3)), ((4, 4), (5, 4))]
    layout = detect_header(rows, "Sheet1", merged)
    assert layout.header_rows == (5, 6)
    assert layout.first_data_row == 7
    assert mapping(layout) == {
        "企业名称": "name", "统一社会信用代码": "uscc", "研发费用/合计": "rd_expense",
        "研发费用/其中：境内": "rd_expense_domestic", "高品收入（元）": "hitech_revenue",
    }
    assert layout.column_for("hitech_revenue").unit_factor == Decimal("0.0001")  # type: ignore[union-attr]


def test_group_row_in_csv_without_merge_information() -> None:
    layout = detect_header(rows_of(
        ["企业名称", "统一社会信用代码", "研发费用", "", "职工人数"],
        ["", "", "合计", "其中：境内", ""],
        ["甲", "x", 10, 8, 5],
    ))
    assert layout.header_rows == (1, 2)
    assert [c.field for c in layout.columns] == ["name", "uscc", "rd_expense", "rd_expense_domestic", "employees"]


def test_group_row_above_the_field_row() -> None:
    layout = detect_header(rows_of(
        ["", "", "", ""],
        ["企业名称", "统一社会信用代码", "经营情况", "", "", "研发情况", ""],
        ["", "", "营业收入", "净利润", "总资产", "研发费用", "研发人员"],
        ["甲", "x", 1, 2, 3, 4, 5],
    ))
    assert layout.header_rows == (2, 3)
    assert [c.field for c in layout.columns] == [
        "name", "uscc", "revenue", "net_profit", "total_assets", "rd_expense", "rd_staff"]


def test_units_row_under_the_header() -> None:
    layout = detect_header(rows_of(
        ["企业名称", "统一社会信用代码", "营业收入", "研发费用", "职工人数"],
        ["", "", "元", "（千元）", "人"],
        ["甲", "x", 10000, 8, 5],
    ))
    assert layout.header_rows == (1, 2)
    factors = {c.field: c.unit_factor for c in layout.columns}
    assert factors["revenue"] == Decimal("0.0001")
    assert factors["rd_expense"] == Decimal("0.1")
    assert factors["employees"] == Decimal(1)


def test_data_row_is_not_taken_for_a_subheader() -> None:
    layout = detect_header(rows_of(
        ["企业名称", "统一社会信用代码", "所在镇街"],
        ["江门甲科技有限公司", "", "水口镇"],
    ))
    assert layout.header_rows == (1,)


@pytest.mark.parametrize(
    ("unit_note", "header", "factor"),
    [("单位：元", "营业收入", Decimal("0.0001")), ("金额单位：亿元", "营业收入", Decimal(10000)),
     ("单位：元", "营业收入（万元）", Decimal(1)), ("", "营业收入", Decimal(1))],
)
def test_sheet_unit_applies_to_money_columns_without_their_own(unit_note: str, header: str, factor: Decimal) -> None:
    layout = detect_header(rows_of([unit_note], ["企业名称", "统一社会信用代码", header, "职工人数"]))
    assert layout.column_for("revenue").unit_factor == factor  # type: ignore[union-attr]
    assert layout.column_for("employees").unit_factor == Decimal(1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("title", "sheet", "year"),
    [
        ("开平市2023年度科技型企业统计表", "Sheet1", 2023),
        ("2022年科技型企业名单", "Sheet1", 2022),
        ("科技企业统计表（填报日期：2024年3月1日）", "2023", 2023),  # a date is not the fiscal year
        ("科技企业统计表", "2021年度", 2021),
        ("科技企业统计表", "Sheet1", None),
    ],
)
def test_year_hint(title: str, sheet: str, year: int | None) -> None:
    layout = detect_header(rows_of([title], ["企业名称", "统一社会信用代码", "研发费用"]), sheet)
    assert layout.year_hint == year


def test_first_column_of_a_field_wins_and_the_other_is_reported() -> None:
    layout = detect_header(rows_of(["企业名称", "统一社会信用代码", "营业收入", "销售收入"]))
    assert mapping(layout)["销售收入"] is None
    assert layout.duplicates == ["销售收入"]


@pytest.mark.parametrize(
    "rows",
    [
        [["填表说明"], ["1. 请如实填写"]],
        [["区县", "高企数量"], ["开平", 12]],
        [["营业收入", "研发费用", "职工人数"]],  # fields, but no way to tell which firm
        [],
    ],
)
def test_no_header(rows: list[list[object]]) -> None:
    with pytest.raises(HeaderNotFound):
        detect_header(rows_of(*rows))


def test_missing_required_columns_are_named() -> None:
    layout = detect_header(rows_of(["企业名称", "研发费用", "职工人数"]))
    assert layout.missing_required == ["uscc", "year"]


def test_mapping_override_by_index_and_by_header_text() -> None:
    layout = detect_header(rows_of(["企业名称", "代码", "收入（元）", "销售收入", "备用"]))
    assert mapping(layout)["代码"] is None
    fixed = apply_mapping_override(layout, {1: "uscc", "收入（元）": "revenue", "销售收入": None, 6: "year"})
    assert [(c.index, c.field) for c in fixed.columns] == [
        (0, "name"), (1, "uscc"), (2, "revenue"), (3, None), (4, None), (6, "year")]
    assert fixed.column_for("revenue").unit_factor == Decimal("0.0001")  # type: ignore[union-attr]
    assert fixed.columns[-1].header_text == "第G列"
    assert fixed.unknown == ["备用"]
    assert mapping(layout)["代码"] is None  # the detected layout is untouched


def test_override_moves_a_field_away_from_the_detected_column() -> None:
    layout = detect_header(rows_of(["企业名称", "统一社会信用代码", "营业收入", "主营业务收入"]))
    fixed = apply_mapping_override(layout, {"主营业务收入": "revenue"})
    assert fixed.column_for("revenue").header_text == "主营业务收入"  # type: ignore[union-attr]


def test_override_rejects_unknown_fields_and_ignores_stale_keys() -> None:
    layout = detect_header(rows_of(["企业名称", "统一社会信用代码"]))
    with pytest.raises(ValueError, match="未知的字段"):
        apply_mapping_override(layout, {0: "company"})
    assert mapping(apply_mapping_override(layout, {"不存在的列": "year"})) == mapping(layout)


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letter(index: int, letters: str) -> None:
    assert column_letter(index) == letters
