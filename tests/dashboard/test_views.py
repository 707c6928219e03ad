"""Dashboard pages, scoping, reports and the plan-target editor."""
from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.extensions import db
from crm.models import AuditLog, PlanTarget, Role
from tests.conftest import csrf_token, login
from tests.dashboard.world import AS_OF, KP, PJ, build_world
from tests.factories import EnterpriseUserFactory, OfficerFactory, UserFactory

CSV_PATH = Path(__file__).resolve().parents[2] / "crm" / "reference" / "plan_targets.csv"


@pytest.fixture
def world(app):
    return build_world()


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_targets_loaded_match_the_csv_row_for_row(app) -> None:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    loaded = db.session.scalars(select(PlanTarget)).all()
    assert Counter(t.plan for t in loaded) == Counter(r["plan"] for r in rows)
    by_key = {(t.plan, t.code): t for t in loaded}
    assert len(by_key) == len(rows)
    for row in rows:
        t = by_key[(row["plan"], row["code"])]
        assert (t.jurisdiction, t.name, t.unit, t.computable) == (
            row["jurisdiction"], row["name"], row["unit"], row["computable"]
        )
        assert t.baseline_year == (int(row["baseline_year"]) if row["baseline_year"] else None)
        assert t.baseline_value == (Decimal(row["baseline_value"]) if row["baseline_value"] else None)
        expected = {y: row[f"target_{y}"] for y in ("2023", "2025") if row[f"target_{y}"]}
        assert t.targets == expected


def test_bureau_sees_city_dashboard_with_figures_and_links(world, client) -> None:
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    html = page(client, f"/dashboard/?as_of={AS_OF.isoformat()}")
    assert 'data-jurisdiction="city"' in html
    assert 'data-code="hitech_enterprises"' in html and 'data-actual="3"' in html
    assert "/static/vendor/echarts-" in html and "cdn" not in html.lower()
    assert "indicator=provincial_platforms" in html
    assert "线性插值" in html  # the on-track definition is stated
    kp = page(client, f"/dashboard/?district={KP}&as_of={AS_OF.isoformat()}")
    assert f'data-jurisdiction="{KP}"' in kp and "开平市科技创新" in kp


