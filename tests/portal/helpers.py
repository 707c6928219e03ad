"""Small helpers shared by the portal tests."""
from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from crm.clock import today
from tests.conftest import CSRF_RE

LAST_YEAR = today().year - 1
VERSION_RE = re.compile(r'name="version_id"[^>]*value="([^"]*)"')

GOOD_FIGURES: dict[str, str] = {
    "revenue": "3000",
    "total_revenue": "3100",
    "hitech_revenue": "2200",
    "total_assets": "5000",
    "net_assets": "2500",
    "net_profit": "300",
    "total_costs": "2600",
    "rd_expense": "180",
    "rd_expense_domestic": "170",
    "employees": "120",
    "tech_staff": "25",
    "rd_staff": "18",
    "ip_class1": "2",
    "ip_class2": "6",
}


def post_report(client: FlaskClient, year: int, figures: dict[str, Any], action: str = "save",
                explanation: str = "", **extra: Any):  # noqa: ANN201
    """Post the annual report form as the browser would (with the CSRF token and version of the page)."""
    page = client.get(f"/portal/reports/{year}").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    version = VERSION_RE.search(page).group(1)
    data = {"csrf_token": token, "version_id": version, "action": action, "change_explanation": explanation,
            **figures, **extra}
    return client.post(f"/portal/reports/{year}", data=data)
