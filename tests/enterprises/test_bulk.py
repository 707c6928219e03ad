"""Bulk actions on a selection: add a designation, assign to a colleague, export."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from crm.extensions import db
from crm.models import Designation, DesignationKind, Enterprise
from tests.conftest import login
from tests.enterprises.helpers import post_form, xlsx_rows
from tests.factories import EnterpriseFactory, OfficerFactory, UserFactory


def test_bulk_designation_with_numbering(app, client) -> None:
    a, b, c = (EnterpriseFactory(name=n) for n in ("甲", "乙", "丙"))
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, "/enterprises/bulk", {
        "action": "designation", "ids": [a.id, b.id], "kind": "tech_sme", "valid_from": "2026-05-01",
        "valid_to": "", "certificate_pattern": "20264407830####",
    }, token_from="/enterprises/")
    assert response.status_code == 302
    rows = db.session.scalars(select(Designation).order_by(Designation.certificate_no)).all()
    assert {(d.enterprise_id, d.kind) for d in rows} == {(a.id, DesignationKind.tech_sme), (b.id, DesignationKind.tech_sme)}
    assert sorted(d.certificate_no for d in rows) == ["202644078300001", "202644078300002"]
    assert all(d.valid_to == date(2026, 12, 31) for d in rows)
    # Running it again skips firms that already hold it.
    post_form(client, "/enterprises/bulk", {
        "action": "designation", "ids": [a.id, c.id], "kind": "tech_sme", "valid_from": "2026-05-01",
    }, token_from="/enterprises/")
    assert db.session.scalar(select(Designation).where(Designation.enterprise_id == c.id)) is not None
    assert len(db.session.scalars(select(Designation).where(Designation.enterprise_id == a.id)).all()) == 1


def test_bulk_designation_needs_its_fields(app, client) -> None:
    a = EnterpriseFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    b = EnterpriseFactory()
    response = post_form(client, "/enterprises/bulk", {
        "action": "designation", "ids": [a.id], "kind": "", "certificate_pattern": "2026####",
        "next": "/enterprises/?above_size=0",
    }, token_from="/enterprises/")
    # The list again, each message at its field, with what was chosen and ticked kept.
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    kind_field = page[page.index('id="kind"'):]
    assert kind_field.index("请选择认定类型") < kind_field.index('id="valid_from"')
    assert re.search(r'id="valid_from"[^>]*>\s*<div class="invalid-feedback d-block">请填写生效日期</div>', page)
    assert re.search(r'<option selected value="designation">', page)
    assert 'value="2026####"' in page
    assert re.search(rf'name="ids" value="{a.id}" form="bulk" checked', page)
    assert not re.search(rf'name="ids" value="{b.id}" form="bulk" checked', page)
    assert '<input type="hidden" name="next" value="/enterprises/?above_size=0">' in page
    assert db.session.scalar(select(Designation)) is None
    # Nothing ticked: said above the list, not lost in a redirect.
    response = post_form(client, "/enterprises/bulk", {"action": "export"}, token_from="/enterprises/")
    assert response.status_code == 422 and "请先勾选企业" in response.get_data(as_text=True)


def test_assign_to_colleague_of_same_district_only(app, client) -> None:
    a, b = EnterpriseFactory(), EnterpriseFactory()
    OfficerFactory(username="kp")
    colleague = OfficerFactory(username="kp2")
    stranger = OfficerFactory(username="hs", district_code="440784")
    city = UserFactory(username="city")
    login(client, "kp")
    listing = client.get("/enterprises/").get_data(as_text=True)
    assert f'value="{colleague.id}"' in listing
    # Neither another district's officer nor bureau staff are colleagues to assign to.
    assert f'value="{stranger.id}"' not in listing and f'value="{city.id}"' not in listing
    response = post_form(client, "/enterprises/bulk", {"action": "assign", "ids": [a.id, b.id], "officer_id": colleague.id},
                         token_from="/enterprises/")
    assert response.status_code == 302
    db.session.expire_all()
    assert {e.assigned_officer_id for e in db.session.scalars(select(Enterprise))} == {colleague.id}
    stranger.display_name = "鹤山某专员"
    db.session.commit()
    response = post_form(client, "/enterprises/bulk", {"action": "assign", "ids": [a.id], "officer_id": stranger.id},
                         token_from="/enterprises/")
    db.session.expire_all()
    assert db.session.get(Enterprise, a.id).assigned_officer_id == colleague.id
    page = response.get_data(as_text=True)
    # Another district's officer is not found (at the field), and their name is not shown.
    assert response.status_code == 422
    assert '<div class="invalid-feedback d-block">未找到该同事</div>' in page and "鹤山某专员" not in page
    response = post_form(client, "/enterprises/bulk", {"action": "assign", "ids": [a.id], "officer_id": city.id},
                         token_from="/enterprises/")
    db.session.expire_all()
    assert db.session.get(Enterprise, a.id).assigned_officer_id == colleague.id
    assert response.status_code == 422
    assert "只能分配给在职的区（市）科技部门专员" in response.get_data(as_text=True)


def test_bureau_staff_see_the_officers_of_the_listed_firms_districts(app, client) -> None:
    EnterpriseFactory(district="440783")
    kaiping = OfficerFactory(username="kp", display_name="开平专员")
    retired = OfficerFactory(username="kp-old", active=False)
    heshan = OfficerFactory(username="hs", district_code="440784")
    city = UserFactory(username="city")
    UserFactory(username="city2")
    login(client, "city")
    listing = client.get("/enterprises/").get_data(as_text=True)
    assert f'value="{kaiping.id}"' in listing and "开平专员（开平市）" in listing
    for absent in (retired, heshan, city):
        assert f'value="{absent.id}"' not in listing, absent.username
    # Filtered to 鹤山, the 鹤山 officer is offered.
    assert f'value="{heshan.id}"' in client.get("/enterprises/?district=440784").get_data(as_text=True)


def test_bulk_on_another_districts_firm_is_404(app, client) -> None:
    other = EnterpriseFactory(district="440784")
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, "/enterprises/bulk", {"action": "designation", "ids": [other.id], "kind": "tech_sme",
                                                       "valid_from": "2026-05-01"}, token_from="/enterprises/")
    assert response.status_code == 404
    assert db.session.scalar(select(Designation)) is None


def test_export_selection(app, client) -> None:
    a, b, _ = (EnterpriseFactory(name=n) for n in ("甲", "乙", "丙"))
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, "/enterprises/bulk", {"action": "export", "ids": [b.id, a.id]}, token_from="/enterprises/")
    assert response.status_code == 200
    assert [r[1] for r in xlsx_rows(response.data)[1:]] == ["乙", "甲"]


def test_a_selection_with_one_foreign_firm_touches_nothing(app, client) -> None:
    mine = EnterpriseFactory(district="440783")
    other = EnterpriseFactory(district="440784")
    colleague = OfficerFactory(username="kp2", district_code="440783")
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    for data in (
        {"action": "designation", "kind": "tech_sme", "valid_from": "2026-05-01"},
        {"action": "assign", "officer_id": colleague.id},
        {"action": "export"},
    ):
        response = post_form(client, "/enterprises/bulk", {**data, "ids": [mine.id, other.id]}, token_from="/enterprises/")
        assert response.status_code == 404, data["action"]
    db.session.expire_all()
    assert db.session.scalar(select(Designation)) is None
    assert {e.assigned_officer_id for e in db.session.scalars(select(Enterprise))} == {None}


def test_after_a_bulk_action_only_a_path_of_this_site_is_followed(app, client) -> None:
    a = EnterpriseFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    for target in ("/\\evil.example", "//evil.example", "https://evil.example/"):
        response = post_form(client, "/enterprises/bulk", {
            "action": "designation", "ids": [a.id], "kind": "tech_micro", "valid_from": "2026-01-01", "next": target,
        }, token_from="/enterprises/")
        assert response.status_code == 302
        assert response.headers["Location"] in ("/enterprises/", "http://localhost/enterprises/"), target
    response = post_form(client, "/enterprises/bulk", {
        "action": "export", "ids": [], "next": "/\\evil.example?q=x",
    }, token_from="/enterprises/")
    assert response.status_code == 422 and "evil.example" not in response.get_data(as_text=True)
