"""An enterprise user reaches only its own firm: every page, download, form field and API call."""
from __future__ import annotations

import io
from decimal import Decimal

from sqlalchemy import select

from crm.extensions import db
from crm.models import AnnualReport, Attachment, ChangeRequest, ReportStatus
from tests.conftest import csrf_token, login
from tests.factories import AnnualReportFactory, EnterpriseUserFactory, issue_token
from tests.portal.helpers import GOOD_FIGURES, LAST_YEAR, post_report


def _world(app, client):  # noqa: ANN202
    mine = EnterpriseUserFactory(username="mine")
    theirs = EnterpriseUserFactory(username="theirs")
    other = theirs.enterprise
    report = AnnualReportFactory(enterprise=other, year=LAST_YEAR, status=ReportStatus.draft,
                                 return_reason="他们的退回原因", revenue=Decimal("777"))
    # The other firm's attachment and change request.
    login(client, "theirs")
    token = csrf_token(client, f"/portal/reports/{LAST_YEAR}")
    client.post(f"/portal/reports/{LAST_YEAR}/attachments",
                data={"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4 secret"), "secret.pdf")},
                content_type="multipart/form-data")
    change = ChangeRequest(enterprise_id=other.id, kind="profile", payload={"changes": {"town": ["", "X"]}})
    db.session.add(change)
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "mine")
    attachment = db.session.scalar(select(Attachment))
    assert attachment is not None
    return mine, other, report, attachment, change


def test_pages_and_downloads_of_another_firm_are_404(app, client) -> None:
    mine, other, _report, attachment, change = _world(app, client)
    token = csrf_token(client, "/portal/reports")
    assert client.get(f"/portal/attachments/{attachment.id}").status_code == 404
    assert client.post(f"/portal/attachments/{attachment.id}/delete", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/portal/manage/{other.uscc}").status_code == 404
    assert client.post(f"/portal/manage/{other.uscc}/invitations", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/portal/manage/{other.uscc}/users", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/portal/review/{change.id}", data={"csrf_token": token, "decision": "approve"}
                       ).status_code == 404
    db.session.expire_all()
    assert db.session.get(Attachment, attachment.id) is not None
    # The same year's report URL shows the user's own firm only.
    page = client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    assert "777" not in page and "他们的退回原因" not in page
    for path in ("/portal/", "/portal/reports", "/portal/standing", "/portal/change-requests"):
        body = client.get(path).get_data(as_text=True)
        assert other.name not in body and other.uscc not in body, path


def test_hidden_enterprise_fields_are_ignored(app, client) -> None:
    mine, other, report, _attachment, _change = _world(app, client)
    response = post_report(client, LAST_YEAR, GOOD_FIGURES, "save", enterprise_id=str(other.id),
                           enterprise=other.uscc, report_id=str(report.id))
    assert response.status_code == 302
    db.session.expire_all()
    assert report.revenue == Decimal("777")
    own = db.session.scalar(select(AnnualReport).where(AnnualReport.enterprise_id == mine.enterprise_id))
    assert own.revenue == Decimal("3000")
    token = csrf_token(client, "/portal/change-requests")
    client.post("/portal/change-requests/platform", data={
        "csrf_token": token, "platform-kind": "key_lab", "platform-level": "municipal", "platform-name": "实验室",
        "enterprise_id": str(other.id)})
    latest = db.session.scalars(select(ChangeRequest).order_by(ChangeRequest.id.desc())).first()
    assert latest.enterprise_id == mine.enterprise_id


def test_api_for_another_firm_is_404(app, client) -> None:
    mine, other, _report, _attachment, _change = _world(app, client)
    secret = issue_token(mine)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/enterprises/{other.uscc}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/enterprises/{mine.enterprise.uscc}", headers=headers).status_code == 200
    listing = client.get("/api/v1/enterprises", headers=headers).get_json()
    assert [item["uscc"] for item in listing["items"]] == [mine.enterprise.uscc]


def test_signed_out_visitors_are_sent_to_login(app, client) -> None:
    for path in ("/portal/", "/portal/reports", f"/portal/reports/{LAST_YEAR}", "/portal/standing",
                 "/portal/change-requests", "/portal/review", "/portal/attachments/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location, path


def test_forms_need_csrf(app, client) -> None:
    EnterpriseUserFactory(username="firm")
    login(client, "firm")
    response = client.post(f"/portal/reports/{LAST_YEAR}", data={"action": "save", "revenue": "1"})
    assert response.status_code == 400
    assert client.post("/portal/change-requests/profile", data={"profile-name": "x"}).status_code == 400
