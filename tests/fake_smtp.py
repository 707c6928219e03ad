"""A real SMTP server on a local port, for tests of e-mail (not a mock): it keeps what it receives."""
from __future__ import annotations

import email
import socketserver
import threading
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest


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


def received(server: FakeSMTPServer) -> list[EmailMessage]:
    """The messages the server accepted, parsed."""
    return [email.message_from_bytes(m["data"], policy=default_policy) for m in server.messages]
