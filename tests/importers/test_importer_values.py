"""Tables of cases for the one set of cell parsers (importers.values)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from importers.values import (
    parse_bool,
    parse_code,
    parse_date,
    parse_decimal,
    parse_int,
    parse_money,
    parse_number,
    parse_text,
    parse_year,
)

D = Decimal


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("—", None),
        ("-", None),
        ("/", None),
        ("无", None),
        ("0", D("0")),
        (0, D("0")),
        (12, D("12")),
        (1234.5, D("1234.5")),
        (0.1, D("0.1")),
        ("1,234.56", D("1234.56")),
        ("1，234.56", D("1234.56")),  # full-width comma
        ("１２３４.５", D("1234.5")),  # full-width digits
        ("１，２３４", D("1234")),
        (" 12 345 ", D("12345")),
        ("1 234 567.5", D("1234567.5")),
        ("1\u00a0234", D("1234")),  # no-break space, as French or Russian Excel groups digits
        ("1 234万元", D("1234")),
        ("-12.5", D("-12.5")),
        ("－12.5", D("-12.5")),  # full-width minus
        ("−7", D("-7")),  # U+2212 minus sign
        ("(123)", D("-123")),  # accounting negative
        ("（1,000）", D("-1000")),
        ("+3", D("3")),
        (".5", D("0.5")),
        ("12万元", D("12")),
        ("30人", D("30")),
        ("1.5E3", D("1500")),
        (D("2.50"), D("2.50")),
    ],
)
def test_parse_decimal(cell: object, expected: Decimal | None) -> None:
    assert parse_decimal(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("5%", D("0.05")), ("12.5 ％", D("0.125")), ("5", D("5")), ("0.05", D("0.05")), ("3‰", D("0.003"))],
)
def test_parse_decimal_ratio(cell: object, expected: Decimal) -> None:
    assert parse_decimal(cell, ratio=True) == expected


@pytest.mark.parametrize(
    "cell",
    ["abc", "12a", "1.2.3", "1-2", "NaN", "Infinity", "12,3,,4x", True, dt.date(2020, 1, 1), float("nan"), "5%"],
)
def test_parse_decimal_rejects_garbage(cell: object) -> None:
    with pytest.raises(ValueError) as info:
        parse_decimal(cell)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value)), "message must be Chinese"


@pytest.mark.parametrize(
    "cell",
    ["1,23", "12,34.5", "1,2345", "1.234,5", ",123", "1,,234", "1,234,56", "1，23万元", "(1,23)", "12,3"],
)
def test_a_comma_that_is_not_a_thousands_separator_is_refused(cell: str) -> None:
    # Dropping it would read "1,23" (meant 1.23) as 123, "1.234,5" as 1.2345: a silently
    # changed figure.
    with pytest.raises(ValueError, match="千位分隔符"):
        parse_number(cell)


@pytest.mark.parametrize("cell", ["12 34", "1 2345", "1 234 56", "12 34.5", "(12 34)", "1 23万元"])
def test_spaces_that_do_not_group_thousands_are_refused(cell: str) -> None:
    # "12 34" read as 1234 would be a guess: maybe 12.34, maybe two figures in one cell.
    with pytest.raises(ValueError, match="中的空格不是千位分隔符"):
        parse_number(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1,234", D("1234")), ("12,345,678.9", D("12345678.9")), ("-1,000", D("-1000")), ("123,456.", D("123456")),
     ("１，２３４，５６７", D("1234567")), ("（1,000）", D("-1000")), ("1,000万元", D("1000")),
     ("￥1,250.5", D("1250.5")), ("¥ 30万元", D("30"))],  # a currency sign before the amount
)
def test_thousands_separators_every_three_digits(cell: str, expected: Decimal) -> None:
    assert parse_number(cell)[0] == expected


def test_parse_number_reports_the_unit() -> None:
    assert parse_number("50,000元") == (D("50000"), "元")
    assert parse_number("") == (None, None)


@pytest.mark.parametrize(
    ("cell", "factor", "expected"),
    [
        (1234.5, D(1), D("1234.5000")),
        ("1,234.56789", D(1), D("1234.5679")),  # half up at 4 places
        (12345678, D("0.0001"), D("1234.5678")),  # column in 元
        ("50000元", D(1), D("5.0000")),  # the cell's own unit wins
        ("3亿元", D(1), D("30000.0000")),
        ("250千元", D(1), D("25.0000")),
        (1.5, D("10000"), D("15000.0000")),  # column in 亿元
        (0.30000000000000004, D(1), D("0.3000")),  # float noise of a formula
        ("-20.5", D(1), D("-20.5000")),
        ("", D(1), None),
        ("—", D("0.0001"), None),
    ],
)
def test_parse_money(cell: object, factor: Decimal, expected: Decimal | None) -> None:
    assert parse_money(cell, factor) == expected


@pytest.mark.parametrize("cell", ["12人", "1e30", 1e20])
def test_parse_money_rejects(cell: object) -> None:
    with pytest.raises(ValueError):
        parse_money(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(12, 12), (12.0, 12), ("12", 12), ("1,200", 1200), ("３０", 30), ("30人", 30), ("5个", 5), ("12.0", 12),
     ("", None), ("-", None), ("-3", -3)],
)
def test_parse_int(cell: object, expected: int | None) -> None:
    assert parse_int(cell) == expected


@pytest.mark.parametrize("cell", [12.5, "12.5", "三十", "30万元", "1e9"])
def test_parse_int_rejects(cell: object) -> None:
    with pytest.raises(ValueError):
        parse_int(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.date(2019, 5, 12), dt.date(2019, 5, 12)),
        (dt.datetime(2019, 5, 12, 8, 30), dt.date(2019, 5, 12)),
        (43597, dt.date(2019, 5, 12)),  # Excel serial
        (43597.0, dt.date(2019, 5, 12)),
        ("43597", dt.date(2019, 5, 12)),
        ("2019.5.12", dt.date(2019, 5, 12)),
        ("2019-05-12", dt.date(2019, 5, 12)),
        ("2019/5/12", dt.date(2019, 5, 12)),
        ("2019年5月12日", dt.date(2019, 5, 12)),
        ("2019 年 5 月 12 日", dt.date(2019, 5, 12)),
        ("２０１９年５月１２日", dt.date(2019, 5, 12)),
        ("20190512", dt.date(2019, 5, 12)),
        (20190512, dt.date(2019, 5, 12)),
        ("2019-05-12 00:00:00", dt.date(2019, 5, 12)),
        ("2019.05", dt.date(2019, 5, 1)),
        ("2019.10", dt.date(2019, 10, 1)),
        ("2019年5月", dt.date(2019, 5, 1)),
        ("2019-5", dt.date(2019, 5, 1)),
        (2019.05, dt.date(2019, 5, 1)),
        (2019.12, dt.date(2019, 12, 1)),
        ("", None),
        (None, None),
        ("—", None),
    ],
)
def test_parse_date(cell: object, expected: dt.date | None) -> None:
    assert parse_date(cell) == expected


@pytest.mark.parametrize(
    "cell",
    ["2019-02-30", "2019.13.1", "明年", "2019", 2019, "2019.1", 2019.1, "12/05/2019", True, -5, "2019.5.12.3"],
)
def test_parse_date_rejects(cell: object) -> None:
    with pytest.raises(ValueError) as info:
        parse_date(cell)
    assert "「" in str(info.value)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("√", True), ("×", False), ("yes", True),
     (1, True), (0, False), (True, True), ("规上", True), (" 是 ", True), ("", None), ("/", None)],
)
def test_parse_bool(cell: object, expected: bool | None) -> None:
    assert parse_bool(cell) == expected


@pytest.mark.parametrize("cell", ["也许", 2, "规模"])
def test_parse_bool_rejects(cell: object) -> None:
    with pytest.raises(ValueError):
        parse_bool(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(2023, 2023), (2023.0, 2023), ("2023", 2023), ("2023年", 2023), ("2023年度", 2023), ("２０２３年度", 2023),
     (" 2023 ", 2023), ("2023.0", 2023), ("", None)],
)
def test_parse_year(cell: object, expected: int | None) -> None:
    assert parse_year(cell) == expected


@pytest.mark.parametrize("cell", ["23", "二〇二三", 2023.5, "2023-01-01", dt.date(2023, 1, 1), 99999, "3023"])
def test_parse_year_rejects(cell: object) -> None:
    with pytest.raises(ValueError):
        parse_year(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("  江门  甲公司 ", "江门 甲公司"), (13800138000.0, "13800138000"), (dt.date(2020, 1, 2), "2020-01-02"),
     ("", None), ("\n", None)],
)
def test_parse_text(cell: object, expected: str | None) -> None:
    assert parse_text(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("gr 2023 4400 1234", "GR202344001234"), ("ＧＲ２０２３", "GR2023"), ("—", None), ("", None)],
)
def test_parse_code(cell: object, expected: str | None) -> None:
    assert parse_code(cell) == expected