def test_officer_sees_only_own_district(world, client) -> None:
    OfficerFactory(username="pj", district_code=PJ)
    login(client, "pj")
    html = page(client, f"/dashboard/?as_of={AS_OF.isoformat()}")
    assert f'data-jurisdiction="{PJ}"' in html
    assert "规划目标不适用" in html  # 蓬江 has no plan table
    assert 'id="district"' not in html  # no jurisdiction chooser
    # Another district (or the whole city) is out of scope: not found, nothing of it shown.
    for url in ("/dashboard/?district=city", f"/dashboard/?district={KP}",
                f"/dashboard/firms?indicator=hitech_count&district={KP}", f"/dashboard/report.xlsx?district={KP}",
                f"/dashboard/print?district={KP}", f"/dashboard/trend.json?district={KP}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert world.on_day.uscc not in response.get_data(as_text=True)
    firms = page(client, f"/dashboard/firms?indicator=incubation_carriers&as_of={AS_OF.isoformat()}")
    assert world.gazelle.uscc in firms and world.platforms.uscc not in firms
    book = load_workbook(BytesIO(client.get(f"/dashboard/report.xlsx?as_of={AS_OF.isoformat()}").data))
    assert book.sheetnames == ["蓬江区"]


def test_enterprise_users_and_anonymous_are_kept_out(world, client) -> None:
    assert client.get("/dashboard/").status_code == 302
    EnterpriseUserFactory(username="firm")
    login(client, "firm")
    assert client.get("/dashboard/").status_code == 404
    assert client.get("/dashboard/firms?indicator=stage:hitech").status_code == 404


def test_unknown_district_is_a_bad_request(world, client) -> None:
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    assert client.get("/dashboard/?district=123456").status_code == 400


def test_firms_page_lists_the_firms_behind_a_figure(world, client) -> None:
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    html = page(client, f"/dashboard/firms?indicator=hitech_count&as_of={AS_OF.isoformat()}")
    for firm in (world.on_day, world.hitech_sme, world.renewed):
        assert firm.uscc in html
    assert world.day_before.uscc not in html and world.future.uscc not in html
    missing = page(client, f"/dashboard/firms?indicator=rd_institution_coverage&missing=1&as_of={AS_OF.isoformat()}")
    assert world.big_pj.uscc in missing and world.big_kp.uscc not in missing


def test_trend_json(world, client) -> None:
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    body = client.get(f"/dashboard/trend.json?as_of={AS_OF.isoformat()}").get_json()
    assert body["years"] == [2020, 2021, 2022, 2023, 2024, 2025]
    hitech = next(s for s in body["series"] if s["key"] == "hitech_count")
    assert hitech["data"][-1] == 3
    # A far as-of date draws the last eleven year-ends, not every year since 2020.
    far = client.get("/dashboard/trend.json?as_of=9999-12-31").get_json()
    assert far["years"] == list(range(9989, 10000))


def test_xlsx_report_has_sheets_formats_and_gap_formulas(world, client) -> None:
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    response = client.get(f"/dashboard/report.xlsx?as_of={AS_OF.isoformat()}")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["全市", "蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市"]
    sheet = book["全市"]
    assert sheet.freeze_panes == "C5"
    assert sheet["A4"].value == "指标代码" and sheet["A4"].font.bold
    rows = {sheet.cell(row=r, column=1).value: r for r in range(5, sheet.max_row + 1)}
    r = rows["hitech_enterprises"]
    assert sheet.cell(row=r, column=9).value == 3
    assert sheet.cell(row=r, column=8).value == 2600
    assert sheet.cell(row=r, column=11).value == f'=IF(OR(I{r}="",H{r}=""),"",I{r}-H{r})'
    rd = rows["rd_ratio_above_size"]
    assert sheet.cell(row=rd, column=8).value == pytest.approx(0.018)
    assert sheet.cell(row=rd, column=8).number_format == "0.00%"
    assert str(sheet.cell(row=rd, column=10).value).startswith("=")
    progress = sheet.cell(row=r, column=12).value
    assert progress == (
        f'=IF(OR(I{r}="",H{r}=""),"",IF(H{r}=N(F{r}),IF(I{r}>=H{r},1,0),'
        f'ROUNDDOWN(MAX(0,MIN(1,(I{r}-N(F{r}))/(H{r}-N(F{r})))),3)))'
    )
    kp = book["开平市"]
    kp_rows = {kp.cell(row=r, column=1).value: r for r in range(5, kp.max_row + 1)}
    assert kp.cell(row=kp_rows["hitech_enterprises"], column=8).value == 225
    # Heshan's plan gives no baseline: progress still has a formula (from 0, as on the page).
    heshan = book["鹤山市"]
    hs_rows = {heshan.cell(row=r, column=1).value: r for r in range(5, heshan.max_row + 1)}
    h = hs_rows["hitech_enterprises"]
    assert heshan.cell(row=h, column=6).value is None and heshan.cell(row=h, column=8).value == 250
    assert "N(F" in heshan.cell(row=h, column=12).value


def test_print_page(world, client) -> None:
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    html = page(client, f"/dashboard/print?as_of={AS_OF.isoformat()}")
    assert "@media print" in html and "高新技术企业数量" in html


def test_admin_edits_targets_and_adds_next_period(app, client) -> None:
    UserFactory(username="root", role=Role.admin)
    login(client, "root")
    target = db.session.scalar(select(PlanTarget).where(PlanTarget.plan == "000", PlanTarget.code == "hitech_enterprises"))
    url = f"/dashboard/targets/{target.id}"
    html = page(client, url)
    assert "2025: 2600" in html
    form = {
        "csrf_token": csrf_token(client, url), "plan": "000", "jurisdiction": "city", "code": "hitech_enterprises",
        "name": target.name, "unit": "家", "category": "", "baseline_year": "2020", "baseline_value": "1845",
        "targets_text": "2023: 2300\n2025: 2700\n2030: 3500", "nature": "预期性", "computable": "hitech_count",
        "notes": "",
    }
    response = client.post(url, data=form)
    assert response.status_code == 302
    db.session.expire_all()
    target = db.session.get(PlanTarget, target.id)
    assert target.targets == {"2023": "2300", "2025": "2700", "2030": "3500"}
    assert db.session.scalar(
        select(AuditLog).where(AuditLog.entity == "plan_target", AuditLog.entity_id == target.id)
    ) is not None

    bad = client.post(url, data={**form, "targets_text": "2025 两千"})
    assert bad.status_code == 200
    assert "第1行应写成" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PlanTarget, target.id).targets["2025"] == "2700"

    new = {**form, "csrf_token": csrf_token(client, "/dashboard/targets/new"), "plan": "005",
           "code": "hitech_enterprises", "targets_text": "2030: 4000", "baseline_year": "2025", "baseline_value": "2600"}
    assert client.post("/dashboard/targets/new", data=new).status_code == 302
    added = db.session.scalar(select(PlanTarget).where(PlanTarget.plan == "005"))
    assert added.targets == {"2030": "4000"} and added.jurisdiction == "city"


