"""The English catalogue: complete, placeholder-safe, and used when English is chosen.

Chinese is the source language (the msgids); crm/translations/en holds English.
To update after adding UI strings:
    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k gettext -k ngettext:1,2 -o /tmp/messages.pot .
    .venv/bin/pybabel update -i /tmp/messages.pot -d crm/translations -l en
then translate the new entries (no fuzzy ones) and run `make translations`.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.factories import EnterpriseFactory, OfficerFactory

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "crm" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%%|%[sdr]")


def _catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="en")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue() -> None:
    """`pytest` alone works: compile the English catalogue if the .mo is missing or stale."""
    if MO.exists() and MO.stat().st_mtime >= PO.stat().st_mtime:
        return
    with MO.open("wb") as f:
        write_mo(f, _catalog())


def _get(client: FlaskClient, path: str) -> str:
    # Tests run every request inside the fixture's one app context, so Flask-Babel's
    # per-context locale cache (g._flask_babel) must be cleared to let each request choose.
    g.pop("_flask_babel", None)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    catalog = _catalog()
    messages = [m for m in catalog if m.id]
    assert len(messages) > 500
    assert not catalog.fuzzy
    assert [m.id for m in messages if not m.string] == []
    assert [m.id for m in messages if m.fuzzy] == []


def test_placeholders_match() -> None:
    mismatched = [
        (m.id, m.string)
        for m in _catalog()
        if m.id and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))
    ]
    assert mismatched == []


def test_login_page_in_english_on_request_and_chinese_by_default(client: FlaskClient) -> None:
    english = _get(client, "/login?lang=en")
    assert '<html lang="en">' in english
    assert "Sign in" in english
    assert "Username" in english and "Password" in english
    assert "用户名" not in english

    chinese = _get(client, "/login")
    assert '<html lang="zh-CN">' in chinese
    assert "登录" in chinese and "用户名" in chinese
    assert "Sign in" not in chinese


def test_language_switch_is_remembered_in_the_session(client: FlaskClient) -> None:
    login(client, OfficerFactory(username="switcher").username)
    g.pop("_flask_babel", None)
    response = client.post("/lang/en", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    page = _get(client, "/")
    assert '<html lang="en">' in page and "Sign out" in page


def test_officer_home_page_in_english(client: FlaskClient) -> None:
    EnterpriseFactory(district="440783")
    login(client, OfficerFactory(username="officer_en").username)
    page = _get(client, "/?lang=en")
    assert '<html lang="en">' in page
    for text in ("Home", "Firms", "Sign out", "My account", "Reference date: "):
        assert text in page, text
    for chinese in ("首页", "退出", "我的账号", "统计日期"):
        assert chinese not in page, chinese
    assert "首页" in _get(client, "/")
