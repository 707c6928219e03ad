"""Officer forms and services refuse text longer than its column, with the column's own limit, in Chinese."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.enterprises.services import ValidationFailed, add_designation_to_all, create_enterprise
from crm.extensions import db
from crm.models import Designation, DesignationKind, Enterprise
from crm.uscc import make_uscc
from tests.conftest import login
from tests.enterprises.helpers import post_form
from tests.factories import EnterpriseFactory, OfficerFactory


def test_profile_edit_with_an_over_long_phone_is_422_and_stores_nothing(app, client) -> None:
    firm = EnterpriseFactory(contact_phone="0750-1234567")
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, f"/enterprises/{firm.uscc}/profile",
                         {"version_id": "1", "name": firm.name, "contact_phone": "1" * 51})
    assert response.status_code == 422
    assert "不能超过50个字符（现有51个）" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enterprise, firm.id).contact_phone == "0750-1234567"


def test_create_enterprise_refuses_over_long_text(app) -> None:
    with pytest.raises(ValidationFailed) as caught:
        create_enterprise(make_uscc("91440785MA4X00201"), "江" * 201, address="路" * 301, town="镇" * 50)
    assert set(caught.value.errors) == {"name", "address"}
    assert "200" in caught.value.errors["name"] and "300" in caught.value.errors["address"]


def test_bulk_numbering_that_outgrows_the_column_skips_the_firm(app) -> None:
    firms = [EnterpriseFactory() for _ in range(10)]
    officer = OfficerFactory()
    pattern = "1" * 63 + "#"  # fits the column until the tenth number needs two digits
    result = add_designation_to_all(firms, DesignationKind.tech_sme, firms[0].created_at.date(), None, pattern, officer)
    db.session.commit()
    assert len(result.done) == 9 and len(result.skipped) == 1
    assert "64" in result.skipped[0][1]
    numbers = db.session.scalars(select(Designation.certificate_no)).all()
    assert len(numbers) == 9 and max(len(n) for n in numbers) == 64
