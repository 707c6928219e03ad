"""Benchmark: the city plan dashboard over 100,000 firms.

    .venv/bin/python benchmarks/dashboard.py [--firms 100000] [--runs 7] [--demo] [--url URL]

Builds a migrated SQLite database (or uses --url, e.g. an empty PostgreSQL
database) with N firms, their designations, reports, platforms and talent
teams (bulk-inserted through Core, or crm.demo.generate_demo_data with --demo),
then times the city computation (`build_dashboard`) and the page render
(GET /dashboard/ as bureau staff) and prints the medians. Target (issue 7):
the city dashboard renders in under 300 ms. Prints figures only.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CRM_ENV", "test")

AS_OF = date(2025, 6, 30)
STAGE_KINDS = ("incubated", "tech_sme", "hitech", "gazelle", "little_giant", "listed")


def bulk_world(count: int, seed: int = 7) -> None:
    """Insert `count` firms with certificates, two years of reports, platforms and teams."""
    from crm.districts import DISTRICTS
    from crm.extensions import db
    from crm.models import AnnualReport, Designation, Enterprise, Platform, Talent
    from crm.uscc import make_uscc

    rng = random.Random(seed)
    districts = list(DISTRICTS)
    kinds = ("engineering_center", "enterprise_tech_center", "key_lab", "incubator", "maker_space", "star_space")
    for start in range(0, count, 10_000):
        firms, reports, designations, platforms, talents = [], [], [], [], []
        for n in range(start, min(count, start + 10_000)):
            fid = n + 1
            district = districts[n % len(districts)]
            firms.append({
                "id": fid, "uscc": make_uscc(f"91{district}{n:09d}"), "name": f"江门基准科技有限公司{n:06d}",
                "name_initials": "jmjzkj", "district_code": district, "district_overridden": False,
                "above_size": n % 4 == 0, "version_id": 1,
            })
            for year in (2023, 2024):
                revenue = Decimal(rng.randrange(500, 50_000))
                reports.append({
                    "enterprise_id": fid, "year": year, "version_id": 1,
                    "status": rng.choice(["verified", "verified", "submitted", "draft"]),
                    "revenue": revenue, "rd_expense": (revenue * Decimal(rng.uniform(0.005, 0.06))).quantize(Decimal("0.01")),
                })
            for kind in rng.sample(STAGE_KINDS + ("golden_seed", "tech_micro"), rng.choice((0, 0, 1, 1, 2))):
                issued = date(2021 + rng.randrange(5), rng.randrange(1, 13), 1)
                designations.append({
                    "enterprise_id": fid, "kind": kind, "valid_from": issued, "source": "demo",
                    "valid_to": None if kind == "listed" else date(issued.year + (3 if kind == "hitech" else 1), issued.month, 1),
                })
            if n % 8 == 0:
                platforms.append({
                    "enterprise_id": fid, "kind": rng.choice(kinds), "name": f"平台{n}",
                    "level": rng.choice(["municipal", "municipal", "provincial", "national"]),
                    "recognized_on": date(2018 + rng.randrange(7), 6, 1),
                    "valid_to": rng.choice([None, date(2024, 12, 31), date(2027, 12, 31)]),
                })
            if n % 100 == 0:
                talents.append({
                    "enterprise_id": fid, "category": "innovation_team", "is_team": True, "name": f"团队{n}",
                    "programme": "qiaodu", "year": 2018 + rng.randrange(8), "high_end": rng.random() < 0.5,
                })
        with db.engine.begin() as conn:
            conn.execute(Enterprise.__table__.insert(), firms)
            conn.execute(AnnualReport.__table__.insert(), reports)
            for table, rows in ((Designation, designations), (Platform, platforms), (Talent, talents)):
                if rows:
                    conn.execute(table.__table__.insert(), rows)


def median_ms(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--demo", action="store_true", help="use crm.demo.generate_demo_data")
    parser.add_argument("--url", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from crm import create_app
    from crm.dashboard.services import build_dashboard
    from crm.extensions import db
    from crm.models import Enterprise, Role, User
    from crm.reference import load_reference_data

    workdir = Path(tempfile.mkdtemp(prefix="crm_dash_bench_"))
    os.environ.setdefault("CRM_INSTANCE_DIR", str(workdir))
    url = args.url or f"sqlite:///{workdir / 'dashboard.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        load_reference_data()
        if not db.session.scalar(select(func.count(Enterprise.id))):
            started = time.perf_counter()
            if args.demo:
                from crm.demo import generate_demo_data

                generate_demo_data(args.firms, 2025)
            else:
                bulk_world(args.firms)
            print(f"database built in {time.perf_counter() - started:.1f} s")
        firms = db.session.scalar(select(func.count(Enterprise.id)))
        user = db.session.scalar(select(User).where(User.username == "bench"))
        if user is None:
            user = User(username="bench", role=Role.bureau)
            user.set_password("bench-password-1")
            db.session.add(user)
            db.session.commit()

        compute, runs = median_ms(lambda: build_dashboard(user, "city", AS_OF), args.runs)
        print(f"{firms:,} firms: city computation median {compute:.0f} ms  (runs: {', '.join(f'{t:.0f}' for t in runs)})")

        client = app.test_client()
        client.post("/login", data={"username": "bench", "password": "bench-password-1"})

        def render() -> None:
            response = client.get(f"/dashboard/?as_of={AS_OF.isoformat()}")
            assert response.status_code == 200, response.status_code

        page, runs = median_ms(render, args.runs)
        print(f"{firms:,} firms: city page render median {page:.0f} ms  (runs: {', '.join(f'{t:.0f}' for t in runs)})")
        trend, runs = median_ms(lambda: client.get(f"/dashboard/trend.json?as_of={AS_OF.isoformat()}"), 3)
        print(f"{firms:,} firms: trend JSON (6 year-ends, fetched by the page) median {trend:.0f} ms")
        print(f"target: page < 300 ms -> {'met' if page < 300 else 'NOT met'}")
        db.engine.dispose()


if __name__ == "__main__":
    main()
