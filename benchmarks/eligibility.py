"""Benchmark: the nightly eligibility run over 10k and 100k firms on SQLite.

    .venv/bin/python benchmarks/eligibility.py [--sizes 10000 100000] [--demo] [--profile]
        [--repeat N] [--cache DIR]

Builds one migrated SQLite database per size (firms with three years of
reports, some high-tech certificates), times `run_eligibility` (a first run
raising flags, then a re-run with nothing changed), and prints firms/s and
the 100k/10k time ratio. Prints figures only; asserts nothing.
Target (issue 4): 100,000 firms within 30 s on a 2-core machine, growth within 12×.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CRM_ENV", "test")

AS_OF = date(2026, 6, 15)


def _uscc(district: str, n: int) -> str:
    from crm.uscc import make_uscc

    return make_uscc(f"91{district}{n:09d}")


def bulk_firms(count: int, seed: int = 7) -> None:
    """Insert `count` firms with reports for 2023–2025, some certificates and MIIT designations
    and declared facts, through Core."""
    from crm.districts import DISTRICTS
    from crm.extensions import db
    from crm.clock import utcnow
    from crm.models import AnnualReport, Designation, Enterprise, FactDeclaration

    rng = random.Random(seed)
    now = utcnow()
    districts = list(DISTRICTS)
    batch = 10_000
    for start in range(0, count, batch):
        firms, reports, designations, declarations = [], [], [], []
        for n in range(start, min(count, start + batch)):
            firm_id = n + 1
            district = districts[n % len(districts)]
            firms.append({
                "id": firm_id, "uscc": _uscc(district, n), "name": f"江门基准科技有限公司{n:06d}",
                "name_initials": "jmjzkjyxgs", "district_code": district, "district_overridden": False,
                "founded_on": date(2005 + n % 20, 1 + n % 12, 1 + n % 28), "above_size": n % 3 == 0,
                "version_id": 1,
            })
            revenue = Decimal(rng.randrange(200, 40_000))
            for year in (2023, 2024, 2025):
                revenue = (revenue * Decimal(rng.uniform(0.9, 1.35))).quantize(Decimal("0.01"))
                rd = (revenue * Decimal(rng.uniform(0.01, 0.08))).quantize(Decimal("0.01"))
                employees = rng.randrange(10, 800)
                reports.append({
                    "enterprise_id": firm_id, "year": year,
                    "status": rng.choice(["verified", "verified", "submitted", "draft"]),
                    "revenue": revenue, "total_revenue": revenue * Decimal("1.05"), "rd_expense": rd,
                    "rd_expense_domestic": rd * Decimal("0.9"),
                    "hitech_revenue": (revenue * Decimal(rng.uniform(0.3, 0.9))).quantize(Decimal("0.01")),
                    "total_assets": revenue * Decimal("1.6"), "net_assets": revenue * Decimal("0.7"),
                    "total_liabilities": revenue * Decimal("0.9"), "main_revenue": revenue * Decimal("0.8"),
                    "net_profit": revenue * Decimal(rng.uniform(-0.05, 0.15)), "total_costs": revenue * Decimal("0.85"),
                    "employees": employees, "tech_staff": rng.randrange(0, employees // 3 + 1),
                    "rd_staff": rng.randrange(0, employees // 5 + 1),
                    "ip_class1": rng.randrange(0, 4), "ip_class2": rng.randrange(0, 12), "version_id": 1,
                })
            # The MIIT ladder: one firm in ten 创新型 (with declared facts), one in fifty 专精特新.
            for kind, every, rest in (("innovative_sme", 10, 1), ("srdi_sme", 50, 3)):
                if n % every == rest:
                    designations.append({"enterprise_id": firm_id, "kind": kind, "valid_from": date(2024, 9, 1),
                                         "valid_to": date(2027, 8, 31), "certificate_no": None, "source": "demo"})
            if n % 10 in (1, 3):
                declarations.append({
                    "enterprise_id": firm_id, "declared_on": date(2026, 1, 1), "status": "verified",
                    "niche_since": 2015 + n % 10, "product_field": "six_basics", "digital_level": 1 + n % 3,
                    "quality_award": False, "quality_certified": True, "own_brand": n % 2 == 1, "standards": False,
                    "strategic_emerging": n % 3 == 0, "ip_grade": "own", "created_at": now, "updated_at": now,
                    "version_id": 1,
                })
            if n % 4 == 0:
                issued = date(2022 + n % 4, 1 + n % 12, 1)
                designations.append({
                    "enterprise_id": firm_id, "kind": "hitech", "valid_from": issued,
                    "valid_to": date(issued.year + 3, issued.month, 1), "certificate_no": f"GR{n:09d}",
                    "source": "demo",
                })
        with db.engine.begin() as conn:
            conn.execute(Enterprise.__table__.insert(), firms)
            conn.execute(AnnualReport.__table__.insert(), reports)
            if designations:
                conn.execute(Designation.__table__.insert(), designations)
            if declarations:
                conn.execute(FactDeclaration.__table__.insert(), declarations)


def build(path: Path, count: int, demo: bool) -> None:
    from flask_migrate import upgrade

    from crm import create_app
    from crm.extensions import db
    from crm.reference import load_reference_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        load_reference_data()
        if demo:
            from crm.demo import generate_demo_data

            generate_demo_data(count, 2025)
        else:
            bulk_firms(count)
        db.session.commit()
        db.engine.dispose()


def cpu_seconds() -> tuple[float, float]:
    """CPU time of this process and of its finished children (the run's worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def cpu_text(before: tuple[float, float]) -> str:
    main, workers = (now - then for now, then in zip(cpu_seconds(), before))
    return f"{main + workers:.2f} s CPU (main {main:.2f} s, workers {workers:.2f} s)"


def time_run(path: Path, profile: bool, workers: int | None = None) -> tuple[float, float, dict, dict, int]:
    from sqlalchemy import func, select

    from crm import create_app
    from crm.eligibility.services import run_eligibility
    from crm.extensions import db
    from crm.models import Enterprise

    config: dict = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    if workers is not None:
        config["ELIGIBILITY_WORKERS"] = workers
    app = create_app(config)
    with app.app_context():
        firms = db.session.scalar(select(func.count(Enterprise.id)))
        started, cpu = time.perf_counter(), cpu_seconds()
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            first = profiler.runcall(run_eligibility, AS_OF, "benchmark")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        else:
            first = run_eligibility(AS_OF, "benchmark")
        first_time = time.perf_counter() - started
        print(f"  first run: {first_time:.2f} s wall, {cpu_text(cpu)}")
        started, cpu = time.perf_counter(), cpu_seconds()
        second = run_eligibility(AS_OF, "benchmark")
        second_time = time.perf_counter() - started
        print(f"  re-run:    {second_time:.2f} s wall, {cpu_text(cpu)}")
        db.engine.dispose()
    return first_time, second_time, first, second, firms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--demo", action="store_true", help="use crm.demo.generate_demo_data")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--repeat", type=int, default=1,
                        help="time each size N times on a fresh copy of its database (best and median shown)")
    parser.add_argument("--workers", type=int, help="ELIGIBILITY_WORKERS (default: the app's choice)")
    parser.add_argument("--cache", type=Path,
                        help="keep the freshly built databases in this directory and reuse them next time")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="crm_bench_"))
    os.environ.setdefault("CRM_INSTANCE_DIR", str(workdir))
    timings: dict[int, float] = {}
    for size in args.sizes:
        path = workdir / f"bench_{size}.sqlite3"
        pristine = (args.cache or workdir) / f"bench_{size}{'_demo' if args.demo else ''}.pristine.sqlite3"
        if not pristine.exists():
            pristine.parent.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            build(pristine, size, args.demo)
            print(f"{size:>7,} firms: database built in {time.perf_counter() - started:.1f} s")
        firsts, seconds = [], []
        for attempt in range(args.repeat):
            shutil.copyfile(pristine, path)  # every attempt starts without flags
            first, second, counts, again, firms = time_run(path, args.profile and attempt == 0, args.workers)
            firsts.append(first)
            seconds.append(second)
            print(f"{size:>7,} firms: first run {first:.2f} s ({firms / first:,.0f} firms/s) {counts}")
            print(f"{size:>7,} firms: re-run    {second:.2f} s ({firms / second:,.0f} firms/s) {again}")
        if args.repeat > 1:
            print(f"{size:>7,} firms: first run best {min(firsts):.2f} s ({size / min(firsts):,.0f} firms/s), "
                  f"median {statistics.median(firsts):.2f} s; re-run best {min(seconds):.2f} s, "
                  f"median {statistics.median(seconds):.2f} s")
        timings[size] = min(firsts)
        if not args.keep:
            path.unlink(missing_ok=True)
            if args.cache is None:
                pristine.unlink(missing_ok=True)
    if len(timings) >= 2:
        small, large = min(timings), max(timings)
        print(f"time ratio {large:,}/{small:,} firms (best first runs): {timings[large] / timings[small]:.2f}× "
              f"(size ratio {large / small:.0f}×)")


if __name__ == "__main__":
    main()
