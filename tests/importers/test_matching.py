"""Which firm a list row names: code, exact name, normalised name, former name — and no
guess. A table of cases against a small index; the suggestions a person may pick from."""
from __future__ import annotations

import pytest

from crm.uscc import make_uscc
from importers.matching import FirmIndex, Suggestions, normalise_name, picks_from

A = make_uscc("91440783MA5000001")
B = make_uscc("91440703MA5000002")
C = make_uscc("91440705MA5000003")
D = make_uscc("91440705MA5000004")
E = make_uscc("91440781MA5000005")

FIRMS = [
    (1, A, "开平市甲科技有限公司", "440783"),
    (2, B, "江门乙（中国）电子有限公司", "440703"),
    (3, C, "新会丙 精密 制造有限公司", "440705"),
    # Two firms whose names differ only in bracket width: the same once normalised.
    (4, D, "新会丁(江门)实业有限公司", "440705"),
    (5, E, "新会丁（江门）实业有限公司", "440781"),
    (6, make_uscc("91440784MA5000006"), "鹤山戊123科技有限公司", "440784"),
]
FORMER = [(1, "开平市甲电子厂"), (2, "江门乙电子有限公司"), (6, "开平市甲电子厂（旧）")]


@pytest.fixture(scope="module")
def index() -> FirmIndex:
    return FirmIndex.build(FIRMS, FORMER)


@pytest.mark.parametrize(
    ("uscc", "name", "firm_id", "how"),
    [
        (None, "开平市甲科技有限公司", 1, "name"),  # exact
        (None, "开平市甲科技 有限公司", 1, "normalised"),  # a space
        (None, " 开平市甲科技有限公司\u3000", 1, "normalised"),  # surrounding and ideographic spaces
        (None, "江门乙(中国)电子有限公司", 2, "normalised"),  # half-width brackets for full-width
        (None, "新会丙精密制造有限公司", 3, "normalised"),  # the stored name has the spaces
        (None, "鹤山戊１２３科技有限公司", 6, "normalised"),  # full-width digits
        (None, "开平市甲电子厂", 1, "former"),  # a former name
        (None, "江门乙电子 有限公司", 2, "former"),  # a former name, normalised
        (A, None, 1, "code"),  # the code alone
        (A, "开平市甲科技有限公司", 1, "code"),
        (A, "开平市甲电子厂", 1, "code"),  # the code and the firm's former name agree
        (A, "某个改了名的公司", 1, "code"),  # a name the system does not know does not contradict the code
        (None, "新会丁(江门)实业有限公司", 4, "name"),  # the exact name decides before normalising
    ],
)
def test_a_row_names_its_firm(index: FirmIndex, uscc, name, firm_id, how) -> None:
    found = index.match(uscc, name)
    assert (found.firm.id if found.firm else None, found.how, found.problem) == (firm_id, how, None)


@pytest.mark.parametrize(
    ("uscc", "name", "problem"),
    [
        (None, "新会丁（江门） 实业有限公司", "与2家企业的名称相同"),  # two firms share the normalised name
        (None, "不存在的公司", "系统中没有名为「不存在的公司」的企业"),
        (None, "广州某某科技有限公司", "名称以外市地名开头，可能是外市企业"),
        (None, "开平市甲科技", "系统中没有名为「开平市甲科技」的企业"),  # a shorter name is not a match
        (make_uscc("91440783MA5000009"), "开平市甲科技有限公司", "系统中没有统一社会信用代码为"),
        (B, "开平市甲科技有限公司", "代码与名称指向不同的企业"),  # the code and the name disagree
        (None, None, "缺少企业名称或统一社会信用代码"),
    ],
)
def test_no_match_or_several_reject_the_row_naming_why(index: FirmIndex, uscc, name, problem) -> None:
    found = index.match(uscc, name)
    assert found.firm is None
    assert problem in (found.problem or "")


def test_a_former_name_two_firms_had_is_not_a_match(index: FirmIndex) -> None:
    shared = FirmIndex.build(FIRMS, [*FORMER, (3, "开平市甲电子厂")])
    found = shared.match(None, "开平市甲电子厂")
    assert found.firm is None and "2家企业的曾用名相同" in (found.problem or "")


def test_a_pick_stands_for_its_row_only(index: FirmIndex) -> None:
    assert index.match(None, "完全不同的名字", pick=3).firm.id == 3
    assert index.match(None, "完全不同的名字").firm is None
    assert "已不存在" in (index.match(None, "完全不同的名字", pick=999).problem or "")


def test_a_rename_in_the_batch_is_seen_by_later_rows() -> None:
    index = FirmIndex.build(FIRMS, FORMER)
    renamed = index.rename(index.by_id[1], "开平市甲新材料有限公司")
    assert index.match(None, "开平市甲新材料有限公司").firm == renamed
    assert index.match(None, "开平市甲科技有限公司").how == "former"
    assert index.match(None, "开平市甲电子厂").firm == renamed


@pytest.mark.parametrize(
    ("name", "normal"),
    [("江门乙（中国） 电子有限公司", "江门乙(中国)电子有限公司"), ("ＡＢＣ 科技", "ABC科技"), ("abc  d", "abcd"),
     ("\ufeff江门\u200b甲\u200d科技\u00ad有限公司", "江门甲科技有限公司")],  # copied from a web page
)
def test_normalise_name(name: str, normal: str) -> None:
    assert normalise_name(name) == normal


def test_every_invisible_format_character_is_dropped() -> None:
    import sys
    import unicodedata

    format_chars = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert len(format_chars) > 100
    assert normalise_name("甲" + "".join(format_chars) + "乙") == "甲乙"


def test_suggestions_are_close_names_of_the_district_only() -> None:
    index = FirmIndex.build(FIRMS, FORMER)
    suggest = Suggestions(index, common_share=1.0)
    names = [f.name for f in suggest.close_to("开平甲科技有限公司")]
    assert names and names[0] == "开平市甲科技有限公司"
    assert suggest.close_to("开平甲科技有限公司", district="440703") == []
    assert [f.id for f in suggest.close_to("新会丁江门实业公司", district="440781")] == [5]
    assert suggest.close_to("毫不相干") == []


def test_picks_as_stored_on_a_batch() -> None:
    assert picks_from({"Sheet1|5": 12, "名单|7": "3", "bad": 1, "S|x": 2}) == {("Sheet1", 5): 12, ("名单", 7): 3}
