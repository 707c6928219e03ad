"""Reference data shipped with the app: districts, industries, plans and their targets."""
from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select

from crm.districts import DISTRICTS
from crm.extensions import db
from crm.models import District, Industry, Plan, PlanTarget

HERE = Path(__file__).resolve().parent
# What init-db loads (load_reference_data): a database holding only these rows holds no data
# of its own (a restore may go into it, crm.backup.services).
REFERENCE_MODELS = (District, Industry, Plan, PlanTarget)
TARGET_YEARS = ("2023", "2025")


def _read_csv(name: str) -> list[dict[str, str]]:
    path = HERE / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _decimal(text: str | None) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def load_reference_data() -> dict[str, int]:
    """Insert missing districts, industries, plans and plan targets; never overwrite an admin's edits.

    Seeding is not a change anyone made, so it is not written to the audit trail.
    """
    db.session.info["audit_disabled"] = True
    try:
        return _load()
    finally:
        db.session.info.pop("audit_disabled", None)


def _load() -> dict[str, int]:
    added = {"districts": 0, "industries": 0, "plans": 0, "plan_targets": 0}
    for code, name in DISTRICTS.items():
        if db.session.get(District, code) is None:
            db.session.add(District(code=code, name=name))
            added["districts"] += 1
    for row in _read_csv("industries.csv"):
        if db.session.get(Industry, row["code"]) is None:
            db.session.add(Industry(code=row["code"], name=row["name"]))
            added["industries"] += 1
    plans = set(db.session.scalars(select(Plan.code)))
    for row in _read_csv("plans.csv"):
        if row["code"] not in plans:
            db.session.add(Plan(code=row["code"], name=row["name"], jurisdiction=row["jurisdiction"],
                                first_year=int(row["first_year"]), last_year=int(row["last_year"])))
            added["plans"] += 1
    existing = {tuple(row) for row in db.session.execute(select(PlanTarget.plan, PlanTarget.code))}
    for row in _read_csv("plan_targets.csv"):
        if (row["plan"], row["code"]) in existing:
            continue
        targets = {year: row[f"target_{year}"].strip() for year in TARGET_YEARS if row.get(f"target_{year}", "").strip()}
        db.session.add(
            PlanTarget(
                plan=row["plan"],
                jurisdiction=row["jurisdiction"],
                code=row["code"],
                name=row["name"],
                unit=row.get("unit", ""),
                category=row.get("category", ""),
                baseline_year=int(row["baseline_year"]) if row.get("baseline_year", "").strip() else None,
                baseline_value=_decimal(row.get("baseline_value")),
                targets=targets,
                nature=row.get("nature", ""),
                computable=row.get("computable", ""),
                notes=row.get("notes", ""),
            )
        )
        added["plan_targets"] += 1
    db.session.commit()
    return added
