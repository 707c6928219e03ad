"""Loading the rules' facts from the database, set-wise.

One query per table per chunk of firms (enterprises, annual reports of the
years the rules read, designations, platforms, honours), read as plain rows
through Core: the nightly run touches every firm, so per-firm queries or ORM
objects would dominate its time.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select

from crm.extensions import db
from crm.models import AnnualReport, Designation, Enterprise, FactDeclaration, Honour, Platform
from crm.models.annual_report import FIGURE_FIELDS
from crm.rules.facts import Declaration, FirmFacts, HeldDesignation, HeldPlatform, YearFigures
from crm.rules.facts import Honour as HonourFact

CHUNK_SIZE = 5000
# A declaration's columns the rules read (crm.rules.facts.Declaration), besides its status.
DECLARATION_FIELDS = ("declared_on", "niche_since", "leading_product", "product_field", "digital_level",
                      "quality_award", "quality_certified", "own_brand", "standards", "strategic_emerging",
                      "ip_grade")
# The rules read the three fiscal years up to their basis year (R&D ratios and
# growth), and in the reporting season the basis is one year earlier
# (crm.rules.season): four fiscal years before the as-of year.
YEARS_BACK = 4


def years_needed(params: Mapping[str, Mapping[str, Any]]) -> int:
    """How many fiscal years before the as-of year the rules read with these parameters.

    An administrator may lengthen the R&D period or the gazelle growth period;
    every evaluation must then load those years, one more for the reporting
    season, or a firm would be judged on "missing" reports that are in the database.
    """
    return max(YEARS_BACK, int(params["hitech_candidate"]["rd_years"]) + 1,
               int(params["gazelle_candidate"]["growth_years"]) + 1)


def _code(value: Any) -> Any:
    """An enum member's code (Core rows carry the Python enum)."""
    return getattr(value, "value", value)


def _load(condition_for: Any, as_of: date, years_back: int) -> dict[int, FirmFacts]:
    """Facts for the firms selected by `condition_for(enterprise_id_column)`."""
    # Core rows straight from the connection: the ORM's result machinery costs
    # more than the query itself on these plain column selects.
    session = db.session.connection()
    firms = session.execute(
        select(
            Enterprise.id, Enterprise.uscc, Enterprise.name, Enterprise.founded_on,
            Enterprise.above_size, Enterprise.hitech_field, Enterprise.closed_on,
        ).where(condition_for(Enterprise.id))
    ).all()
    if not firms:
        return {}

    reports: dict[int, dict[int, YearFigures]] = defaultdict(dict)
    report_columns = [getattr(AnnualReport, name) for name in FIGURE_FIELDS]
    rows = session.execute(
        select(AnnualReport.enterprise_id, AnnualReport.year, AnnualReport.status, *report_columns).where(
            condition_for(AnnualReport.enterprise_id),
            # "+ 0" keeps SQLite from choosing the year index, which covers every
            # firm's reports: scanning them once per chunk made the run quadratic.
            (AnnualReport.year + 0).between(as_of.year - years_back, as_of.year - 1),
        )
    )
    for row in rows:
        values = dict(zip(FIGURE_FIELDS, row[3:]))
        reports[row[0]][row[1]] = YearFigures(year=row[1], status=_code(row[2]), **values)

    designations: dict[int, list[HeldDesignation]] = defaultdict(list)
    rows = session.execute(
        select(
            Designation.enterprise_id, Designation.kind, Designation.valid_from, Designation.valid_to,
            Designation.certificate_no,
        )
        .where(condition_for(Designation.enterprise_id))
        .order_by(Designation.enterprise_id, Designation.valid_from, Designation.id)
    )
    for enterprise_id, kind, valid_from, valid_to, certificate_no in rows:
        designations[enterprise_id].append(HeldDesignation(_code(kind), valid_from, valid_to, certificate_no))

    platforms: dict[int, list[HeldPlatform]] = defaultdict(list)
    rows = session.execute(
        select(Platform.enterprise_id, Platform.kind, Platform.level, Platform.recognized_on, Platform.valid_to)
        .where(condition_for(Platform.enterprise_id))
        .order_by(Platform.enterprise_id, Platform.id)
    )
    for enterprise_id, kind, level, recognized_on, valid_to in rows:
        platforms[enterprise_id].append(HeldPlatform(_code(kind), _code(level), recognized_on, valid_to))

    honours: dict[int, list[HonourFact]] = defaultdict(list)
    rows = session.execute(
        select(Honour.enterprise_id, Honour.kind, Honour.year, Honour.amount)
        .where(condition_for(Honour.enterprise_id))
        .order_by(Honour.enterprise_id, Honour.year, Honour.id)
    )
    for enterprise_id, kind, year, amount in rows:
        honours[enterprise_id].append(HonourFact(_code(kind), year, amount))

    declarations: dict[int, list[Declaration]] = defaultdict(list)
    columns = [getattr(FactDeclaration, name) for name in DECLARATION_FIELDS]
    rows = session.execute(
        select(FactDeclaration.enterprise_id, FactDeclaration.status, *columns)
        .where(condition_for(FactDeclaration.enterprise_id))
        .order_by(FactDeclaration.enterprise_id, FactDeclaration.declared_on, FactDeclaration.id)
    )
    for enterprise_id, status, *values in rows:
        declarations[enterprise_id].append(Declaration(
            status=_code(status), **{name: _code(value) for name, value in zip(DECLARATION_FIELDS, values)}))

    return {
        firm_id: FirmFacts(
            uscc=uscc,
            name=name,
            founded_on=founded_on,
            above_size=bool(above_size),
            hitech_field=_code(hitech_field),
            designations=tuple(designations.get(firm_id, ())),
            platforms=tuple(platforms.get(firm_id, ())),
            reports=reports.get(firm_id, {}),
            honours=tuple(honours.get(firm_id, ())),
            declarations=tuple(declarations.get(firm_id, ())),
            closed_on=closed_on,
        )
        for firm_id, uscc, name, founded_on, above_size, hitech_field, closed_on in firms
    }


