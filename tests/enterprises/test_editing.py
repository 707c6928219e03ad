"""Editing a firm's records: validation at the field, optimistic locking, audit, scope, CSRF."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from crm.extensions import db
from crm.models import AnnualReport, AuditLog, ContactNote, Designation, Enterprise
from tests.conftest import csrf_token, login
from tests.enterprises.helpers import post_form
from tests.factories import (
    AnnualReportFactory,
    EnterpriseFactory,
    OfficerFactory,
    UserFactory,
)

REPORT_FIELDS = {
    "year": "2025", "revenue": "3000", "total_revenue": "3100", "rd_expense": "180", "rd_expense_domestic": "180",
    "hitech_revenue": "2200", "total_assets": "5000", "net_assets": "2500", "net_profit": "300",
    "total_costs": "2600", "employees": "120", "tech_staff": "25", "rd_staff": "18", "ip_class1": "2",
    "ip_class2": "6", "change_explanation": "",
}


def _report_url(report: AnnualReport) -> str:
    return f"/enterprises/{report.enterprise.uscc}/reports/{report.id}"


def test_invalid_figures_are_refused_at_the_field_and_nothing_changes(app, client) -> None:
    report = AnnualReportFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    url = _report_url(report)
    response = post_form(client, url, {**REPORT_FIELDS, "version_id": "1", "revenue": "-5", "tech_staff": "121"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "营业收入不能为负数" in page
    assert "科技人员数不得超过职工总数" in page
    assert 'value="-5"' in page and 'value="121"' in page  # what the person typed is kept
    db.session.expire_all()
    stored = db.session.get(AnnualReport, report.id)
    assert stored.revenue == Decimal("3000") and stored.tech_staff == 25


def test_text_in_a_number_field_and_a_bad_date(app, client) -> None:
    firm = EnterpriseFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, f"/enterprises/{firm.uscc}/support/new",
                         {"kind": "subsidy", "programme": "补助", "amount": "十万", "granted_on": "2024/13/01"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请输入数字（单位：万元）" in page and "日期格式应为 YYYY-MM-DD" in page
    assert 'value="十万"' in page


def test_separators_that_group_no_three_digits_are_refused_not_guessed(app, client) -> None:
    report = AnnualReportFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    url = _report_url(report)
    response = post_form(client, url, {**REPORT_FIELDS, "version_id": "1", "revenue": "1,23", "rd_expense": "12 34",
                                       "employees": "1,20"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count("逗号不是千位分隔符") == 2 and "空格不是千位分隔符" in page
    assert 'value="1,23"' in page and 'value="12 34"' in page
    db.session.expire_all()
    stored = db.session.get(AnnualReport, report.id)
    assert stored.revenue == Decimal("3000") and stored.rd_expense == Decimal("180") and stored.employees == 120
    # Real separators, full-width digits and the field's own unit are read.
    response = post_form(client, url, {**REPORT_FIELDS, "version_id": "1", "revenue": "３，２１０．５",
                                       "total_revenue": "3 300", "rd_expense": "190万元", "employees": "1,200人"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(AnnualReport, report.id)
    assert (stored.revenue, stored.total_revenue, stored.rd_expense, stored.employees) == (
        Decimal("3210.5"), Decimal("3300"), Decimal("190"), 1200)
    # Another unit, or a "not reported" marker, is not silently read.
    response = post_form(client, url, {**REPORT_FIELDS, "version_id": "2", "revenue": "3000元", "rd_expense": "无"})
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("请输入数字（单位：万元）") == 2


def test_saving_a_figure_writes_the_audit_trail(app, client) -> None:
    report = AnnualReportFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, _report_url(report), {**REPORT_FIELDS, "version_id": "1", "revenue": "3,050.5"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(AnnualReport, report.id)
    assert stored.revenue == Decimal("3050.5") and stored.version_id == 2
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "annual_report", AuditLog.entity_id == report.id,
                               AuditLog.action == "update")
    ).one()
    assert entry.actor == "kp" and entry.enterprise_id == report.enterprise_id
    assert entry.changes == {"revenue": ["3000", "3050.5"]}
    page = client.get(f"/enterprises/{report.enterprise.uscc}").get_data(as_text=True)
    assert "3000 → 3050.5" in page


def test_a_stale_save_shows_the_conflict_and_keeps_the_other_edit(app, client) -> None:
    report = AnnualReportFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    # Another officer saved first: the record is now at version 2.
    report.revenue = Decimal("4000")
    db.session.commit()
    response = post_form(client, _report_url(report), {**REPORT_FIELDS, "version_id": "1", "revenue": "3033"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "该记录已被他人修改" in page and 'value="3033"' in page
    db.session.expire_all()
    assert db.session.get(AnnualReport, report.id).revenue == Decimal("4000")


def test_stale_profile_and_unversioned_records_conflict_too(app, client) -> None:
    firm = EnterpriseFactory(name="原名")
    OfficerFactory(username="kp")
    login(client, "kp")
    firm.name = "别人改的名"
    db.session.commit()
    response = post_form(client, f"/enterprises/{firm.uscc}/profile", {"version_id": "1", "name": "我改的名"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Enterprise, firm.id).name == "别人改的名"

    note = ContactNote(enterprise_id=firm.id, kind="visit", happened_on=date(2025, 1, 2), note="第一次")
    db.session.add(note)
    db.session.commit()
    url = f"/enterprises/{firm.uscc}/notes/{note.id}"
    token_page = client.get(url).get_data(as_text=True)
    import re

    version = re.search(r'name="version_id" type="hidden" value="([^"]*)"', token_page).group(1)
    note.note = "同事先改了"
    db.session.commit()
    response = post_form(client, url, {"version_id": version, "kind": "visit", "happened_on": "2025-01-02", "note": "我的修改"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(ContactNote, note.id).note == "同事先改了"


def test_officer_cannot_move_a_firm_but_bureau_can(app, client) -> None:
    firm = EnterpriseFactory()
    OfficerFactory(username="kp")
    UserFactory(username="city")
    login(client, "kp")
    response = post_form(client, f"/enterprises/{firm.uscc}/profile",
                         {"version_id": "1", "name": firm.name, "district_code": "440784", "town": "水口镇"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Enterprise, firm.id)
    assert stored.district_code == "440783" and stored.town == "水口镇"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/enterprises/")})
    login(client, "city")
    response = post_form(client, f"/enterprises/{firm.uscc}/profile",
                         {"version_id": "2", "name": firm.name, "district_code": "440784"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Enterprise, firm.id)
    assert stored.district_code == "440784" and stored.district_overridden is True


def test_add_and_delete_designation_and_contact_note(app, client) -> None:
    firm = EnterpriseFactory()
    officer = OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, f"/enterprises/{firm.uscc}/designations/new",
                         {"kind": "hitech", "valid_from": "2024-12-01", "certificate_no": "GR202444001234"})
    assert response.status_code == 302
    designation = db.session.scalars(select(Designation).where(Designation.enterprise_id == firm.id)).one()
    assert designation.valid_to == date(2027, 11, 30)
    response = post_form(client, f"/enterprises/{firm.uscc}/notes/new",
                         {"kind": "call", "happened_on": "2025-02-03", "note": "<img src=x onerror=alert(1)>电话沟通"})
    assert response.status_code == 302
    note = db.session.scalars(select(ContactNote).where(ContactNote.enterprise_id == firm.id)).one()
    assert note.officer_id == officer.id
    page = client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;电话沟通" in page
    token = csrf_token(client, f"/enterprises/{firm.uscc}")
    response = client.post(f"/enterprises/{firm.uscc}/designations/{designation.id}/delete",
                           data={"csrf_token": token, "version_id": str(designation.version_id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Designation, designation.id) is None
    actions = {(e.entity, e.action.value) for e in db.session.scalars(select(AuditLog).where(AuditLog.enterprise_id == firm.id))}
    assert {("designation", "create"), ("designation", "delete"), ("contact_note", "create")} <= actions


def test_duplicate_report_year_is_a_field_error(app, client) -> None:
    report = AnnualReportFactory(year=2024)
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, f"/enterprises/{report.enterprise.uscc}/reports/new", {**REPORT_FIELDS, "year": "2024"})
    assert response.status_code == 422
    assert "该年度的报表已存在" in response.get_data(as_text=True)


def test_other_districts_firm_is_404_for_pages_and_posts(app, client) -> None:
    other = EnterpriseFactory(district="440784")
    report = AnnualReportFactory(enterprise=other)
    OfficerFactory(username="kp")
    login(client, "kp")
    token = csrf_token(client, "/enterprises/")
    assert client.get(f"/enterprises/{other.uscc}").status_code == 404
    assert client.get(f"/enterprises/{other.uscc}/profile").status_code == 404
    response = client.post(f"/enterprises/{other.uscc}/profile", data={"csrf_token": token, "version_id": "1", "name": "改名"})
    assert response.status_code == 404
    response = client.post(f"/enterprises/{other.uscc}/reports/{report.id}",
                           data={**REPORT_FIELDS, "csrf_token": token, "version_id": "1", "revenue": "1"})
    assert response.status_code == 404
    assert client.get(f"/enterprises/reports/{report.id}/review").status_code == 404
    db.session.expire_all()
    assert db.session.get(Enterprise, other.id).name != "改名"


def test_post_without_csrf_token_is_refused(app, client) -> None:
    report = AnnualReportFactory()
    OfficerFactory(username="kp")
    login(client, "kp")
    response = client.post(_report_url(report), data={**REPORT_FIELDS, "version_id": "1", "revenue": "1"})
    assert response.status_code == 400
    response = client.post("/enterprises/bulk", data={"action": "assign", "ids": [report.enterprise_id]})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(AnnualReport, report.id).revenue == Decimal("3000")


def test_another_firms_record_through_this_firms_url_is_404(app, client) -> None:
    """A record id of another district's firm, put under the URL of one's own firm."""
    from tests.factories import (
        ContactNoteFactory, DesignationFactory, HonourFactory, PlatformFactory, SupportRecordFactory, TalentFactory,
    )

    mine = EnterpriseFactory(district="440783")
    other = EnterpriseFactory(district="440784", name="鹤山公司")
    records = {
        "platforms": PlatformFactory(enterprise=other), "talents": TalentFactory(enterprise=other),
        "support": SupportRecordFactory(enterprise=other), "honours": HonourFactory(enterprise=other),
        "notes": ContactNoteFactory(enterprise=other), "designations": DesignationFactory(enterprise=other),
        "reports": AnnualReportFactory(enterprise=other),
    }
    OfficerFactory(username="kp", district_code="440783")
    login(client, "kp")
    token = csrf_token(client, "/enterprises/")
    for kind, record in records.items():
        url = f"/enterprises/{mine.uscc}/{kind}/{record.id}"
        assert client.get(url).status_code == 404, kind
        assert client.post(url, data={"csrf_token": token, "name": "改", "note": "改"}).status_code == 404, kind
        assert client.post(f"{url}/delete", data={"csrf_token": token}).status_code == 404, kind
        assert client.get(f"/enterprises/{other.uscc}/{kind}/new").status_code == 404, kind
    db.session.expire_all()
    for record in records.values():
        assert db.session.get(type(record), record.id) is not None


def test_a_firm_moved_to_another_district_leaves_its_old_officer(app, client) -> None:
    kaiping = OfficerFactory(username="kp", district_code="440783")
    firm = EnterpriseFactory(district="440783", assigned_officer_id=kaiping.id)
    UserFactory(username="city")
    login(client, "city")
    response = post_form(client, f"/enterprises/{firm.uscc}/profile",
                         {"version_id": "1", "name": firm.name, "district_code": "440784"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Enterprise, firm.id)
    # Kaiping's officer cannot even open the firm now: Heshan's officers look after it.
    assert stored.district_code == "440784" and stored.assigned_officer_id is None


def test_founding_date_after_a_reported_year_is_refused_at_the_field(app, client) -> None:
    firm = EnterpriseFactory(name="甲公司", founded_on=date(2015, 3, 1))
    AnnualReportFactory(enterprise=firm, year=2021)
    AnnualReportFactory(enterprise=firm, year=2024)
    OfficerFactory(username="kp")
    login(client, "kp")
    fields = {"version_id": "1", "name": "甲公司", "hitech_field": "", "industry_code": ""}
    response = post_form(client, f"/enterprises/{firm.uscc}/profile", {**fields, "founded_on": "2022-06-01"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "成立日期不能晚于已有年度报表的年度（最早为 2021 年度）" in page and 'value="2022-06-01"' in page
    db.session.expire_all()
    assert db.session.get(Enterprise, firm.id).founded_on == date(2015, 3, 1)
    # Founded within the earliest reported year is consistent.
    response = post_form(client, f"/enterprises/{firm.uscc}/profile", {**fields, "founded_on": "2021-12-01"})
    assert response.status_code == 302
