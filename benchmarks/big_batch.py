"""Benchmark: one big, mostly rejected batch, and the pages that show batches.

    .venv/bin/python benchmarks/big_batch.py [--rows 584000] [--keep DIR] [--runs 5]

The case issue 13 names: a county workbook of 584,000 rows, nearly all rejected (a code
that fails its check digit; every third row also a revenue that is not a number). Each
step runs in a process of its own, so its peak memory (ru_maxrss) is its own:

- import: the workbook imported as bureau staff would (time, peak);
- pages: the batch page (first and last page of its problems), the import page and the
  bureau's home page, through the test client (median of --runs after one warm-up; the
  page's size);
- report: the error workbook downloaded (time, the process's peak memory before and after
  the download, the file's size and rows).

The targets: pages under 200 ms, the error workbook under 500 MB peak. Figures only,
nothing asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CRM_ENV", "test")
USER = "bench_bureau"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_workbook(path: Path, rows: int) -> None:
    import openpyxl

    from crm.uscc import make_uscc

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("开平")
    sheet.append(["开平市2025年度科技型企业统计表"])
    sheet.append(["企业名称", "统一社会信用代码", "营业收入", "研发费用", "职工总数", "科技人员数"])
    for n in range(rows):
        code = make_uscc(f"91440783MA{n:07d}")
        if n % 100:  # 99 in 100 rejected: the check digit broken
            code = code[:-1] + ("0" if code[-1] != "0" else "1")
        revenue = "约三千" if n % 3 == 0 and n % 100 else 3000 + n % 500
        sheet.append([f"开平市第{n}号科技有限公司", code, revenue, 120, 80, 20])
    book.save(path)


def app_for(url: str, uploads: Path):  # noqa: ANN201
    from crm import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(uploads), "WTF_CSRF_ENABLED": False,
                       "SCHEDULER_ENABLED": False})


def step_import(url: str, uploads: Path, workbook: Path) -> dict:
    from crm.extensions import db
    from crm.imports.services import import_file
    from crm.models import Role, User

    app = app_for(url, uploads)
    with app.app_context():
        from werkzeug.security import generate_password_hash

        user = User(username=USER, display_name=USER, role=Role.bureau,
                    password_hash=generate_password_hash("bench-password-1"))
        db.session.add(user)
        db.session.commit()
        started = time.perf_counter()
        result = import_file(workbook.read_bytes(), workbook.name, user=user, district="440783", year=2025)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": peak_mb(), "batch": result.batch_id, "rows": result.rows,
            "rejected": result.rejected, "errors": len(result.errors)}


def _client(url: str, uploads: Path):  # noqa: ANN202
    app = app_for(url, uploads)
    client = app.test_client()
    response = client.post("/login", data={"username": USER, "password": "bench-password-1"})
    assert response.status_code == 302, response.status_code
    return client


def step_pages(url: str, uploads: Path, batch: int, runs: int) -> dict:
    client = _client(url, uploads)
    pages = {"batch page": f"/imports/batches/{batch}", "batch page, last page": f"/imports/batches/{batch}?page=99999",
             "import page": "/imports/", "home page": "/"}
    out = {}
    for label, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
        out[label] = {"ms": statistics.median(times) * 1000, "kb": len(response.data) / 1024}
    out["peak_mb"] = peak_mb()
    return out


def step_report(url: str, uploads: Path, batch: int) -> dict:
    client = _client(url, uploads)
    client.get("/")  # the app warmed up: the peak before is the app's own
    before = peak_mb()
    started = time.perf_counter()
    response = client.get(f"/imports/batches/{batch}/errors.xlsx")
    size = 0
    with tempfile.TemporaryFile() as out:
        for chunk in response.response:
            out.write(chunk)
            size += len(chunk)
        seconds = time.perf_counter() - started
        after = peak_mb()
        out.seek(0)
        import openpyxl

        book = openpyxl.load_workbook(out, read_only=True)
        rows = sum(1 for sheet in book.worksheets for _row in sheet.iter_rows(values_only=True))
    return {"seconds": seconds, "peak_before_mb": before, "peak_mb": after, "mb": size / 1024 / 1024, "rows": rows}


def run_step(name: str, *args: str) -> dict:
    found = subprocess.run([sys.executable, __file__, "--step", name, *args], check=True, capture_output=True,
                           text=True, cwd=ROOT)
    return json.loads(found.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=584_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", help="work in this directory and keep it")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        url, uploads, *rest = args.args
        steps = {"import": lambda: step_import(url, Path(uploads), Path(rest[0])),
                 "pages": lambda: step_pages(url, Path(uploads), int(rest[0]), int(rest[1])),
                 "report": lambda: step_report(url, Path(uploads), int(rest[0]))}
        print(json.dumps(steps[args.step]()))
        return 0

    from benchmarks.import_workbook import migrate

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="big_batch_"))
    work.mkdir(parents=True, exist_ok=True)
    db_path, uploads, workbook = work / "big.sqlite3", work / "uploads", work / "big.xlsx"
    url = f"sqlite:///{db_path}"
    started = time.perf_counter()
    write_workbook(workbook, args.rows)
    print(f"workbook: {args.rows:,} rows, {workbook.stat().st_size / 1024 / 1024:.1f} MB "
          f"({time.perf_counter() - started:.0f} s to write)")
    migrate(url, work)
    done = run_step("import", "--args", url, str(uploads), str(workbook))
    print(f"import: {done['seconds']:.1f} s, peak {done['peak_mb']:.0f} MB; {done['rows']:,} rows, "
          f"{done['rejected']:,} rejected, {done['errors']:,} problems")
    pages = run_step("pages", "--args", url, str(uploads), str(done["batch"]), str(args.runs))
    for label, figures in pages.items():
        if label != "peak_mb":
            print(f"{label}: {figures['ms']:.0f} ms (median of {args.runs}), {figures['kb']:.0f} KB")
    print(f"pages: process peak {pages['peak_mb']:.0f} MB")
    report = run_step("report", "--args", url, str(uploads), str(done["batch"]))
    print(f"error workbook: {report['seconds']:.1f} s, {report['mb']:.1f} MB, {report['rows']:,} rows; "
          f"process peak {report['peak_before_mb']:.0f} MB before, {report['peak_mb']:.0f} MB after")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
