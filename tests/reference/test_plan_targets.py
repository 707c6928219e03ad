"""Checks crm/reference/plan_targets.csv against the plans' indicator tables.

Row counts are the rows of each plan's indicator table (see crm/reference/README.md);
plan 003 additionally carries three 2019 year-end figures stated only in its text
(category "正文（非表2）").
"""
import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

CSV_PATH = Path(__file__).resolve().parents[2] / "crm" / "reference" / "plan_targets.csv"

COLUMNS = [
    "plan", "jurisdiction", "code", "name", "unit", "category", "baseline_year",
    "baseline_value", "target_2023", "target_2025", "nature", "computable", "notes",
]
NUMERIC = ["baseline_year", "baseline_value", "target_2023", "target_2025"]
COMPUTABLE = {
    "", "hitech_count", "tech_sme_count", "tech_micro_count", "rd_ratio_above_size",
    "rd_institution_coverage", "provincial_platforms", "incubation_carriers",
    "talent_teams", "golden_seed_count", "gazelle_count", "little_giant_count", "innovative_sme_count", "srdi_sme_count",
    "listed_count", "provincial_engineering_centers", "incubated_count", "incubators",
    "provincial_incubators", "registered_maker_spaces", "new_rd_institutions",
}
JURISDICTION = {"000": "city", "001": "440783", "002": "440784", "003": "440704", "004": "city"}
TEXT_CATEGORY = "正文（非表2）"

# rows of the indicator table in each plan
TABLE_ROWS = {"000": 11, "001": 7, "002": 6, "003": 32, "004": 13}
TEXT_ROWS = {"003": 3}


@pytest.fixture(scope="module")
def rows():
    with CSV_PATH.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def row(rows, plan, code):
    found = [r for r in rows if r["plan"] == plan and r["code"] == code]
    assert len(found) == 1, (plan, code)
    return found[0]


def num(value):
    return Decimal(value) if value else None


def test_row_counts_per_plan(rows):
    table = Counter(r["plan"] for r in rows if r["category"] != TEXT_CATEGORY)
    text = Counter(r["plan"] for r in rows if r["category"] == TEXT_CATEGORY)
    assert dict(table) == TABLE_ROWS
    assert dict(text) == TEXT_ROWS


def test_jurisdictions(rows):
    for r in rows:
        assert r["jurisdiction"] == JURISDICTION[r["plan"]], r


def test_codes_unique_per_plan_and_ascii(rows):
    seen = Counter((r["plan"], r["code"]) for r in rows)
    assert [k for k, n in seen.items() if n > 1] == []
    for r in rows:
        code = r["code"]
        assert code and code.isascii() and code == code.lower()
        assert all(ch.isalnum() or ch == "_" for ch in code), code


def test_required_text_fields(rows):
    for r in rows:
        assert r["name"].strip() == r["name"] and r["name"], r
        assert r["nature"] in ("", "预期性", "约束性"), r


def test_numbers_parse_as_decimal(rows):
    for r in rows:
        for col in NUMERIC:
            if r[col]:
                Decimal(r[col])  # raises on anything that is not a plain number
        if r["baseline_year"]:
            assert r["baseline_value"], r
            assert 2015 <= int(r["baseline_year"]) <= 2020, r


def test_computable_values_allowed(rows):
    for r in rows:
        assert r["computable"] in COMPUTABLE, r


def test_every_computable_key_is_a_live_computation(rows):
    from crm.dashboard.services import COMPUTATIONS

    assert {r["computable"] for r in rows} - {""} <= set(COMPUTATIONS)
    assert COMPUTABLE - {""} == set(COMPUTATIONS)


@pytest.mark.parametrize("plan,code,comp", [
    # Figures the CRM holds at firm level (platforms by kind and level, 在孵 designations).
    ("003", "provincial_incubators", "provincial_incubators"),
    ("003", "registered_maker_spaces", "registered_maker_spaces"),
    ("003", "incubated_firms", "incubated_count"),
    ("004", "incubators", "incubators"),
    ("004", "new_rd_institutions", "new_rd_institutions"),
    ("004", "provincial_engineering_centers", "provincial_engineering_centers"),
    # Statistics the CRM does not hold (value added, output value, population, GDP).
    ("000", "hitech_mfg_value_added_share", ""),
    ("002", "hitech_product_output_share", ""),
    ("003", "gdp", ""),
    ("004", "invention_patents_per_10k", ""),
])
def test_computable_flag(rows, plan, code, comp):
    assert row(rows, plan, code)["computable"] == comp


