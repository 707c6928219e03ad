"""Pinyin search (issue 18, decision 7): every reading of a polyphonic character, character by
character; Latin runs whole; punctuation and brackets dropped."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from crm.models import Role
from crm.pinyin import MAX_LENGTH, MAX_READINGS, SEPARATOR, name_initials, search_initials
from tests.conftest import login
from tests.factories import EnterpriseFactory, OfficerFactory, UserFactory, issue_token


def _names(client, q: str) -> list[str]:
    page = client.get("/enterprises/?" + urlencode({"q": q})).get_data(as_text=True)
    return re.findall(r'<a href="/enterprises/[0-9A-Z]{18}">([^<]+)</a>', page)


def _api_total(client, token: str, q: str) -> int:
    response = client.get("/api/v1/enterprises?" + urlencode({"q": q}), headers={"Authorization": f"Bearer {token}"})
    return response.json["total"]


@pytest.mark.parametrize("name, reading", [
    ("开平市长城电器厂", "kpsccdqc"),  # 长 cháng; word segmentation reads 市长 "mayor": kpszcdqc
    ("开平市长城电器厂", "kpszcdqc"),
    ("（江门）恒力科技有限公司", "jmhlkjyxgs"),
    ("ABB（江门）工业有限公司", "abbjmgy"),
    ("江门市3D打印科技有限公司", "jms3ddykj"),
    ("ＡＢＣ１２３（中国）有限公司", "abc123zg"),  # full-width letters and digits read as Latin
])
def test_name_initials_hold_the_reading(name: str, reading: str) -> None:
    assert any(reading in stored for stored in name_initials(name).split(SEPARATOR))


def test_archaic_readings_are_left_out_and_brackets_dropped() -> None:
    # 有 wěi, 限 wěn, 司 cí, 市 fú are in the dictionary but in no word: one reading, not sixteen.
    assert name_initials("开平市甲新材料有限公司") == "kpsjxclyxgs"
    assert name_initials("（江门）恒力科技有限公司") == "jmhlkjyxgs"
    assert name_initials("江门(鹤山)乙厂") == name_initials("江门（鹤山）乙厂") == "jmhsyc"
    assert name_initials("ABB（江门）工业") == "abbjmgy"
    assert name_initials("") == "" and name_initials("（）") == ""


def test_many_polyphonic_characters_stay_within_the_cap() -> None:
    name = "台山市朝阳重工行长单乐会计都市长发展有限公司"
    readings = name_initials(name).split(SEPARATOR)
    assert len(readings) == MAX_READINGS and len(set(readings)) == MAX_READINGS
    assert len(SEPARATOR.join(readings)) <= MAX_LENGTH
    # First each character's most common reading, then the one word segmentation gives (会计 kuài).
    assert readings[0].startswith("tsszyzgxcdlhj")
    assert readings[1].startswith("tsszyzghzdlkj")
    long_name = "长" * 150  # too long for sixteen readings in the column: as many as fit
    stored = name_initials(long_name)
    assert len(stored) <= MAX_LENGTH and stored.split(SEPARATOR)[0] == "c" * 150


def test_a_search_is_letters_and_digits_only() -> None:
    assert search_initials(" （JM）hl ") == "jmhl"
    assert search_initials("江门hl") == ""  # Chinese: matched against the name, not the readings
    assert search_initials("100%_") == "100"
    assert SEPARATOR not in search_initials("kp sc cd")


def test_the_firm_list_finds_every_reading(app, client) -> None:
    great_wall = EnterpriseFactory(name="开平市长城电器厂")
    bracketed = EnterpriseFactory(name="（江门）恒力科技有限公司")
    latin = EnterpriseFactory(name="ABB（江门）工业有限公司")
    many = EnterpriseFactory(name="台山市朝阳重工行长单乐会计都市长发展有限公司")
    EnterpriseFactory(name="开平市永安机械厂")
    OfficerFactory(username="kp")
    login(client, "kp")
    assert _names(client, "kpsccdqc") == [great_wall.name]
    assert _names(client, "KPSZCDQC") == [great_wall.name]
    assert _names(client, "jmhlkj") == [bracketed.name]  # without the brackets
    assert _names(client, "（jm）hlkj") == [bracketed.name]
    assert _names(client, "abbjmgy") == [latin.name]  # the Latin run whole, then initials
    assert _names(client, "tsszyzgxcdlhjdscfzyxgs") == [many.name]  # the most common reading
    # A match lies within one reading, never across the separator of two.
    assert _names(client, "dqckps") == []


def test_the_api_finds_every_reading(app, client) -> None:
    great_wall = EnterpriseFactory(name="开平市长城电器厂")
    EnterpriseFactory(name="江门市长安科技有限公司")
    token = issue_token(UserFactory(role=Role.bureau))
    assert _api_total(client, token, "kpsccdqc") == 1
    assert _api_total(client, token, "kpszcdqc") == 1
    assert _api_total(client, token, "sccdq") == 1
    assert _api_total(client, token, "sc") == 2  # both readings of 市长 match, each within its reading
    assert great_wall.name_initials == "kpsccdqc kpszcdqc"


def test_a_rename_recomputes_the_readings(app) -> None:
    from crm.extensions import db

    firm = EnterpriseFactory(name="开平市甲厂")
    firm.name = "开平市长城电器厂"
    db.session.flush()
    assert firm.name_initials == "kpsccdqc kpszcdqc"


def test_the_migration_recomputes_every_firm_and_keeps_what_refers_to_it(tmp_path: Path, capsys) -> None:
    """0019 widens the column without copying the table (a copy would cascade-delete every
    firm's records on SQLite) and recomputes the readings; the downgrade keeps the first."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import create_engine, text

    from crm import create_app

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp_path / "uploads")})
    with app.app_context():
        upgrade(revision="0018_state_indexes")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO district (code, name) VALUES ('440783', '开平市')"))
            for firm_id, name, old in ((1, "开平市长城电器厂", "kpszcdqc"), (2, "（江门）恒力科技有限公司", "（jm）hlkjyxgs"),
                                       (3, "开平市甲新材料有限公司", "kpsjxclyxgs")):
                conn.execute(text(
                    "INSERT INTO enterprise (id, uscc, name, name_initials, district_code, district_overridden,"
                    " above_size, created_at, updated_at, version_id) VALUES (:id, :uscc, :name, :old, '440783',"
                    " false, false, '2026-01-01', '2026-01-01', 1)"),
                    {"id": firm_id, "uscc": f"91440783MA51AB0C{firm_id}X", "name": name, "old": old})
            conn.execute(text("INSERT INTO former_name (enterprise_id, name, created_at, updated_at)"
                              " VALUES (1, '开平市旧名厂', '2026-01-01', '2026-01-01')"))
        capsys.readouterr()
        upgrade(revision="0019_pinyin_readings")
        assert "recomputed the search initials of 3 firms" in capsys.readouterr().out
        with engine.connect() as conn:
            stored = dict(conn.execute(text("SELECT id, name_initials FROM enterprise")).all())
            assert conn.execute(text("SELECT count(*) FROM former_name")).scalar() == 1
            indexes = {row[1] for row in conn.execute(text("PRAGMA index_list('enterprise')"))}
        assert stored == {1: "kpsccdqc kpszcdqc", 2: "jmhlkjyxgs", 3: "kpsjxclyxgs"}
        assert "ix_enterprise_name_initials" in indexes
        downgrade(revision="0018_state_indexes")
        with engine.connect() as conn:
            stored = dict(conn.execute(text("SELECT id, name_initials FROM enterprise")).all())
            assert conn.execute(text("SELECT count(*) FROM former_name")).scalar() == 1
        assert stored == {1: "kpsccdqc", 2: "jmhlkjyxgs", 3: "kpsjxclyxgs"}
        engine.dispose()
        from crm.extensions import db

        db.engine.dispose()
