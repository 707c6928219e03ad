"""The MIIT ladder's counts (创新型中小企业, 专精特新中小企业, 专精特新“小巨人”) on the dashboard,
its print view, workbook, trend and API, with targets an administrator sets."""
from __future__ import annotations

import json
from datetime import date
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.dashboard import services
from crm.extensions import db
from crm.models import DesignationKind, PlanTarget, Role
from tests.conftest import csrf_token, login
from tests.factories import DesignationFactory, EnterpriseFactory, OfficerFactory, UserFactory, issue_token

AS_OF = date(2025, 6, 30)
KP, PJ = "440783", "440703"  # 开平市, 蓬江区
INNOVATIVE, SRDI, GIANT = DesignationKind.innovative_sme, DesignationKind.srdi_sme, DesignationKind.little_giant
# Computation key -> the indicator code of its dashboard row and API item.
CODES = {"innovative_sme_count": "innovative_smes", "srdi_sme_count": "srdi_smes",
         "little_giant_count": "little_giant_enterprises"}


def designate(firm, kind: DesignationKind, valid_from: date, valid_to: date | None) -> None:
    DesignationFactory(enterprise=firm, kind=kind, valid_from=valid_from, valid_to=valid_to)


@pytest.fixture
def ladder(app) -> SimpleNamespace:
    """As of AS_OF: innovative KP 2 / PJ 1, specialised KP 1 / PJ 1, little giant PJ 1."""
    w = SimpleNamespace()
    w.kp_innovative = EnterpriseFactory(district=KP)
    designate(w.kp_innovative, INNOVATIVE, date(2022, 7, 1), AS_OF)  # ends on as_of: still counts
    w.kp_renewed = EnterpriseFactory(district=KP)  # two overlapping designations: one firm
    designate(w.kp_renewed, INNOVATIVE, date(2022, 12, 1), date(2025, 11, 30))
    designate(w.kp_renewed, INNOVATIVE, date(2025, 6, 1), date(2028, 5, 31))
    designate(w.kp_renewed, SRDI, date(2024, 1, 1), date(2026, 12, 31))
    w.kp_expired = EnterpriseFactory(district=KP)  # lapsed the day before as_of
    designate(w.kp_expired, INNOVATIVE, date(2022, 6, 29), date(2025, 6, 29))
    designate(w.kp_expired, SRDI, date(2022, 6, 29), date(2025, 6, 29))
    w.kp_future = EnterpriseFactory(district=KP)  # named after as_of
    designate(w.kp_future, SRDI, date(2025, 7, 1), date(2028, 6, 30))
    w.pj_giant = EnterpriseFactory(district=PJ)  # all three rungs at once: counted on each
    designate(w.pj_giant, INNOVATIVE, date(2023, 1, 1), date(2025, 12, 31))
    designate(w.pj_giant, SRDI, date(2023, 1, 1), date(2025, 12, 31))
    designate(w.pj_giant, GIANT, date(2024, 7, 1), date(2027, 6, 30))
    w.pj_expired_giant = EnterpriseFactory(district=PJ)
    designate(w.pj_expired_giant, GIANT, date(2021, 7, 1), date(2024, 6, 30))
    w.hitech_only = EnterpriseFactory(district=PJ)  # another kind counts in none of them
    designate(w.hitech_only, DesignationKind.hitech, date(2024, 1, 1), date(2026, 12, 31))
    return w


@pytest.fixture
def bureau(app):
    return UserFactory(username="city", role=Role.bureau)


def rows_by_code(user, jurisdiction: str) -> dict[str, services.IndicatorRow]:
    return {row.code: row for row in services.build_dashboard(user, jurisdiction, AS_OF).rows}


def test_counts_per_district_and_for_the_city(ladder, bureau) -> None:
    f = services.compute_figures(bureau, AS_OF)
    assert (f.value("innovative_sme_count", KP), f.value("innovative_sme_count", PJ)) == (2, 1)
    assert f.value("innovative_sme_count", "city") == 3
    assert (f.value("srdi_sme_count", KP), f.value("srdi_sme_count", PJ)) == (1, 1)
    assert f.value("srdi_sme_count", "city") == 2
    assert (f.value("little_giant_count", KP), f.value("little_giant_count", PJ)) == (0, 1)
    assert f.value("little_giant_count", "city") == 1
    assert f.value("hitech_count", "city") == 1  # untouched by the new kinds
    assert f.value("innovative_sme_count", "440705") == 0  # a district with none


