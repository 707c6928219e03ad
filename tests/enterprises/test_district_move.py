"""A firm moved to another district loses its town (issue 18, decision 5): the profile form asks
for the new district's town and refuses the old one; the bureau's set_district and imports clear it."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

from crm.extensions import db
from crm.imports.services import import_file, rollback_batch
from crm.models import Enterprise, ImportBatch, Town
from crm.uscc import make_uscc
from tests.conftest import login
from tests.enterprises.helpers import post_form
from tests.factories import EnterpriseFactory, UserFactory
from tests.importers.helpers import xlsx_bytes

KAIPING, HESHAN = "440783", "440784"
OLD_TOWN_REFUSED = "镇街/园区：“水口镇”是开平市的镇街/园区，企业迁至鹤山市后请填写鹤山市的镇街/园区，或留空"


def _stored(firm: Enterprise) -> Enterprise:
    db.session.expire_all()
    return db.session.get(Enterprise, firm.id)


def _district_shown(client: FlaskClient, firm: Enterprise) -> str:
    """What the firm page says under 所属区（市） (district · town); the audit trail below keeps the old town."""
    page = client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True)
    shown = re.search(r"所属区（市）</dt><dd[^>]*>(.*?)</dd>", page, re.S)
    assert shown, "no district on the firm page"
    return re.sub(r"<[^>]+>", "", shown.group(1)).strip()


def _move(client: FlaskClient, firm: Enterprise, town: str, district: str = HESHAN, version: str = "1"):  # noqa: ANN202
    return post_form(client, f"/enterprises/{firm.uscc}/profile",
                     {"version_id": version, "name": firm.name, "district_code": district, "town": town})


def test_moving_with_the_old_town_is_refused_at_the_field(app, client) -> None:
    firm = EnterpriseFactory(district=KAIPING, town="水口镇")
    UserFactory(username="city")
    login(client, "city")
    response = _move(client, firm, "水口镇")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert OLD_TOWN_REFUSED in page
    stored = _stored(firm)
    assert (stored.district_code, stored.town) == (KAIPING, "水口镇")


def test_moving_with_a_town_of_the_new_district_succeeds_and_the_firm_page_shows_it(app, client) -> None:
    firm = EnterpriseFactory(district=KAIPING, town="水口镇")
    EnterpriseFactory(district=HESHAN, town="沙坪街道")  # a town recorded in Heshan: offered on the form
    UserFactory(username="city")
    login(client, "city")
    refused = _move(client, firm, "水口镇").get_data(as_text=True)
    assert '<option value="沙坪街道">' in refused and '<option value="水口镇">' not in refused
    assert _move(client, firm, " 沙坪街道 ").status_code == 302
    stored = _stored(firm)
    assert (stored.district_code, stored.town) == (HESHAN, "沙坪街道")
    assert _district_shown(client, firm) == "鹤山市 · 沙坪街道 人工指定"


def test_moving_without_a_town_clears_it_and_says_so(app, client) -> None:
    firm = EnterpriseFactory(district=KAIPING, town="水口镇")
    UserFactory(username="city")
    login(client, "city")
    response = _move(client, firm, "")
    assert response.status_code == 302
    assert _stored(firm).town is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "原镇街/园区“水口镇”已清除，请补填鹤山市的镇街/园区" in page
    assert _district_shown(client, firm) == "鹤山市 人工指定"


def test_where_the_reference_lists_the_new_districts_towns_the_town_must_be_one_of_them(app, client) -> None:
    firm = EnterpriseFactory(district=KAIPING, town="水口镇")
    db.session.add_all([Town(district_code=HESHAN, name="沙坪街道"), Town(district_code=HESHAN, name="共和镇")])
    db.session.commit()
    UserFactory(username="city")
    login(client, "city")
    response = _move(client, firm, "杜阮镇")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "镇街/园区：“杜阮镇”不是鹤山市的镇街/园区；请选择鹤山市的镇街/园区，或留空" in page
    assert '<option value="共和镇">' in page
    assert _move(client, firm, "共和镇").status_code == 302
    assert _stored(firm).town == "共和镇"


def test_editing_without_a_move_keeps_the_town_free(app, client) -> None:
    firm = EnterpriseFactory(district=KAIPING, town="水口镇")
    UserFactory(username="city")
    login(client, "city")
    assert _move(client, firm, "水口镇", district=KAIPING).status_code == 302
    assert _stored(firm).town == "水口镇"


def test_the_bureaus_set_district_clears_the_town(app) -> None:
    from crm.enterprises.services import set_district

    firm = EnterpriseFactory(district=KAIPING, town="水口镇")
    city = UserFactory(username="city")
    set_district(firm, HESHAN, city)
    db.session.commit()
    stored = _stored(firm)
    assert (stored.district_code, stored.town) == (HESHAN, None)


def test_an_import_that_moves_a_firm_clears_its_town_unless_the_sheet_gives_one(app) -> None:
    user = UserFactory(username="bureau")
    moved = EnterpriseFactory(uscc=make_uscc("91440783MA5000001"), district=HESHAN, town="沙坪街道")
    given = EnterpriseFactory(uscc=make_uscc("91440783MA5000002"), district=HESHAN, town="沙坪街道")
    stays = EnterpriseFactory(uscc=make_uscc("91440783MA5000003"), district=KAIPING, town="长沙街道")
    db.session.commit()
    rows = [["企业名称", "统一社会信用代码", "年度", "营业收入", "所在镇街（园区）"],
            [moved.name, moved.uscc, 2025, 100, ""],
            [given.name, given.uscc, 2025, 100, "水口镇"],
            [stays.name, stays.uscc, 2025, 100, ""]]
    result = import_file(xlsx_bytes(rows), "x.xlsx", user=user)
    assert result.rejected == 0
    assert (_stored(moved).district_code, _stored(moved).town) == (KAIPING, None)
    assert (_stored(given).district_code, _stored(given).town) == (KAIPING, "水口镇")
    assert _stored(stays).town == "长沙街道"
    rollback_batch(db.session.get(ImportBatch, result.batch_id), user)
    assert (_stored(moved).district_code, _stored(moved).town) == (HESHAN, "沙坪街道")
