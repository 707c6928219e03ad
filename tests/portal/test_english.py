"""The portal in English: no Chinese left on its pages but stored data and officers' reasons."""
from __future__ import annotations

from flask import g
from flask.testing import FlaskClient

from tests.conftest import login
from tests.factories import EnterpriseUserFactory
from tests.portal.helpers import LAST_YEAR


def _english(client: FlaskClient, path: str) -> str:
    g.pop("_flask_babel", None)  # the fixture's one app context caches the locale
    response = client.get(path + ("&" if "?" in path else "?") + "lang=en")
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_report_form_labels_are_english(app, client) -> None:
    EnterpriseUserFactory(username="firm")
    login(client, "firm")
    page = _english(client, f"/portal/reports/{LAST_YEAR}")
    for text in ("Sales revenue (operating revenue)", "Total staff", "10k yuan", "persons"):
        assert text in page, text
    for chinese in ("销售收入", "研发费用（万元）", "职工总数（人）", "I类知识产权数（项）"):
        assert chinese not in page, chinese
