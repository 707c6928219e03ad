"""Text longer than its column: rejected by row validation on every database, as a table
of cases; and the duplicate firm-years a writer learns while it writes a file once."""
from __future__ import annotations

import datetime as dt

import pytest

from crm.models import Designation, Enterprise
from crm.models.lengths import max_length
from crm.uscc import make_uscc
from importers import parse_workbook
from importers.fields import FieldKind, field_set, field_sets
from importers.headers import detect_header
from importers.readers import SourceRow
from importers.rows import LIST_RESOLVED_TEXT_FIELDS, RESOLVED_TEXT_FIELDS, ParsedRow, parse_row, text_columns, text_limit
from importers.writer import FigureWriter
from tests.importers.helpers import xlsx_bytes

TODAY = dt.date(2024, 6, 1)
KAIPING = make_uscc("91440783MA4W00011")
HEADER = ["企业名称", "统一社会信用代码", "年度", "所在镇街", "地址", "联系人", "联系电话",
          "高新技术企业证书编号", "发证日期", "科技型中小企业入库编号"]
LAYOUT = detect_header([SourceRow("S", 1, tuple(HEADER))])


def parse(**cells: object) -> ParsedRow:
    values = {"企业名称": "江门甲科技有限公司", "统一社会信用代码": KAIPING, "年度": 2023, **cells}
    parsed = parse_row(SourceRow("S", 7, tuple(values.get(h, "") for h in HEADER)), LAYOUT, today=TODAY)
    assert isinstance(parsed, ParsedRow)
    return parsed


def test_limits_are_the_model_columns() -> None:
    assert {f: text_limit(f) for f in text_columns()} == {
        "name": max_length(Enterprise, "name"), "town": max_length(Enterprise, "town"),
        "address": max_length(Enterprise, "address"), "contact_person": max_length(Enterprise, "contact_person"),
        "contact_phone": max_length(Enterprise, "contact_phone"),
        "hitech_cert_no": max_length(Designation, "certificate_no"),
        "tech_sme_reg_no": max_length(Designation, "certificate_no"),
    }
    # Every text the importer may store has a limit; the others are resolved to codes.
    text_kinds = (FieldKind.TEXT, FieldKind.CODE, FieldKind.DISTRICT)
    figures = field_set("figures")
    assert {f for f, k in figures.kinds.items() if k in text_kinds} == set(text_columns()) | RESOLVED_TEXT_FIELDS
    for fields in field_sets().values():
        if fields.kind == "figures":
            continue
        texts = {f for f, k in fields.kinds.items() if k in text_kinds}
        assert texts == set(fields.text_columns) | (LIST_RESOLVED_TEXT_FIELDS & texts), fields.kind
        assert all(text_limit(f, fields) for f in fields.text_columns), fields.kind


@pytest.mark.parametrize(
    ("column", "model", "field", "extra"),
    [
        ("企业名称", Enterprise, "name", {}),
        ("所在镇街", Enterprise, "town", {}),
        ("地址", Enterprise, "address", {}),
        ("联系人", Enterprise, "contact_person", {}),
        ("联系电话", Enterprise, "contact_phone", {}),
        ("高新技术企业证书编号", Designation, "certificate_no", {"发证日期": "2022-12-22"}),
        ("科技型中小企业入库编号", Designation, "certificate_no", {}),
    ],
)
def test_text_at_the_limit_passes_and_one_more_character_rejects_the_row(column, model, field, extra) -> None:
    limit = max_length(model, field)
    assert limit is not None
    filler = "长" if model is Enterprise else "A"
    at_limit = parse(**{column: filler * limit, **extra})
    assert at_limit.ok, at_limit.errors

    too_long = parse(**{column: filler * (limit + 1), **extra})
    assert [(e.sheet, e.row, e.column, e.message) for e in too_long.errors] == [
        ("S", 7, column, f"不能超过{limit}个字符（现有{limit + 1}个）")
    ]
    assert too_long.errors[0].column_index == HEADER.index(column)


def test_every_too_long_cell_of_a_row_is_listed() -> None:
    parsed = parse(企业名称="名" * 201, 联系电话="1" * 51, 所在镇街="镇" * 60)
    assert [(e.column, e.message) for e in parsed.errors] == [
        ("企业名称", "不能超过200个字符（现有201个）"),
        ("所在镇街", "不能超过50个字符（现有60个）"),
        ("联系电话", "不能超过50个字符（现有51个）"),
    ]


