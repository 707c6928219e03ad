"""The portal in English: no Chinese left on its pages but stored data and officers' reasons."""
from __future__ import annotations

import re

from flask import g
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
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



def test_invitation_link_messages_go_through_the_catalogue(app, client, monkeypatch) -> None:
    """Every message of a sign-up or reset link is translated (checked with a marking catalogue,
    so the test does not depend on the English catalogue's state)."""
    from crm.clock import utcnow
    from crm.extensions import db
    from crm.portal import invitations
    from tests.factories import EnterpriseFactory

    monkeypatch.setattr(invitations, "_", lambda text, **values: "[en]" + text % values)
    invitation, token = invitations.issue_invitation(EnterpriseFactory(), None)
    db.session.commit()
    page = client.get("/portal/invite/not-a-token").get_data(as_text=True)
    assert "[en]链接无效" in page
    response = client.post(f"/portal/invite/{token}", data={
        "csrf_token": csrf_token(client, f"/portal/invite/{token}"), "username": "new-user",
        "password": "long-enough-1", "confirm": "long-enough-2"})
    assert "[en]两次输入的密码不一致。" in response.get_data(as_text=True)
    invitation.used_at = utcnow()
    db.session.commit()
    response = client.get(f"/portal/invite/{token}")
    assert response.status_code == 410 and "[en]该链接已使用过" in response.get_data(as_text=True)


def test_standing_figures_carry_english_units(app, client) -> None:
    from tests.factories import AnnualReportFactory

    user = EnterpriseUserFactory(username="firm")
    for year in (LAST_YEAR - 2, LAST_YEAR - 1, LAST_YEAR):
        AnnualReportFactory(enterprise=user.enterprise, year=year, employees=120, tech_staff=10)
    login(client, "firm")
    page = _english(client, "/portal/standing")
    # 10 of 120 technical staff: 3 persons short of 10%; at most 500 staff for a tech SME.
    assert "data-gap>3 persons<" in page and "data-threshold>500 persons<" in page
    # The rules' sentences stay Chinese by design; the table's own figures do not (分, 年 etc. too, once
    # the catalogue has them).
    assert not re.search(r"data-(?:actual|threshold|gap)>[^<]*[人项]<", page)
