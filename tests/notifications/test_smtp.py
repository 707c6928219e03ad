"""E-mail through a real (local, fake) SMTP server: a tiny socket server speaking SMTP."""
from __future__ import annotations

import socket

from sqlalchemy import select

from crm.eligibility.services import run_eligibility
from crm.extensions import db
from crm.models import Notification
from tests.eligibility.helpers import AS_OF, candidate
from tests.fake_smtp import received
from tests.factories import EnterpriseUserFactory, OfficerFactory


def test_notifications_are_mailed_when_smtp_is_configured(app, smtp_server) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1],
                      SMTP_SENDER="crm@kjj.jiangmen.gov.cn")
    firm = candidate("440783")
    officer = OfficerFactory(username="kp", email="kp@kjj.example.cn")
    EnterpriseUserFactory(username="nomail", enterprise=firm, email=None)
    run_eligibility(AS_OF)

    recipients = [r for m in smtp_server.messages for r in m["rcpt"]]
    assert recipients and set(recipients) == {"kp@kjj.example.cn"}
    message = received(smtp_server)[0]
    assert "开平市" in message["Subject"]
    assert firm.name in message.get_content()
    mailed = db.session.scalars(select(Notification).where(Notification.user_id == officer.id)).all()
    assert mailed and all(n.emailed_at is not None for n in mailed)
    unmailed = db.session.scalars(select(Notification).where(Notification.user_id != officer.id)).all()
    assert unmailed and all(n.emailed_at is None for n in unmailed)


def test_no_smtp_configured_sends_nothing(app) -> None:
    assert not app.config["SMTP_HOST"]
    candidate("440783")
    OfficerFactory(email="kp@kjj.example.cn")
    run_eligibility(AS_OF)
    notes = db.session.scalars(select(Notification)).all()
    assert notes and all(n.emailed_at is None for n in notes)


def test_unreachable_server_keeps_the_inbox(app) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    candidate("440783")
    OfficerFactory(email="kp@kjj.example.cn")
    run_eligibility(AS_OF)
    notes = db.session.scalars(select(Notification)).all()
    assert notes and all(n.emailed_at is None for n in notes)
