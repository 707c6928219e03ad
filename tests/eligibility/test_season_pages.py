"""The pages and the export say which fiscal year each flag rests on (issue 18, decision 1)."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from crm.eligibility.services import run_eligibility
from tests.conftest import login
from tests.factories import AnnualReportFactory, EnterpriseUserFactory, OfficerFactory

IN_SEASON = date(2026, 3, 1)
BASIS = "2024年度（2025年度年报尚未到报送截止日）"
NOTE = "以2024年度数据评估：2025年度年报尚未到报送截止日"


def _season_world():
    """A Kaiping firm (with a portal user) whose reports run to 2024, and one that filed 2025."""
    user = EnterpriseUserFactory(username="firm", enterprise__district="440783",
                                 enterprise__name="江门待报科技有限公司")
    for year in (2022, 2023, 2024):
        AnnualReportFactory(enterprise=user.enterprise, year=year)
    filed = EnterpriseUserFactory(username="filed", enterprise__district="440783",
                                  enterprise__name="江门已报科技有限公司").enterprise
    for year in (2023, 2024, 2025):
        AnnualReportFactory(enterprise=filed, year=year)
    run_eligibility(IN_SEASON, notify=False)
    OfficerFactory(username="kp", district_code="440783")
    return user.enterprise, filed


def _row(page: str, uscc: str) -> str:
    row = page[page.index(f'data-uscc="{uscc}"'):]
    return row[:row.index("</tr>")]


def test_the_candidate_list_and_its_export_show_the_basis_year(client) -> None:
    waiting, filed = _season_world()
    login(client, "kp")
    page = client.get("/eligibility/?rule=tech_sme_candidate").get_data(as_text=True)
    assert "依据年度" in page and 'id="season-note"' in page
    assert f"data-basis>{BASIS}<" in _row(page, waiting.uscc) and NOTE in _row(page, waiting.uscc)
    assert "data-basis>2025年度<" in _row(page, filed.uscc) and NOTE not in _row(page, filed.uscc)
    rows = list(load_workbook(BytesIO(client.get("/eligibility/export.xlsx?rule=hitech_candidate").data))
                .active.iter_rows(values_only=True))
    assert rows[0][6] == "依据年度"
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name[waiting.name][6] == BASIS and by_name[waiting.name][8].startswith(NOTE)
    assert by_name[filed.name][6] == "2025年度"
    history = client.get(f"/eligibility/history/{waiting.uscc}").get_data(as_text=True)
    assert f"依据年度：{BASIS}" in history


def test_the_firms_page_and_the_portal_show_the_basis_year(client, monkeypatch) -> None:
    from crm.enterprises import views as firm_views
    from crm.portal import views as portal_views

    monkeypatch.setattr(firm_views, "today", lambda: IN_SEASON)
    monkeypatch.setattr(portal_views, "today", lambda: IN_SEASON)
    waiting, _filed = _season_world()
    login(client, "kp")
    page = client.get(f"/enterprises/{waiting.uscc}").get_data(as_text=True)
    assert f"依据年度：{BASIS}" in page and NOTE in page
    with client.session_transaction() as session:
        session.clear()
    login(client, "firm")
    standing = client.get("/portal/standing").get_data(as_text=True)
    flags = standing.split('id="flags"', 1)[1]
    assert f"依据年度：{BASIS}" in flags and NOTE in flags
    hitech = standing[standing.index('data-rule="hitech_candidate"'):]
    assert f"依据年度：{BASIS}" in hitech[:hitech.index("</section>")]
