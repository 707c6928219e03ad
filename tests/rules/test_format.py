"""How numbers read in messages: rounded only for display, never misleadingly."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crm.rules import _format as fmt
from crm.rules.result import Bound
from tests.rules.builders import D


@pytest.mark.parametrize(
    "value, text",
    [("1.2", "1.2"), ("1.20", "1.2"), ("5000", "5,000"), ("5000.0001", "5,000"), ("20000.5", "20,000.5"),
     ("0.125", "0.13"), ("-20", "-20"), ("0", "0"), ("-0.001", "0"), ("1234567.891", "1,234,567.89")],
)
def test_money(value: str, text: str) -> None:
    assert fmt.money(D(value)) == text


@pytest.mark.parametrize("value, text", [("0.001", "0.01"), ("2.999", "3"), ("3", "3"), ("0.1", "0.1")])
def test_gap_money_rounds_up(value: str, text: str) -> None:
    assert fmt.gap_money(D(value)) == text


@pytest.mark.parametrize(
    "ratio, text",
    [("0.0498", "4.98%"), ("0.04999", "4.99%"), ("0.05", "5.00%"), ("0.1", "10.00%"), ("0", "0.00%"),
     ("-0.00001", "-0.01%"), ("1.5", "150.00%")],
)
def test_percent_truncates(ratio: str, text: str) -> None:
    assert fmt.percent(D(ratio)) == text


@pytest.mark.parametrize(
    "ratio, text", [("0.05", "5%"), ("0.035", "3.5%"), ("0.60", "60%"), ("0.1", "10%"), ("0", "0%")],
)
def test_threshold_percent(ratio: str, text: str) -> None:
    assert fmt.threshold_percent(D(ratio)) == text


def test_day_and_count() -> None:
    assert fmt.day(date(2026, 5, 31)) == "2026年5月31日"
    assert fmt.count(12) == "12" and fmt.count(D("3.0")) == "3"


@pytest.mark.parametrize("bound, value, unit, text", [
    (Bound.minimum, Decimal("0.05"), "%", "要求 5%"),
    (Bound.minimum, 0.035, "%", "要求 3.5%"),
    (Bound.maximum, 500, "人", "上限 500 人"),
    (Bound.maximum, Decimal("20000"), "万元", "上限 20,000 万元"),
    (Bound.founded_at_least, 1, "年", "成立满 1 年"),
    (Bound.founded_at_most, 10, "年", "成立不超过 10 年"),
])
def test_requirement_words_each_bound(bound: Bound, value: object, unit: str, text: str) -> None:
    assert fmt.requirement(bound, value, unit) == text
