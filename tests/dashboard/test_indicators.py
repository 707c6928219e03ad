"""Each computed indicator against a hand count of a small world."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crm.dashboard import services
from crm.extensions import db
from crm.models import DesignationKind, Enterprise, PlatformKind, PlatformLevel, Role
from tests.dashboard.world import AS_OF, KP, PJ, build_world
from tests.factories import (
    AnnualReportFactory,
    DesignationFactory,
    EnterpriseFactory,
    OfficerFactory,
    PlatformFactory,
    UserFactory,
)


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def bureau(app):
    return UserFactory(role=Role.bureau)


def figures(user, as_of=AS_OF, district=None):
    return services.compute_figures(user, as_of, district)


def test_hitech_counts_certificate_ending_on_as_of_but_not_the_day_before(world, bureau) -> None:
    f = figures(bureau)
    # on_day, hitech_sme, renewed (once) — not day_before, not future
    assert f.value("hitech_count", "city") == 3
    assert f.value("hitech_count", KP) == 3
    assert f.value("hitech_count", PJ) == 0
    # The day after as_of the on-day certificate has lapsed.
    assert figures(bureau, date(2025, 7, 1)).value("hitech_count", "city") == 3  # future one starts, on_day ends
    assert figures(bureau, date(2025, 6, 29)).value("hitech_count", "city") == 4  # day_before still valid


def test_designation_counts(world, bureau) -> None:
    f = figures(bureau)
    assert f.value("tech_sme_count", "city") == 2
    assert f.value("tech_sme_count", PJ) == 1
    assert f.value("gazelle_count", "city") == 1
    assert f.value("golden_seed_count", "city") == 1
    assert f.value("little_giant_count", "city") == 0
    assert f.value("listed_count", "city") == 0
    assert f.value("tech_micro_count", "city") == 0


def test_rd_ratio_uses_last_fiscal_year_of_counted_reports(world, bureau) -> None:
    f = figures(bureau)
    assert f.rd_year == 2024
    # (30 + 60) / (1000 + 3000): the draft and the 2025 report are left out.
    assert f.value("rd_ratio_above_size", "city") == pytest.approx(0.0225)
    assert f.value("rd_ratio_above_size", KP) == pytest.approx(0.03)
    # Asked in 2024, the latest year <= 2023 is used.
    early = figures(bureau, date(2024, 3, 1))
    assert early.rd_year == 2023
    assert early.value("rd_ratio_above_size", "city") == pytest.approx(0.1)


def test_rd_institution_coverage(world, bureau) -> None:
    f = figures(bureau)
    # Above-size: big_kp (covered), big_pj (expired the day before), big_draft (incubator only),
    # big_late (key lab ending on as_of: covered) -> 2 of 4.
    assert f.value("rd_institution_coverage", "city") == pytest.approx(0.5)
    assert f.value("rd_institution_coverage", KP) == pytest.approx(2 / 3)
    assert f.value("rd_institution_coverage", PJ) == 0.0
    assert f.value("rd_institution_coverage", "440705") is None  # no above-size firms


def test_platforms_carriers_and_talent(world, bureau) -> None:
    f = figures(bureau)
    # provincial engineering centre + national key lab; the provincial incubator is a
    # carrier, counted by its own indicator, not a 科技创新平台
    assert f.value("provincial_platforms", "city") == 2
    assert f.value("provincial_engineering_centers", "city") == 1
    # municipal incubator (big_draft), provincial incubator, star space (PJ)
    assert f.value("incubation_carriers", "city") == 3
    assert f.value("incubation_carriers", PJ) == 1
    assert f.value("talent_teams", "city") == 1
    assert figures(bureau, date(2026, 12, 31)).value("talent_teams", "city") == 2


def test_carrier_counts_by_kind_and_level(world, bureau) -> None:
    before = figures(bureau)
    firm = EnterpriseFactory(district=PJ)
    # An accelerator is not one of 孵化器、众创空间、星创天地, nor an innovation platform.
    PlatformFactory(enterprise=firm, kind=PlatformKind.accelerator, level=PlatformLevel.national)
    PlatformFactory(enterprise=firm, kind=PlatformKind.maker_space, level=PlatformLevel.national)  # 科技部备案
    PlatformFactory(enterprise=firm, kind=PlatformKind.maker_space, level=PlatformLevel.provincial)
    PlatformFactory(enterprise=firm, kind=PlatformKind.incubator, level=PlatformLevel.national, valid_to=AS_OF)
    PlatformFactory(enterprise=firm, kind=PlatformKind.new_rd_institution, level=PlatformLevel.municipal)
    PlatformFactory(enterprise=firm, kind=PlatformKind.new_rd_institution, level=PlatformLevel.provincial,
                    valid_to=date(2025, 6, 29))  # lapsed the day before
    DesignationFactory(enterprise=firm, kind=DesignationKind.incubated, valid_from=date(2025, 1, 1),
                       valid_to=AS_OF)
    f = figures(bureau)

    def delta(key):
        return f.value(key, "city") - before.value(key, "city")

    assert delta("incubation_carriers") == 3  # two maker spaces and the incubator
    assert delta("provincial_platforms") == 0
    # Before: the municipal incubator of big_draft and the provincial one of `platforms`.
    assert (before.value("incubators", "city"), f.value("incubators", "city")) == (2, 3)
    assert (before.value("provincial_incubators", "city"), f.value("provincial_incubators", "city")) == (1, 2)
    assert (before.value("registered_maker_spaces", "city"), f.value("registered_maker_spaces", "city")) == (0, 1)
    assert (before.value("new_rd_institutions", "city"), f.value("new_rd_institutions", "city")) == (0, 1)
    assert (before.value("incubated_count", "city"), f.value("incubated_count", "city")) == (0, 1)
    assert f.value("incubated_count", PJ) == 1 and f.value("incubated_count", KP) == 0
    assert figures(bureau, date(2025, 7, 1)).value("incubated_count", "city") == 0

    def firm_ids(key):
        return set(db.session.scalars(services.firms_behind(bureau, key, "city", AS_OF)).all())

    assert firm_ids("registered_maker_spaces") == {firm}
    assert firm_ids("new_rd_institutions") == {firm}
    assert firm_ids("incubators") == {firm, world.big_draft, world.platforms}
    assert firm_ids("incubated_count") == {firm}


def test_ladder_funnel(world, bureau) -> None:
    f = figures(bureau)
    counts = f.stage_counts("city")
    total = db.session.query(Enterprise).count()
    assert counts["hitech"] == 3
    assert counts["gazelle"] == 1
    assert counts["tech_sme"] == 0  # hitech_sme's highest stage is hitech
    assert counts["none"] == total - 4
    assert sum(counts.values()) == total
    assert f.stage_counts(PJ)["gazelle"] == 1


def test_rd_ratio_year_is_the_same_whoever_looks(world, bureau) -> None:
    # Pengjiang's latest counted year is 2024, Kaiping has 2023 and 2024; drop Kaiping's 2024
    # reports: the city's year stays 2024, so Kaiping has no ratio for the officer either.
    for report in world.big_kp.annual_reports:
        if report.year == 2024:
            db.session.delete(report)
    db.session.commit()
    officer = OfficerFactory(district_code=KP)
    by_bureau = figures(bureau, district=KP)
    by_officer = figures(officer)
    assert by_bureau.rd_year == by_officer.rd_year == 2024
    assert by_bureau.value("rd_ratio_above_size", KP) is None
    assert by_officer.value("rd_ratio_above_size", KP) is None


def test_officer_figures_are_their_district_only(world) -> None:
    officer = OfficerFactory(district_code=PJ)
    f = figures(officer)
    assert f.value("hitech_count", "city") == 0  # nothing of Kaiping is visible
    assert f.value("gazelle_count", "city") == 1


def test_firms_behind_match_the_counts(world, bureau) -> None:
    def firm_ids(key, jurisdiction="city", **kw):
        return set(db.session.scalars(services.firms_behind(bureau, key, jurisdiction, AS_OF, **kw)).all())

    assert firm_ids("hitech_count") == {world.on_day, world.hitech_sme, world.renewed}
    assert firm_ids("rd_institution_coverage") == {world.big_kp, world.big_late}
    assert firm_ids("rd_institution_coverage", missing=True) == {world.big_pj, world.big_draft}
    assert firm_ids("rd_ratio_above_size") == {world.big_kp, world.big_pj}
    assert firm_ids("provincial_platforms") == {world.platforms}
    assert firm_ids("incubation_carriers") == {world.platforms, world.big_draft, world.gazelle}
    assert firm_ids("talent_teams") == {world.gazelle}
    assert firm_ids("stage:gazelle") == {world.gazelle}
    assert firm_ids("hitech_count", PJ) == set()


def test_plan_rows_convert_percent_targets_to_fractions(world, bureau) -> None:
    rows = {r.code: r for r in services.build_dashboard(bureau, "city", AS_OF).rows}
    rd = rows["rd_ratio_above_size"]
    assert rd.baseline == pytest.approx(0.0155)
    assert rd.targets == {"2023": pytest.approx(0.0165), "2025": pytest.approx(0.018)}
    assert rd.actual == pytest.approx(0.0225)
    assert rd.on_track == {"2023": True, "2025": True}
    hitech = rows["hitech_enterprises"]
    assert (hitech.baseline_year, hitech.baseline, hitech.targets) == (2020, 1845, {"2023": 2300, "2025": 2600})
    assert hitech.actual == 3 and hitech.on_track == {"2023": False, "2025": False}
    assert hitech.progress == 0.0
    assert rows["rd_fte_per_10k_people"].actual is None  # not computable
    assert rows["gazelle_enterprises"].actual == 1  # computed, no plan target
    assert rows["gazelle_enterprises"].targets == {"2023": None, "2025": None}


def test_expected_value_is_linear_between_baseline_and_target() -> None:
    # Halfway through 2021-2025 (from end of 2020 to end of 2025).
    mid = date(2023, 7, 2)
    value = services.expected_on(mid, 2020, 1845.0, 2025, 2600.0)
    assert 2215 < value < 2230
    assert services.expected_on(date(2026, 1, 1), 2020, 1845.0, 2025, 2600.0) == 2600.0
    assert services.expected_on(date(2020, 6, 1), 2020, 1845.0, 2025, 2600.0) == 1845.0
    assert services.expected_on(mid, None, None, 2025, 2600.0) is None


def test_officer_jurisdiction_is_fixed(app) -> None:
    officer = OfficerFactory(district_code=KP)
    assert services.resolve_jurisdiction(officer, None) == KP
    assert services.resolve_jurisdiction(officer, KP) == KP
    with pytest.raises(services.JurisdictionForbidden):
        services.resolve_jurisdiction(officer, "city")
    with pytest.raises(services.JurisdictionForbidden):
        services.resolve_jurisdiction(officer, PJ)
    with pytest.raises(services.JurisdictionError):
        services.resolve_jurisdiction(officer, "999999")
    bureau = UserFactory(role=Role.bureau)
    assert services.resolve_jurisdiction(bureau, None) == "city"
    assert services.resolve_jurisdiction(bureau, PJ) == PJ


def test_district_dashboard_uses_its_plan(world, bureau) -> None:
    kp = services.build_dashboard(bureau, KP, AS_OF)
    assert kp.has_plan
    rows = {r.code: r for r in kp.rows}
    assert rows["hitech_enterprises"].plan == "001"
    assert rows["hitech_enterprises"].targets == {"2023": 190, "2025": 225}
    assert rows["rd_institution_coverage"].baseline == pytest.approx(0.6021)
    pj = services.build_dashboard(bureau, PJ, AS_OF)
    assert not pj.has_plan
    assert all(r.plan is None and r.targets == {"2023": None, "2025": None} for r in pj.rows)


def test_above_size_indicators_count_industrial_firms_only(world, bureau) -> None:
    # 规模以上工业企业: an above-size software firm (section I) is neither in the R&D ratio nor in
    # the coverage; an above-size manufacturer (C34) is, like the world's above-size firms.
    software = EnterpriseFactory(district=KP, above_size=True, industry_code="I")
    AnnualReportFactory(enterprise=software, year=2024, revenue=Decimal("1000"), rd_expense=Decimal("500"))
    PlatformFactory(enterprise=software, kind=PlatformKind.key_lab, level=PlatformLevel.municipal)
    maker = EnterpriseFactory(district=KP, above_size=True, industry_code="C34")
    AnnualReportFactory(enterprise=maker, year=2024, revenue=Decimal("1000"), rd_expense=Decimal("10"))
    f = figures(bureau)
    # (30 + 60 + 10) / (1000 + 3000 + 1000).
    assert f.value("rd_ratio_above_size", "city") == pytest.approx(0.02)
    # big_kp, big_late covered of big_kp, big_pj, big_draft, big_late, maker.
    assert f.value("rd_institution_coverage", "city") == pytest.approx(2 / 5)
    assert f.value("rd_institution_coverage", KP) == pytest.approx(2 / 4)

    def firm_ids(key, **kw):
        return set(db.session.scalars(services.firms_behind(bureau, key, "city", AS_OF, **kw)).all())

    assert firm_ids("rd_ratio_above_size") == {world.big_kp, world.big_pj, maker}
    assert firm_ids("rd_institution_coverage") == {world.big_kp, world.big_late}
    assert firm_ids("rd_institution_coverage", missing=True) == {world.big_pj, world.big_draft, maker}
    # Only the software firm reports fiscal 2025 (big_late's 2025 report aside, removed here):
    # the ratio asked in 2026 stays on 2024, the last year of industrial firms' reports.
    for report in world.big_late.annual_reports:
        db.session.delete(report)
    db.session.commit()
    AnnualReportFactory(enterprise=software, year=2025, revenue=Decimal("1000"), rd_expense=Decimal("500"))
    assert figures(bureau, date(2026, 3, 1)).rd_year == 2024
