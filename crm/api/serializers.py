"""JSON shapes of the API (CONTRACT.md): money in 万元 as numbers, dates as YYYY-MM-DD."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from crm.ladder import stage_of
from crm.models import FIGURE_FIELDS, AnnualReport, Enterprise, Flag


def number(value: Decimal | int | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def district(enterprise: Enterprise) -> dict[str, str]:
    return {"code": enterprise.district_code, "name": enterprise.district.name}


def enterprise_summary(enterprise: Enterprise, stage: str) -> dict[str, Any]:
    return {"uscc": enterprise.uscc, "name": enterprise.name, "district": district(enterprise), "stage": stage}


def annual_report(report: AnnualReport) -> dict[str, Any]:
    body: dict[str, Any] = {"year": report.year, "status": report.status.value}
    for name in FIGURE_FIELDS:
        body[name] = number(getattr(report, name))
    body["total_revenue"] = number(report.effective_total_revenue)
    return body


def flag(item: Flag) -> dict[str, Any]:
    return {"rule": item.rule, "raised_on": day(item.raised_on), "reasons": list(item.reasons or [])}


def enterprise_detail(enterprise: Enterprise, as_of: date, flags: list[Flag]) -> dict[str, Any]:
    return {
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "district": district(enterprise),
        "town": enterprise.town,
        "founded_on": day(enterprise.founded_on),
        "industry": enterprise.industry_code,
        "hitech_field": enterprise.hitech_field.value if enterprise.hitech_field else None,
        "above_size": enterprise.above_size,
        "stage": stage_of(enterprise.designations, as_of),
        "designations": [
            {
                "kind": d.kind.value,
                "valid_from": day(d.valid_from),
                "valid_to": day(d.valid_to),
                "certificate_no": d.certificate_no,
            }
            for d in enterprise.designations
        ],
        "annual_reports": [annual_report(r) for r in enterprise.annual_reports],
        "platforms": [
            {
                "kind": p.kind.value,
                "level": p.level.value,
                "name": p.name,
                "recognized_on": day(p.recognized_on),
                "valid_to": day(p.valid_to),
            }
            for p in enterprise.platforms
        ],
        "talents": [
            {
                "category": t.category.value,
                "name": t.name,
                "is_team": t.is_team,
                "programme": t.programme.value,
                "year": t.year,
                "high_end": t.high_end,
            }
            for t in enterprise.talents
        ],
        "support": [
            {"kind": r.kind.value, "programme": r.programme, "amount": number(r.amount), "granted_on": day(r.granted_on)}
            for r in sorted(enterprise.support_records, key=lambda r: (r.granted_on, r.id))
        ],
        "former_names": [f.name for f in enterprise.former_names],
        "flags": [flag(f) for f in flags],
    }
