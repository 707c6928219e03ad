"""Benchmark: flows of the ladder and the forecast page, over 10k and 100k firms.

    .venv/bin/python benchmarks/flows.py [--sizes 10000 100000] [--runs 3] [--requests 20]
        [--no-evaluations] [--profile] [--cache DIR] [--keep]

Builds one migrated SQLite database per size in a temporary folder with crm.demo: ten years of
designations (certificates issued, renewed and lapsed, yearly lists), firms that moved district
or closed, and (unless --no-evaluations) the eligibility rules run as of 1 July of the last five
years and today, as `flask demo-data` does, so the forecast has past candidates to convert.

Times the flows of every stage over ten years (this year and the nine before) for the city and
the seven districts, counted from the database with nothing kept (issue 16's "all stages, seven
districts and ten years"; target under 1 s at 100,000 firms), split into reading the records and
counting them; then the same asked again while the records are unchanged (the pages' case: the
counts are kept per state of the records). At the largest size, times GET /dashboard/forecast through the
Flask test client as a signed-in bureau user (target: median under 200 ms): the first request
(which counts the records) and the median of the next ones. Prints figures only; asserts nothing.
--profile prints where the time of one "city and seven districts" pass goes.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("CRM_ENV", "test")

SEED = 2025
PASSWORD = "bench-password-1"
FLOWS_TARGET_S = 1.0
PAGE_TARGET_MS = 200.0


def build(path: Path, count: int, evaluate: bool) -> None:
    """A migrated database with ``count`` demo firms (and the demo's past and present evaluations)."""
    from flask_migrate import upgrade

    from crm import create_app
    from crm.clock import today
    from crm.demo import generate_demo_data, past_evaluation_days
    from crm.eligibility.services import run_eligibility
    from crm.extensions import db
    from crm.reference import load_reference_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        load_reference_data()
        started = time.perf_counter()
        summary = generate_demo_data(count, SEED, evaluate_on=past_evaluation_days(today()) if evaluate else ())
        if evaluate:
            run_eligibility(today(), "cli", notify=False)
        built = time.perf_counter() - started
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        db.engine.dispose()
    print(f"{count:>7,} firms: built in {built:.1f} s{' with the past evaluations' if evaluate else ''} "
          f"({summary['designations']:,} designations, {summary['moved']:,} moved, {summary['closed']:,} closed)",
          flush=True)


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and best of ``runs`` calls, in seconds, after one call that warms the caches."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def time_flows(path: Path, count: int, runs: int, profile: bool) -> float:
    """Print the flows' times at this size; returns the median of city + seven districts."""
    from sqlalchemy import func, select

    from crm import create_app
    from crm.clock import today
    from crm.districts import DISTRICTS
    from crm.extensions import db
    from crm.flows.history import STAGES
    from crm.flows.history import all_flows
    from crm.flows.services import alike_firms, city_and_district_flows, forget_flows, histories, ladder_flows
    from crm.models import Designation

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    this_year = today().year
    years = range(this_year - 9, this_year + 1)
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Designation).where(Designation.kind.in_(STAGES)))
        firms = len(histories())
        print(f"{count:>7,} firms: {firms:,} firms ever on a stage, {rows:,} stage designations; "
              f"flows of {len(STAGES)} stages over {years.start}-{years.stop - 1}", flush=True)
        def everything() -> None:
            """The city and the seven districts from the database, nothing kept from before."""
            forget_flows()
            city_and_district_flows(years)

        total, best = timed(everything, runs)
        verdict = ("met" if total < FLOWS_TARGET_S else "NOT met") if count >= 100_000 else "set for 100,000 firms"
        print(f"{'':>14}city + seven districts, counted    median {total * 1000:7.0f} ms  best {best * 1000:7.0f} ms "
              f"(target < 1 s: {verdict})", flush=True)
        grouped, _ = timed(alike_firms, runs)
        others, _ = timed(lambda: histories(moved_or_closed=True), runs)
        alike, moved = alike_firms(), histories(moved_or_closed=True)
        count_only, _ = timed(lambda: all_flows(moved, years, alike), runs)
        print(f"{'':>14}  of which: firms grouped in SQL {grouped * 1000:.0f} ms ({len(alike):,} groups of "
              f"{len({held for held, _ in alike}):,} histories), moved or closed firms read {others * 1000:.0f} ms "
              f"({len(moved):,}), counting {count_only * 1000:.0f} ms")

        def kept() -> None:
            ladder_flows(years)
            for code in DISTRICTS:
                ladder_flows(years, code)

        again, _ = timed(kept, runs)
        print(f"{'':>14}city + seven districts, asked again (records unchanged) median {again * 1000:7.1f} ms", flush=True)
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(everything)
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(25)
            stats.sort_stats("tottime").print_stats(15)
        db.engine.dispose()
    return total


def time_forecast_page(path: Path, requests: int) -> None:
    """GET /dashboard/forecast as a signed-in bureau user: the first request and the median after."""
    from crm import create_app
    from crm.extensions import db
    from crm.models import Role, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": False})
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    if "/dashboard/forecast" not in rules:
        print("  forecast page: /dashboard/forecast is not in this app (not built yet): skipped")
        return
    with app.app_context():
        user = User(username="bench_bureau", role=Role.bureau, display_name="bench")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"username": "bench_bureau", "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"could not sign in as bench_bureau: HTTP {response.status_code}")
    started = time.perf_counter()
    response = client.get("/dashboard/forecast")
    first = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        print(f"  forecast page: HTTP {response.status_code} - not timed")
        return
    size = len(response.get_data())
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/dashboard/forecast")
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"forecast page: HTTP {response.status_code}")
    ordered = sorted(times)
    median, p95 = statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    verdict = "met" if median < PAGE_TARGET_MS else "NOT met"
    print(f"  forecast page /dashboard/forecast ({size:,} bytes): first {first:.0f} ms, then median {median:.1f} ms, "
          f"p95 {p95:.1f} ms over {requests} requests (target median < {PAGE_TARGET_MS:.0f} ms: {verdict})")
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="timed calls per figure (after one warm-up)")
    parser.add_argument("--requests", type=int, default=20, help="forecast page requests at the largest size")
    parser.add_argument("--no-evaluations", action="store_true",
                        help="skip the past and present eligibility runs (quicker to build; no past candidates)")
    parser.add_argument("--no-page", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--cache", type=Path, help="keep the built databases here and reuse them")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="crm_flows_bench_"))
    os.environ.setdefault("CRM_INSTANCE_DIR", str(workdir))
    evaluate = not args.no_evaluations
    for size in sorted(args.sizes):
        name = f"flows_{size}_{'evaluated' if evaluate else 'plain'}.sqlite3"
        path = (args.cache or workdir) / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            build(path, size, evaluate)
        else:
            print(f"{size:>7,} firms: reusing {path}")
        time_flows(path, size, args.runs, args.profile)
        if size == max(args.sizes) and not args.no_page:
            work = workdir / f"page_{size}.sqlite3"
            shutil.copyfile(path, work)  # the page's user is not kept in a cached database
            time_forecast_page(work, args.requests)
            work.unlink(missing_ok=True)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
