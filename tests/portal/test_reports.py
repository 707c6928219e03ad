"""The annual report form: drafts, validation on submit, warnings, read-only states, returns."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from crm.extensions import db
from crm.models import AnnualReport, ReportStatus
from tests.conftest import CSRF_RE, login
from tests.factories import AnnualReportFactory, EnterpriseUserFactory
from tests.portal.helpers import GOOD_FIGURES, LAST_YEAR, VERSION_RE, post_report


def _report(firm_id: int, year: int = LAST_YEAR) -> AnnualReport | None:
    db.session.expire_all()
    return db.session.scalar(select(AnnualReport).where(AnnualReport.enterprise_id == firm_id,
                                                        AnnualReport.year == year))


def _firm_user(client):  # noqa: ANN202
    user = EnterpriseUserFactory(username="firm")
    login(client, "firm")
    return user.enterprise


def test_form_shows_sections_units_and_help(app, client) -> None:
    _firm_user(client)
    page = client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    for text in ("经营情况", "研发投入", "人员", "知识产权", "研发费用（万元）", "职工总数（人）", "I类知识产权数（项）",
                 "不得超过职工总数"):
        assert text in page


def test_partial_draft_is_saved_and_comes_back(app, client) -> None:
    firm = _firm_user(client)
    assert _report(firm.id) is None  # opening the form stores nothing
    response = post_report(client, LAST_YEAR, {"revenue": "1,234.5", "employees": "30"})
    assert response.status_code == 302
    report = _report(firm.id)
    assert report.status is ReportStatus.draft
    assert report.revenue == Decimal("1234.5") and report.employees == 30 and report.rd_expense is None
    page = client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    assert 'value="1234.5"' in page and 'value="30"' in page


def test_negative_and_non_numeric_are_refused_with_field_messages_rest_kept(app, client) -> None:
    firm = _firm_user(client)
    response = post_report(client, LAST_YEAR, {"revenue": "-5", "employees": "abc", "rd_expense": "12",
                                               "net_profit": "-20"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "销售收入（营业收入）不能为负数" in body
    assert "职工总数：“abc”不是有效的数字" in body
    # What was typed is shown again, and the valid figures are kept in the draft.
    assert 'value="-5"' in body and 'value="abc"' in body
    report = _report(firm.id)
    assert report.rd_expense == Decimal("12") and report.net_profit == Decimal("-20")
    assert report.revenue is None and report.status is ReportStatus.draft


def test_submit_requires_figures_and_consistency(app, client) -> None:
    firm = _firm_user(client)
    figures = dict(GOOD_FIGURES, tech_staff="130", rd_expense_domestic="200", hitech_revenue="3200",
                   rd_staff="121")
    del figures["ip_class1"]
    response = post_report(client, LAST_YEAR, figures, "submit")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "I类知识产权数为必填项" in body
    assert "科技人员数不得超过职工总数" in body
    assert "研发人员数不得超过职工总数" in body
    assert "境内研发费用不得超过研发费用" in body
    assert "高新技术产品（服务）收入不得超过总收入" in body
    report = _report(firm.id)
    assert report.status is ReportStatus.draft
    # Nothing lost: the consistent figures are in the draft, the typed ones on the page.
    assert report.revenue == Decimal("3000") and report.employees == 120
    assert report.tech_staff is None and 'value="130"' in body


def test_hitech_revenue_bound_falls_back_to_sales_revenue(app, client) -> None:
    firm = _firm_user(client)
    figures = dict(GOOD_FIGURES, total_revenue="", hitech_revenue="3000")
    assert post_report(client, LAST_YEAR, figures, "submit").status_code == 302
    assert _report(firm.id).status is ReportStatus.submitted


def test_large_change_warns_and_needs_explanation(app, client) -> None:
    firm = _firm_user(client)
    AnnualReportFactory(enterprise=firm, year=LAST_YEAR - 1, revenue=Decimal("1000"), rd_expense=Decimal("180"))
    response = post_report(client, LAST_YEAR, GOOD_FIGURES, "submit")  # revenue 1000 -> 3000
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "变动超过50%" in body and "销售收入（营业收入）由" in body and "增加 200%" in body
    assert _report(firm.id).status is ReportStatus.draft
    response = post_report(client, LAST_YEAR, GOOD_FIGURES, "submit", explanation="新产线投产")
    assert response.status_code == 302
    report = _report(firm.id)
    assert report.status is ReportStatus.submitted and report.change_explanation == "新产线投产"
    assert report.submitted_at is not None


def test_submitted_report_is_read_only(app, client) -> None:
    firm = _firm_user(client)
    post_report(client, LAST_YEAR, GOOD_FIGURES, "submit")
    page = client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    assert 'id="report-form"' not in page and "审核期间不能修改" in page
    from tests.conftest import csrf_token

    token = csrf_token(client, "/portal/reports")
    response = client.post(f"/portal/reports/{LAST_YEAR}",
                           data={"csrf_token": token, "action": "save", **dict(GOOD_FIGURES, revenue="1")})
    assert response.status_code == 302
    assert _report(firm.id).revenue == Decimal("3000")


def test_form_opened_before_a_colleague_first_saved_the_year_does_not_overwrite_it(app, client) -> None:
    firm = _firm_user(client)
    page = client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    assert VERSION_RE.search(page).group(1) == ""  # nothing stored yet
    token = CSRF_RE.search(page).group(1)
    # Meanwhile a colleague of the same firm opens the form too and saves a draft first.
    AnnualReportFactory(enterprise=firm, year=LAST_YEAR, status=ReportStatus.draft, revenue=Decimal("5000"),
                        employees=50)

    response = client.post(f"/portal/reports/{LAST_YEAR}", data={
        "csrf_token": token, "version_id": "", "action": "save", "revenue": "1"})

    assert response.status_code == 409
    assert "该报表已被本企业其他用户修改" in response.get_data(as_text=True)
    report = _report(firm.id)
    assert report.revenue == Decimal("5000") and report.employees == 50
    # Saved again from the page now shown (which carries the stored version), it goes through.
    assert post_report(client, LAST_YEAR, {"revenue": "1"}).status_code == 302
    assert _report(firm.id).revenue == Decimal("1")


def test_returned_report_shows_reason_and_can_be_resubmitted(app, client) -> None:
    firm = _firm_user(client)
    AnnualReportFactory(enterprise=firm, year=LAST_YEAR, status=ReportStatus.returned,
                        return_reason="研发费用与审计报告不符，请核对", rd_expense=Decimal("180"))
    page = client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    assert "研发费用与审计报告不符，请核对" in page and 'id="report-form"' in page
    assert "研发费用与审计报告不符" in client.get("/portal/").get_data(as_text=True)
    response = post_report(client, LAST_YEAR, dict(GOOD_FIGURES, rd_expense="175", rd_expense_domestic="170"),
                           "submit")
    assert response.status_code == 302
    report = _report(firm.id)
    assert report.status is ReportStatus.submitted and report.rd_expense == Decimal("175")


def test_year_choices_default_last_year_and_skip_handed_in_years(app, client) -> None:
    firm = _firm_user(client)
    AnnualReportFactory(enterprise=firm, year=LAST_YEAR - 1, status=ReportStatus.verified)
    page = client.get("/portal/reports").get_data(as_text=True)
    assert f'<option selected value="{LAST_YEAR}">' in page
    assert f'<option value="{LAST_YEAR - 2}">' in page
    assert f'<option value="{LAST_YEAR - 1}">' not in page
    # This year is not a closed fiscal year; far years are out of range.
    assert client.get(f"/portal/reports/{LAST_YEAR + 1}").status_code == 404
    assert client.get("/portal/reports/1990").status_code == 404
    # A verified year is shown read-only, not refused.
    assert client.get(f"/portal/reports/{LAST_YEAR - 1}").status_code == 200


def test_staff_are_not_given_the_firm_form(app, client) -> None:
    from tests.factories import OfficerFactory

    OfficerFactory(username="kp")
    login(client, "kp")
    assert client.get("/portal/reports").status_code == 403


def test_figure_refused_only_on_submit_stays_in_the_draft(app, client) -> None:
    firm = _firm_user(client)
    response = post_report(client, LAST_YEAR, dict(GOOD_FIGURES, hitech_revenue="3200"), "submit")
    assert response.status_code == 422
    assert "高新技术产品（服务）收入不得超过总收入" in response.get_data(as_text=True)
    report = _report(firm.id)
    # Not submitted, but what was typed is in the draft when the firm comes back.
    assert report.status is ReportStatus.draft and report.hitech_revenue == Decimal("3200")
    assert 'value="3200"' in client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)


def test_figure_appearing_from_zero_asks_for_an_explanation(app, client) -> None:
    firm = _firm_user(client)
    AnnualReportFactory(enterprise=firm, year=LAST_YEAR - 1, ip_class1=0, rd_expense=Decimal("170"),
                        revenue=Decimal("2900"))
    response = post_report(client, LAST_YEAR, GOOD_FIGURES, "submit")  # I-class IP 0 -> 2
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"I类知识产权数由{LAST_YEAR - 1}年度的 0 项 变为 2 项" in body
    assert "研发费用由" not in body and "销售收入（营业收入）由" not in body  # small changes are not called out
    assert post_report(client, LAST_YEAR, GOOD_FIGURES, "submit", explanation="新授权两项发明专利").status_code == 302
    assert _report(firm.id).status is ReportStatus.submitted


def test_last_years_unfinished_draft_is_not_compared(app, client) -> None:
    firm = _firm_user(client)
    AnnualReportFactory(enterprise=firm, year=LAST_YEAR - 1, status=ReportStatus.draft, revenue=Decimal("10"))
    page = client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    assert "上年：" not in page
    assert post_report(client, LAST_YEAR, GOOD_FIGURES, "submit").status_code == 302
    assert _report(firm.id).status is ReportStatus.submitted


def test_last_years_figures_are_shown_with_separators_and_units(app, client) -> None:
    firm = _firm_user(client)
    AnnualReportFactory(enterprise=firm, year=LAST_YEAR - 1, revenue=Decimal("12900.5"), employees=1200)
    page = client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    assert "上年：12,900.50 万元" in page and "上年：1,200 人" in page
