"""Benchmark: `demo-data` for 2,000 firms on a fresh SQLite database (target: under 20 s).

    .venv/bin/python benchmarks/demo_data.py [--firms 2000] [--seed 2025]

Prints the time and the rows written; no assertions.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CRM_ENV", "test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--firms", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from crm import create_app
    from crm.demo import generate_demo_data
    from crm.extensions import db
    from crm.reference import load_reference_data

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/demo.sqlite3"})
        with app.app_context():
            upgrade()
            load_reference_data()
            started = time.perf_counter()
            summary = generate_demo_data(args.firms, args.seed)
            elapsed = time.perf_counter() - started
            db.engine.dispose()
    print(f"demo-data {args.firms:,} firms: {elapsed:.2f} s ({args.firms / elapsed:,.0f} firms/s)")
    print("  " + ", ".join(f"{k} {v:,}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
