"""Nothing lost on a failed save or submit: refused figures are kept as typed in the draft."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import AnnualReport, ReportStatus, User
from crm.portal import services
from tests.conftest import csrf_token, login
from tests.factories import AnnualReportFactory, EnterpriseUserFactory
from tests.portal.helpers import GOOD_FIGURES, LAST_YEAR, post_report

# The acceptance tester's figures: negative revenue, R&D not a number, two staff counts above the staff.
TYPED = dict(GOOD_FIGURES, revenue="-1", rd_expense="abc", employees="10", tech_staff="11", rd_staff="12")
MESSAGES = (
    "销售收入（营业收入）不能为负数。",
    "研发费用：“abc”不是有效的数字。",
    "科技人员数不得超过职工总数（科技人员数 11 人 &gt; 职工总数 10 人）。",
    "研发人员数不得超过职工总数（研发人员数 12 人 &gt; 职工总数 10 人）。",
)


def _report(firm_id: int) -> AnnualReport:
    db.session.expire_all()
    return db.session.scalar(select(AnnualReport).where(AnnualReport.enterprise_id == firm_id,
                                                        AnnualReport.year == LAST_YEAR))


def _value(name: str, text: str) -> str:
    return f'name="{name}" type="text" value="{text}"'


@pytest.fixture()
def firm(client):  # noqa: ANN001, ANN201
    user = EnterpriseUserFactory(username="firm")
    login(client, "firm")
    return user.enterprise


@pytest.mark.parametrize("action", ["submit", "save"])
def test_refused_figures_come_back_as_typed_with_their_messages(app, client, firm, action) -> None:
    response = post_report(client, LAST_YEAR, TYPED, action)
    assert response.status_code == 422
    report = _report(firm.id)
    assert report.status is ReportStatus.draft
    assert report.draft_input == {"revenue": "-1", "rd_expense": "abc", "tech_staff": "11", "rd_staff": "12"}
    # The valid figures are stored as figures; the refused ones are not.
    assert report.employees == 10 and report.total_assets == Decimal("5000")
    assert report.revenue is None and report.rd_expense is None and report.tech_staff is None

    # Leave and come back: sign out, sign in again and reopen the form.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(f"/portal/reports/{LAST_YEAR}").status_code == 302
    other = client
    login(other, "firm")
    page = other.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    for name, text in report.draft_input.items():
        assert _value(name, text) in page
    for message in MESSAGES:
        assert message in page
    assert 'id="kept-input"' in page and _value("employees", "10") in page

    # Fixed and submitted: the report is handed in and keeps no typed text.
    fixed = dict(TYPED, revenue="3000", rd_expense="180", tech_staff="8", rd_staff="6")
    assert post_report(other, LAST_YEAR, fixed, "submit").status_code == 302
    report = _report(firm.id)
    assert report.status is ReportStatus.submitted and report.draft_input is None
    assert report.revenue == Decimal("3000") and report.tech_staff == 8
    assert 'id="kept-input"' not in other.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)


def test_domestic_rd_above_rd_is_kept_with_amounts_people_read(app, client, firm) -> None:
    response = post_report(client, LAST_YEAR, {"rd_expense": "20", "rd_expense_domestic": "25"})
    message = "境内研发费用不得超过研发费用（境内研发费用 25 万元 &gt; 研发费用 20 万元）。"
    assert message in response.get_data(as_text=True)
    assert _report(firm.id).draft_input == {"rd_expense_domestic": "25"}
    page = client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    assert _value("rd_expense_domestic", "25") in page and message in page and _value("rd_expense", "20") in page


def test_a_later_save_drops_what_now_validates(app, client, firm) -> None:
    post_report(client, LAST_YEAR, {"revenue": "-1", "employees": "x1"})
    assert _report(firm.id).draft_input == {"revenue": "-1", "employees": "x1"}
    # Revenue fixed, employees cleared: nothing is kept any more.
    assert post_report(client, LAST_YEAR, {"revenue": "1,200.5"}).status_code == 302
    report = _report(firm.id)
    assert report.draft_input is None and report.revenue == Decimal("1200.5") and report.employees is None
    page = client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    assert _value("revenue", "1200.5") in page and "不能为负数" not in page


def test_high_tech_revenue_refused_on_submit_is_kept_with_its_message(app, client, firm) -> None:
    response = post_report(client, LAST_YEAR, dict(GOOD_FIGURES, hitech_revenue="3200"), "submit")
    message = "高新技术产品（服务）收入不得超过总收入（未填总收入时为销售收入）：3,200 万元 &gt; 3,100 万元。"
    assert message in response.get_data(as_text=True)
    report = _report(firm.id)
    assert report.status is ReportStatus.draft and report.draft_input == {"hitech_revenue": "3200"}
    page = client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    assert _value("hitech_revenue", "3200") in page and message in page


def test_a_submitted_report_carries_no_typed_text(app, firm) -> None:
    report = AnnualReportFactory(enterprise=firm, year=LAST_YEAR, status=ReportStatus.draft,
                                 draft_input={"revenue": "-1"})
    user = db.session.scalar(select(User).where(User.username == "firm"))
    with pytest.raises(services.ReportError):
        services.submit_report(report, user)
    assert report.status is ReportStatus.draft
    report.draft_input = {}
    services.submit_report(report, user)
    db.session.commit()
    assert _report(firm.id).draft_input is None and _report(firm.id).status is ReportStatus.submitted


def test_kept_text_is_never_shown_once_handed_in(app, client, firm) -> None:
    # A report handed in by other means (e.g. entered by an officer) shows its stored figures only.
    AnnualReportFactory(enterprise=firm, year=LAST_YEAR, status=ReportStatus.returned, revenue=Decimal("3000"),
                        draft_input={"revenue": "-1"})
    raw, check = services.form_input(_report(firm.id))
    assert raw["revenue"] == "-1" and "revenue" in check.errors  # returned is editable: still the firm's draft
    report = _report(firm.id)
    report.status = ReportStatus.verified
    db.session.commit()
    raw, check = services.form_input(_report(firm.id))
    assert raw["revenue"] == "3000" and not check.errors


def test_amount_formats_figures_as_people_read_them(app) -> None:
    with app.test_request_context():
        assert services.amount("revenue", Decimal("500.0000")) == "500 万元"
        assert services.amount("revenue", Decimal("12345.6700")) == "12,345.67 万元"
        assert services.amount("employees", 1200) == "1,200 人"


def test_an_officers_correction_replaces_what_the_firm_had_typed_for_that_figure(app, firm) -> None:
    from crm.reports.services import update_report
    from tests.factories import OfficerFactory

    report = AnnualReportFactory(enterprise=firm, year=LAST_YEAR, status=ReportStatus.draft,
                                 draft_input={"revenue": "-1", "rd_expense": "abc"})
    update_report(report, {"revenue": Decimal("500")}, OfficerFactory())
    db.session.commit()
    assert _report(firm.id).draft_input == {"rd_expense": "abc"}
    update_report(_report(firm.id), {"rd_expense": Decimal("200")}, OfficerFactory())
    db.session.commit()
    assert _report(firm.id).draft_input is None