def test_same_code_same_computation_across_plans(rows):
    by_code = {}
    for r in rows:
        if r["computable"]:
            by_code.setdefault(r["code"], set()).add(r["computable"])
    assert {c: v for c, v in by_code.items() if len(v) > 1} == {}


CITY = [
    # code, name, unit, baseline(2020), 2023, 2025, computable
    ("hitech_enterprises", "高新技术企业数量", "家", "1845", "2300", "2600", "hitech_count"),
    ("tech_smes", "科技型中小企业数量", "家", "1389", "1900", "2200", "tech_sme_count"),
    ("rd_ratio_above_size", "规模以上工业企业研发经费与营业收入之比", "%", "1.55", "1.65", "1.8", "rd_ratio_above_size"),
    ("rd_institution_coverage", "规模以上工业企业研发机构覆盖率", "%", "61", "65", "65", "rd_institution_coverage"),
    ("provincial_platforms", "省级以上科技创新平台数量", "家", "478", "550", "650", "provincial_platforms"),
    ("incubation_carriers", "科技企业孵化器、众创空间、星创天地等总数量", "家", "78", "83", "90", "incubation_carriers"),
    ("talent_teams", "引进和培育高端创新创业人才团队数量", "个", "28", "57", "80", "talent_teams"),
]

KAIPING = [
    ("hitech_enterprises", "家", "164", "190", "225", "hitech_count"),
    ("tech_smes", "家", "111", "160", "170", "tech_sme_count"),
    ("rd_institution_coverage", "%", "60.21", "65", "65", "rd_institution_coverage"),
    ("provincial_platforms", "家", "55", "58", "62", "provincial_platforms"),
    ("incubation_carriers", "家", "6", "6", "7", "incubation_carriers"),
]


@pytest.mark.parametrize("code,name,unit,base,t23,t25,comp", CITY)
def test_city_key_figures(rows, code, name, unit, base, t23, t25, comp):
    r = row(rows, "000", code)
    assert (r["name"], r["unit"], r["baseline_year"]) == (name, unit, "2020")
    assert (num(r["baseline_value"]), num(r["target_2023"]), num(r["target_2025"])) == (
        Decimal(base), Decimal(t23), Decimal(t25))
    assert r["computable"] == comp
    assert r["nature"] == "预期性"


@pytest.mark.parametrize("code,unit,base,t23,t25,comp", KAIPING)
def test_kaiping_key_figures(rows, code, unit, base, t23, t25, comp):
    r = row(rows, "001", code)
    assert (r["unit"], r["baseline_year"]) == (unit, "2020")
    assert (num(r["baseline_value"]), num(r["target_2023"]), num(r["target_2025"])) == (
        Decimal(base), Decimal(t23), Decimal(t25))
    assert r["computable"] == comp


@pytest.mark.parametrize("code,name,unit,t25", [
    ("hitech_enterprises", "高新技术企业数量", "家", "250"),
    ("tech_smes", "科技型中小企业数量", "家", "160"),
    ("hitech_product_output_share", "高新技术产品产值占规模以上工业总产值比重", "%", "52"),
])
def test_heshan_key_figures(rows, code, name, unit, t25):
    r = row(rows, "002", code)
    assert (r["name"], r["unit"]) == (name, unit)
    assert num(r["target_2025"]) == Decimal(t25)
    assert r["baseline_value"] == r["target_2023"] == ""


@pytest.mark.parametrize("code,value,comp", [
    ("hitech_enterprises", "352", "hitech_count"),
    ("tech_micro_enterprises", "942", "tech_micro_count"),
    ("tech_smes", "262", "tech_sme_count"),
    ("provincial_engineering_centers", "39", "provincial_engineering_centers"),
    ("rd_institution_coverage", "64.77", "rd_institution_coverage"),
])
def test_hitech_zone_end_2019_figures(rows, code, value, comp):
    r = row(rows, "003", code)
    assert r["baseline_year"] == "2019"
    assert num(r["baseline_value"]) == Decimal(value)
    assert r["computable"] == comp


def test_hitech_zone_table_natures(rows):
    natures = Counter(r["nature"] for r in rows if r["plan"] == "003" and r["category"] != TEXT_CATEGORY)
    assert natures == {"预期性": 28, "约束性": 4}


@pytest.mark.parametrize("code,t25,comp", [
    ("hitech_enterprises", "2000", "hitech_count"),
    ("tech_micro_enterprises", "6500", "tech_micro_count"),
])
def test_jiangmen_2025_key_figures(rows, code, t25, comp):
    r = row(rows, "004", code)
    assert num(r["target_2025"]) == Decimal(t25)
    assert r["computable"] == comp
    assert r["baseline_year"] == "2015"
