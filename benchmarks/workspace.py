"""Benchmark: the officer workspace (firm list with a filter and a sort, a firm page) at scale.

    .venv/bin/python benchmarks/workspace.py [--firms 100000] [--requests 40] [--db PATH | --url URL]

Builds (or reuses) a migrated database with N firms and three years of reports
(crm.demo.generate_demo_data when available, otherwise a quick Core bulk insert),
starts gunicorn on 127.0.0.1 on a free port, signs in as a district officer and
as bureau staff, and loops requests over
  - the list page filtered and sorted by revenue (officer's district),
  - the list page for the whole city sorted by R&D ratio (bureau),
  - a firm page.
Prints median and p95 of the server-side time (the workspace's Server-Timing
header) and of the client-side round trip. Issue 5 asks for < 100 ms median.
Prints figures only; no assertions.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-1"
DISTRICT = "440783"


def build(url: str, count: int, seed: int = 5) -> None:
    os.environ["CRM_DATABASE_URL"] = url
    os.environ.setdefault("CRM_ENV", "development")
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from crm import create_app
    from crm.extensions import db
    from crm.models import Enterprise, Role, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        from crm.reference import load_reference_data

        load_reference_data()
        existing = db.session.scalar(select(func.count()).select_from(Enterprise)) or 0
        if existing >= count:
            print(f"reusing database with {existing:,} firms")
        else:
            started = time.perf_counter()
            try:
                from crm.demo import generate_demo_data

                generate_demo_data(count - existing, seed)
            except (ImportError, ValueError, TypeError):
                bulk_insert(count, existing, seed)
                from crm.enterprises.summary import refresh_latest_figures

                with db.engine.begin() as conn:
                    refresh_latest_figures(conn)
            print(f"built {count:,} firms in {time.perf_counter() - started:.0f} s")
        for username, role, district in (("bench_officer", Role.officer, DISTRICT), ("bench_city", Role.bureau, None)):
            if db.session.scalar(select(User).where(User.username == username)) is None:
                user = User(username=username, role=role, district_code=district)
                user.set_password(PASSWORD)
                db.session.add(user)
        db.session.commit()
        db.engine.dispose()


def bulk_insert(count: int, start: int, seed: int) -> None:
    """Firms with three years of reports, designations, platforms and flags, through Core."""
    from crm.districts import DISTRICTS
    from crm.extensions import db
    from crm.models import AnnualReport, Designation, Enterprise, Flag, Platform
    from crm.models.enterprise import name_initials
    from crm.uscc import make_uscc

    rng = random.Random(seed)
    districts = list(DISTRICTS)
    words = ["恒力", "永安", "华美", "新材", "智能", "精密", "光电", "生物", "海洋", "电子", "机械", "化工"]
    towns = ["水口镇", "长沙街道", "月山镇", "三埠街道", "赤坎镇"]
    for chunk_start in range(start, count, 10_000):
        firms, reports, designations, platforms, flags = [], [], [], [], []
        for n in range(chunk_start, min(count, chunk_start + 10_000)):
            fid = n + 1
            district = districts[n % len(districts)]
            name = f"江门{rng.choice(words)}{rng.choice(words)}科技有限公司{n:06d}"
            firms.append({
                "id": fid, "uscc": make_uscc(f"91{district}{n:09d}"), "name": name,
                "name_initials": name_initials(name), "district_code": district, "district_overridden": False,
                "town": rng.choice(towns), "founded_on": date(2000 + rng.randrange(24), 1 + rng.randrange(12), 1),
                "above_size": n % 4 == 0, "version_id": 1,
            })
            revenue = Decimal(rng.randrange(200, 50_000))
            for year in (2023, 2024, 2025):
                revenue = (revenue * Decimal(rng.uniform(0.8, 1.4))).quantize(Decimal("0.01"))
                employees = rng.randrange(10, 800)
                reports.append({
                    "enterprise_id": fid, "year": year, "version_id": 1,
                    "status": rng.choice(["verified", "verified", "verified", "submitted"]) if year == 2025 else "verified",
                    "revenue": revenue, "rd_expense": (revenue * Decimal(rng.uniform(0.005, 0.08))).quantize(Decimal("0.01")),
                    "employees": employees, "tech_staff": rng.randrange(0, employees // 2 + 1),
                })
            for kind in rng.sample(("tech_sme", "hitech", "gazelle", "tech_micro", "golden_seed"), rng.choice((0, 0, 1, 1, 2))):
                issued = date(2022 + rng.randrange(4), 1 + rng.randrange(12), 1)
                designations.append({
                    "enterprise_id": fid, "kind": kind, "valid_from": issued,
                    "valid_to": date(issued.year + (3 if kind == "hitech" else 1), issued.month, 1),
                    "certificate_no": f"GR{n:08d}", "source": "demo",
                })
            if rng.random() < 0.15:
                platforms.append({"enterprise_id": fid, "kind": "engineering_center", "level": "municipal",
                                  "name": f"工程技术研究中心{n}"})
            if rng.random() < 0.1:
                flags.append({"enterprise_id": fid, "rule": "hitech_candidate", "raised_on": date(2026, 1, 2),
                              "reasons": ["满足高新技术企业认定的各项量化条件"], "gaps": {}, "result_digest": ""})
        with db.engine.begin() as conn:
            for model, rows in ((Enterprise, firms), (AnnualReport, reports), (Designation, designations),
                                (Platform, platforms), (Flag, flags)):
                if rows:
                    conn.execute(model.__table__.insert(), rows)
        print(f"  inserted {min(count, chunk_start + 10_000):,} firms", flush=True)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            for table in ("enterprise", "annual_report", "designation", "platform", "flag"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str, float, float | None]:
        started = time.perf_counter()
        with self.opener.open(self.base + path) as response:
            body = response.read().decode()
            client_ms = (time.perf_counter() - started) * 1000
            timing = response.headers.get("Server-Timing", "")
            match = re.search(r"dur=([\d.]+)", timing)
            return response.status, body, client_ms, float(match.group(1)) if match else None

    def login(self, username: str) -> None:
        _, page, _, _ = self.get("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
        self.opener.open(self.base + "/login", data=data).read()


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            urllib.request.urlopen(base + "/login", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def report(label: str, samples: list[tuple[float, float | None]]) -> None:
    def stats(values: list[float]) -> str:
        if not values:
            return "n/a"
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
        return f"median {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms"

    server = [s for _, s in samples if s is not None]
    print(f"{label:<48} server {stats(server)}   client {stats([c for c, _ in samples])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--db", help="SQLite file to build or reuse (default under /tmp)")
    parser.add_argument("--url", help="database URL instead of SQLite, e.g. postgresql+psycopg://...")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    url = args.url or f"sqlite:///{args.db or f'/tmp/crm_bench_workspace_{args.firms}.sqlite3'}"
    build(url, args.firms)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_ENV": "development", "CRM_SECRET_KEY": "bench-only",
           "CRM_INSTANCE_DIR": "/tmp/crm_bench_instance", "CRM_LOGIN_MAX_FAILURES": "1000"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "crm:create_app()"],
        cwd=ROOT, env=env,
    )
    try:
        wait_until_up(base, process)
        officer, city = Session(base), Session(base)
        officer.login("bench_officer")
        city.login("bench_city")
        _, listing, _, _ = officer.get("/enterprises/?above_size=1&sort=revenue&dir=desc")
        firm_links = re.findall(r'href="/enterprises/([0-9A-Z]{18})"', listing)
        if not firm_links:
            raise SystemExit("the officer's list is empty; check the data")
        cases = [
            ("officer list: above-size, sort revenue desc", officer, "/enterprises/?above_size=1&sort=revenue&dir=desc"),
            ("officer list: stage hitech, sort growth", officer, "/enterprises/?stage=hitech&sort=growth&dir=desc"),
            ("officer list: search 'jmhl', page 2", officer, "/enterprises/?q=jmhl&page=2"),
            ("bureau list: whole city, sort R&D ratio", city, "/enterprises/?sort=rd_ratio&dir=desc"),
            ("firm page", officer, None),
        ]
        for label, session, path in cases:
            samples = []
            for i in range(args.requests):
                target = path or f"/enterprises/{firm_links[i % len(firm_links)]}"
                status, _, client_ms, server_ms = session.get(target)
                if status != 200:
                    raise SystemExit(f"{target}: HTTP {status}")
                samples.append((client_ms, server_ms))
            report(label, samples[1:] or samples)  # the first request warms caches
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
