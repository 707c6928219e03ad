"""The English catalogue: complete, placeholder-safe, and used when English is chosen.

Chinese is the source language (the msgids); crm/translations/en holds English.
To update after adding UI strings:
    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k gettext -k ngettext:1,2 -k lazy_pgettext:1c,2 -o /tmp/messages.pot .
    .venv/bin/pybabel update -i /tmp/messages.pot -d crm/translations -l en
then translate the new entries (no fuzzy ones) and run `make translations`.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from crm.districts import DISTRICTS
from crm.extensions import db
from crm.models import DesignationKind, Enterprise, Industry, Role
from tests.conftest import csrf_token, login
from tests.factories import (
    AnnualReportFactory,
    DesignationFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    OfficerFactory,
    PlatformFactory,
    TalentFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "crm" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%%|%[sdr]")
CJK = re.compile(r"[\u4e00-\u9fff]")


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


# --- Labels, headers and choices of the main pages in English -----------------------------------

class _ControlTexts(HTMLParser):
    """The texts of every <label>, <th> and <option> of a page."""

    TAGS = ("label", "th", "option")

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, list[str]]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.TAGS:
            self.open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1][0] == tag:
            _tag, parts = self.open.pop()
            self.texts.append(" ".join("".join(parts).split()))

    def handle_data(self, data: str) -> None:
        for _tag, parts in self.open:
            parts.append(data)


def _untranslated_controls(page: str) -> list[str]:
    """Control texts still in Chinese once data (districts, industries, firm names) is taken out."""
    data = [*DISTRICTS.values(), *db.session.scalars(select(Industry.name)), *db.session.scalars(select(Enterprise.name))]
    data.sort(key=len, reverse=True)  # "开平市" before a shorter name inside it
    parser = _ControlTexts()
    parser.feed(page)
    left = []
    for text in parser.texts:
        stripped = text
        for value in data:
            stripped = stripped.replace(value, "")
        if CJK.search(stripped):
            left.append(text)
    return left


@pytest.fixture()
def showcase_firm() -> Enterprise:
    firm = EnterpriseFactory(district="440783", name="江门示范科技有限公司")
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech)
    AnnualReportFactory(enterprise=firm, year=2025)
    PlatformFactory(enterprise=firm)
    TalentFactory(enterprise=firm)
    return firm


def test_officer_firm_list_in_english(client: FlaskClient, showcase_firm: Enterprise) -> None:
    login(client, OfficerFactory(username="officer_list_en").username)
    page = _get(client, "/enterprises/?lang=en")
    assert _untranslated_controls(page) == []
    for text in ("Stage", "District", "Industry", "High-tech enterprise", "Not on the ladder", "Tech-based SME",
                 "Add a designation to all", "Revenue (10k yuan)"):
        assert text in page, text
    assert "高新技术企业" not in page and "未入梯队" not in page


def test_firm_page_and_its_forms_in_english(client: FlaskClient, showcase_firm: Enterprise) -> None:
    login(client, OfficerFactory(username="officer_firm_en").username)
    uscc = showcase_firm.uscc
    page = _get(client, f"/enterprises/{uscc}?lang=en")
    assert _untranslated_controls(page) == []
    assert "High-tech enterprise" in page
    assert "Engineering technology research centre" in page and "工程技术研究中心" not in page.replace("测试工程技术研究中心", "")
    for path, texts in (
        ("designations/new", ("Designation type", "Valid from", "Gazelle enterprise")),
        ("reports/new", ("Total assets (10k yuan)", "Employees (persons)", "Class I IP (items)")),
        ("platforms/new", ("Provincial", "Key laboratory")),
        ("talents/new", ("Pearl River Talent Programme", "Year selected")),
        ("support/new", ("Type of support", "Innovation voucher")),
        ("notes/new", ("Channel", "Visit")),
    ):
        form = _get(client, f"/enterprises/{uscc}/{path}?lang=en")
        assert _untranslated_controls(form) == [], path
        for text in texts:
            assert text in form, (path, text)


def test_firm_form_errors_in_english(client: FlaskClient, showcase_firm: Enterprise) -> None:
    login(client, OfficerFactory(username="officer_errors_en").username)
    path = f"/enterprises/{showcase_firm.uscc}/reports/new?lang=en"
    token = csrf_token(client, path)
    g.pop("_flask_babel", None)
    response = client.post(path, data={"csrf_token": token, "version_id": "", "year": "2024", "revenue": "-5",
                                       "employees": "abc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Revenue cannot be negative" in page
    assert "Please enter a whole number" in page
    assert "不能为负数" not in page


def test_dashboard_in_english(client: FlaskClient, showcase_firm: Enterprise) -> None:
    login(client, UserFactory(username="bureau_en", role=Role.bureau).username)
    page = _get(client, "/dashboard/?lang=en")
    assert _untranslated_controls(page) == []
    for text in ("High-tech enterprise", "High-tech enterprises", "Jiangmen 14th Five-Year S&T Innovation Plan"):
        assert text in page, text
    # The chart's data is English too (and still serialisable).
    assert "High-tech enterprise" in page.split("<script", 1)[-1]
    # Plan rows carry the plan table's (Chinese) names; a district without a plan shows computed ones.
    district = _get(client, "/dashboard/?lang=en&district=440703")
    assert _untranslated_controls(district) == []
    assert "High-tech enterprises" in district and "高新技术企业数量" not in district
    assert "高新技术企业数量" in _get(client, "/dashboard/?district=440703&lang=zh_CN")


def test_portal_standing_in_english(client: FlaskClient, showcase_firm: Enterprise) -> None:
    login(client, EnterpriseUserFactory(username="firm_en", enterprise=showcase_firm).username)
    page = _get(client, "/portal/standing?lang=en")
    assert _untranslated_controls(page) == []
    assert 'data-stage="hitech">High-tech enterprise<' in page
    assert "Gazelle candidate" in page and "瞪羚企业候选" not in page
    chinese = _get(client, "/portal/standing?lang=zh_CN")
    assert 'data-stage="hitech">高新技术企业<' in chinese


def test_labels_follow_the_request_language_and_default_to_chinese(app: Flask) -> None:
    """Label dicts are translated lazily; texts stored for others to read are rendered in Chinese."""
    from crm.ladder import STAGE_LABELS
    from crm.rules_catalogue import RULE_LABELS

    with app.test_request_context("/?lang=en"):
        g.pop("_flask_babel", None)
        assert str(STAGE_LABELS["hitech"]) == "High-tech enterprise"
        assert str(RULE_LABELS["gazelle_candidate"]) == "Gazelle candidate"
    g.pop("_flask_babel", None)
    assert str(STAGE_LABELS["hitech"]) == "高新技术企业"  # no request: jobs and CLI speak Chinese


def test_a_report_status_has_one_name_for_officers_firms_and_rules(app: Flask) -> None:
    from crm.models.annual_report import REPORT_STATUS_LABELS
    from crm.portal.services import STATUS_LABELS
    from crm.rules.facts import REPORT_STATUS_LABELS as RULE_TEXTS

    assert STATUS_LABELS is REPORT_STATUS_LABELS
    g.pop("_flask_babel", None)
    assert {status.value: str(label) for status, label in REPORT_STATUS_LABELS.items()} == RULE_TEXTS
