"""What a list's cells say, read without a database: certificate and registration numbers,
dates given as a month or a year, validity, places, and the words for kinds, as tables."""
from __future__ import annotations

import datetime as dt

import pytest

from crm.models.designation import DesignationKind
from crm.models.platform import PlatformKind, PlatformLevel
from importers.lists import (
    Place,
    designation_kind_of,
    number_pattern,
    parse_hitech_number,
    parse_list_date,
    parse_tech_sme_number,
    parse_validity,
    resolve_place,
    title_date,
    validity_end,
)


@pytest.mark.parametrize(
    ("cell", "number", "year"),
    [
        ("GR202344001234", "GR202344001234", 2023),
        ("gr202344001234", "GR202344001234", 2023),  # lower case
        (" GR 2023 44 001234 ", "GR202344001234", 2023),  # spaced
        ("ＧＲ２０２３４４００１２３４", "GR202344001234", 2023),  # full-width
        ("GR201944000001", "GR201944000001", 2019),
    ],
)
def test_hitech_numbers_are_read_in_any_case_spacing_and_width(cell: str, number: str, year: int) -> None:
    read = parse_hitech_number(cell)
    assert (read.number, read.year) == (number, year)


@pytest.mark.parametrize(
    "cell",
    ["GR20234400123", "GR2023440012345", "GF202344001234", "202344001234", "GR2023A4001234", "GR189944001234", ""],
)
def test_malformed_hitech_numbers_are_refused_with_the_pattern(cell: str) -> None:
    with pytest.raises(ValueError, match="不是高新技术企业证书编号（应为GR\\+4位年份"):
        parse_hitech_number(cell)


@pytest.mark.parametrize(
    ("cell", "number", "year", "region", "district", "in_jiangmen"),
    [
        ("2024440783A0000456", "2024440783A0000456", 2024, "440783", "440783", True),
        ("2024440783a0000456", "2024440783A0000456", 2024, "440783", "440783", True),  # lower-case letter
        ("2024 440703 A 0000457", "2024440703A0000457", 2024, "440703", "440703", True),  # spaced
        ("２０２３４４０７００Ｂ０００１２３４", "2023440700B0001234", 2023, "440700", None, True),  # the city's own code
        ("2024440106A0000001", "2024440106A0000001", 2024, "440106", None, False),  # Guangzhou
    ],
)
def test_tech_sme_numbers_give_their_year_and_region(cell, number, year, region, district, in_jiangmen) -> None:
    read = parse_tech_sme_number(cell)
    assert (read.number, read.year, read.region, read.district, read.in_jiangmen) == (
        number, year, region, district, in_jiangmen)


@pytest.mark.parametrize("cell", ["2024440783-0000456", "202444078A0000456", "2024440783AB000456", "1999440783A0000456",
                                  "GR202344001234", "2024440783A12"])
def test_malformed_tech_sme_numbers_are_refused_with_the_pattern(cell: str) -> None:
    with pytest.raises(ValueError, match="入库登记编号「.*」格式不正确"):
        parse_tech_sme_number(cell)


@pytest.mark.parametrize(
    ("cells", "kind"),
    [
        (["GR202344001234", "gr202344001235", ""], DesignationKind.hitech),
        (["2024440783A0000456", None, "2024440106A0000001"], DesignationKind.tech_sme),
        (["GR202344001234", "2024440783A0000456"], None),  # mixed: the numbers do not decide
        (["GR202344001234", "粤科函〔2023〕12号"], None),  # half of them: not the column's pattern
        ([*(f"GR2023440012{i:02}" for i in range(9)), "GR2023440012"], DesignationKind.hitech),  # one mistyped
        ([*(f"GR2023440012{i:02}" for i in range(9)), "2024440783A0000456"], None),  # one of the other kind
        ([], None),
    ],
)
def test_the_numbers_of_a_column_tell_the_designation_kind(cells, kind) -> None:
    assert number_pattern(cells) is kind


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        ("2024-12-11", dt.date(2024, 12, 11)),
        ("2024年12月11日", dt.date(2024, 12, 11)),
        ("2024年12月", dt.date(2024, 12, 1)),
        ("2024.12", dt.date(2024, 12, 1)),
        ("2024年", dt.date(2024, 1, 1)),
        ("2024年度", dt.date(2024, 1, 1)),
        (2024, dt.date(2024, 1, 1)),
        (2024.0, dt.date(2024, 1, 1)),
        (dt.datetime(2024, 12, 11, 0, 0), dt.date(2024, 12, 11)),
        ("", None),
    ],
)
def test_list_dates_may_be_a_month_or_a_year(cell, day) -> None:
    assert parse_list_date(cell) == day


@pytest.mark.parametrize("cell", ["2024年13月", "去年", "12/2024/11"])
def test_list_dates_that_are_not_dates_are_refused(cell) -> None:
    with pytest.raises(ValueError):
        parse_list_date(cell)