def test_the_length_counts_the_stored_text_not_the_cell() -> None:
    # Surrounding spaces are stripped before storing, so they do not count.
    assert parse(联系电话="  " + "1" * 50 + "  ").ok


def test_the_message_is_chinese_for_an_english_user(app) -> None:
    with app.test_request_context("/?lang=en"):
        from flask_babel import get_locale, gettext

        assert str(get_locale()) == "en"
        assert gettext("不能超过%(max)s个字符（现有%(length)s个）", max=1, length=2) != "不能超过1个字符（现有2个）"
        parsed = parse(联系电话="1" * 51)
    assert parsed.errors[0].message == "不能超过50个字符（现有51个）"


U1, U2, U3 = (make_uscc(f"91440783MA4W0010{n}") for n in (1, 2, 3))
TOP = ["序号", "企业名称", "统一社会信用代码", "年度", "营业收入", "备注"]


@pytest.mark.parametrize(
    ("rows", "repeated", "conflicting"),
    [
        # No firm-year twice.
        ([[1, "甲", U1, 2023, 10, ""], [2, "乙", U2, 2023, 20, ""]], None, None),
        # Same firm in two years: not a duplicate.
        ([[1, "甲", U1, 2023, 10, ""], [2, "甲", U1, 2022, 20, ""]], None, None),
        # Identical cells (序号 and 备注 are not imported, so they may differ): the repeat is unchanged.
        ([[1, "甲", U1, 2023, 10, ""], [2, "甲", U1, 2023, 10, "重复"]], None, None),
        # A spaced lower-case code is the same firm; its cells differ, so the rows are compared
        # once parsed, in a second writing (they turn out identical: see test_import_rows_rejected_whole).
        ([[1, "甲", U1, 2023, 10, ""], [2, "甲", f"{U1[:6].lower()} {U1[6:]}", 2023, 10, ""]],
         {(U1, 2023)}, {(U1, 2023)}),
        # Different figures: written again with the firm-year's rows held back.
        ([[1, "甲", U1, 2023, 10, ""], [2, "甲", U1, 2023, 11, ""]], {(U1, 2023)}, {(U1, 2023)}),
        # Two identical, a third different.
        ([[1, "甲", U1, 2023, 10, ""], [2, "甲", U1, 2023, 10, ""], [3, "甲", U1, 2023, 12, ""]],
         {(U1, 2023)}, {(U1, 2023)}),
        # Totals and blank rows are not data; an unreadable code is not a firm-year.
        ([[1, "甲", U1, 2023, 10, ""], ["合计", "", "", "", 10, ""], [], [2, "乙", "12345", 2023, 1, ""],
          [3, "丙", "12345", 2023, 2, ""]], None, None),
        ([[1, "甲", U1, 2023, 10, ""], [2, "丙", U3, 2023, 1, ""], [3, "甲", U1, 2023, 10, ""],
          [4, "丙", U3, 2023, 2, ""]], {(U1, 2023), (U3, 2023)}, {(U3, 2023)}),
    ],
)
def test_duplicates_learnt_while_writing(app, rows, repeated, conflicting) -> None:
    from crm.extensions import db

    writer = FigureWriter(db.session.connection())
    writer.run(parse_workbook(xlsx_bytes([TOP, *rows]), "x.xlsx", today=TODAY))
    if repeated is None:
        assert writer.replay is None
    else:
        assert writer.replay is not None
        assert writer.replay.repeated == {hash(k) for k in repeated}
        assert writer.replay.conflicting == {hash(k) for k in conflicting}
    db.session.rollback()


def test_rows_of_two_sheets_that_parse_alike_are_one_record(app) -> None:
    from crm.imports.services import import_file

    data = xlsx_bytes(
        [["2023年度统计表"], TOP[:3] + TOP[4:], [1, "甲", U1, 10, ""]], title="一",
        extra_sheets={"二": [TOP, [1, "甲", U1, 2023, 10, ""]]},
    )
    # Different columns on the two sheets, the same record once parsed: the repeat is unchanged.
    result = import_file(data, "x.xlsx", kind="figures")
    assert (result.rows, result.created, result.unchanged, result.rejected) == (2, 1, 1, 0)