def test_expired_and_future_designations_are_not_counted(ladder, bureau) -> None:
    before = services.compute_figures(bureau, date(2025, 6, 29))  # kp_expired still valid
    assert before.value("innovative_sme_count", KP) == 3 and before.value("srdi_sme_count", KP) == 2
    after = services.compute_figures(bureau, date(2025, 7, 1))  # kp_innovative lapsed, kp_future named
    assert after.value("innovative_sme_count", KP) == 1
    assert after.value("srdi_sme_count", KP) == 2

    def firms(key: str) -> set:
        return set(db.session.scalars(services.firms_behind(bureau, key, "city", AS_OF)).all())

    assert firms("innovative_sme_count") == {ladder.kp_innovative, ladder.kp_renewed, ladder.pj_giant}
    assert firms("srdi_sme_count") == {ladder.kp_renewed, ladder.pj_giant}
    assert firms("little_giant_count") == {ladder.pj_giant}


def test_officer_counts_only_their_district(ladder) -> None:
    officer = OfficerFactory(district_code=KP)
    rows = rows_by_code(officer, KP)
    assert rows["innovative_smes"].actual == 2
    assert rows["srdi_smes"].actual == 1
    assert rows["little_giant_enterprises"].actual == 0


def test_rows_have_no_target_until_one_is_set(ladder, bureau) -> None:
    for jurisdiction, actuals in (("city", (3, 2, 1)), (KP, (2, 1, 0))):
        rows = rows_by_code(bureau, jurisdiction)
        for code, actual in zip(CODES.values(), actuals):
            row = rows[code]
            assert (row.plan, row.unit, row.actual) == (None, "家", actual), (jurisdiction, code)
            assert row.baseline is None and row.targets == {"2023": None, "2025": None}
            assert row.on_track == {"2023": None, "2025": None} and row.progress is None
    assert str(rows["innovative_smes"].name) == "创新型中小企业数量"
    assert str(rows["srdi_smes"].name) == "专精特新中小企业数量"
    assert str(rows["little_giant_enterprises"].name) == "专精特新“小巨人”企业数量"


