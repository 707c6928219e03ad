"""Benchmark: importing 100,000-row lists against 100,000 firms, and matching rows to firms.

    .venv/bin/python benchmarks/import_lists.py [--firms 100000] [--rows 100000]
        [--kinds designations,renames,platforms,talents,support] [--keep DIR]

Seeds a fresh SQLite database (migrated with init-db) with --firms firms and a former
name for every tenth, then:

- matching: reads every firm's code, name and former names into the matcher's
  dictionaries and matches --rows names written as lists write them (exact, with spaces,
  with full-width brackets, by a former name, unknown): issue 12's target is under 1 s;
- per list kind: writes a --rows-row list laid out as the published one (openpyxl,
  write-only), imports it (a copy of the seeded database each), and times its parts alone
  — opening the file, parsing it without a database, matching its rows, and the
  database storing what the import wrote (its new rows and audit rows, and for renames
  the firms' new names) as ready tuples in multi-row statements, with the schema's indexes
  and foreign keys (as the app runs SQLite), plus the WAL checkpoint
  — and prints the import beside their sum: issue 12's target is within 1.5x.

Figures only, nothing asserted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CRM_ENV", "test")

from benchmarks.import_workbook import migrate  # noqa: E402

DISTRICTS = ("440703", "440704", "440705", "440781", "440783", "440784", "440785")
KINDS = ("designations", "renames", "platforms", "talents", "support")
# Rows a kind writes to, besides the audit trail (renames also update the firms).
WRITTEN = {"designations": ("designation",), "renames": ("former_name",), "platforms": ("platform",),
           "talents": ("talent",), "support": ("support_record",)}


def firm_name(n: int) -> str:
    return f"江门市第{n}号（江门）科技有限公司"


def seed(path: Path, workdir: Path, firms: int) -> None:
    """A migrated database with ``firms`` firms (every tenth with a former name)."""
    from crm.models.enterprise import name_initials
    from crm.uscc import make_uscc

    migrate(f"sqlite:///{path}", workdir)
    conn = sqlite3.connect(path, isolation_level=None)
    now = dt.datetime(2026, 1, 1).isoformat(sep=" ")
    initials = name_initials(firm_name(0))
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO enterprise (id, uscc, name, name_initials, district_code, district_overridden, above_size, "
        "created_at, updated_at, version_id) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, 1)",
        [(n + 1, make_uscc(f"91{DISTRICTS[n % 7]}MA{n:07d}"), firm_name(n), initials, DISTRICTS[n % 7], now, now)
         for n in range(firms)])
    conn.executemany("INSERT INTO former_name (enterprise_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                     [(n + 1, f"江门市第{n}号电子厂", now, now) for n in range(0, firms, 10)])
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def listed_name(n: int, rng: random.Random) -> str:
    """A firm's name as a published list writes it: mostly exact, some with spaces or
    half-width brackets, some a former name."""
    roll = rng.random()
    if roll < 0.1 and n % 10 == 0:
        return f"江门市第{n}号电子厂"
    if roll < 0.3:
        return firm_name(n).replace("（", "(").replace("）", ")")
    if roll < 0.4:
        return firm_name(n).replace("科技", " 科技 ")
    return firm_name(n)


def write_list(path: Path, kind: str, rows: int, firms: int, seed_value: int = 12) -> None:
    import openpyxl

    rng = random.Random(seed_value)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    picks = rng.sample(range(firms), rows) if rows <= firms else [rng.randrange(firms) for _ in range(rows)]
    if kind == "designations":
        sheet.append(["广东省2024年第一批高新技术企业备案名单"])
        sheet.append(["发证日期：2024年12月11日"])
        sheet.append(["序号", "企业名称", "证书编号"])
        for i, n in enumerate(picks):
            sheet.append([i + 1, listed_name(n, rng), f"GR2024440{i:05d}"])
    elif kind == "renames":
        sheet.append(["序号", "原名称", "现名称", "证书编号", "发证日期"])
        for i, n in enumerate(picks):
            sheet.append([i + 1, listed_name(n, rng), f"江门市第{n}号新材料有限公司", "", ""])
    elif kind == "platforms":
        sheet.append(["2023年江门市科技创新平台名单"])
        sheet.append(["序号", "依托单位", "平台名称", "类别", "级别", "认定时间", "有效期"])
        kinds = ("工程技术研究中心", "企业技术中心", "重点实验室", "新型研发机构")
        levels = ("国家级", "省级", "市级")
        for i, n in enumerate(picks):
            sheet.append([i + 1, listed_name(n, rng), f"江门市第{n}号{kinds[i % 4]}", kinds[i % 4], levels[i % 3],
                          "2023年12月", "3年"])
    elif kind == "talents":
        sheet.append(["序号", "团队名称", "带头人", "依托单位", "人才计划", "类别", "年度"])
        programmes = ("珠江人才计划", "侨都英才计划", "湾区人才", "其他")
        for i, n in enumerate(picks):
            sheet.append([i + 1, f"第{n}号创新团队", f"带头人{i}", listed_name(n, rng), programmes[i % 4],
                          "创新创业团队", 2023])
    else:
        sheet.append(["2024年江门市科技专项资金拨付名单"])
        sheet.append(["序号", "企业名称", "项目类别", "资助类型", "金额（万元）", "拨付日期"])
        for i, n in enumerate(picks):
            sheet.append([i + 1, listed_name(n, rng), "研发费用后补助", "财政补助", round(rng.uniform(1, 200), 2),
                          "2024-06-30"])
    book.save(path)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def match_benchmark(database: Path, rows: int, firms: int) -> None:
    from importers.list_writers import load_firm_index
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{database}")
    rng = random.Random(5)
    names = [listed_name(rng.randrange(firms), rng) for _ in range(rows - rows // 20)]
    names += [f"不存在的第{i}号公司" for i in range(rows // 20)]
    with engine.connect() as conn:
        started = time.perf_counter()
        index = load_firm_index(conn)
        loading = time.perf_counter() - started
    gc.disable()
    started = time.perf_counter()
    found = sum(1 for name in names if index.match(None, name).firm is not None)
    matching = time.perf_counter() - started
    gc.enable()
    engine.dispose()
    print(f"matching: {rows:,} list rows against {firms:,} firms: reading the firms and former names "
          f"{loading:.2f} s, matching {matching:.2f} s (target < 1 s), {found:,} matched, "
          f"{rows - found:,} unmatched by design")


def import_kind(kind: str, book: Path, seeded: Path, workdir: Path) -> tuple[float, dict, Path, int]:
    from crm import create_app
    from crm.extensions import db
    from crm.imports.services import import_file, list_options

    database = workdir / f"{kind}.sqlite3"
    for stale in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(seeded, database)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "UPLOAD_DIR": str(workdir / "uploads")})
    with app.app_context():
        started = time.perf_counter()
        result = import_file(book, filename=book.name, kind=kind, options=list_options())
        elapsed = time.perf_counter() - started
        import threading

        for thread in threading.enumerate():
            if thread.name == "crm-wal-checkpoint":
                thread.join()
        db.engine.dispose()
    return elapsed, result.as_json(), database, result.batch_id or 0


def parts(kind: str, book: Path, seeded: Path, imported: Path, batch: int, workdir: Path) -> dict[str, float]:
    """The parts of a list import timed alone (see the module docstring)."""
    from sqlalchemy import create_engine

    from crm import create_app
    from crm.imports.services import SQLITE_IMPORT_CACHE_KIB, list_options
    from importers import ParsedRow, open_workbook, parse_workbook
    from importers.list_writers import load_firm_index

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{seeded}"})
    data = book.read_bytes()
    found: dict[str, float] = {}
    with app.app_context():
        options = list_options()
        gc.disable()
        try:
            started = time.perf_counter()
            opened = open_workbook(data, book.name)
            found["open"] = time.perf_counter() - started
            started = time.perf_counter()
            items = list(parse_workbook(opened, book.name, kind=kind, options=options))
            found["parse"] = time.perf_counter() - started
            engine = create_engine(f"sqlite:///{seeded}")
            started = time.perf_counter()
            with engine.connect() as conn:
                index = load_firm_index(conn)
            name_field = "old_name" if kind == "renames" else "name"
            for item in items:
                if isinstance(item, ParsedRow) and not item.errors:
                    index.match(item.record.get("uscc"), item.record.get(name_field))
            found["match"] = time.perf_counter() - started
            engine.dispose()
        finally:
            gc.enable()
        del items
    source = sqlite3.connect(imported)
    tables: dict[str, list[tuple[object, ...]]] = {}
    source.execute(f"ATTACH DATABASE '{seeded}' AS seed")
    for table in ("import_batch", *WRITTEN[kind], "audit_log"):  # the batch first: audit rows refer to it
        tables[table] = source.execute(
            f"SELECT * FROM main.{table} WHERE id > (SELECT coalesce(max(id), 0) FROM seed.{table})").fetchall()
    columns = {t: [c[1] for c in source.execute(f"PRAGMA table_info({t})")] for t in tables}
    renamed = source.execute(
        "SELECT e.id, e.name, e.name_initials, e.updated_at, e.updated_by_id FROM main.enterprise e "
        "JOIN seed.enterprise s ON s.id = e.id WHERE s.name != e.name").fetchall() if kind == "renames" else []
    source.close()
    target = workdir / "floor.sqlite3"
    for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(seeded, target)
    conn = sqlite3.connect(target, isolation_level=None)
    # Foreign keys checked, as the app has SQLite do.
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"cache_size={SQLITE_IMPORT_CACHE_KIB}",
                   "wal_autocheckpoint=0", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("BEGIN")
    started = time.perf_counter()
    if renamed:
        conn.executemany("UPDATE enterprise SET name = ?, name_initials = ?, updated_at = ?, updated_by_id = ?, "
                         "version_id = version_id + 1 WHERE id = ?", [(*r[1:], r[0]) for r in renamed])
    for table, rows in tables.items():
        group = f"({', '.join('?' * len(columns[table]))})"
        per = min(3000, 30_000 // len(columns[table]))
        head = f"INSERT INTO {table} ({', '.join(columns[table])}) VALUES "
        for start in range(0, len(rows), per):
            part = rows[start:start + per]
            conn.execute(head + ", ".join([group] * len(part)), [v for row in part for v in row])
    conn.execute("COMMIT")
    found["database"] = time.perf_counter() - started
    found["checkpoint"] = timed(lambda: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
    conn.close()
    found["rows written"] = sum(len(r) for t, r in tables.items() if t != "import_batch") + len(renamed)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--keep", help="Directory to keep the lists and databases in")
    args = parser.parse_args()
    import resource

    workdir = Path(args.keep or tempfile.mkdtemp(prefix="import_lists_"))
    workdir.mkdir(parents=True, exist_ok=True)
    seeded = workdir / f"seed_{args.firms}.sqlite3"
    if not seeded.exists():
        print(f"seeding {args.firms:,} firms: {timed(lambda: seed(seeded, workdir, args.firms)):.1f} s")
    match_benchmark(seeded, args.rows, args.firms)
    first_peak = 0.0
    for kind in args.kinds.split(","):
        book = workdir / f"{kind}_{args.rows}.xlsx"
        if not book.exists():
            write_list(book, kind, args.rows, args.firms)
        elapsed, result, imported, batch = import_kind(kind, book, seeded, workdir)
        first_peak = first_peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        found = parts(kind, book, seeded, imported, batch, workdir)
        total = found["open"] + found["parse"] + found["match"] + found["database"] + found["checkpoint"]
        counts = {k: result[k] for k in ("rows", "created", "updated", "unchanged", "rejected", "skipped")}
        print(f"{kind}: import {elapsed:.2f} s ({result['rows'] / elapsed:,.0f} rows/s) {counts}; parts alone: "
              f"open {found['open']:.2f} + parse {found['parse']:.2f} + match {found['match']:.2f} + database "
              f"{found['database']:.2f} ({found['rows written']:,} rows) + checkpoint {found['checkpoint']:.2f} = "
              f"{total:.2f} s; the import is {elapsed / total:.2f}x its floor (target <= 1.5x)")
    print(f"peak RSS: {first_peak:.0f} MB after the first import, "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB after every import and the parts")


if __name__ == "__main__":
    main()
