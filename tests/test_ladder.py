"""Stage computation on boundary dates, in Python and in SQL alike."""
from datetime import date

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.ladder import stage_from_rank, stage_of, stage_rank_column
from crm.models import DesignationKind, Enterprise
from crm.models.designation import hitech_valid_to
from tests.factories import DesignationFactory, EnterpriseFactory


def sql_stage(enterprise: Enterprise, as_of: date) -> str:
    rank = db.session.scalar(select(stage_rank_column(Enterprise.id, as_of)).where(Enterprise.id == enterprise.id))
    return stage_from_rank(rank)


def test_hitech_certificate_runs_three_years_less_a_day() -> None:
    assert hitech_valid_to(date(2023, 12, 1)) == date(2026, 11, 30)
    assert hitech_valid_to(date(2024, 2, 29)) == date(2027, 2, 28)  # the whole of February
    assert hitech_valid_to(date(2023, 2, 28)) == date(2026, 2, 27)
    assert hitech_valid_to(date(2024, 2, 28)) == date(2027, 2, 27)
    assert hitech_valid_to(date(2023, 3, 1)) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("as_of", "stage"),
    [
        (date(2023, 11, 30), "tech_sme"),  # the day before the certificate is issued
        (date(2023, 12, 1), "hitech"),  # issue day
        (date(2026, 11, 30), "hitech"),  # last valid day
        (date(2026, 12, 1), "tech_sme"),  # lapsed; the yearly tech SME registration remains
        (date(2027, 1, 1), "none"),
    ],
)
def test_stage_is_highest_valid_designation(app, as_of: date, stage: str) -> None:
    firm = EnterpriseFactory()
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2023, 12, 1))
    DesignationFactory(
        enterprise=firm, kind=DesignationKind.tech_sme, valid_from=date(2023, 5, 1), valid_to=date(2026, 12, 31)
    )
    # A non-stage designation never decides the stage.
    DesignationFactory(
        enterprise=firm, kind=DesignationKind.golden_seed, valid_from=date(2020, 1, 1), valid_to=date(2030, 1, 1)
    )
    db.session.refresh(firm)
    assert stage_of(firm.designations, as_of) == stage
    assert firm.stage(as_of) == stage
    assert sql_stage(firm, as_of) == stage


def test_listed_is_open_ended_and_highest(app) -> None:
    firm = EnterpriseFactory()
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2024, 1, 1))
    DesignationFactory(enterprise=firm, kind=DesignationKind.listed, valid_from=date(2025, 6, 1), valid_to=None)
    db.session.refresh(firm)
    assert stage_of(firm.designations, date(2040, 1, 1)) == "listed"
    assert sql_stage(firm, date(2025, 6, 1)) == "listed"
    assert sql_stage(firm, date(2025, 5, 31)) == "hitech"


def test_stage_counts_and_filter_agree_with_stage_of(app) -> None:
    from crm.enterprises.queries import EnterpriseFilter, count_of, filtered_enterprises
    from crm.main.services import district_stage_table, stage_counts
    from crm.models import Role
    from tests.factories import UserFactory

    as_of = date(2025, 6, 30)
    plain = EnterpriseFactory(district="440783")
    sme = EnterpriseFactory(district="440783")
    DesignationFactory(enterprise=sme, kind=DesignationKind.tech_sme, valid_from=date(2025, 1, 1))
    both = EnterpriseFactory(district="440784")
    DesignationFactory(enterprise=both, kind=DesignationKind.tech_sme, valid_from=date(2025, 1, 1))
    DesignationFactory(enterprise=both, kind=DesignationKind.hitech, valid_from=date(2023, 1, 1))
    lapsed = EnterpriseFactory(district="440784")
    DesignationFactory(enterprise=lapsed, kind=DesignationKind.hitech, valid_from=date(2022, 6, 30))  # ended 2025-06-29
    bureau = UserFactory(role=Role.bureau)
    counts = stage_counts(bureau, as_of)
    assert (counts["none"], counts["tech_sme"], counts["hitech"]) == (2, 1, 1)
    assert stage_counts(bureau, as_of, "440784") == {**dict.fromkeys(counts, 0), "none": 1, "hitech": 1}
    table = {code: row for code, _name, row, _total in district_stage_table(bureau, as_of)}
    assert table["440783"]["none"] == 1 and table["440783"]["tech_sme"] == 1
    for stage, expected in (("none", {plain.id, lapsed.id}), ("tech_sme", {sme.id}), ("hitech", {both.id})):
        stmt = filtered_enterprises(bureau, EnterpriseFilter(stage=stage), as_of)
        assert {e.id for e, _rank in db.session.execute(stmt)} == expected
        assert count_of(stmt) == len(expected)


def test_rd_institution_filter_counts_only_valid_platforms(app) -> None:
    from crm.enterprises.queries import EnterpriseFilter, filtered_enterprises
    from crm.models import PlatformKind, Role
    from tests.factories import PlatformFactory, UserFactory

    as_of = date(2025, 6, 30)
    current = PlatformFactory(recognized_on=date(2020, 1, 1), valid_to=date(2025, 6, 30)).enterprise
    lapsed = PlatformFactory(recognized_on=date(2020, 1, 1), valid_to=date(2025, 6, 29)).enterprise
    incubator_only = PlatformFactory(kind=PlatformKind.incubator).enterprise
    bureau = UserFactory(role=Role.bureau)

    def ids(flag: bool) -> set[int]:
        stmt = filtered_enterprises(bureau, EnterpriseFilter(has_rd_institution=flag), as_of)
        return {e.id for e, _rank in db.session.execute(stmt)}

    assert ids(True) == {current.id}
    assert ids(False) == {lapsed.id, incubator_only.id}


def test_stage_defaults_to_today(app) -> None:
    from datetime import timedelta

    from crm.clock import today

    firm = EnterpriseFactory()
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=today() - timedelta(days=1))
    DesignationFactory(enterprise=firm, kind=DesignationKind.listed, valid_from=today() + timedelta(days=1), valid_to=None)
    db.session.refresh(firm)
    assert firm.stage() == "hitech"
    assert firm.stage(today() + timedelta(days=1)) == "listed"
