"""Coded selects on the firm's record forms: a new record's start at （请选择） and must be chosen;
editing keeps the stored value selected."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.clock import today
from crm.extensions import db
from crm.models import (
    ContactNote,
    Designation,
    DesignationKind,
    Honour,
    Platform,
    SupportRecord,
    Talent,
)
from crm.models.contact import ContactKind
from crm.models.platform import PlatformKind, PlatformLevel
from crm.models.support import HonourKind, SupportKind
from crm.models.talent import TalentCategory, TalentProgramme
from tests.conftest import login
from tests.enterprises.helpers import post_form
from tests.factories import (
    ContactNoteFactory,
    DesignationFactory,
    EnterpriseFactory,
    HonourFactory,
    OfficerFactory,
    PlatformFactory,
    SupportRecordFactory,
    TalentFactory,
)

# kind in the URL, model, {select: message when unchosen}, the other fields typed (kept on refusal).
NEW_RECORDS = [
    ("designations", Designation, {"kind": "请选择认定类型"},
     {"valid_from": "2025-03-01", "certificate_no": "GR2025440099"}),
    ("platforms", Platform, {"kind": "请选择研发机构/载体的类型", "level": "请选择研发机构/载体的级别"},
     {"name": "恒力工程技术研究中心", "recognized_on": "2024-06-01"}),
    ("talents", Talent, {"category": "请选择人才/团队的类别", "programme": "请选择人才计划（没有对应计划的选“其他”）"},
     {"name": "李博士团队", "year": "2023"}),
    ("support", SupportRecord, {"kind": "请选择支持方式"},
     {"programme": "研发费用后补助", "amount": "12.5", "granted_on": "2024-09-01"}),
    ("honours", Honour, {"kind": "请选择荣誉与奖励的类别"}, {"title": "江门市科技进步奖", "year": "2024"}),
    ("notes", ContactNote, {"kind": "请选择联系方式"}, {"happened_on": "2025-02-03", "note": "电话了解研发投入"}),
]


def _select(page: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, name
    return match.group(1)


def _selected_values(select_html: str) -> list[str]:
    tags = re.findall(r"<option[^>]*>", select_html)
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in tags if re.search(r"\bselected\b", tag)]


def _feedback_after(page: str, name: str) -> str:
    """The field's block: from its select to the next field's label."""
    start = page.index(f'name="{name}"')
    end = page.find("<label", start)
    return page[start:end if end != -1 else None]


@pytest.fixture()
def firm(app, client):  # noqa: ANN201
    firm = EnterpriseFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    return firm


@pytest.mark.parametrize(("kind", "model", "selects", "typed"), NEW_RECORDS, ids=[r[0] for r in NEW_RECORDS])
def test_a_new_records_coded_selects_start_unchosen(client, firm, kind, model, selects, typed) -> None:
    page = client.get(f"/enterprises/{firm.uscc}/{kind}/new").get_data(as_text=True)
    for name in selects:
        options = _select(page, name)
        # The prompt comes first and is the only option selected: nothing real is assumed.
        assert re.match(r'\s*<option[^>]*value=""[^>]*>（请选择）</option>', options), (kind, name)
        assert _selected_values(options) == [""], (kind, name)


@pytest.mark.parametrize(("kind", "model", "selects", "typed"), NEW_RECORDS, ids=[r[0] for r in NEW_RECORDS])
def test_a_new_record_left_unchosen_is_refused_at_the_field_and_keeps_what_was_typed(
        client, firm, kind, model, selects, typed) -> None:
    url = f"/enterprises/{firm.uscc}/{kind}/new"
    response = post_form(client, url, {**{name: "" for name in selects}, **typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for name, message in selects.items():
        block = _feedback_after(page, name)
        assert "is-invalid" in page[page.rindex("<select", 0, page.index(f'name="{name}"')):page.index(f'name="{name}"')]
        assert f'<div class="invalid-feedback d-block">{message}</div>' in block, (kind, name)
    for name, value in typed.items():
        if name == "note":
            assert re.search(rf"<textarea[^>]*>\s*{value}</textarea>", page)
        else:
            assert f'value="{value}"' in page, (kind, name)
    assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_a_skipped_support_kind_no_longer_records_a_subsidy(client, firm) -> None:
    # Post the form as the browser would with the select left alone: before, that was 财政补助, stored unchosen.
    url = f"/enterprises/{firm.uscc}/support/new"
    shown = _selected_values(_select(client.get(url).get_data(as_text=True), "kind"))[0]
    typed = {"programme": "创新券", "amount": "5", "granted_on": "2024-09-01"}
    response = post_form(client, url, {"kind": shown, **typed})
    assert response.status_code == 422
    assert db.session.scalar(select(SupportRecord)) is None
    response = post_form(client, url, {"kind": "voucher", **typed})
    assert response.status_code == 302
    assert db.session.scalar(select(SupportRecord)).kind is SupportKind.voucher


def test_new_contact_note_and_report_keep_their_sensible_defaults(client, firm) -> None:
    page = client.get(f"/enterprises/{firm.uscc}/notes/new").get_data(as_text=True)
    assert re.search(rf'<input[^>]*name="happened_on"[^>]*value="{today().isoformat()}"', page)
    page = client.get(f"/enterprises/{firm.uscc}/reports/new").get_data(as_text=True)
    assert re.search(rf'<input[^>]*name="year"[^>]*value="{today().year - 1}"', page)


def _stored_records(firm):  # noqa: ANN202 - (kind, record, {select: stored code}) with codes that are not first
    return [
        ("designations", DesignationFactory(enterprise=firm, kind=DesignationKind.gazelle), {"kind": "gazelle"}),
        ("platforms", PlatformFactory(enterprise=firm, kind=PlatformKind.key_lab, level=PlatformLevel.provincial),
         {"kind": "key_lab", "level": "provincial"}),
        ("talents", TalentFactory(enterprise=firm, category=TalentCategory.doctor, programme=TalentProgramme.other),
         {"category": "doctor", "programme": "other"}),
        ("support", SupportRecordFactory(enterprise=firm, kind=SupportKind.loan), {"kind": "loan"}),
        ("honours", HonourFactory(enterprise=firm, kind=HonourKind.led_industry_standard),
         {"kind": "led_industry_standard"}),
        ("notes", ContactNoteFactory(enterprise=firm, kind=ContactKind.call, happened_on=date(2025, 3, 1)),
         {"kind": "call"}),
    ]


def test_editing_keeps_the_stored_value_selected(client, firm) -> None:
    for kind, record, stored in _stored_records(firm):
        page = client.get(f"/enterprises/{firm.uscc}/{kind}/{record.id}").get_data(as_text=True)
        for name, code in stored.items():
            assert _selected_values(_select(page, name)) == [code], (kind, name)


def test_saving_an_edit_unchanged_keeps_the_stored_code(client, firm) -> None:
    note = ContactNoteFactory(enterprise=firm, kind=ContactKind.call, happened_on=date(2025, 3, 1), note="第一次")
    url = f"/enterprises/{firm.uscc}/notes/{note.id}"
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version_id" type="hidden" value="([^"]*)"', page).group(1)
    kind = _selected_values(_select(page, "kind"))[0]
    response = post_form(client, url, {"version_id": version, "kind": kind, "happened_on": "2025-03-01", "note": "改了内容"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(ContactNote, note.id)
    assert stored.kind is ContactKind.call and stored.note == "改了内容"


def test_bulk_designation_kind_starts_at_the_same_prompt(client, firm) -> None:
    page = client.get("/enterprises/").get_data(as_text=True)
    options = _select(page, "kind")
    assert re.match(r'\s*<option[^>]*value=""[^>]*>（请选择）</option>', options)
    assert _selected_values(options) == [""]
    assert _selected_values(_select(page, "officer_id")) == ["0"]