def load_facts(
    enterprise_ids: Sequence[int] | None, as_of: date, years_back: int | None = None
) -> dict[int, FirmFacts]:
    """Facts of the given firms (all firms when None), keyed by enterprise id.

    Reads the reports of fiscal years as_of.year - years_back .. as_of.year - 1;
    by default as many as the rules' parameters in force on `as_of` need.
    """
    if years_back is None:
        from crm.eligibility.parameters import params_for

        years_back = years_needed(params_for(as_of))
    if enterprise_ids is None:
        return _load(lambda column: column.is_not(None), as_of, years_back)
    ids = sorted(set(enterprise_ids))
    facts: dict[int, FirmFacts] = {}
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start:start + CHUNK_SIZE]
        facts.update(_load(lambda column, chunk=chunk: column.in_(chunk), as_of, years_back))
    return facts


def enterprise_id_chunks(chunk_size: int = CHUNK_SIZE) -> Iterator[tuple[int, int, int]]:
    """(first id, last id, number of firms) ranges covering every firm, `chunk_size` firms each."""
    ids = db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)).all()
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start:start + chunk_size]
        yield chunk[0], chunk[-1], len(chunk)


def load_facts_range(first: int, last: int, as_of: date, years_back: int = YEARS_BACK) -> dict[int, FirmFacts]:
    """Facts of the firms whose ids lie in first..last (a chunk of the nightly run)."""

    def in_range(column: ColumnElement[int]) -> ColumnElement[bool]:
        return column.between(first, last)

    return _load(in_range, as_of, years_back)


def iter_facts(
    as_of: date, chunk_size: int = CHUNK_SIZE, years_back: int = YEARS_BACK
) -> Iterator[dict[int, FirmFacts]]:
    """Every firm's facts, a chunk of about `chunk_size` firms at a time (by id range)."""
    for first, last, _size in enterprise_id_chunks(chunk_size):
        yield load_facts_range(first, last, as_of, years_back)