@pytest.mark.parametrize(
    ("cell", "start", "end"),
    [
        ("2026-12-31", dt.date(2023, 12, 1), dt.date(2026, 12, 31)),
        ("3年", dt.date(2023, 12, 1), dt.date(2026, 11, 30)),
        ("2023.12-2026.11", None, dt.date(2026, 11, 30)),  # a month: to its last day
        ("2026年2月", None, dt.date(2026, 2, 28)),
        ("2025年12月", None, dt.date(2025, 12, 31)),
        ("2023年12月至2026年12月31日", None, dt.date(2026, 12, 31)),
        ("2021-2025", None, dt.date(2025, 12, 31)),
        ("至2026年", None, dt.date(2026, 12, 31)),
        (None, dt.date(2023, 1, 1), None),
    ],
)
def test_validity_is_an_end_date_a_range_or_a_length(cell, start, end) -> None:
    assert parse_validity(cell, start) == end


def test_a_validity_length_needs_a_start() -> None:
    with pytest.raises(ValueError, match="没有认定日期"):
        parse_validity("3年", None)


@pytest.mark.parametrize(
    ("start", "years", "end"),
    [
        (dt.date(2024, 7, 15), 1, dt.date(2024, 12, 31)),  # a yearly list: to the end of its year
        (dt.date(2024, 7, 15), 3, dt.date(2027, 7, 14)),  # three years less a day
        (dt.date(2024, 1, 1), 3, dt.date(2026, 12, 31)),
        (dt.date(2024, 2, 29), 3, dt.date(2027, 2, 28)),
    ],
)
def test_validity_end_by_the_years_a_kind_runs(start, years, end) -> None:
    assert validity_end(start, years) == end


@pytest.mark.parametrize(
    ("texts", "day"),
    [
        (["关于公布广东省2023年第一批高新技术企业名单的通知", "发证日期：2023年12月28日"], dt.date(2023, 12, 28)),
        (["（发证时间为2024-12-11）"], dt.date(2024, 12, 11)),
        (["2024年6月30日拨付"], dt.date(2024, 6, 30)),
        # The issue date, not the day it was published, wherever each is written.
        (["2024年1月5日公告", "发证日期：2023年12月28日"], dt.date(2023, 12, 28)),
        (["公布日期：2024年1月5日（发证日期2023年12月28日）"], dt.date(2023, 12, 28)),
        (["公告日期：2024年1月5日"], dt.date(2024, 1, 5)),
        (["广东省2023年第一批高新技术企业备案名单"], None),
    ],
)
def test_the_announcement_date_in_a_title(texts, day) -> None:
    assert title_date(texts) == day


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("江门市", Place()),
        ("江门", Place()),
        ("开平市", Place(district="440783")),
        ("蓬江区", Place(district="440703")),
        ("广州市", Place(other_city="广州市")),
        ("深圳", Place(other_city="深圳市")),
        ("长沙市", Place(other_city="长沙市")),
        ("火星", None),
    ],
)
def test_places_in_a_province_wide_list(text, place) -> None:
    assert resolve_place(text) == place


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("广东省2023年第一批高新技术企业备案名单", DesignationKind.hitech),
        ("2024年江门市高新技术企业培育库入库企业名单", DesignationKind.hitech_reserve),
        ("2024年第三批入库科技型中小企业名单", DesignationKind.tech_sme),
        ("2023年度广东省专精特新中小企业名单", DesignationKind.srdi_sme),
        ("第五批专精特新“小巨人”企业名单", DesignationKind.little_giant),
        ("2024年创新型中小企业名单", DesignationKind.innovative_sme),
        ("江门市2024年瞪羚企业名单", DesignationKind.gazelle),
        ("“金种子”企业入库名单", DesignationKind.golden_seed),
        ("srdi_sme", DesignationKind.srdi_sme),
        ("2024年度扶持资金", None),
        # Candidates, a reserve or a public notice before the decision: no designation yet.
        ("2024年拟认定高新技术企业名单", None),
        ("江门市专精特新中小企业培育名单", None),
        ("瞪羚企业后备库名单", None),
        ("2024年瞪羚企业候选名单公示", None),
        ("高企培育", DesignationKind.hitech_reserve),
    ],
)
def test_designation_kinds_named_by_titles(title, kind) -> None:
    assert designation_kind_of(title) is kind


def test_platform_words() -> None:
    from importers.lists import LEVEL_CELL_WORDS, PLATFORM_KIND_WORDS, _first_word

    assert _first_word("广东省工程技术研究中心", PLATFORM_KIND_WORDS) is PlatformKind.engineering_center
    assert _first_word("省级", LEVEL_CELL_WORDS) is PlatformLevel.provincial
    assert _first_word("市", LEVEL_CELL_WORDS) is PlatformLevel.municipal
