"""Benchmark: a gunicorn worker's memory while a large attachment goes into the database and
comes back out (files live in the database, streamed a chunk at a time: crm.stored_files).

    .venv/bin/python benchmarks/file_memory.py [--mb 20] [--url URL]

Builds a migrated database (a SQLite file in a temporary folder, or the empty database
``--url`` names) with one firm and its user, starts gunicorn (one sync worker) on a free
local port, signs in, warms the worker up with a small upload and download, then uploads
an N MB PDF as a firm's attachment and downloads it again (read 64 KiB at a time, as a
browser does). Before each it resets the worker's peak resident set (``/proc/PID/clear_refs``)
and prints how far the peak rose above the resident set at that moment: the memory the
transfer itself took. The aim (issue 17): under 60 MB for 20 MB. Linux only. Prints figures
only; no assertions.
"""
from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-1"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def build(url: str) -> None:
    """Migrate, load the reference data, add one firm and its user."""
    os.environ.setdefault("CRM_ENV", "development")
    from flask_migrate import upgrade

    from crm import create_app
    from crm.extensions import db
    from crm.models import Enterprise, Role, User
    from crm.reference import load_reference_data
    from crm.uscc import make_uscc

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        load_reference_data()
        firm = Enterprise(uscc=make_uscc("91440783MA51BENCH"), name="江门基准测试科技有限公司", district_code="440783")
        db.session.add(firm)
        db.session.flush()
        user = User(username="bench_firm", display_name="bench_firm", role=Role.enterprise, enterprise_id=firm.id)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory(pid: int) -> dict[str, int]:
    """The process's resident set now and its peak, in bytes."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) * 1024
    return found


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS


def worker_of(master: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise SystemExit("gunicorn started no worker")


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.read().decode()

    def csrf(self, path: str) -> str:
        match = CSRF_RE.search(self.get(path))
        if not match:
            raise SystemExit(f"no CSRF token on {path}")
        return match.group(1)

    def sign_in(self) -> None:
        body = urllib.parse.urlencode({"username": "bench_firm", "password": PASSWORD,
                                       "csrf_token": self.csrf("/login")}).encode()
        with self.opener.open(self.base + "/login", data=body, timeout=60) as response:
            if "/login" in response.url:
                raise SystemExit("sign-in failed")

    def upload(self, year: int, name: str, content: bytes) -> str:
        token = self.csrf(f"/portal/reports/{year}")
        boundary = secrets.token_hex(16)
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                "Content-Type: application/pdf\r\n\r\n").encode()
        body = head + content + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.base + f"/portal/reports/{year}/attachments", data=body,
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with self.opener.open(request, timeout=300) as response:
            page = response.read().decode()
        if "已上传" not in page:
            raise SystemExit("upload refused")
        ids = re.findall(r"/portal/attachments/(\d+)\"", page)
        return max(ids, key=int)

    def download(self, attachment_id: str) -> tuple[int, str]:
        digest = hashlib.sha256()
        size = 0
        with self.opener.open(self.base + f"/portal/attachments/{attachment_id}", timeout=300) as response:
            while piece := response.read(64 * 1024):
                digest.update(piece)
                size += len(piece)
        return size, digest.hexdigest()


def mb(value: float) -> str:
    return f"{value / 1024 / 1024:.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=20, help="size of the file (MB)")
    parser.add_argument("--url", help="an empty database to use (default: a SQLite file in a temporary folder)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="crm-file-memory-"))
    url = args.url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    build(url)
    port = free_port()
    limit = args.mb + 5
    env = {**os.environ, "CRM_ENV": "development", "CRM_DATABASE_URL": url, "CRM_INSTANCE_DIR": str(workdir),
           "CRM_MAX_UPLOAD_MB": str(limit + 5)}
    env.pop("FLASK_RUN_FROM_CLI", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}", "--timeout", "300",
                               f"crm:create_app({{'PORTAL_MAX_ATTACHMENT_MB': {limit}}})"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        worker = worker_of(server.pid)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        from crm.clock import today

        year = today().year - 1
        browser = Browser(base)
        browser.sign_in()
        # Warm-up: every code path of both transfers runs once before anything is measured.
        small = browser.upload(year, "warm-up.pdf", b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024))
        browser.download(small)
        content = b"%PDF-1.4\n" + os.urandom(args.mb * 1024 * 1024 - 9)
        expected = hashlib.sha256(content).hexdigest()
        print(f"file: {mb(len(content))}, database: {url.split(':', 1)[0]}, gunicorn worker pid {worker}")

        before = memory(worker)
        reset_peak(worker)
        started = time.perf_counter()
        attachment_id = browser.upload(year, "big.pdf", content)
        upload_seconds = time.perf_counter() - started
        after_upload = memory(worker)
        print(f"upload:   {upload_seconds:5.2f} s, worker RSS {mb(before['VmRSS'])} before, "
              f"peak {mb(after_upload['VmHWM'])}: peak growth {mb(after_upload['VmHWM'] - before['VmRSS'])}")

        reset_peak(worker)
        before = memory(worker)
        started = time.perf_counter()
        size, digest = browser.download(attachment_id)
        download_seconds = time.perf_counter() - started
        after_download = memory(worker)
        print(f"download: {download_seconds:5.2f} s, worker RSS {mb(before['VmRSS'])} before, "
              f"peak {mb(after_download['VmHWM'])}: peak growth {mb(after_download['VmHWM'] - before['VmRSS'])}")
        print(f"downloaded {mb(size)}, same bytes: {digest == expected}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
