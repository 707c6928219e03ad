"""The plan dashboard in a real browser: a figure and the ECharts charts render (served locally)."""
import pytest

from crm.models import Role
from tests.browser.conftest import sign_in
from tests.dashboard.world import AS_OF, build_world
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_dashboard_shows_figures_and_charts(app, page) -> None:
    build_world()
    UserFactory(username="city", role=Role.bureau)
    sign_in(page, "city")
    page.goto(f"/dashboard/?as_of={AS_OF.isoformat()}")
    assert page.title().startswith("规划指标")
    actual = page.locator('tr[data-code="hitech_enterprises"] [data-actual]')
    assert actual.inner_text().strip() == "3"
    for chart_id in ("chart-funnel", "chart-districts", "chart-trend"):
        drawing = page.locator(f"#{chart_id} svg, #{chart_id} canvas").first
        drawing.wait_for(state="attached")
        box = drawing.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100, chart_id
    # The trend chart draws its lines once the JSON has arrived.
    page.locator("#chart-trend svg path").first.wait_for(state="attached")
    # Following the figure leads to the firms behind it.
    page.locator('tr[data-code="provincial_platforms"] [data-actual] a').click()
    page.wait_for_url("**/dashboard/firms**")
    assert page.locator("#firms tbody tr").count() == 1
