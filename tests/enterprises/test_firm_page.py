"""The firm page: the next rung and what it lacks, the audit trail in words."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from crm.clock import today
from crm.enterprises.services import next_rung
from crm.models import DesignationKind
from tests.conftest import login
from tests.enterprises.helpers import post_form
from tests.factories import AnnualReportFactory, DesignationFactory, EnterpriseFactory, OfficerFactory


def _section(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[start:page.index("</table>", start)]))


def test_next_rung_follows_the_stage() -> None:
    assert next_rung("none", None).stage == "tech_sme"
    assert next_rung("tech_sme", {}).rule == "hitech_candidate"
    assert next_rung("hitech", {}).stage == "gazelle"
    assert next_rung("listed", {}) is None


def test_firm_page_names_the_next_rung_and_what_it_lacks(app, client) -> None:
    firm = EnterpriseFactory(founded_on=date(2015, 3, 1))
    DesignationFactory(enterprise=firm, kind=DesignationKind.tech_sme, valid_from=today().replace(month=1, day=1))
    last = today().year - 1
    for year in (last - 2, last - 1, last):
        # R&D at 1% of revenue: well under the high-tech rule's 5%.
        AnnualReportFactory(enterprise=firm, year=year, revenue=Decimal("2000"), rd_expense=Decimal("20"),
                            rd_expense_domestic=Decimal("20"))
    OfficerFactory(username="kp")
    login(client, "kp")
    page = client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True)
    block = page[page.index('id="next-rung"'):]
    block = block[:block.index("</div>")]
    assert 'data-stage="hitech"' in block and 'data-rule="hitech_candidate"' in block
    assert "下一梯队：高新技术企业" in block and "尚未满足" in block
    # The failing condition is named with the rule's own sentence (ratio and the 5% standard).
    lacking = re.findall(r'<li data-condition="([^"]+)">([^<]+)</li>', block)
    assert lacking and all(text.strip().startswith(("✘", "?")) for _code, text in lacking)
    assert any("5%" in text for _code, text in lacking)


def test_audit_trail_speaks_in_labels_and_words(app, client) -> None:
    firm = EnterpriseFactory(name="原名", above_size=False)
    OfficerFactory(username="kp")
    login(client, "kp")
    response = post_form(client, f"/enterprises/{firm.uscc}/profile", {
        "version_id": "1", "name": "新名", "founded_on": "2015-03-01", "above_size": "y", "town": "水口镇",
        "hitech_field": "", "industry_code": "",
    })
    assert response.status_code == 302
    post_form(client, f"/enterprises/{firm.uscc}/notes/new", {"kind": "visit", "happened_on": "2025-02-03", "note": "走访"})
    trail = _section(client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True), "audit-table")
    assert "企业名称 ：原名 → 新名" in trail
    assert "规模以上企业 ：否 → 是" in trail
    assert "镇街/园区 ：— → 水口镇" in trail
    assert "方式 ：— → 走访" in trail and "记录人 ：— → kp" in trail
    # Column names, keys and raw codes stay out of the page.
    for raw in ("above_size", "enterprise_id", "officer_id", "visit", "False", "True"):
        assert raw not in trail, raw


def test_small_charts_carry_their_figures_by_year(app, client) -> None:
    firm = EnterpriseFactory()
    AnnualReportFactory(enterprise=firm, year=2023, revenue=Decimal("1000"), rd_expense=Decimal("50"), employees=90)
    AnnualReportFactory(enterprise=firm, year=2024, revenue=Decimal("12500"), rd_expense=Decimal("500"), employees=1200)
    OfficerFactory(username="kp")
    login(client, "kp")
    page = client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True)
    titles = re.findall(r"<svg class=\"sparkline\"[^>]*><title>([^<]*)</title>", page)
    assert titles == [
        "2023：1,000.00；2024：12,500.00", "2023：50.00；2024：500.00", "2023：5.00%；2024：4.00%", "2023：90；2024：1,200",
    ]
    assert "2023：1,000.00 → 2024：12,500.00" in page


def test_audit_trail_leaves_out_logins_and_shows_times_as_the_page_does(app, client) -> None:
    from datetime import datetime

    from crm.models import ReportStatus
    from tests.factories import EnterpriseUserFactory

    firm = EnterpriseFactory()
    EnterpriseUserFactory(username="filler", enterprise=firm)
    login(client, "filler")  # stamps the portal user's last_login_at, recorded against the firm
    client.post("/logout", data={"csrf_token": _token(client)})
    report = AnnualReportFactory(enterprise=firm, year=2025, status=ReportStatus.submitted,
                                 submitted_at=datetime(2026, 2, 1, 8))
    OfficerFactory(username="kp")
    login(client, "kp")
    assert post_form(client, f"/enterprises/reports/{report.id}/review",
                     {"version_id": "1", "decision": "verify", "reason": ""}).status_code == 302
    trail = _section(client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True), "audit-table")
    assert "last_login_at" not in trail
    # The verification time reads like every other time on the page, not as ISO text.
    assert re.search(r"核实时间 ：— → \d{4}-\d{2}-\d{2} \d{2}:\d{2} ", trail), trail
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:", trail)


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/")


def _trail_rows(page: str) -> list[str]:
    table = page[page.index('id="audit-table"'):]
    table = table[table.index("<tbody>"):table.index("</tbody>")]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in table.split("<tr>")[1:]]


def test_audit_trail_names_who_acted_in_words(app, client) -> None:
    from crm.audit import acting_as
    from crm.extensions import db
    from tests.factories import FlagFactory

    firm = EnterpriseFactory()
    with acting_as("job:eligibility"):
        FlagFactory(enterprise=firm, rule="hitech_candidate")
        db.session.commit()
    OfficerFactory(username="kp", display_name="陈科员")
    login(client, "kp")
    post_form(client, f"/enterprises/{firm.uscc}/notes/new", {"kind": "call", "happened_on": "2025-02-03", "note": "电话"})
    rows = _trail_rows(client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True))
    assert rows[0].split(" ")[2] == "陈科员", rows[0]  # the officer's name, not the login "kp"
    assert "培育对象评估（定时任务）" in rows[1]
    assert "job:" not in " ".join(rows)


def test_audit_trail_says_which_record_changed(app, client) -> None:
    firm = EnterpriseFactory(founded_on=date(2015, 3, 1))
    older = AnnualReportFactory(enterprise=firm, year=2023, revenue=Decimal("1000"))
    report = AnnualReportFactory(enterprise=firm, year=2024, revenue=Decimal("1200"))
    kept = DesignationFactory(enterprise=firm, kind=DesignationKind.tech_sme, valid_from=date(2024, 1, 1))
    gone = DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2023, 6, 1))
    OfficerFactory(username="kp")
    login(client, "kp")
    edit = f"/enterprises/{firm.uscc}/reports/{report.id}"
    assert post_form(client, edit, {"version_id": "1", "year": "2024", "revenue": "1300"}).status_code == 302
    assert post_form(client, f"/enterprises/{firm.uscc}/designations/{kept.id}", {
        "version_id": str(kept.version_id), "kind": "tech_sme", "valid_from": "2024-01-01",
        "valid_to": "2024-12-31", "certificate_no": "2024440783A0000001",
    }).status_code == 302
    assert post_form(client, f"/enterprises/{firm.uscc}/designations/{gone.id}/delete",
                     {"version_id": str(gone.version_id)}, token_from=f"/enterprises/{firm.uscc}").status_code == 302
    rows = _trail_rows(client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True))
    report_row = next(r for r in rows if "营业收入（万元） ：1200 → 1300" in r)
    assert "年度报表 2024 年度" in report_row and "2023" not in report_row, report_row
    assert any("修改 认定 科技型中小企业（2024-01-01 起）" in r for r in rows), rows
    # A deleted record is named as it was.
    assert any("删除 认定 高新技术企业（2023-06-01 起）" in r for r in rows), rows
    assert older.id  # the other year's report is not what the entry names


def test_platforms_show_their_validity_and_an_expired_one_says_so(app, client) -> None:
    from tests.factories import PlatformFactory

    firm = EnterpriseFactory()
    PlatformFactory(enterprise=firm, name="现有中心", recognized_on=date(2020, 1, 1), valid_to=None)
    PlatformFactory(enterprise=firm, name="旧中心", recognized_on=date(2018, 1, 1), valid_to=date(2021, 12, 31))
    OfficerFactory(username="kp")
    login(client, "kp")
    page = client.get(f"/enterprises/{firm.uscc}").get_data(as_text=True)
    items = {re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m)).strip()
             for m in re.findall(r"<li data-platform=\"\d+\"[^>]*>(.*?)</li>", page, re.S)}
    current = next(i for i in items if "现有中心" in i)
    old = next(i for i in items if "旧中心" in i)
    assert "（2018-01-01 — 2021-12-31） 已过期" in old
    assert "2020-01-01" in current and "已过期" not in current
