"""Benchmark: the home page's to-do counts (crm.main.services.work_list) and the page itself.

    .venv/bin/python benchmarks/home.py [--db PATH] [--firms 10000] [--runs 20]

Uses the SQLite database at PATH (default /tmp/home.sqlite3); when it holds fewer
than N firms, fills it with the demo data set and runs the eligibility job so that
there are flags to count. Times, for a district officer and for bureau staff,
every SQL statement work_list issues (median per statement over the runs), the
whole of work_list, and the rendered home page through the test client.
Prints figures only; no assertions.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-1"
DISTRICT = "440783"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/home.sqlite3")
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    url = f"sqlite:///{args.db}"
    os.environ["CRM_DATABASE_URL"] = url
    os.environ.setdefault("CRM_ENV", "development")

    from flask_migrate import upgrade
    from sqlalchemy import event, func, select

    from crm import create_app
    from crm.clock import today
    from crm.extensions import db
    from crm.main.services import work_list
    from crm.models import Enterprise, Role, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "SCHEDULER_ENABLED": False})
    with app.app_context():
        upgrade()
        from crm.reference import load_reference_data

        load_reference_data()
        existing = db.session.scalar(select(func.count()).select_from(Enterprise)) or 0
        if existing < args.firms:
            from crm.demo import generate_demo_data
            from crm.eligibility.services import run_eligibility

            generate_demo_data(args.firms - existing, 7)
            run_eligibility(today(), "cli", notify=False)
        users = {}
        for username, role, district in (("bench_officer", Role.officer, DISTRICT), ("bench_city", Role.bureau, None)):
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                user = User(username=username, role=role, district_code=district)
                user.set_password(PASSWORD)
                db.session.add(user)
            users[username] = user
        db.session.commit()
        firms = db.session.scalar(select(func.count()).select_from(Enterprise))
        print(f"{firms:,} firms in {args.db}")

        as_of = today()
        for username, user in users.items():
            work_list(user, as_of)  # warm the caches
            statements: list[tuple[str, object]] = []

            def record(conn, cursor, statement, parameters, context, executemany) -> None:
                statements.append((statement, parameters))

            event.listen(db.engine, "after_cursor_execute", record)
            db.session.expire_all()
            work = work_list(user, as_of)
            event.remove(db.engine, "after_cursor_execute", record)
            totals = []
            for _ in range(args.runs):
                db.session.expire_all()
                t0 = time.perf_counter()
                work_list(user, as_of)
                totals.append((time.perf_counter() - t0) * 1000)
            print(f"\n{username}: work_list median {statistics.median(totals):.1f} ms, max {max(totals):.1f} ms "
                  f"({len(statements)} statements; {work.reports_to_verify} reports to verify, "
                  f"{sum(f.open for f in work.flags.values())} open flags)")
            # Each statement again on the raw connection, execute and fetch, so the figure is the query's own.
            raw = db.engine.raw_connection()
            try:
                for statement, parameters in statements:
                    times = []
                    for _ in range(args.runs):
                        t0 = time.perf_counter()
                        raw.cursor().execute(statement, parameters).fetchall()
                        times.append((time.perf_counter() - t0) * 1000)
                    text = " ".join(statement.split())
                    # The "all" and "open" flag counts differ only at the end.
                    print(f"  {statistics.median(times):6.2f} ms  {text[:60]} … {text[-45:]}")
            finally:
                raw.close()

        client = app.test_client()
        for username in users:
            client.post("/login", data={"username": username, "password": PASSWORD})
            client.get("/")
            pages = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                response = client.get("/")
                pages.append((time.perf_counter() - t0) * 1000)
            print(f"\n{username}: GET / {response.status_code} median {statistics.median(pages):.1f} ms, "
                  f"max {max(pages):.1f} ms")
            client.post("/logout")
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
