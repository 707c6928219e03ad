"""Benchmark: an innovation-points round (企业创新积分) over 10k and 100k firms, and the portrait's pages.

    .venv/bin/python benchmarks/innovation_points.py [--sizes 10000 100000] [--repeat N]
        [--requests 30] [--bulk] [--profile] [--cache DIR] [--keep]

Builds one migrated SQLite database per size in a temporary folder (crm.demo.generate_demo_data:
firms with reports, designations, platforms, talents and honours, as the scoring reads them;
--bulk: benchmarks/eligibility.py's quicker generator, reports and designations only). Times
`run_round` in a fresh process per attempt, so the peak memory (ru_maxrss) is the round's and
not the build's, and prints seconds per round, firms/s and the 100k/10k ratio. At the largest
size it publishes the round and times, through the Flask test client with signed-in users,
the officer's firm page (/enterprises/USCC, which carries the portrait) for scored firms of the
officer's district and the portal's innovation page (/portal/innovation) for firm users, and
the portrait's own reading (crm.innovation.display.firm_portrait) without a request.
Targets (issue 15): 100,000 firms within 30 s, ratio 100k/10k <= 12x, page median < 100 ms.
Prints figures only; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("CRM_ENV", "test")

AS_OF = date(2026, 7, 1)  # scores fiscal year 2025
PASSWORD = "bench-password-1"
FIRM_USERS = 5


def build(path: Path, count: int, bulk: bool) -> None:
    from flask_migrate import upgrade

    from crm import create_app
    from crm.extensions import db
    from crm.reference import load_reference_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        load_reference_data()
        if bulk:
            sys.path.insert(0, str(HERE))
            from eligibility import bulk_firms

            bulk_firms(count)
        else:
            from crm.demo import generate_demo_data

            generate_demo_data(count, 2025)
        db.session.commit()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        db.engine.dispose()


def _rss_kb(field: str) -> float:
    """This process's resident memory (VmRSS) or its high-water mark (VmHWM), in kB (Linux);
    ru_maxrss elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _reset_peak() -> None:
    """Start the high-water mark again from the current size, so the peak is the round's (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def child_round(path: Path, profile: bool) -> None:
    """In a process of its own: one round, its time and the process's memory, as JSON on the last line."""
    from crm import create_app
    from crm.extensions import db
    from crm.innovation.services import run_round

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        before = _rss_kb("VmRSS")
        _reset_peak()
        started, cpu = time.perf_counter(), time.process_time()
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            round_ = profiler.runcall(run_round, AS_OF, "cli")
            stats = pstats.Stats(profiler, stream=sys.stderr)
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(25)
        else:
            round_ = run_round(AS_OF, "cli")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = _rss_kb("VmHWM")
        result = {"seconds": seconds, "cpu": cpu, "round": round_.id, "counts": dict(round_.counts),
                  "rss_before_mb": before / 1024, "rss_peak_mb": peak / 1024}
        db.engine.dispose()
    print(json.dumps(result))


