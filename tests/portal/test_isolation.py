"""An enterprise user reaches only its own firm: every page, download, form field and API call."""
from __future__ import annotations

import io
import re
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


# --- Every route of the app, aimed at another firm -------------------------------------------

# Routes that never take another firm's identifiers (sign-in, language, static files, links by secret).
_NOT_FIRM_ROUTES = {"static", "bootstrap.static", "auth.login", "auth.logout", "auth.set_language",
                    "portal.accept_invitation", "portal.forgot_password"}


_ECHOED_PATH = re.compile(r'name="next" value="[^"]*"')


def _snapshot(firm_id: int) -> dict:
    """What another firm holds, row by row, to prove nothing of it changed."""
    from crm.models import (
        ContactNote, Designation, Enterprise, Flag, Honour, Notification, Platform, SupportRecord, Talent, User,
    )

    db.session.expire_all()
    state: dict = {}
    for model in (AnnualReport, Attachment, ChangeRequest, Designation, Flag, Honour, Platform, SupportRecord,
                  Talent, ContactNote, Notification):
        rows = db.session.scalars(select(model).where(model.enterprise_id == firm_id).order_by(model.id)).all()
        state[model.__name__] = [
            {c.key: getattr(row, c.key) for c in model.__table__.columns if c.key not in ("read_at",)} for row in rows
        ]
    firm = db.session.get(Enterprise, firm_id)
    state["Enterprise"] = {c.key: getattr(firm, c.key) for c in Enterprise.__table__.columns}
    state["User"] = [(u.id, u.username, u.password_hash, u.active, u.email)
                     for u in db.session.scalars(select(User).where(User.enterprise_id == firm_id))]
    return state


def test_no_route_reaches_another_firm(app, client) -> None:
    """Each URL rule is called (GET and POST, with a valid CSRF token) with the other firm's ids.

    Every answer is 403 or 404, or (for the routes that always work on the user's own firm)
    shows nothing of the other firm; a 403 is only accepted where the user's own ids get
    a 403 too (the role is refused, whichever firm), so nothing confirms what exists.
    Afterwards the other firm's records are exactly as before.
    """
    from flask import url_for

    from crm.models import Notification
    from crm.notifications.services import notify
    from tests.factories import (
        ContactNoteFactory, DesignationFactory, FlagFactory, HonourFactory, PlatformFactory, SupportRecordFactory,
        TalentFactory,
    )

    mine, other, report, attachment, change = _world(app, client)
    theirs = db.session.scalar(select(type(mine)).where(type(mine).username == "theirs"))
    own_report = AnnualReportFactory(enterprise=mine.enterprise, year=LAST_YEAR - 1, status=ReportStatus.submitted)
    records = {
        "platforms": PlatformFactory(enterprise=other), "talents": TalentFactory(enterprise=other),
        "designations": DesignationFactory(enterprise=other), "reports": report,
        "support": SupportRecordFactory(enterprise=other), "honours": HonourFactory(enterprise=other),
        "notes": ContactNoteFactory(enterprise=other),
    }
    own_records = {
        "platforms": PlatformFactory(enterprise=mine.enterprise), "talents": TalentFactory(enterprise=mine.enterprise),
        "designations": DesignationFactory(enterprise=mine.enterprise), "reports": own_report,
        "support": SupportRecordFactory(enterprise=mine.enterprise),
        "honours": HonourFactory(enterprise=mine.enterprise), "notes": ContactNoteFactory(enterprise=mine.enterprise),
    }
    flag = FlagFactory(enterprise=other, reasons=["他们的提示"])
    own_flag = FlagFactory(enterprise=mine.enterprise)
    their_note = notify(theirs, "x", "他们的消息", enterprise_id=other.id)
    db.session.commit()
    own_note = db.session.scalar(select(Notification).where(Notification.user_id == mine.id))
    theirs_ids = {"uscc": other.uscc, "report_id": report.id, "attachment_id": attachment.id,
                  "request_id": change.id, "flag_id": flag.id, "notification_id": their_note.id,
                  "user_id": theirs.id, "year": LAST_YEAR}
    own_ids = {"uscc": mine.enterprise.uscc, "report_id": own_report.id, "request_id": 10**6,
               "flag_id": own_flag.id, "notification_id": own_note.id if own_note else 10**6,
               "user_id": mine.id, "year": LAST_YEAR}
    secrets = (other.uscc, other.name, "他们的退回原因", "他们的提示", "他们的消息", "secret.pdf")
    before = _snapshot(other.id)
    token = csrf_token(client, "/portal/reports")

    def call(rule, ids: dict, kind: str | None, method: str):  # noqa: ANN001, ANN202
        values = {}
        for name in rule.arguments:
            if name in ("kind_name", "kind"):
                values[name] = kind
            elif name == "record_id":
                values[name] = (records if ids is theirs_ids else own_records)[kind].id
            else:
                values[name] = ids.get(name, 1)
        with app.test_request_context():
            path = url_for(rule.endpoint, **values)
        data = {"csrf_token": token, "enterprise_id": str(other.id), "uscc": other.uscc,
                "report_id": str(report.id)} if method == "POST" else None
        return path, client.open(path, method=method, data=data)

    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in _NOT_FIRM_ROUTES or rule.rule.startswith("/api/"):
            continue
        takes_ids = bool(set(rule.arguments) & (set(theirs_ids) - {"year"} | {"record_id"}))
        kinds = records if "kind_name" in rule.arguments else ["platforms", "talents"] if "kind" in rule.arguments else [None]
        for kind in kinds:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                path, response = call(rule, theirs_ids, kind, method)
                checked += 1
                body = response.get_data(as_text=True) if response.status_code != 302 else ""
                body = _ECHOED_PATH.sub("", body)  # the language switch echoes the requested path
                assert not any(s in body for s in secrets), (method, path, response.status_code)
                if takes_ids:
                    assert response.status_code in (403, 404), (method, path, response.status_code)
                    if response.status_code == 403:
                        _own_path, own = call(rule, own_ids, kind, method)
                        assert own.status_code == 403, (method, path, "403 only for the other firm")
                else:
                    assert response.status_code in (200, 302, 400, 403, 404, 405, 422), (method, path)
    assert checked > 100
    assert _snapshot(other.id) == before

    # The API, with the user's own token: the other firm is not found, and no listing names it.
    headers = {"Authorization": f"Bearer {issue_token(mine)}"}
    for path in (f"/api/v1/enterprises/{other.uscc}", f"/api/v1/enterprises/{other.uscc.lower()}"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and other.name not in response.get_data(as_text=True)
    for path in ("/api/v1/enterprises", f"/api/v1/enterprises?q={other.name}", "/api/v1/flags",
                 "/api/v1/flags?rule=hitech_candidate", f"/api/v1/enterprises?district={other.district_code}",
                 "/api/v1/indicators"):
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 403), path
        assert other.uscc not in response.get_data(as_text=True), path
    response = client.post("/api/v1/enterprises", headers=headers, json={"uscc": other.uscc, "name": "X"})
    assert response.status_code in (403, 404)
    assert _snapshot(other.id) == before
