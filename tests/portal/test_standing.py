"""My standing: stage, certificates with expiry, next-rung conditions with gaps; the dashboard's reminders."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from crm.clock import today
from crm.models import DesignationKind, ReportStatus, RuleParameter
from tests.conftest import login
from tests.factories import AnnualReportFactory, DesignationFactory, EnterpriseUserFactory, FlagFactory
from tests.portal.helpers import LAST_YEAR


def _row(page: str, rule: str, condition: str) -> str:
    section = page[page.index(f'data-rule="{rule}"'):]
    start = section.index(f'data-condition="{condition}"')
    return section[start:section.index("</tr>", start)]


def test_standing_shows_conditions_with_own_figures_thresholds_and_gaps(app, client) -> None:
    user = EnterpriseUserFactory(username="firm")
    firm = user.enterprise
    for year in (LAST_YEAR - 2, LAST_YEAR - 1, LAST_YEAR):
        AnnualReportFactory(enterprise=firm, year=year, employees=120, tech_staff=10)
    login(client, "firm")
    page = client.get("/portal/standing").get_data(as_text=True)
    for rule in ("tech_sme_candidate", "hitech_candidate", "gazelle_candidate"):
        assert f'data-rule="{rule}"' in page
    row = _row(page, "hitech_candidate", "tech_staff_ratio")
    # 10 of 120 is 8.33%; new tech staff join the staff too, so 3 more (13 of 123 passes, 12 of 122 not).
    assert "8.33%" in row and "10.00%" in row and re.search(r"data-gap>3 人<", row)
    assert "差 3 人" in row


def test_standing_uses_administrators_parameters(app, client) -> None:
    from crm.extensions import db

    user = EnterpriseUserFactory(username="firm")
    for year in (LAST_YEAR - 2, LAST_YEAR - 1, LAST_YEAR):
        AnnualReportFactory(enterprise=user.enterprise, year=year, employees=120, tech_staff=10)
    db.session.add(RuleParameter(rule="hitech_candidate", name="min_tech_staff_ratio", value="0.05",
                                 effective_year=2016))
    db.session.commit()
    login(client, "firm")
    row = _row(client.get("/portal/standing").get_data(as_text=True), "hitech_candidate", "tech_staff_ratio")
    assert "5.00%" in row and "data-gap>—<" in row


def test_certificates_expiring_soon_are_highlighted_and_flags_listed(app, client) -> None:
    user = EnterpriseUserFactory(username="firm")
    firm = user.enterprise
    soon = today() + timedelta(days=60)
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=soon.replace(year=soon.year - 3),
                       valid_to=soon, certificate_no="GR-SOON")
    DesignationFactory(enterprise=firm, kind=DesignationKind.tech_sme, valid_from=today() - timedelta(days=10),
                       valid_to=today() + timedelta(days=300), certificate_no="TS-LATER")
    FlagFactory(enterprise=firm, rule="hitech_expiring", reasons=["高企证书将于两个月后到期"])
    login(client, "firm")
    page = client.get("/portal/standing").get_data(as_text=True)
    assert 'data-stage="hitech"' in page
    hitech_row = page[page.index('data-kind="hitech"') - 40:page.index("GR-SOON") + 200]
    assert "table-warning" in hitech_row and "即将到期" in hitech_row
    start = page.index('data-kind="tech_sme"') - 40
    later_row = page[start:page.index("</tr>", start)]
    assert "table-warning" not in later_row
    assert "高企证书将于两个月后到期" in page
    dashboard = client.get("/portal/").get_data(as_text=True)
    assert "GR-SOON" in dashboard and 'data-reminder="expiring"' in dashboard


def test_dashboard_reminds_of_deadline_and_returned_reports(app, client) -> None:
    user = EnterpriseUserFactory(username="firm")
    AnnualReportFactory(enterprise=user.enterprise, year=LAST_YEAR - 1, status=ReportStatus.returned,
                        return_reason="请补充审计报告", revenue=Decimal("100"))
    login(client, "firm")
    page = client.get("/").get_data(as_text=True)
    assert f"{LAST_YEAR}年度报表" in page and f"{today().year}-05-31" in page
    assert "请补充审计报告" in page and 'data-reminder="returned"' in page


def test_dashboard_deadline_follows_parameter(app, client) -> None:
    from crm.extensions import db

    EnterpriseUserFactory(username="firm")
    db.session.add(RuleParameter(rule="report_overdue", name="deadline_month", value="6", effective_year=2021))
    db.session.add(RuleParameter(rule="report_overdue", name="deadline_day", value="30", effective_year=2021))
    db.session.commit()
    login(client, "firm")
    assert f"{today().year}-06-30" in client.get("/portal/").get_data(as_text=True)


def test_standing_reads_as_many_years_as_the_job_when_the_growth_period_is_longer(app, client, runner) -> None:
    """Growth over 5 fiscal years needs 5 reports: the page and the nightly job agree on the outcome."""
    import json

    from sqlalchemy import select

    from crm.extensions import db
    from crm.models import Flag

    user = EnterpriseUserFactory(username="firm", enterprise__founded_on=today().replace(year=today().year - 6))
    firm = user.enterprise
    DesignationFactory(enterprise=firm, kind=DesignationKind.hitech)
    for offset, revenue in enumerate(("1000", "1300", "1600", "2000", "2500")):
        AnnualReportFactory(enterprise=firm, year=LAST_YEAR - 4 + offset, revenue=Decimal(revenue),
                            total_revenue=Decimal(revenue), hitech_revenue=Decimal("900"))
    db.session.add(RuleParameter(rule="gazelle_candidate", name="growth_years", value="5", effective_year=2016))
    db.session.commit()

    result = runner.invoke(args=["run-job", "eligibility", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["raised"] >= 1
    assert db.session.scalar(select(Flag).where(Flag.enterprise_id == firm.id, Flag.rule == "gazelle_candidate"))

    login(client, "firm")
    page = client.get("/portal/standing").get_data(as_text=True)
    row = _row(page, "gazelle_candidate", "revenue_cagr")
    # 1000 -> 2500 over four growth periods is 25.74% a year.
    assert "table-success" in row and "25.74%" in row
    section = page[page.index('data-rule="gazelle_candidate"'):]
    assert "已满足条件" in section[:section.index("</section>")]


def _section(page: str, rule: str) -> str:
    start = page.index(f'data-rule="{rule}"')
    return page[start:page.index("</section>", start)]


def test_a_failing_ratio_reads_the_same_in_the_column_and_in_the_sentence(app, client) -> None:
    """4.839% and 9.1666% fail: rounded down in the sentence, so in the column too (not 4.84% / 9.17%)."""
    user = EnterpriseUserFactory(username="firm")
    for year in (LAST_YEAR - 2, LAST_YEAR - 1, LAST_YEAR):
        AnnualReportFactory(enterprise=user.enterprise, year=year, revenue=Decimal("3000"),
                            rd_expense=Decimal("145.17"), employees=120, tech_staff=11)
    login(client, "firm")
    page = client.get("/portal/standing").get_data(as_text=True)
    rd = _row(page, "hitech_candidate", "rd_ratio_3y")
    assert "data-actual>4.83%<" in rd and "研发费用占销售收入比例 4.83%，低于 5% 的要求" in rd
    assert "4.84%" not in rd
    staff = _row(page, "hitech_candidate", "tech_staff_ratio")
    assert "data-actual>9.16%<" in staff and "比例 9.16%，低于 10% 的要求" in staff and "9.17%" not in staff
    # A passing ratio keeps rounding half up, in both places: 2200 / 3100 = 70.967...%.
    revenue = _row(page, "hitech_candidate", "hitech_revenue_ratio")
    assert "data-actual>70.97%<" in revenue and "70.97%，达到 60% 的要求" in revenue
    # The gap column rounds up as the sentence: 5% of 9000 − 435.51 = 14.49 万元.
    assert re.search(r"data-gap>14\.49 万元<", rd) and "差 14.49 万元" in rd


def test_standing_shows_the_innovation_estimate_of_the_hitech_rung_as_information(app, client) -> None:
    user = EnterpriseUserFactory(username="firm")
    for offset, net_assets in enumerate(("1000", "1400", "1960")):   # +40% a year: 9–10 points; flat sales: 1–2
        AnnualReportFactory(enterprise=user.enterprise, year=LAST_YEAR - 2 + offset, net_assets=Decimal(net_assets))
    login(client, "firm")
    page = client.get("/portal/standing").get_data(as_text=True)
    hitech = _section(page, "hitech_candidate")
    assert "创新能力估算（仅供参考，不作为认定条件）" in hitech and "data-estimate" in hitech
    assert "成长性 10–12/20 分：净资产增长率 40.00%（9–10 分），销售收入增长率 0.00%（1–2 分）" in hitech
    assert "知识产权数量 7–8/8 分" in hitech
    for other in ("tech_sme_candidate", "gazelle_candidate"):
        assert "创新能力估算" not in _section(page, other)


def test_a_stored_flag_that_no_longer_holds_is_not_shown_to_the_firm(app, client, monkeypatch) -> None:
    """Handed in this morning: the nightly flag 'overdue' must not greet the firm until tomorrow's run."""
    from datetime import date

    from crm.portal import views

    monkeypatch.setattr(views, "today", lambda: date(2026, 7, 1))
    user = EnterpriseUserFactory(username="firm_overdue")
    firm = user.enterprise
    FlagFactory(enterprise=firm, rule="report_overdue", reasons=["2025年度报表应于2026年5月31日前提交，截止日期已过"])
    login(client, "firm_overdue")
    flags_html = client.get("/portal/standing").get_data(as_text=True).split('id="flags"', 1)[1]
    assert "截止日期已过" in flags_html.split("</ul>", 1)[0]
    AnnualReportFactory(enterprise=firm, year=2025, status=ReportStatus.submitted)
    flags_html = client.get("/portal/standing").get_data(as_text=True).split('id="flags"', 1)[1]
    assert "截止日期已过" not in flags_html.split("</ul>", 1)[0]


def test_a_rung_the_firm_already_holds_reads_as_held_not_as_unmet(app, client) -> None:
    user = EnterpriseUserFactory(username="firm")
    firm = user.enterprise
    for year in (LAST_YEAR - 2, LAST_YEAR - 1, LAST_YEAR):
        AnnualReportFactory(enterprise=firm, year=year, employees=120, tech_staff=10)
    ends = today() + timedelta(days=200)
    DesignationFactory(enterprise=firm, kind=DesignationKind.tech_sme, valid_from=today() - timedelta(days=10),
                       valid_to=ends, certificate_no="TS-HELD")
    login(client, "firm")
    page = client.get("/portal/standing").get_data(as_text=True)
    tech_sme = page[page.index('data-rule="tech_sme_candidate"'):page.index('data-rule="hitech_candidate"')]
    # The tech-SME rule does not pass (no need to register again), but the firm is not "lacking" it.
    assert "尚未满足" not in tech_sme
    assert f"已获得，有效期至 {ends.isoformat()}" in tech_sme and "data-held-note" in tech_sme
    hitech = page[page.index('data-rule="hitech_candidate"'):page.index('data-rule="gazelle_candidate"')]
    assert "尚未满足" in hitech and "data-held" not in hitech
