"""Above-size firms with no industry recorded are left out of the 规上工业 indicators, and the
dashboard says how many and lists them (issue 18, decision 3)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from crm.dashboard import services
from crm.extensions import db
from crm.models import PlatformKind, PlatformLevel, ReportStatus, Role
from tests.conftest import login
from tests.dashboard.world import AS_OF, KP, PJ, build_world
from tests.factories import (
    AnnualReportFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    OfficerFactory,
    PlatformFactory,
    UserFactory,
)

DAY = AS_OF.isoformat()
NOTICE = "家规模以上企业未填写行业，未计入"


@pytest.fixture
def world(app):
    w = build_world()
    # Above size, no industry: a large R&D spender with an R&D institution, in each of two districts.
    w.unclassified_kp = EnterpriseFactory(district=KP, above_size=True, industry_code=None)
    AnnualReportFactory(enterprise=w.unclassified_kp, year=2024, status=ReportStatus.verified,
                        revenue=Decimal("1000"), rd_expense=Decimal("900"))
    PlatformFactory(enterprise=w.unclassified_kp, kind=PlatformKind.key_lab, level=PlatformLevel.municipal)
    w.unclassified_pj = EnterpriseFactory(district=PJ, above_size=True, industry_code=None)
    w.small_unclassified = EnterpriseFactory(district=KP, above_size=False, industry_code=None)
    return w


def test_a_firm_without_industry_is_in_neither_numerator_nor_denominator(world) -> None:
    bureau = UserFactory(role=Role.bureau)
    f = services.compute_figures(bureau, AS_OF)
    # As the world alone: (30 + 60) / (1000 + 3000); covered 2 of big_kp, big_pj, big_draft, big_late.
    assert f.value("rd_ratio_above_size", "city") == pytest.approx(0.0225)
    assert f.parts[KP]["rd_ratio_above_size"] == (Decimal(30), Decimal(1000))
    assert f.value("rd_institution_coverage", "city") == pytest.approx(0.5)
    assert f.parts[KP]["rd_institution_coverage"] == (Decimal(2), Decimal(3))
    assert f.unclassified_above_size("city") == 2
    assert f.unclassified_above_size(KP) == 1

    def firms(key, **kw):
        return set(db.session.scalars(services.firms_behind(bureau, key, "city", AS_OF, **kw)))

    assert world.unclassified_kp not in firms("rd_ratio_above_size")
    assert world.unclassified_kp not in firms("rd_institution_coverage")
    assert world.unclassified_pj not in firms("rd_institution_coverage", missing=True)
    assert firms(services.UNCLASSIFIED_ABOVE_SIZE) == {world.unclassified_kp, world.unclassified_pj}


def test_the_dashboard_says_how_many_were_left_out_and_links_to_exactly_them(world, client) -> None:
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    html = client.get(f"/dashboard/?as_of={DAY}").get_data(as_text=True)
    assert f"2 {NOTICE}" in html
    link = f"/dashboard/firms?indicator={services.UNCLASSIFIED_ABOVE_SIZE}&amp;as_of={DAY}"
    assert link in html
    listed = client.get(link.replace("&amp;", "&"))
    assert listed.status_code == 200
    body = listed.get_data(as_text=True)
    assert body.count('data-uscc="') == 2
    assert world.unclassified_kp.uscc in body and world.unclassified_pj.uscc in body
    assert world.small_unclassified.uscc not in body and world.big_kp.uscc not in body
    assert "共 2 家企业" in body
    # Each name leads to the profile, where the industry is filled in.
    assert f"/enterprises/{world.unclassified_kp.uscc}/profile" in body


def test_an_officer_sees_their_districts_only(world, client) -> None:
    OfficerFactory(username="kp", district_code=KP)
    login(client, "kp")
    html = client.get(f"/dashboard/?as_of={DAY}").get_data(as_text=True)
    assert f"1 {NOTICE}" in html
    body = client.get(f"/dashboard/firms?indicator={services.UNCLASSIFIED_ABOVE_SIZE}&as_of={DAY}").get_data(
        as_text=True)
    assert world.unclassified_kp.uscc in body and world.unclassified_pj.uscc not in body
    # Another district's list is not found.
    other = client.get(f"/dashboard/firms?indicator={services.UNCLASSIFIED_ABOVE_SIZE}&district={PJ}&as_of={DAY}")
    assert other.status_code == 404


def test_no_notice_when_every_above_size_firm_has_an_industry(app, client) -> None:
    build_world()
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    assert NOTICE not in client.get(f"/dashboard/?as_of={DAY}").get_data(as_text=True)


def test_firm_users_cannot_reach_the_list(world, client) -> None:
    EnterpriseUserFactory(username="firm")
    login(client, "firm")
    assert client.get(f"/dashboard/firms?indicator={services.UNCLASSIFIED_ABOVE_SIZE}&as_of={DAY}").status_code == 404
