"""The verification queue: submitted reports oldest first, verify or return with a reason."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from crm.extensions import db
from crm.models import AnnualReport, ReportStatus
from crm.reports.services import ReportStateError, compare_reports, return_report, verify_report
from tests.conftest import login
from tests.enterprises.helpers import post_form
from tests.factories import AnnualReportFactory, EnterpriseFactory, OfficerFactory


def _submitted(firm, year=2025, at=datetime(2026, 2, 1, 8), **figures):
    return AnnualReportFactory(enterprise=firm, year=year, status=ReportStatus.submitted, submitted_at=at, **figures)


def test_queue_lists_submitted_reports_in_scope_oldest_first(app, client) -> None:
    late = _submitted(EnterpriseFactory(name="晚交公司"), at=datetime(2026, 3, 1))
    early = _submitted(EnterpriseFactory(name="早交公司"), at=datetime(2026, 1, 5))
    _submitted(EnterpriseFactory(name="鹤山公司", district="440784"))
    AnnualReportFactory(enterprise=EnterpriseFactory(name="已核实公司"))
    OfficerFactory(username="kp")
    login(client, "kp")
    page = client.get("/enterprises/verification").get_data(as_text=True)
    assert "鹤山公司" not in page and "已核实公司" not in page
    assert page.index("早交公司") < page.index("晚交公司")
    assert f"/enterprises/reports/{early.id}/review" in page and f"/enterprises/reports/{late.id}/review" in page


def test_review_shows_last_year_and_calls_out_large_jumps(app, client) -> None:
    firm = EnterpriseFactory()
    AnnualReportFactory(enterprise=firm, year=2024, revenue=Decimal("1000"), employees=100)
    report = _submitted(firm, revenue=Decimal("1600"), employees=110)
    OfficerFactory(username="kp")
    login(client, "kp")
    page = client.get(f"/enterprises/reports/{report.id}/review").get_data(as_text=True)
    assert 'data-field="revenue" data-large="1"' in page
    assert 'data-field="employees" data-large' not in page
    assert "+60.0%" in page and "1,000.00" in page
    changes = {c.field: c for c in compare_reports(report, db.session.get(AnnualReport, report.id - 1))}
    assert changes["revenue"].large and not changes["employees"].large


def test_verify_through_the_page(app, client) -> None:
    report = _submitted(EnterpriseFactory())
    officer = OfficerFactory(username="kp")
    login(client, "kp")
    url = f"/enterprises/reports/{report.id}/review"
    response = post_form(client, url, {"version_id": "1", "decision": "verify", "reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(AnnualReport, report.id)
    assert stored.status is ReportStatus.verified
    assert stored.verified_by_id == officer.id and stored.verified_at is not None


def test_return_needs_a_reason_and_stores_it(app, client) -> None:
    report = _submitted(EnterpriseFactory())
    OfficerFactory(username="kp")
    login(client, "kp")
    url = f"/enterprises/reports/{report.id}/review"
    response = post_form(client, url, {"version_id": "1", "decision": "return", "reason": "  "})
    assert response.status_code == 422
    assert "退回时请填写退回原因" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AnnualReport, report.id).status is ReportStatus.submitted
    response = post_form(client, url, {"version_id": "1", "decision": "return", "reason": "研发费用与附件不符"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(AnnualReport, report.id)
    assert stored.status is ReportStatus.returned and stored.return_reason == "研发费用与附件不符"
    assert stored.verified_by_id is None


def test_operations_refuse_wrong_states(app) -> None:
    officer = OfficerFactory()
    draft = AnnualReportFactory(status=ReportStatus.draft)
    with pytest.raises(ReportStateError):
        verify_report(draft, officer)
    with pytest.raises(ReportStateError):
        return_report(draft, officer, "原因")
    submitted = _submitted(EnterpriseFactory())
    with pytest.raises(ReportStateError):
        return_report(submitted, officer, "")
    verify_report(submitted, officer)
    assert submitted.status is ReportStatus.verified


def test_firm_users_are_told_of_the_review(app) -> None:
    from crm.extensions import db
    from crm.models import Notification, ReportStatus
    from crm.reports.services import return_report, verify_report
    from tests.factories import AnnualReportFactory, EnterpriseUserFactory, OfficerFactory

    report = AnnualReportFactory(status=ReportStatus.submitted, year=2025)
    firm_user = EnterpriseUserFactory(enterprise=report.enterprise)
    officer = OfficerFactory(district_code=report.enterprise.district_code)
    return_report(report, officer, "研发费用与附件不一致")
    db.session.commit()
    (returned,) = db.session.query(Notification).filter_by(user_id=firm_user.id).all()
    assert returned.kind == "report_returned" and "研发费用与附件不一致" in returned.body
    assert returned.link == "/portal/reports/2025"
    report.status = ReportStatus.submitted
    verify_report(report, officer)
    db.session.commit()
    kinds = {n.kind for n in db.session.query(Notification).filter_by(user_id=firm_user.id)}
    assert kinds == {"report_returned", "report_verified"}
    assert db.session.query(Notification).filter_by(user_id=officer.id).count() == 0


def test_firm_page_links_to_its_portal_accounts(app, client) -> None:
    from tests.conftest import login
    from tests.factories import EnterpriseFactory, OfficerFactory

    firm = EnterpriseFactory(district="440783")
    OfficerFactory(username="kp-links", district_code="440783")
    login(client, "kp-links")
    page = client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True)
    assert f'href="/portal/manage/{firm.uscc}"' in page


def test_queue_links_each_firm_to_its_page_and_counts_the_reports(app, client) -> None:
    firm = EnterpriseFactory(name="待核公司")
    _submitted(firm)
    _submitted(EnterpriseFactory(name="另一公司"))
    OfficerFactory(username="kp")
    login(client, "kp")
    page = client.get("/enterprises/verification").get_data(as_text=True)
    assert f'<a href="/enterprises/{firm.uscc}">待核公司</a>' in page
    assert "共 2 份。" in page