def time_round(path: Path, profile: bool) -> dict:
    command = [sys.executable, __file__, "--child-round", str(path)] + (["--profile"] if profile else [])
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    if profile:
        print(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_ms(fn, runs: int) -> tuple[float, float]:
    """Median and p95 in ms of ``runs`` calls of ``fn(i)``, after one call that warms the caches."""
    fn(-1)
    times = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_pages(path: Path, requests: int) -> None:
    """Publish the latest round, then time the officer's firm page and the portal's innovation page."""
    from sqlalchemy import func, select

    from crm import create_app
    from crm.extensions import db
    from crm.innovation.services import latest_round, publish_round
    from crm.models import Enterprise, InnovationScore, Role, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        round_ = latest_round()
        admin = User(username="bench_admin", role=Role.admin)
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.flush()
        publish_round(round_, admin)
        firms = db.session.execute(
            select(InnovationScore.enterprise_id, InnovationScore.uscc, InnovationScore.district_code)
            .where(InnovationScore.round_id == round_.id, InnovationScore.score.is_not(None))
            .order_by(InnovationScore.id)).all()
        district = max({d for _e, _u, d in firms}, key=lambda d: sum(1 for f in firms if f[2] == d))
        mine = [f for f in firms if f[2] == district]
        # Firms spread over the district's list, not only the first few.
        sample = [mine[i * len(mine) // requests] for i in range(requests)]
        officer = User(username="bench_officer", role=Role.officer, district_code=district)
        officer.set_password(PASSWORD)
        db.session.add(officer)
        firm_users = []
        for n in range(FIRM_USERS):
            user = User(username=f"bench_firm{n}", role=Role.enterprise, enterprise_id=sample[n * requests // FIRM_USERS][0])
            user.set_password(PASSWORD)
            db.session.add(user)
            firm_users.append(user.username)
        db.session.commit()
        firm_count = db.session.scalar(select(func.count(Enterprise.id)))
        print(f"  pages: round {round_.id} published; officer of {district} ({len(mine):,} scored firms there); "
              f"{len(firms):,} of {firm_count:,} firms scored")

    # Requests outside the app context above: each pushes its own, so one client's signed-in
    # user is not the next one's (flask.g lives in the app context).
    def signed_in(username: str):  # noqa: ANN202 - a FlaskClient
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"could not sign in as {username}: HTTP {response.status_code}")
        return client

    officer_client = signed_in("bench_officer")
    portal_clients = [signed_in(name) for name in firm_users]

    def firm_page(i: int) -> None:
        response = officer_client.get(f"/enterprises/{sample[i][1]}")
        if response.status_code != 200:
            raise SystemExit(f"firm page: HTTP {response.status_code}")

    def portal_page(i: int) -> None:
        response = portal_clients[i % FIRM_USERS].get("/portal/innovation")
        if response.status_code != 200:
            raise SystemExit(f"portal page: HTTP {response.status_code}")

    html = officer_client.get(f"/enterprises/{sample[0][1]}").get_data(as_text=True)
    portal_html = portal_clients[0].get("/portal/innovation").get_data(as_text=True)
    print(f"  firm page {len(html):,} bytes ({'with' if '创新积分' in html else 'WITHOUT'} 创新积分); "
          f"portal page {len(portal_html):,} bytes ({'with' if '创新积分' in portal_html else 'WITHOUT'} 创新积分)")
    for label, fn in (("officer firm page /enterprises/USCC", firm_page),
                      ("portal /portal/innovation", portal_page)):
        median, p95 = median_ms(fn, requests)
        verdict = "met" if median < 100 else "NOT met"
        print(f"  {label:<40} median {median:6.1f} ms   p95 {p95:6.1f} ms   (target < 100 ms: {verdict})")
    with app.app_context():
        try:
            from crm.innovation.display import firm_portrait
        except ImportError:
            print("  crm.innovation.display.firm_portrait not available: portrait reading not timed")
        else:
            def reading(i: int) -> None:
                db.session.remove()  # nothing cached between firms, as between requests
                firm_portrait(sample[i][0], published_only=False)

            median, p95 = median_ms(reading, requests)
            print(f"  {'portrait alone (firm_portrait)':<40} median {median:6.1f} ms   p95 {p95:6.1f} ms")
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=1, help="rounds per size, each in a fresh process")
    parser.add_argument("--requests", type=int, default=30, help="requests per page at the largest size")
    parser.add_argument("--bulk", action="store_true", help="benchmarks/eligibility.py's generator, not crm.demo")
    parser.add_argument("--profile", action="store_true", help="cProfile the first round of each size")
    parser.add_argument("--no-pages", action="store_true")
    parser.add_argument("--cache", type=Path, help="keep the built databases here and reuse them")
    parser.add_argument("--keep", action="store_true", help="keep the working databases")
    parser.add_argument("--child-round", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_round:
        child_round(args.child_round, args.profile)
        return

    workdir = Path(tempfile.mkdtemp(prefix="crm_innovation_bench_"))
    os.environ.setdefault("CRM_INSTANCE_DIR", str(workdir))
    best: dict[int, float] = {}
    for size in sorted(args.sizes):
        kind = "bulk" if args.bulk else "demo"
        pristine = (args.cache or workdir) / f"innovation_{size}_{kind}.pristine.sqlite3"
        if not pristine.exists():
            pristine.parent.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            build(pristine, size, args.bulk)
            print(f"{size:>7,} firms: database built in {time.perf_counter() - started:.1f} s", flush=True)
        path = workdir / f"innovation_{size}.sqlite3"
        runs = []
        for attempt in range(args.repeat):
            shutil.copyfile(pristine, path)  # every round on the same records, without earlier rounds
            run = time_round(path, args.profile and attempt == 0)
            runs.append(run)
            c = run["counts"]
            print(f"{size:>7,} firms: round {run['seconds']:.2f} s wall, {run['cpu']:.2f} s CPU "
                  f"({size / run['seconds']:,.0f} firms/s); peak RSS {run['rss_peak_mb']:.0f} MB "
                  f"(+{run['rss_peak_mb'] - run['rss_before_mb']:.0f} MB over the app's {run['rss_before_mb']:.0f} MB); "
                  f"scored {c['scored']:,}, not scored {c['not_scored']:,}, "
                  f"五星 {c['stars_5']:,} 四星 {c['stars_4']:,} 三星 {c['stars_3']:,}", flush=True)
        times = [r["seconds"] for r in runs]
        best[size] = min(times)
        if args.repeat > 1:
            print(f"{size:>7,} firms: best {min(times):.2f} s, median {statistics.median(times):.2f} s")
        if size == max(args.sizes):
            print(f"{size:>7,} firms: target 30 s -> {'met' if best[size] <= 30 else 'NOT met'}")
            if not args.no_pages:
                time_pages(path, args.requests)
        if not args.keep:
            path.unlink(missing_ok=True)
            if args.cache is None:
                pristine.unlink(missing_ok=True)
    if len(best) >= 2:
        small, large = min(best), max(best)
        ratio = best[large] / best[small]
        print(f"time ratio {large:,}/{small:,} firms (best rounds): {ratio:.2f}x (size ratio {large / small:.0f}x; "
              f"target <= 12x: {'met' if ratio <= 12 else 'NOT met'})")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
