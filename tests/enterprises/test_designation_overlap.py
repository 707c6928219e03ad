"""A firm never gets a second designation of one kind for an overlapping period, in bulk or one by one."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.extensions import db
from crm.models import Designation, DesignationKind
from tests.conftest import login
from tests.enterprises.helpers import post_form
from tests.factories import DesignationFactory, EnterpriseFactory, OfficerFactory


def _tech_sme(firm, start: date, end: date) -> Designation:  # noqa: ANN001
    return DesignationFactory(enterprise=firm, kind=DesignationKind.tech_sme, valid_from=start, valid_to=end)


def _designations(firm) -> list[tuple[date, date]]:  # noqa: ANN001
    db.session.expire_all()
    return sorted(
        (d.valid_from, d.valid_to)
        for d in db.session.scalars(select(Designation).where(Designation.enterprise_id == firm.id))
    )


def test_bulk_skips_a_firm_holding_an_overlapping_designation_and_names_it(app, client) -> None:
    holder, other = EnterpriseFactory(name="已入库公司"), EnterpriseFactory(name="新入库公司")
    _tech_sme(holder, date(2026, 5, 14), date(2026, 12, 31))
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, "/enterprises/bulk", {
        "action": "designation", "ids": [holder.id, other.id], "kind": "tech_sme",
        "valid_from": "2026-06-01", "valid_to": "2026-12-31",
    }, token_from="/enterprises/")
    assert response.status_code == 302
    assert _designations(holder) == [(date(2026, 5, 14), date(2026, 12, 31))]
    assert _designations(other) == [(date(2026, 6, 1), date(2026, 12, 31))]
    page = client.get("/enterprises/").get_data(as_text=True)
    assert "已为 1 家企业添加认定" in page
    assert "已跳过 1 家：已持有该认定（有效期重叠）——已入库公司" in page


def test_bulk_adds_a_later_period_and_another_kind(app, client) -> None:
    firm = EnterpriseFactory()
    _tech_sme(firm, date(2025, 5, 1), date(2025, 12, 31))
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2026, 1, 1), valid_to=date(2028, 12, 31))
    OfficerFactory(username="kp")
    login(client, "kp")
    post_form(client, "/enterprises/bulk", {"action": "designation", "ids": [firm.id], "kind": "tech_sme",
                                            "valid_from": "2026-05-01"}, token_from="/enterprises/")
    assert _designations(firm)[-1] == (date(2026, 5, 1), date(2026, 12, 31))
    assert len(_designations(firm)) == 3


def test_the_designation_form_refuses_an_overlap_at_the_field(app, client) -> None:
    firm = EnterpriseFactory()
    _tech_sme(firm, date(2026, 5, 14), date(2026, 12, 31))
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, f"/enterprises/{firm.uscc}/designations/new", {
        "kind": "tech_sme", "valid_from": "2026-06-01", "valid_to": "", "certificate_no": "T-9",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "已持有该认定（有效期重叠）：2026-05-14 至 2026-12-31" in page
    assert 'value="2026-06-01"' in page and 'value="T-9"' in page
    assert _designations(firm) == [(date(2026, 5, 14), date(2026, 12, 31))]


def test_editing_a_designation_does_not_overlap_itself(app, client) -> None:
    firm = EnterpriseFactory()
    held = _tech_sme(firm, date(2026, 5, 14), date(2026, 12, 31))
    later = _tech_sme(firm, date(2027, 5, 1), date(2027, 12, 31))
    OfficerFactory(username="kp")
    login(client, "kp")
    url = f"/enterprises/{firm.uscc}/designations/{held.id}"
    response = post_form(client, url, {
        "kind": "tech_sme", "valid_from": "2026-06-01", "valid_to": "2026-12-31",
        "version_id": str(held.version_id),
    })
    assert response.status_code == 302
    assert _designations(firm) == [(date(2026, 6, 1), date(2026, 12, 31)), (date(2027, 5, 1), date(2027, 12, 31))]
    # ...but stretching it into the next one is an overlap.
    held = db.session.get(Designation, held.id)
    response = post_form(client, url, {
        "kind": "tech_sme", "valid_from": "2026-06-01", "valid_to": "2027-06-30",
        "version_id": str(held.version_id),
    })
    assert response.status_code == 422
    assert "已持有该认定（有效期重叠）：2027-05-01 至 2027-12-31" in response.get_data(as_text=True)
    assert later.id in {d.id for d in db.session.scalars(select(Designation))}
