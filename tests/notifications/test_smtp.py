"""E-mail through a real (local, fake) SMTP server: a tiny socket server speaking SMTP."""
from __future__ import annotations

import email
import socket
import socketserver
import threading
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from crm.eligibility.services import run_eligibility
from crm.extensions import db
from crm.models import Notification
from tests.eligibility.helpers import AS_OF, candidate
from tests.factories import EnterpriseUserFactory, OfficerFactory


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 fake.smtp ESMTP")
        envelope: dict = {"rcpt": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-fake.smtp")
                self.reply("250 8BITMIME")
            elif verb == "MAIL":
                envelope = {"from": command[10:].strip("<>"), "rcpt": []}
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["rcpt"].append(command[8:].strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b""):
                        break
                    chunks.append(data[1:] if data.startswith(b"..") else data)
                envelope["data"] = b"".join(chunks)
                self.server.messages.append(envelope)
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")


class FakeSMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list[dict] = []


@pytest.fixture
def smtp_server():
    server = FakeSMTPServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_notifications_are_mailed_when_smtp_is_configured(app, smtp_server) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1],
                      SMTP_SENDER="crm@kjj.jiangmen.gov.cn")
    firm = candidate("440783")
    officer = OfficerFactory(username="kp", email="kp@kjj.example.cn")
    EnterpriseUserFactory(username="nomail", enterprise=firm, email=None)
    run_eligibility(AS_OF)

    recipients = [r for m in smtp_server.messages for r in m["rcpt"]]
    assert recipients and set(recipients) == {"kp@kjj.example.cn"}
    message = email.message_from_bytes(smtp_server.messages[0]["data"], policy=default_policy)
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
