"""Run every benchmark in this folder one after another and print their figures.

    .venv/bin/python benchmarks/run_all.py [--quick]

--quick passes each script its small-size option where it has one, to check the
scripts still work; without it they run at the sizes the issues name (100,000
firms or rows), which takes several minutes on a 2-core machine.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Script -> arguments for a quick smoke run.
QUICK_ARGS: dict[str, list[str]] = {
    "demo_data.py": [],
    "eligibility.py": ["--quick"],
    "import_workbook.py": ["--rows", "5000"],
    "import_lists.py": ["--firms", "5000", "--rows", "3000"],
    "big_batch.py": ["--rows", "5000", "--runs", "3"],
    "dashboard.py": ["--firms", "5000", "--runs", "3"],
    "workspace.py": ["--firms", "5000"],
    "innovation_points.py": ["--sizes", "1000", "5000", "--requests", "10"],
    "flows.py": ["--sizes", "2000", "--runs", "1", "--requests", "3"],
    "file_memory.py": ["--mb", "5"],
}


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    failures = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name == Path(__file__).name:
            continue
        args = QUICK_ARGS.get(script.name, []) if quick else []
        print(f"\n=== {script.name} {' '.join(args)}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script), *args], check=False)
        print(f"--- {script.name}: exit {result.returncode}, {time.perf_counter() - started:.1f} s", flush=True)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