def test_dashboard_print_view_and_workbook_show_them(ladder, bureau, client) -> None:
    login(client, "city")
    html = client.get(f"/dashboard/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    for code, actual in zip(CODES.values(), (3, 2, 1)):
        row = html.split(f'data-code="{code}"', 1)[1].split("</tr>", 1)[0]
        assert f'data-actual="{actual}"' in row, code
    row = html.split('data-code="innovative_smes"', 1)[1].split("</tr>", 1)[0]
    assert "创新型中小企业数量" in row and "indicator=innovative_sme_count" in row
    firms = client.get(f"/dashboard/firms?indicator=innovative_sme_count&as_of={AS_OF.isoformat()}")
    listed = firms.get_data(as_text=True)
    assert firms.status_code == 200 and "创新型中小企业数量" in listed
    assert all(f.uscc in listed for f in (ladder.kp_innovative, ladder.kp_renewed, ladder.pj_giant))
    assert ladder.kp_expired.uscc not in listed
    assert "data-set-target" not in html  # only administrators set targets

    printed = client.get(f"/dashboard/print?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    for name in ("创新型中小企业数量", "专精特新中小企业数量", "专精特新“小巨人”企业数量"):
        assert name in printed

    book = load_workbook(BytesIO(client.get(f"/dashboard/report.xlsx?as_of={AS_OF.isoformat()}").data))
    for sheet_name, actuals in (("全市", (3, 2, 1)), ("开平市", (2, 1, 0)), ("蓬江区", (1, 1, 1))):
        sheet = book[sheet_name]
        rows = {sheet.cell(row=r, column=1).value: r for r in range(5, sheet.max_row + 1)}
        for code, actual in zip(CODES.values(), actuals):
            r = rows[code]
            assert sheet.cell(row=r, column=3).value == "家"
            assert sheet.cell(row=r, column=9).value == actual, (sheet_name, code)
            assert sheet.cell(row=r, column=8).value is None  # no target yet


def test_trend_and_district_chart_carry_them(ladder, bureau, client) -> None:
    login(client, "city")
    body = client.get(f"/dashboard/trend.json?as_of={AS_OF.isoformat()}").get_json()
    series = {s["key"]: s for s in body["series"]}
    assert body["years"] == [2020, 2021, 2022, 2023, 2024, 2025]
    # The ends of 2020-2024, then as_of itself (its own year is not over).
    assert series["innovative_sme_count"]["data"] == [0, 0, 3, 4, 4, 3]
    assert series["srdi_sme_count"]["data"] == [0, 0, 1, 2, 3, 2]
    assert series["little_giant_count"]["data"] == [0, 1, 1, 1, 1, 1]
    assert series["srdi_sme_count"]["name"] == "专精特新中小企业数量" and not series["srdi_sme_count"]["ratio"]
    html = client.get(f"/dashboard/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    chart = json.loads(html.split('id="dashboard-data">', 1)[1].split("</script>", 1)[0])
    by_district = {s["key"]: s["data"] for s in chart["series"]}
    # 蓬江, 江海, 新会, 台山, 开平, 鹤山, 恩平
    assert by_district["innovative_sme_count"] == [1, 0, 0, 0, 2, 0, 0]
    assert by_district["srdi_sme_count"] == [1, 0, 0, 0, 1, 0, 0]
    assert by_district["little_giant_count"] == [1, 0, 0, 0, 0, 0, 0]


def test_admin_sets_a_target_and_it_is_shown(ladder, client) -> None:
    UserFactory(username="root", role=Role.admin)
    login(client, "root")
    html = client.get(f"/dashboard/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    row = html.split('data-code="innovative_smes"', 1)[1].split("</tr>", 1)[0]
    assert "/dashboard/targets/new?computable=innovative_sme_count&amp;jurisdiction=city" in row

    # The link opens a new row already naming the indicator; the administrator adds plan and targets.
    url = "/dashboard/targets/new?computable=innovative_sme_count&jurisdiction=city"
    form = client.get(url).get_data(as_text=True)
    assert 'value="innovative_smes"' in form and 'value="创新型中小企业数量"' in form and 'value="家"' in form
    assert '<option selected value="innovative_sme_count">' in form
    data = {
        "csrf_token": csrf_token(client, url), "plan": "000", "jurisdiction": "city", "code": "innovative_smes",
        "name": "创新型中小企业数量", "unit": "家", "category": "", "baseline_year": "", "baseline_value": "",
        "targets_text": "2023: 2\n2025: 6", "nature": "预期性", "computable": "innovative_sme_count", "notes": "",
    }
    assert client.post("/dashboard/targets/new", data=data).status_code == 302
    target = db.session.scalar(select(PlanTarget).where(PlanTarget.code == "innovative_smes"))
    assert (target.plan, target.jurisdiction, target.targets) == ("000", "city", {"2023": "2", "2025": "6"})

    html = client.get(f"/dashboard/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    assert html.count('data-code="innovative_smes"') == 1  # the plan row replaces the computed one
    row = html.split('data-code="innovative_smes"', 1)[1].split("</tr>", 1)[0]
    assert 'data-actual="3"' in row and "data-set-target" not in row
    # 3 of 6 with no baseline: 50.0%; the 2023 target (2) was passed by its year's end.
    assert 'data-progress="50.0"' in row and 'data-status="on-track"' in row
    cells = row.split('<td class="text-end">')[1:4]  # baseline, 2023 and 2025 targets
    assert cells[1].startswith("2<") and cells[2].startswith("6<")

    city = rows_by_code(UserFactory(role=Role.bureau), "city")["innovative_smes"]
    assert city.targets == {"2023": 2, "2025": 6} and city.progress == pytest.approx(0.5)
    assert city.on_track == {"2023": True, "2025": None}  # no baseline: judged at the target year's end
    kp = rows_by_code(UserFactory(role=Role.bureau), KP)["innovative_smes"]
    assert kp.targets == {"2023": None, "2025": None}  # a city target is not Kaiping's

    book = load_workbook(BytesIO(client.get(f"/dashboard/report.xlsx?as_of={AS_OF.isoformat()}").data))
    sheet = book["全市"]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(5, sheet.max_row + 1)}
    assert sheet.cell(row=rows["innovative_smes"], column=8).value == 6
    assert sheet.cell(row=rows["innovative_smes"], column=9).value == 3


def test_api_items(ladder, bureau, client) -> None:
    def items(token: str, query: str) -> dict[str, dict]:
        response = client.get(f"/api/v1/indicators?as_of={AS_OF.isoformat()}{query}",
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        return {item["code"]: item for item in response.get_json()["items"]}

    city = items(issue_token(bureau), "")
    assert city["innovative_smes"] == {
        "code": "innovative_smes", "name": "创新型中小企业数量", "unit": "家", "actual": 3,
        "baseline": {"year": None, "value": None}, "targets": {"2023": None, "2025": None},
    }
    assert city["srdi_smes"] == {
        "code": "srdi_smes", "name": "专精特新中小企业数量", "unit": "家", "actual": 2,
        "baseline": {"year": None, "value": None}, "targets": {"2023": None, "2025": None},
    }
    assert city["little_giant_enterprises"]["name"] == "专精特新“小巨人”企业数量"
    assert city["little_giant_enterprises"]["actual"] == 1
    officer = items(issue_token(OfficerFactory(district_code=KP)), f"&district={KP}")
    assert [officer[code]["actual"] for code in CODES.values()] == [2, 1, 0]

    # A target an administrator set (here for Kaiping) is the item's target.
    db.session.add(PlanTarget(plan="001", jurisdiction=KP, code="srdi_smes", name="专精特新中小企业数量", unit="家",
                              targets={"2025": "5"}, computable="srdi_sme_count"))
    db.session.commit()
    kp = items(issue_token(bureau), f"&district={KP}")["srdi_smes"]
    assert kp["actual"] == 1 and kp["targets"] == {"2023": None, "2025": 5}
