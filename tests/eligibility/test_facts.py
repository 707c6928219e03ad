"""Loading the rules' facts set-wise from the database."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import event

from crm.eligibility.facts import iter_facts, load_facts
from crm.extensions import db
from crm.models import DesignationKind, HonourKind, PlatformKind, PlatformLevel, ReportStatus
from tests.eligibility.helpers import AS_OF
from tests.factories import (
    AnnualReportFactory,
    DesignationFactory,
    EnterpriseFactory,
    HonourFactory,
    PlatformFactory,
)


def test_load_facts_reads_every_record_kind(app) -> None:
    firm = EnterpriseFactory(founded_on=date(2019, 4, 2), above_size=True)
    for year in (2020, 2021, 2022, 2023, 2024, 2025, 2026):
        AnnualReportFactory(enterprise=firm, year=year, revenue=Decimal(year))
    AnnualReportFactory.reset_sequence()
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2023, 12, 1),
                       certificate_no="GR202344000001")
    PlatformFactory(enterprise=firm, kind=PlatformKind.key_lab, level=PlatformLevel.provincial)
    HonourFactory(enterprise=firm, kind=HonourKind.led_national_standard, year=2024)
    other = EnterpriseFactory()

    facts = load_facts([firm.id, other.id], AS_OF)

    got = facts[firm.id]
    assert got.uscc == firm.uscc and got.name == firm.name
    assert got.founded_on == date(2019, 4, 2) and got.above_size is True
    # The four fiscal years before the as-of year, no more.
    assert sorted(got.reports) == [2022, 2023, 2024, 2025]
    assert got.reports[2025].revenue == Decimal(2025)
    assert got.reports[2025].status == "verified" and got.reports[2025].employees == 120
    assert got.designations[0].kind == "hitech"
    assert got.designations[0].valid_to == date(2026, 11, 30)
    assert got.designations[0].certificate_no == "GR202344000001"
    assert got.platforms[0].kind == "key_lab" and got.platforms[0].level == "provincial"
    assert got.platforms[0].is_rd_institution
    assert got.honours[0].kind == "led_national_standard" and got.honours[0].year == 2024
    assert facts[other.id].reports == {} and facts[other.id].designations == ()


def test_report_status_is_carried(app) -> None:
    firm = EnterpriseFactory()
    AnnualReportFactory(enterprise=firm, year=2025, status=ReportStatus.draft)
    got = load_facts([firm.id], AS_OF)[firm.id]
    assert got.reports[2025].status == "draft"
    assert got.filed_report(2025) is None


def test_unknown_ids_are_absent(app) -> None:
    assert load_facts([999_999], AS_OF) == {}


def test_reads_set_wise_not_per_firm(app) -> None:
    firms = [EnterpriseFactory() for _ in range(30)]
    for firm in firms:
        AnnualReportFactory(enterprise=firm, year=2025)
        DesignationFactory(enterprise=firm)
    ids = [f.id for f in firms]
    statements: list[str] = []

    def count(*_args: object) -> None:
        statements.append("x")

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        facts = load_facts(ids, AS_OF)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(facts) == 30
    assert len(statements) <= 7  # one per table, and one for the parameters that say how many years


def test_iter_facts_covers_every_firm_in_chunks(app) -> None:
    firms = [EnterpriseFactory() for _ in range(7)]
    chunks = list(iter_facts(AS_OF, chunk_size=3))
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert sorted(eid for chunk in chunks for eid in chunk) == sorted(f.id for f in firms)
