"""Progress toward the 2025 target: one computation, one rounding, on the page, print page and workbook."""
from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.dashboard import services
from crm.extensions import db
from crm.models import PlanTarget, Role
from tests.conftest import login
from tests.dashboard.world import AS_OF, KP, build_world
from tests.factories import UserFactory


def _set_target(code: str, baseline: str, targets: dict[str, str]) -> None:
    target = db.session.scalar(select(PlanTarget).where(PlanTarget.plan == "001", PlanTarget.code == code))
    target.baseline_value = Decimal(baseline)
    target.targets = targets
    db.session.commit()


def _row(html: str, code: str) -> str:
    return html.split(f'data-code="{code}"', 1)[1].split("</tr>", 1)[0]


@pytest.fixture
def kaiping(app, client):
    build_world()
    # Kaiping holds 3 high-tech firms and 2 incubation carriers on AS_OF (tests/dashboard/world.py).
    _set_target("hitech_enterprises", "1", {"2023": "2", "2025": "3.001"})  # (3-1)/(3.001-1) = 99.95%
    _set_target("incubation_carriers", "6", {"2023": "6", "2025": "6"})  # hold the level: 2 of 6 is not reached
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    return client


def test_progress_is_rounded_down_to_one_decimal(app) -> None:
    assert services.rounded_progress(0.9995002498750625) == Decimal("99.9")
    assert services.rounded_progress(0.29999999999999993) == Decimal("30.0")
    assert services.rounded_progress(1.0) == Decimal("100.0")
    assert services.rounded_progress(None) is None


def test_a_target_equal_to_its_baseline_is_reached_or_not(app) -> None:
    assert services.progress_toward(2, 6, 6) == 0.0
    assert services.progress_toward(6, 6, 6) == 1.0
    assert services.progress_toward(7, 6, 6) == 1.0


def test_page_and_print_show_the_same_progress(kaiping) -> None:
    query = f"district={KP}&as_of={AS_OF.isoformat()}"
    html = kaiping.get(f"/dashboard/?{query}").get_data(as_text=True)
    printed = kaiping.get(f"/dashboard/print?{query}").get_data(as_text=True)
    hitech = _row(html, "hitech_enterprises")
    assert 'data-progress="99.9"' in hitech and ">99.9%<" in hitech  # not 100% before the target is reached
    carriers = _row(html, "incubation_carriers")
    assert 'data-progress="0.0"' in carriers and ">0.0%<" in carriers
    shown = re.findall(r'data-progress="([^"]*)"', printed)
    on_page = re.findall(r'data-progress="([^"]*)"', html.split('id="indicators"', 1)[1].split("</table>", 1)[0])
    assert "99.9" in shown and "0.0" in shown
    assert [value for value in shown if value] == on_page


def test_workbook_progress_formula_rounds_down_and_handles_a_level_target(kaiping) -> None:
    book = load_workbook(BytesIO(kaiping.get(f"/dashboard/report.xlsx?district={KP}&as_of={AS_OF.isoformat()}").data))
    sheet = book["开平市"]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(5, sheet.max_row + 1)}
    r = rows["incubation_carriers"]
    formula = sheet.cell(row=r, column=12).value
    assert formula == (
        f'=IF(OR(I{r}="",H{r}=""),"",IF(H{r}=N(F{r}),IF(I{r}>=H{r},1,0),'
        f'ROUNDDOWN(MAX(0,MIN(1,(I{r}-N(F{r}))/(H{r}-N(F{r})))),3)))'
    )
    assert sheet.cell(row=r, column=12).number_format == "0.0%"
    assert (sheet.cell(row=r, column=6).value, sheet.cell(row=r, column=8).value, sheet.cell(row=r, column=9).value) \
        == (6, 6, 2)


def test_a_plan_text_that_looks_like_a_formula_stays_text_in_the_workbook(kaiping) -> None:
    target = db.session.scalar(select(PlanTarget).where(PlanTarget.plan == "001", PlanTarget.code == "hitech_enterprises"))
    target.unit = '=1+1'  # the column holds 20 characters
    db.session.commit()
    book = load_workbook(BytesIO(kaiping.get(f"/dashboard/report.xlsx?district={KP}&as_of={AS_OF.isoformat()}").data))
    sheet = book["开平市"]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(5, sheet.max_row + 1)}
    cell = sheet.cell(row=rows["hitech_enterprises"], column=3)
    assert cell.value == "=1+1" and cell.data_type == "s"
    # The progress column stays a formula on purpose.
    assert sheet.cell(row=rows["hitech_enterprises"], column=12).data_type == "f"
