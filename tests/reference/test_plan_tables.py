"""plan_targets.csv against the plans' own indicator tables, row for row.

The tables are read from the plan texts in ../shared/plans/ (the originals the CSV was
transcribed from): every row of each table must be in the CSV, in table order, with the
same name, unit and numbers. The few deliberate deviations are documented in
crm/reference/README.md and in each row's `notes`; they are checked as such here.
"""
from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CSV_PATH = ROOT / "crm" / "reference" / "plan_targets.csv"
PLANS = ROOT.parent / "shared" / "plans"
TEXT_CATEGORY = "正文（非表2）"
NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)(.*)$")

pytestmark = pytest.mark.skipif(not PLANS.is_dir(), reason=f"plan texts not found in {PLANS}")


def _lines(name: str) -> list[str]:
    path = next(PLANS.glob(f"{name}_*.txt"))
    return path.read_text(encoding="utf-8").splitlines()


def _cell_table(lines: list[str], title: str) -> list[list[str]]:
    """Rows of a table flattened one cell per line: a cell starts with a tab, a line without
    one continues the cell above (a name broken over lines), a blank line ends the row."""
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(title)) + 1
    rows: list[list[str]] = []
    current: list[str] = []
    for line in lines[start:]:
        if not line.strip() and not line.startswith("\t"):
            if current:
                rows.append(current)
                current = []
            continue
        if line.startswith("\t"):
            current.append(line[1:].strip())
        elif current:
            current[-1] += line.strip()
        else:
            break  # first text after the table
    if current:
        rows.append(current)
    return rows[1:]  # without the header row


def _value(cell: str) -> Decimal | None:
    match = NUMBER.match(cell.strip().rstrip("%"))
    return Decimal(match.group(1)) if match else None


def _num(text: str) -> Decimal | None:
    return Decimal(text) if text else None


@pytest.fixture(scope="module")
def csv_rows() -> dict[str, list[dict[str, str]]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_plan: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row["category"] != TEXT_CATEGORY:
            by_plan.setdefault(row["plan"], []).append(row)
    return by_plan


def test_city_plan_000(csv_rows) -> None:
    lines = _lines("000")
    start = next(i for i, line in enumerate(lines) if "专栏 1" in line)
    table = [line.split("\t") for line in lines[start:start + 20] if re.match(r"^\d+\t", line)]
    assert len(table) == 11
    ours = csv_rows["000"]
    assert len(ours) == len(table)
    for cells, row in zip(table, ours):
        _, name, unit, *values = cells + [""] * (6 - len(cells))
        assert (row["name"], row["unit"], row["jurisdiction"]) == (name, unit, "city"), row
        values = [_value(v) for v in values]
        if values[1] is None and values[2] is None:
            # 研发经费年均增幅: a single value under 2020, a five-year average rate (README).
            assert (row["baseline_value"], row["target_2023"], _num(row["target_2025"])) == ("", "", values[0])
            continue
        assert row["baseline_year"] == "2020"
        assert [_num(row["baseline_value"]), _num(row["target_2023"]), _num(row["target_2025"])] == values, row
        assert row["nature"] == "预期性"  # 注：以上指标均为预期性指标


def test_kaiping_plan_001(csv_rows) -> None:
    table = _cell_table(_lines("001"), "开平市科学技术发展“十四五”时期主要目标指标")
    ours = csv_rows["001"]
    assert len(table) == len(ours) == 7
    for (_, name, unit, base, t23, t25, change), row in zip(table, ours):
        assert (row["name"], row["unit"], row["jurisdiction"]) == (name, unit, "440783"), row
        assert _num(row["baseline_value"]) == _value(base)
        assert row["baseline_year"] == ("2020" if _value(base) is not None else "")
        assert (_num(row["target_2023"]), _num(row["target_2025"])) == (_value(t23), _value(t25)), row
        assert change in row["notes"] or change == "——", row
        assert row["nature"] == "预期性"


def test_heshan_plan_002(csv_rows) -> None:
    table = _cell_table(_lines("002"), "鹤山市科技发展“十四五”规划主要指标")
    ours = csv_rows["002"]
    assert len(table) == len(ours) == 6
    for (_, name, unit, value), row in zip(table, ours):
        assert (row["name"], row["unit"], row["jurisdiction"]) == (name, unit, "440784"), row
        # The single 指标值 column is the 2025 figure (README); no baseline.
        assert (row["baseline_value"], row["target_2023"], _num(row["target_2025"])) == ("", "", _value(value))


def test_hitech_zone_plan_003(csv_rows) -> None:
    table = _cell_table(_lines("003"), "表2 “十四五”时期主要目标设定")
    ours = csv_rows["003"]
    assert len(table) == len(ours) == 32
    category = ""
    for (cat, name, base, target, nature, department), row in zip(table, ours):
        category = cat or category
        assert (row["category"], row["name"], row["jurisdiction"], row["nature"]) == (
            category, name, "440704", nature), row
        assert f"数据提供部门：{department}" in row["notes"], row
        assert _num(row["target_2025"]) == _value(target), row
        value = _value(base)
        if value is None and base:
            # A sentence instead of a figure: kept in notes, the number taken from the text (README).
            assert base in row["notes"], row
            continue
        assert _num(row["baseline_value"]) == value, row
        assert row["baseline_year"] == ("2019" if value is not None else "")
        suffix = NUMBER.match(base).group(2) if value is not None else ""
        if suffix:  # the unit written after the figure
            assert row["unit"] == suffix, row


def test_jiangmen_2025_plan_004(csv_rows) -> None:
    table = _cell_table(_lines("004"), "表1 江门创造2025 主要指标")
    ours = csv_rows["004"]
    assert len(table) == len(ours) == 13
    for (_, name, v2015, v2020, growth, guangdong, v2025, growth_2025), row in zip(table, ours):
        assert (row["name"], row["jurisdiction"], row["baseline_year"]) == (name, "city", "2015"), row
        assert (_num(row["baseline_value"]), _num(row["target_2025"])) == (_value(v2015), _value(v2025)), row
        assert row["target_2023"] == ""
        for part in (f"2020年目标={v2020}", f"增幅={growth}", f"广东省2020年数值={guangdong}",
                     f"2025年比2020年增幅={growth_2025}"):
            assert part in row["notes"], (part, row)
