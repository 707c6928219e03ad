"""The innovation portrait in a real browser: on the officer's firm page and in the portal, the charts
draw (ECharts, served locally, under the pages' CSP) with the figures written on them."""
from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.factories import EnterpriseUserFactory, OfficerFactory
from tests.innovation.portrait_world import build_cohort, scored_round

pytestmark = pytest.mark.browser


def _drawn(page, name: str) -> None:  # noqa: ANN001
    drawing = page.locator(f'#innovation-portrait [data-chart="{name}"] svg').first
    drawing.wait_for(state="attached")
    box = drawing.bounding_box()
    assert box is not None and box["width"] > 150 and box["height"] > 150, name


def _written(page, name: str) -> list[str]:  # noqa: ANN001
    """The texts drawn on a chart (labels, axes, legend)."""
    return [t.strip() for t in page.locator(f'#innovation-portrait [data-chart="{name}"] svg text').all_text_contents()]


def _check_portrait(page) -> None:  # noqa: ANN001
    for name in ("groups", "indicators", "history"):
        _drawn(page, name)
    # Firm B's points, the cohort's median and top decile, written beside the bars of 研发费用占比.
    bars = _written(page, "indicators")
    assert {"2.50", "5.00", "10.00", "2.00", "8.00"} <= set(bars), bars
    assert any(t.startswith("研发费用占营业收入比例") for t in bars)
    # On the radar: 技术创新 6.00 against a median of 12.00 and a top decile of 24.00.
    radar = _written(page, "groups")
    assert {"6.00", "12.00", "24.00"} <= set(radar), radar
    assert any("第 4 名 / 5 家" in t for t in _written(page, "history"))


def test_the_officer_sees_the_portrait_on_the_firm_page(app, page) -> None:
    cohort = build_cohort()
    scored_round(cohort, publish=True)
    scored_round(cohort)
    OfficerFactory(username="kp", district_code="440783")
    sign_in(page, "kp")
    page.goto(f"/enterprises/{cohort.firms['B'].uscc}")
    assert "未发布" in page.locator("#innovation [data-round-line]").inner_text()
    _check_portrait(page)


def test_the_firm_sees_its_portrait_in_the_portal(app, page) -> None:
    cohort = build_cohort()
    scored_round(cohort, publish=True)
    scored_round(cohort, publish=True)
    scored_round(cohort)   # not published: not shown
    EnterpriseUserFactory(username="b", enterprise=cohort.firms["B"])
    sign_in(page, "b")
    page.goto("/portal/innovation")
    assert page.locator("#innovation-portrait").get_attribute("data-round") == "2"
    _check_portrait(page)
    assert page.locator("#portrait-history tbody tr").count() == 2
