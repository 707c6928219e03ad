"""Two gunicorn servers against one PostgreSQL database, as behind a load balancer: a file
uploaded through one is downloaded, and an import previewed through one is confirmed,
through the other. Each server has an instance folder of its own (uploads included), so
nothing may depend on the disk of the server that took the upload."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import Attachment, ImportBatch, JobLease, JobRun
from tests.conftest import PG_URL, USING_PG
from tests.factories import DEFAULT_PASSWORD, EnterpriseUserFactory, OfficerFactory, UserFactory
from tests.imports.test_import_views import ROWS
from tests.importers.helpers import xlsx_bytes
from tests.live import Browser
from tests.portal.helpers import LAST_YEAR

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")

pytestmark = [
    pytest.mark.skipif(not USING_PG, reason="two servers share one database only on PostgreSQL "
                                            "(set CRM_TEST_DATABASE_URL=postgresql+psycopg://...)"),
    pytest.mark.skipif(not GUNICORN.exists(), reason=f"gunicorn is not installed ({GUNICORN})"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def servers(app, tmp_path: Path) -> Iterator[tuple[str, str]]:  # noqa: ANN001
    """Two gunicorn servers (one worker each) on the test's database, each with its own
    instance folder; one secret key, as every server behind a balancer must share."""
    started = []
    bases = []
    key = secrets.token_hex(16)
    try:
        for name in ("a", "b"):
            port = _free_port()
            env = {**os.environ, "CRM_ENV": "development", "CRM_DATABASE_URL": PG_URL, "CRM_SECRET_KEY": key,
                   "CRM_INSTANCE_DIR": str(tmp_path / name), "CRM_SCHEDULER": "1",
                   # Both servers' schedulers: one job every minute, the others far away.
                   "CRM_REPORT_REMINDER_CRON": "* * * * *", "CRM_ELIGIBILITY_CRON": "0 3 1 1 *",
                   "CRM_EXPIRY_REMINDER_CRON": "0 3 1 1 *", "CRM_INNOVATION_POINTS_CRON": "0 3 1 1 *"}
            env.pop("FLASK_RUN_FROM_CLI", None)
            env.pop("CRM_UPLOAD_DIR", None)
            process = subprocess.Popen(
                [str(GUNICORN), "--workers", "1", "--bind", f"127.0.0.1:{port}", "crm:create_app()"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            started.append(process)
            bases.append(f"http://127.0.0.1:{port}")
            _wait_until_serving(bases[-1], process)
        yield bases[0], bases[1]
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            process.stderr.close()  # type: ignore[union-attr]


def _wait_until_serving(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            raise AssertionError(f"gunicorn stopped: {output}")
        try:
            with urllib.request.urlopen(base + "/login", timeout=5):
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    raise AssertionError(f"gunicorn at {base} did not answer")


class Person(Browser):
    """A browser whose requests the balancer sends to the server of its choosing (``base``)."""

    def send_file(self, path: str, fields: dict[str, str], name: str, content: bytes) -> tuple[int, dict, bytes]:
        boundary = secrets.token_hex(16)
        parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n{value}\r\n".encode()
                 for key, value in fields.items()]
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.base + path, data=body,
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return self.fetch(request)

    def fetch(self, request: urllib.request.Request | str) -> tuple[int, dict, bytes]:
        if isinstance(request, str):
            request = urllib.request.Request(self.base + request)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


def _path(location: str) -> str:
    return "/" + location.split("://", 1)[-1].split("/", 1)[1]


def test_a_file_and_an_import_preview_go_through_one_server_and_come_back_through_the_other(app, servers) -> None:
    a, b = servers
    firm_user = EnterpriseUserFactory(username="firm")
    OfficerFactory(username="kp", district_code=firm_user.enterprise.district_code)
    elsewhere = "440784" if firm_user.enterprise.district_code != "440784" else "440783"
    OfficerFactory(username="hs", district_code=elsewhere)
    UserFactory(username="city1")
    db.session.commit()

    # A firm's attachment: uploaded through A, downloaded through B, in scope as before.
    firm = Person(a)
    firm.sign_in("firm", DEFAULT_PASSWORD)
    scan = b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024)
    form = f"/portal/reports/{LAST_YEAR}"
    status, _headers, _body = firm.send_file(f"{form}/attachments", {"csrf_token": firm.csrf(form)}, "审计报告.pdf", scan)
    assert status == 302
    db.session.expire_all()
    attachment = db.session.scalar(select(Attachment))
    firm.base = b
    status, headers, body = firm.fetch(f"/portal/attachments/{attachment.id}")
    assert status == 200 and hashlib.sha256(body).hexdigest() == hashlib.sha256(scan).hexdigest()
    assert headers["ETag"] == f'"{attachment.sha256}"'
    for username, expected in (("kp", 200), ("hs", 404)):
        officer = Person(b)
        officer.sign_in(username, DEFAULT_PASSWORD)
        assert officer.fetch(f"/portal/attachments/{attachment.id}")[0] == expected, username

    # An import: uploaded and previewed through A, shown and confirmed through B.
    bureau = Person(a)
    bureau.sign_in("city1", DEFAULT_PASSWORD)
    status, headers, _body = bureau.send_file("/imports/", {"csrf_token": bureau.csrf("/imports/"),
                                                            "district": "440783"}, "开平2023.xlsx", xlsx_bytes(ROWS))
    assert status == 303
    preview = _path(headers["Location"])
    bureau.base = b
    status, page = bureau.request(preview)
    assert status == 200 and "江门甲科技有限公司" in page
    status, headers, _body = bureau.fetch(urllib.request.Request(
        b + preview, data=urllib.parse.urlencode({"csrf_token": bureau.csrf(preview), "action": "import",
                                                  "kind": "figures"}).encode()))
    assert status == 303 and "/imports/batches/" in headers["Location"]
    batch_page = _path(headers["Location"])
    bureau.base = a
    status, headers, _body = bureau.fetch(batch_page + "/errors.xlsx")
    assert status == 200 and headers["Content-Type"].startswith("application/vnd.openxmlformats")
    db.session.expire_all()
    batch = db.session.scalar(select(ImportBatch))
    assert batch.counts["created"] == 1 and batch.counts["rejected"] == 1


def test_the_schedulers_of_both_servers_run_each_occurrence_once(app, servers) -> None:
    """Both servers start their scheduler on the one database; an every-minute job runs once per
    occurrence across them (a lease per occurrence), whichever server's scheduler fires first."""
    a, b = servers
    for base in (a, b):
        with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
            assert json.load(response)["scheduler"]["running"] is True, base
    deadline = time.monotonic() + 75     # the next minute, and the run itself
    runs: list[JobRun] = []
    while time.monotonic() < deadline and not runs:
        time.sleep(1)
        db.session.expire_all()
        runs = db.session.scalars(select(JobRun).where(JobRun.job == "report_reminder")).all()
    assert runs, "no scheduled run within 75 s"
    time.sleep(8)  # the other server's scheduler fires the same occurrence by now, if it ever would
    db.session.expire_all()
    runs = db.session.scalars(select(JobRun).where(JobRun.job == "report_reminder")).all()
    leases = db.session.scalars(select(JobLease.name).where(JobLease.name.like("report_reminder@%"))).all()
    assert len(runs) == len(leases) >= 1, (runs, leases)
    assert all(run.trigger == "schedule" for run in runs)
