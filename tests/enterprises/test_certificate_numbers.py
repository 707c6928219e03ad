"""One certificate or registration number of a designation kind belongs to one firm (issue 18,
decision 6): the designation form and bulk numbering refuse another firm's number, naming that
firm only to a user who may see it."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.extensions import db
from crm.models import Designation, DesignationKind
from tests.conftest import login
from tests.enterprises.helpers import post_form
from tests.factories import DesignationFactory, EnterpriseFactory, OfficerFactory, UserFactory

NUMBER = "GR202344001234"


def _holder():  # noqa: ANN202
    """A 开平 firm holding high-tech certificate NUMBER."""
    holder = EnterpriseFactory(name="开平持证科技有限公司", district="440783")
    DesignationFactory(enterprise=holder, kind=DesignationKind.hitech, valid_from=date(2023, 12, 1),
                       valid_to=date(2026, 11, 30), certificate_no=NUMBER)
    db.session.commit()
    return holder


def _numbers(firm) -> list[tuple[DesignationKind, str | None]]:  # noqa: ANN001
    db.session.expire_all()
    return sorted(((d.kind, d.certificate_no) for d in db.session.scalars(
        select(Designation).where(Designation.enterprise_id == firm.id))), key=lambda t: (t[0].value, t[1] or ""))


def _add(client, firm, kind: str, number: str, valid_from: str = "2023-12-01"):  # noqa: ANN001, ANN202
    return post_form(client, f"/enterprises/{firm.uscc}/designations/new", {
        "kind": kind, "valid_from": valid_from, "valid_to": "", "certificate_no": number,
    })


def test_bureau_staff_are_told_which_firm_holds_the_number(app, client) -> None:
    holder = _holder()
    firm = EnterpriseFactory(district="440784")
    UserFactory(username="city")
    login(client, "city")
    # Typed with spaces, lower case and full-width digits: the same number.
    response = _add(client, firm, "hitech", "gr 2023 44 ００1234")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (f"编号 {NUMBER} 已登记为 开平持证科技有限公司（{holder.uscc}）的“高新技术企业”编号；"
            "同一类认定的编号只能属于一家企业") in page
    assert _numbers(firm) == []


def test_an_officer_of_the_holders_district_is_told_its_name(app, client) -> None:
    holder = _holder()
    firm = EnterpriseFactory(district="440783")
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    response = _add(client, firm, "hitech", NUMBER)
    assert response.status_code == 422
    assert f"已登记为 开平持证科技有限公司（{holder.uscc}）" in response.get_data(as_text=True)
    assert _numbers(firm) == []


def test_an_officer_of_another_district_is_not_told_whose_it_is(app, client) -> None:
    holder = _holder()
    firm = EnterpriseFactory(district="440784")
    OfficerFactory(username="hs", district_code="440784")
    login(client, "hs")
    response = _add(client, firm, "hitech", NUMBER)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"编号 {NUMBER} 已登记为您管辖范围以外另一家企业的“高新技术企业”编号" in page
    assert "开平持证科技有限公司" not in page and holder.uscc not in page
    assert _numbers(firm) == []


def test_the_same_number_under_another_kind_is_accepted_and_stored_normalised(app, client) -> None:
    _holder()
    firm = EnterpriseFactory(district="440783")
    OfficerFactory(username="kp")
    login(client, "kp")
    response = _add(client, firm, "gazelle", " gr2023 4400 1234 ", valid_from="2024-03-01")
    assert response.status_code == 302
    assert _numbers(firm) == [(DesignationKind.gazelle, NUMBER)]


def test_the_firms_own_number_does_not_block_its_correction(app, client) -> None:
    holder = _holder()
    held = db.session.scalar(select(Designation).where(Designation.enterprise_id == holder.id))
    OfficerFactory(username="kp")
    login(client, "kp")
    # The record itself, its dates corrected, keeps its number.
    response = post_form(client, f"/enterprises/{holder.uscc}/designations/{held.id}", {
        "kind": "hitech", "valid_from": "2023-12-11", "valid_to": "", "certificate_no": NUMBER,
        "version_id": str(held.version_id),
    })
    assert response.status_code == 302
    # An earlier record of the firm with the number, entered again for another period (a
    # certificate recorded twice over the years): its own number, not another firm's.
    response = _add(client, holder, "hitech", NUMBER.lower(), valid_from="2020-12-01")
    assert response.status_code == 302
    assert _numbers(holder) == [(DesignationKind.hitech, NUMBER), (DesignationKind.hitech, NUMBER)]


def _bulk(client, firms, pattern: str, kind: str = "tech_sme"):  # noqa: ANN001, ANN202
    return post_form(client, "/enterprises/bulk", {
        "action": "designation", "ids": [f.id for f in firms], "kind": kind, "valid_from": "2026-05-01",
        "valid_to": "", "certificate_pattern": pattern,
    }, token_from="/enterprises/")


def test_bulk_numbering_skips_the_firm_whose_number_another_firm_holds(app, client) -> None:
    """The bulk action's contract is firm by firm (as for a firm already holding the kind): the
    clashing firm is skipped and named with the holder, the others get their numbers."""
    holder = EnterpriseFactory(name="已有编号公司", district="440783")
    DesignationFactory(enterprise=holder, kind=DesignationKind.tech_sme, valid_from=date(2026, 1, 1),
                       valid_to=date(2026, 12, 31), certificate_no="2026440783A0002")
    # Another kind's 0001 blocks nothing.
    DesignationFactory(enterprise=holder, kind=DesignationKind.gazelle, valid_from=date(2026, 1, 1),
                       valid_to=date(2026, 12, 31), certificate_no="2026440783A0001")
    a, b, c = (EnterpriseFactory(name=n, district="440783") for n in ("甲公司", "乙公司", "丙公司"))
    db.session.commit()
    OfficerFactory(username="kp")
    login(client, "kp")
    response = _bulk(client, [a, b, c], "2026440783a####")
    assert response.status_code == 302
    ordered = sorted([a, b, c], key=lambda e: e.uscc)
    assert _numbers(ordered[0]) == [(DesignationKind.tech_sme, "2026440783A0001")]
    assert _numbers(ordered[1]) == []
    # The held number is used up: the next firm takes the next one.
    assert _numbers(ordered[2]) == [(DesignationKind.tech_sme, "2026440783A0003")]
    page = client.get("/enterprises/").get_data(as_text=True)
    assert "已为 2 家企业添加认定" in page
    assert (f"已跳过 1 家：编号 2026440783A0002 已登记为 已有编号公司（{holder.uscc}）的“科技型中小企业”编号；"
            f"同一类认定的编号只能属于一家企业，请核对——{ordered[1].name}") in page


def test_bulk_numbering_does_not_name_a_holder_outside_the_officers_district(app, client) -> None:
    holder = EnterpriseFactory(name="鹤山持号公司", district="440784")
    DesignationFactory(enterprise=holder, kind=DesignationKind.tech_sme, valid_from=date(2026, 1, 1),
                       valid_to=date(2026, 12, 31), certificate_no="2026440783A0001")
    firm = EnterpriseFactory(name="开平新公司", district="440783")
    db.session.commit()
    OfficerFactory(username="kp")
    login(client, "kp")
    assert _bulk(client, [firm], "2026440783A####").status_code == 302
    assert _numbers(firm) == []
    page = client.get("/enterprises/").get_data(as_text=True)
    assert "编号 2026440783A0001 已登记为您管辖范围以外另一家企业的“科技型中小企业”编号" in page
    assert "鹤山持号公司" not in page


def test_bulk_numbering_without_a_running_number_for_several_firms_is_refused(app, client) -> None:
    a, b = EnterpriseFactory(), EnterpriseFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    response = _bulk(client, [a, b], "2026440783A0001")
    assert response.status_code == 422
    assert "编号规则中没有 #：所选企业将得到同一编号" in response.get_data(as_text=True)
    assert db.session.scalar(select(Designation)) is None
    # One firm may be given one fixed number.
    assert _bulk(client, [a], "2026440783A0001").status_code == 302
    assert _numbers(a) == [(DesignationKind.tech_sme, "2026440783A0001")]