def test_next_plan_period_targets_show_on_dashboard_and_report(world, client) -> None:
    UserFactory(username="root", role=Role.admin)
    login(client, "root")
    url = "/dashboard/targets/new"
    base = {"jurisdiction": "city", "unit": "家", "category": "", "nature": "预期性", "notes": ""}
    # The next plan: a 2030 target for an indicator of plan 000, and an indicator no plan had.
    for code, name, comp, targets in (
        ("hitech_enterprises", "高新技术企业数量", "hitech_count", "2028: 3000\n2030: 3500"),
        ("golden_seed_enterprises", "金种子企业数量", "golden_seed_count", "2030: 120"),
    ):
        form = {**base, "csrf_token": csrf_token(client, url), "plan": "005", "code": code, "name": name,
                "computable": comp, "baseline_year": "2025", "baseline_value": "", "targets_text": targets}
        assert client.post(url, data=form).status_code == 302
    # A district without a plan of its own gets one.
    form = {**base, "csrf_token": csrf_token(client, url), "plan": "006", "jurisdiction": PJ,
            "code": "hitech_enterprises", "name": "高新技术企业数量", "computable": "hitech_count",
            "baseline_year": "", "baseline_value": "", "targets_text": "2025: 300\n2030: 400"}
    assert client.post(url, data=form).status_code == 302

    html = page(client, f"/dashboard/?as_of={AS_OF.isoformat()}")
    row = html.split('data-code="hitech_enterprises"', 1)[1].split("</tr>", 1)[0]
    assert 'data-later-target="2028"' in row and 'data-later-target="2030"' in row and "3,500" in row
    row = html.split('data-code="golden_seed_enterprises"', 1)[1].split("</tr>", 1)[0]
    assert "005" in row and 'data-later-target="2030"' in row and 'data-actual="1"' in row
    pj = page(client, f"/dashboard/?district={PJ}&as_of={AS_OF.isoformat()}")
    assert "规划目标不适用" not in pj
    row = pj.split('data-code="hitech_enterprises"', 1)[1].split("</tr>", 1)[0]
    assert "300" in row and 'data-later-target="2030"' in row

    book = load_workbook(BytesIO(client.get(f"/dashboard/report.xlsx?as_of={AS_OF.isoformat()}").data))
    sheet = book["全市"]
    assert sheet.cell(row=4, column=15).value == "后续规划期目标"
    rows = {sheet.cell(row=r, column=1).value: r for r in range(5, sheet.max_row + 1)}
    assert sheet.cell(row=rows["hitech_enterprises"], column=15).value == "2028年：3,000；2030年：3,500"
    assert sheet.cell(row=rows["hitech_enterprises"], column=8).value == 2600  # 2025 stays plan 000's
    assert "2030" in page(client, f"/dashboard/print?as_of={AS_OF.isoformat()}")


def test_editing_a_target_onto_another_rows_code_is_refused(app, client) -> None:
    UserFactory(username="root", role=Role.admin)
    login(client, "root")
    target = db.session.scalar(select(PlanTarget).where(PlanTarget.plan == "000", PlanTarget.code == "hitech_enterprises"))
    url = f"/dashboard/targets/{target.id}"
    form = {
        "csrf_token": csrf_token(client, url), "plan": "000", "jurisdiction": "city", "code": "tech_smes",
        "name": "改名", "unit": "家", "category": "", "baseline_year": "2020", "baseline_value": "1845",
        "targets_text": "2025: 2600", "nature": "预期性", "computable": "hitech_count", "notes": "",
    }
    response = client.post(url, data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "该规划已有此指标代码" in html and 'value="改名"' in html  # the typed values are kept
    db.session.expire_all()
    assert db.session.get(PlanTarget, target.id).code == "hitech_enterprises"
    # The same code in another plan is fine (a next plan period).
    form["plan"] = "005"
    assert client.post(url, data=form).status_code == 302


def test_only_admins_edit_targets(app, client) -> None:
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    assert client.get("/dashboard/targets").status_code == 403
    assert client.get("/dashboard/targets/1").status_code == 403


def test_firms_behind_a_platform_count_add_up_to_the_figure(world, client) -> None:
    # `platforms` (Kaiping) holds a provincial engineering centre and a national key lab: the
    # figure is 2 platforms, the list 1 firm holding 2.
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    html = page(client, f"/dashboard/firms?indicator=provincial_platforms&as_of={AS_OF.isoformat()}")
    assert 'data-items-total="2"' in html
    row = html.split(f'data-uscc="{world.platforms.uscc}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-items="2"' in row
    carriers = page(client, f"/dashboard/firms?indicator=incubation_carriers&district={KP}&as_of={AS_OF.isoformat()}")
    assert 'data-items-total="2"' in carriers  # Kaiping's two incubators, one firm each
    assert carriers.count('data-items="1"') == 2
    # A count of firms has no such column.
    assert "data-items" not in page(client, f"/dashboard/firms?indicator=hitech_count&as_of={AS_OF.isoformat()}")
