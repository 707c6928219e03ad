"""Plans after 2025: an administrator enters the 15th five-year plan (2026-2030) and its targets;
the plan in force on the as-of date decides what the dashboard and the forecast compare against."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.dashboard import services
from crm.extensions import db
from crm.models import AuditLog, DesignationKind, Plan, PlanTarget, Role
from tests.conftest import csrf_token, login
from tests.factories import DesignationFactory, EnterpriseFactory, UserFactory

KP = "440783"
PLAN_NAME = "江门市科技创新“十五五”规划"


def _plan_form(client, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf_token(client, "/dashboard/plans/new"), "code": "005", "name": PLAN_NAME,
            "jurisdiction": "city", "first_year": "2026", "last_year": "2030", **fields}


def _indicator_form(client, plan: Plan, **fields: str) -> dict[str, str]:
    url = f"/dashboard/plans/{plan.id}/targets/new"
    return {"csrf_token": csrf_token(client, url), "computable": "hitech_count", "code": "hitech_enterprises",
            "name": "高新技术企业数量", "unit": "家", "baseline_year": "2025", "baseline_value": "1", "nature": "预期性",
            "notes": "", "target_2027": "3", "target_2030": "6", **fields}


@pytest.fixture
def admin(app, client):
    UserFactory(username="root", role=Role.admin)
    login(client, "root")
    return client


@pytest.fixture
def fifteenth(admin) -> Plan:
    assert admin.post("/dashboard/plans/new", data=_plan_form(admin)).status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.code == "005"))
    response = admin.post(f"/dashboard/plans/{plan.id}/targets/new", data=_indicator_form(admin, plan))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return plan


def test_the_shipped_plans_have_their_periods(app) -> None:
    periods = {p.code: (p.jurisdiction, p.first_year, p.last_year) for p in db.session.scalars(select(Plan))}
    assert periods == {"000": ("city", 2021, 2025), "001": (KP, 2021, 2025), "002": ("440784", 2021, 2025),
                       "003": ("440704", 2021, 2025), "004": ("city", 2016, 2025)}


def test_admin_creates_a_plan_and_enters_its_targets(fifteenth, admin) -> None:
    assert (fifteenth.name, fifteenth.jurisdiction, fifteenth.first_year, fifteenth.last_year) == \
        (PLAN_NAME, "city", 2026, 2030)
    target = db.session.scalar(select(PlanTarget).where(PlanTarget.plan == "005"))
    assert (target.jurisdiction, target.code, target.computable, target.targets) == \
        ("city", "hitech_enterprises", "hitech_count", {"2027": "3", "2030": "6"})
    assert db.session.scalar(select(AuditLog).where(AuditLog.entity == "plan_target",
                                                    AuditLog.entity_id == target.id)) is not None
    html = admin.get(f"/dashboard/plans/{fifteenth.id}").get_data(as_text=True)
    assert 'data-target="hitech_enterprises"' in html and "2030年" in html
    assert 'data-plan="005"' in admin.get("/dashboard/plans").get_data(as_text=True)
    # Editing keeps the row and its audit trail.
    url = f"/dashboard/plans/{fifteenth.id}/targets/{target.id}"
    form = _indicator_form(admin, fifteenth, target_2030="7", csrf_token=csrf_token(admin, url))
    assert admin.post(url, data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(PlanTarget, target.id).targets == {"2027": "3", "2030": "7"}


@pytest.mark.parametrize(("fields", "message"), [
    ({"code": "000"}, "规划编号已被使用"),                 # the 14th city plan's number
    ({"last_year": "2025"}, "终止年份不能早于起始年份"),
    ({"code": "0 5"}, "只能用字母、数字"),
    ({"first_year": "二〇二六"}, ""),
    ({"name": ""}, ""),
])
def test_plan_creation_is_validated(admin, fields, message) -> None:
    response = admin.post("/dashboard/plans/new", data=_plan_form(admin, **fields))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Plan).where(Plan.name == PLAN_NAME)) is None


def test_plan_creation_needs_the_csrf_token(admin) -> None:
    form = _plan_form(admin)
    form.pop("csrf_token")
    assert admin.post("/dashboard/plans/new", data=form).status_code in (200, 400)
    assert db.session.scalar(select(Plan).where(Plan.code == "005")) is None


def test_a_code_used_by_target_rows_is_taken(admin) -> None:
    # An earlier target row for plan "006" (entered on the target page) reserves its number.
    db.session.add(PlanTarget(plan="006", jurisdiction=KP, code="x", name="x", targets={}))
    db.session.commit()
    response = admin.post("/dashboard/plans/new", data=_plan_form(admin, code="006"))
    assert "规划编号已被使用" in response.get_data(as_text=True)


def test_targets_are_validated(fifteenth, admin) -> None:
    url = f"/dashboard/plans/{fifteenth.id}/targets/new"
    for fields, message in (
        ({"code": "tech_smes", "target_2028": "两千"}, ""),                         # not a number
        ({"code": "tech_smes", "target_2027": "", "target_2030": ""}, "请至少填写一个年份的目标值"),
        ({}, "该规划已有此指标代码"),                                                 # hitech_enterprises again
    ):
        response = admin.post(url, data=_indicator_form(admin, fifteenth, **fields))
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(PlanTarget).where(PlanTarget.plan == "005", PlanTarget.code == "tech_smes")) is None
    # A year outside the period has no field here; the general target page refuses it too.
    general = {"csrf_token": csrf_token(admin, "/dashboard/targets/new"), "plan": "005", "jurisdiction": "city",
               "code": "tech_smes", "name": "科技型中小企业数量", "unit": "家", "category": "", "baseline_year": "",
               "baseline_value": "", "targets_text": "2030: 5000\n2031: 6000", "nature": "", "computable": "", "notes": ""}
    response = admin.post("/dashboard/targets/new", data=general)
    assert response.status_code == 200 and "不在该规划期" in response.get_data(as_text=True)
    # A period shortened below its entered years is refused.
    edit = {**_plan_form(admin, last_year="2028"), "csrf_token": csrf_token(admin, f"/dashboard/plans/{fifteenth.id}/edit")}
    response = admin.post(f"/dashboard/plans/{fifteenth.id}/edit", data=edit)
    assert response.status_code == 200 and "规划期须包含这些年份" in response.get_data(as_text=True)


def test_only_admins_manage_plans(fifteenth, app) -> None:
    client = app.test_client()
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    for url in ("/dashboard/plans", "/dashboard/plans/new", f"/dashboard/plans/{fifteenth.id}",
                f"/dashboard/plans/{fifteenth.id}/edit", f"/dashboard/plans/{fifteenth.id}/targets/new"):
        assert client.get(url).status_code == 403, url
    assert client.post("/dashboard/plans/new", data={"code": "009", "name": "x", "jurisdiction": "city",
                                                     "first_year": "2026", "last_year": "2030"}).status_code in (400, 403)
    form = {"csrf_token": csrf_token(client, "/dashboard/"), "code": "009", "name": "x", "jurisdiction": "city",
            "first_year": "2026", "last_year": "2030"}
    assert client.post("/dashboard/plans/new", data=form).status_code == 403
    assert db.session.scalar(select(Plan).where(Plan.code == "009")) is None


def _holders(n: int) -> None:
    for _ in range(n):
        firm = EnterpriseFactory(district=KP)
        DesignationFactory(enterprise=firm, kind=DesignationKind.hitech, valid_from=date(2026, 1, 1),
                           valid_to=date(2028, 12, 31))


def test_a_2027_dashboard_uses_the_15th_plan(fifteenth, admin) -> None:
    _holders(4)
    bureau = UserFactory(username="city", role=Role.bureau)
    dashboard = services.build_dashboard(bureau, "city", date(2027, 6, 30))
    assert dashboard.period.plans == ("005",) and dashboard.period.years == ("2027", "2030")
    rows = {row.code: row for row in dashboard.rows}
    hitech = rows["hitech_enterprises"]
    assert (hitech.plan, hitech.actual, hitech.baseline_year, hitech.baseline) == ("005", 4, 2025, 1)
    assert hitech.targets == {"2027": 3, "2030": 6}
    # On the path from 1 (end of 2025) to 3 (end of 2027) the 30 June 2027 value is 1 + 2 x 546/730.
    assert hitech.expected["2027"] == pytest.approx(1 + 2 * 546 / 730)
    assert hitech.on_track == {"2027": True, "2030": True}
    assert hitech.progress == pytest.approx((4 - 1) / (6 - 1))          # toward 2030
    # The 14th plans' rows are history now: only plan 005's rows, then computed ones.
    assert {row.plan for row in dashboard.rows} == {"005", None}
    assert rows["tech_smes"].targets == {"2027": None, "2030": None}

    html = admin.get("/dashboard/?as_of=2027-06-30").get_data(as_text=True)
    assert 'data-plan-period="2026-2030"' in html and PLAN_NAME in html
    assert "2027年目标" in html and "2030年目标进度" in html
    row = html.split('data-code="hitech_enterprises"', 1)[1].split("</tr>", 1)[0]
    assert 'data-progress="60.0"' in row
    book = load_workbook(BytesIO(admin.get("/dashboard/report.xlsx?as_of=2027-06-30").data))
    sheet = book["全市"]
    assert [sheet.cell(row=4, column=c).value for c in (7, 8, 12)] == ["2027年目标", "2030年目标", "2030年目标完成进度"]
    printed = admin.get("/dashboard/print?as_of=2027-06-30").get_data(as_text=True)
    assert "2030年目标完成进度" in printed and 'data-progress="60.0"' in printed


def test_through_2025_the_14th_plans_still_decide(fifteenth, admin) -> None:
    bureau = UserFactory(username="city", role=Role.bureau)
    dashboard = services.build_dashboard(bureau, "city", date(2025, 6, 30))
    assert dashboard.period == services.FOURTEENTH
    hitech = {row.code: row for row in dashboard.rows}["hitech_enterprises"]
    assert hitech.plan == "000" and hitech.targets == {"2023": 2300, "2025": 2600}
    assert hitech.later_targets == {"2027": 3, "2030": 6}      # the next plan's, shown beside
    # A district with no later plan entered keeps the 14th plans' view in 2027 too.
    assert services.build_dashboard(bureau, KP, date(2027, 6, 30)).period == services.FOURTEENTH


def test_the_forecast_compares_with_the_plan_in_force(fifteenth, admin) -> None:
    from crm.dashboard.forecast import build_forecast, forget_models

    forget_models()
    _holders(2)
    bureau = UserFactory(username="city", role=Role.bureau)
    page = build_forecast(bureau, "city", date(2027, 3, 1))
    item = next(i for i in page.items if i.key == "hitech_count")
    assert page.period.plans == ("005",)
    assert (item.row.plan, item.target_year, item.target, item.target_on_path) == ("005", 2027, 3.0, False)
    assert item.forecast.point == pytest.approx(2) and item.shortfall == 1
    # In 2026 the plan names no target: the year-end is compared with its path toward 2027.
    early = next(i for i in build_forecast(bureau, "city", date(2026, 3, 1)).items if i.key == "hitech_count")
    assert (early.target_year, early.target_on_path) == (2026, True)
    assert early.target == pytest.approx(1 + 2 * 365 / 730)
    html = admin.get("/dashboard/forecast?as_of=2027-03-01").get_data(as_text=True)
    assert 'data-indicator="hitech_count"' in html and 'data-shortfall="1"' in html
