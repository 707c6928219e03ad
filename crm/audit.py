"""Automatic audit trail: every flush records who created, changed or deleted which record.

People act through requests (the signed-in user); imports and jobs wrap their work
in `acting_as(...)` so their changes carry the batch or job run.
"""
from __future__ import annotations

import contextlib
import enum
import itertools
import weakref
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from crm.clock import local_time, utcnow
from crm.overlap import database_call
from crm.models import (
    AnnualReport,
    ApiToken,
    AuditAction,
    AuditLog,
    ContactNote,
    Designation,
    DistrictMove,
    Enterprise,
    FactDeclaration,
    Flag,
    FormerName,
    Honour,
    InnovationRound,
    InnovationScheme,
    Platform,
    Plan,
    PlanTarget,
    RuleParameter,
    SupportRecord,
    Talent,
    User,
)

AUDITED = (
    Enterprise, Designation, AnnualReport, Platform, Talent, SupportRecord, Honour,
    ContactNote, User, ApiToken, Plan, PlanTarget, RuleParameter, Flag, FormerName, FactDeclaration,
    InnovationScheme, InnovationRound,
)
# Bookkeeping columns that change on every write and say nothing to a reader, and secrets'
# digests, which the trail never holds.
IGNORED_COLUMNS = frozenset(
    {"created_at", "updated_at", "updated_by_id", "version_id", "password_hash", "name_initials",
     "token_hash", "last_used_at", "result_digest", "evaluated_on"}
)


@dataclass(frozen=True)
class Actor:
    name: str
    user_id: int | None = None
    batch_id: int | None = None
    job_run_id: int | None = None


_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


@contextlib.contextmanager
def acting_as(
    name: str, user: User | None = None, batch_id: int | None = None, job_run_id: int | None = None
) -> Iterator[Actor]:
    """Attribute every change made inside the block to `name` (and `user`, batch or job run)."""
    actor = Actor(name=name, user_id=user.id if user else None, batch_id=batch_id, job_run_id=job_run_id)
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def current_actor() -> Actor:
    actor = _actor.get()
    if actor is not None:
        return actor
    try:
        from flask import has_request_context
        from flask_login import current_user

        if has_request_context() and current_user.is_authenticated:
            return Actor(name=current_user.username, user_id=current_user.id)
    except ImportError:  # pragma: no cover - flask is always installed
        pass
    return Actor(name="system")


def plain(value: Any) -> Any:
    """A JSON-friendly form of a column value."""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def plain_decimal(value: Decimal) -> str:
    """A Decimal as the trail shows it: ``format(value.normalize(), "f")`` (stored scale
    varies by database, 120.5 vs 120.5000; the trail shows the number).

    Short plain notation (under 20 characters, so fewer digits than the context's
    precision and nothing for normalize() to round) takes a string path with the
    same result, several times faster for bulk imports.
    """
    text = str(value)
    if len(text) < 20 and "E" not in text and "N" not in text:  # not NaN/sNaN either
        return text.rstrip("0").rstrip(".") if "." in text else text
    return format(value.normalize(), "f")


def _columns(obj: Any) -> list[str]:
    return [c.key for c in inspect(obj).mapper.column_attrs if c.key not in IGNORED_COLUMNS]


def _enterprise_id(obj: Any) -> int | None:
    if isinstance(obj, Enterprise):
        return obj.id
    return getattr(obj, "enterprise_id", None)


def _changes(obj: Any, action: AuditAction) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for key in _columns(obj):
        if action is AuditAction.update:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if plain(before) == plain(after):
                continue
            changes[key] = [plain(before), plain(after)]
        else:
            value = plain(getattr(obj, key))
            if value is None:
                continue
            changes[key] = [None, value] if action is AuditAction.create else [value, None]
    return changes


@event.listens_for(Session, "after_flush")
def _record_audit(session: Session, _flush_context: Any) -> None:
    if session.info.get("audit_disabled"):
        return
    actor = current_actor()
    rows: list[dict[str, Any]] = []
    for objects, action in (
        (session.new, AuditAction.create),
        (session.dirty, AuditAction.update),
        (session.deleted, AuditAction.delete),
    ):
        for obj in objects:
            if not isinstance(obj, AUDITED):
                continue
            if action is AuditAction.update and not session.is_modified(obj, include_collections=False):
                continue
            changes = _changes(obj, action)
            if action is AuditAction.update and not changes:
                continue
            rows.append(
                {
                    "at": utcnow(),
                    "user_id": actor.user_id,
                    "actor": actor.name,
                    "action": action,
                    "entity": obj.__tablename__,
                    "entity_id": obj.id,
                    "enterprise_id": _enterprise_id(obj),
                    "changes": changes,
                    "batch_id": actor.batch_id,
                    "job_run_id": actor.job_run_id,
                }
            )
    if rows:
        # A Core insert on the flush's own connection: one statement, same transaction.
        session.connection().execute(AuditLog.__table__.insert(), rows)
        record_district_moves(session.connection(), rows, rows[0]["at"])


def record_district_moves(connection: Any, items: list[dict[str, Any]], at: datetime) -> None:
    """Keep every change of a firm's district as a move on that (local) day: the flows of the
    ladder count a firm in the district it was in on a day (crm.flows)."""
    moves = [
        {"enterprise_id": item["entity_id"], "moved_on": local_time(at).date(),
         "from_district": item["changes"]["district_code"][0], "to_district": item["changes"]["district_code"][1]}
        for item in items
        if item["entity"] == "enterprise" and item["action"] is AuditAction.update
        and "district_code" in item["changes"] and None not in item["changes"]["district_code"]
    ]
    if moves:
        connection.execute(DistrictMove.__table__.insert(), moves)


# Types that are already JSON-friendly (checked by exact type: bool is not int here).
JSON_READY_TYPES = _AS_IS = frozenset({str, int, bool, float, type(None)})


def record_changes(changes: list[dict[str, Any]], connection: Any = None) -> None:
    """Write audit rows for changes made with Core (bulk imports and their rollback).

    Each item: ``entity`` (table name), ``entity_id``, ``enterprise_id``, ``action``
    (AuditAction) and ``changes`` {field: [before, after]} with raw column values
    (or, with ``plain`` true, values already in :func:`plain` form, converted where the
    caller built them, so a bulk import does not walk every change twice);
    the rows get the same shape and attribution (current actor, batch, job run) as
    those the after_flush listener writes. ``connection`` defaults to the session's.
    """
    if not changes:
        return
    actor = current_actor()
    at = utcnow()
    if connection is None:
        from crm.extensions import db

        connection = db.session.connection()
    record_district_moves(connection, changes, at)
    table = AuditLog.__table__
    mark = _PLACEHOLDERS.get(connection.dialect.paramstyle)
    if mark is None:  # a driver without positional parameters: plain Core
        connection.execute(table.insert(), [
            {
                "at": at, "user_id": actor.user_id, "actor": actor.name, "action": item["action"],
                "entity": item["entity"], "entity_id": item["entity_id"],
                "enterprise_id": item.get("enterprise_id"),
                "changes": item["changes"] if item.get("plain") else _plain_changes(item["changes"]),
                "batch_id": actor.batch_id, "job_run_id": actor.job_run_id,
            }
            for item in changes
        ])
        return
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        _copy_audit_rows(connection, changes, actor, at)
        return
    # Straight to the driver with the bind processors SQLAlchemy would apply (stored
    # values are identical); Core's per-row parameter handling dominated bulk imports.
    process = _audit_processors(connection)
    head = (process["at"](at), process["user_id"](actor.user_id), process["actor"](actor.name))
    tail = (process["batch_id"](actor.batch_id), process["job_run_id"](actor.job_run_id))
    action_of = process["action"]
    actions: dict[Any, Any] = {}
    to_json = process["changes"]
    params = []
    for item in changes:
        action = item["action"]
        stored = actions.get(action)
        if stored is None:
            stored = actions[action] = action_of(action)
        params.append((
            *head, stored, item["entity"], item["entity_id"], item.get("enterprise_id"),
            to_json(item["changes"] if item.get("plain") else _plain_changes(item["changes"])), *tail,
        ))
    quote = connection.dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in _AUDIT_COLUMNS)}) VALUES "
    group = f"({', '.join([mark] * len(_AUDIT_COLUMNS))})"
    # Multi-row VALUES: a statement (one step of SQLite's) per 3,000 rows rather than per row.
    per = _MAX_ROWS_PER_STATEMENT
    for start in range(0, len(params), per):
        part = params[start:start + per]
        flat = tuple(itertools.chain.from_iterable(part))
        with database_call():  # one step of the database's: other work may overlap
            connection.exec_driver_sql(head + ", ".join([group] * len(part)), flat)


def _copy_audit_rows(connection: Any, changes: list[dict[str, Any]], actor: Actor, at: datetime) -> None:
    """PostgreSQL with psycopg: the rows through ``COPY … FROM STDIN`` on the connection's
    own transaction (the bulk path PostgreSQL is fastest at; an executemany sent a
    statement per row). ``changes`` is stored as the text ``json.dumps`` makes, which
    is what SQLAlchemy's JSON type sends through psycopg with the default serializer;
    actions as their stored value, like the Enum column's processor."""
    encode = _json_text(connection)
    action_of = _audit_processors(connection)["action"]
    actions: dict[Any, Any] = {}
    table = AuditLog.__table__
    quote = connection.dialect.identifier_preparer.quote
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(
        f"COPY {quote(table.name)} ({', '.join(quote(c) for c in _AUDIT_COLUMNS)}) FROM STDIN"
    ) as copy:
        write = copy.write_row
        for item in changes:
            action = item["action"]
            stored = actions.get(action)
            if stored is None:
                stored = actions[action] = action_of(action)
            write((
                at, actor.user_id, actor.name, stored, item["entity"], item["entity_id"],
                item.get("enterprise_id"),
                encode(item["changes"] if item.get("plain") else _plain_changes(item["changes"])),
                actor.batch_id, actor.job_run_id,
            ))


def _json_text(connection: Any) -> Any:
    """``json.dumps`` (the C encoder built once) unless the engine has its own serializer."""
    import json
    from json.encoder import c_make_encoder, encode_basestring_ascii

    serializer = getattr(connection.dialect, "_json_serializer", None)
    if serializer is not None:
        return serializer
    if c_make_encoder is None:
        return json.dumps
    encode = c_make_encoder(None, json.JSONEncoder().default, encode_basestring_ascii, None, ": ", ", ",
                            False, False, True)

    def to_json(value: Any) -> str:
        if type(value) is dict:
            return "".join(encode(value, 0))
        return json.dumps(value)

    return to_json


def _plain_changes(changes: dict[str, Any]) -> dict[str, list[Any]]:
    as_is = _AS_IS
    return {
        k: [
            before if type(before) in as_is else plain(before),
            after if type(after) in as_is else plain(after),
        ]
        for k, (before, after) in changes.items()
    }


_AUDIT_COLUMNS = (
    "at", "user_id", "actor", "action", "entity", "entity_id", "enterprise_id", "changes", "batch_id", "job_run_id",
)
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
# Rows of one multi-row INSERT: 10 parameters each, within SQLite's 32,766 a statement.
_MAX_ROWS_PER_STATEMENT = 3000
_processors: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _identity(value: Any) -> Any:
    return value


def _audit_processors(connection: Any) -> dict[str, Any]:
    """Each audit column's bind processor for the connection's dialect (identity if none)."""
    dialect = connection.dialect
    found = _processors.get(dialect)
    if found is None:
        table = AuditLog.__table__
        found = {
            name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) or _identity
            for name in _AUDIT_COLUMNS
        }
        found["changes"] = _reused_json_encoder(found["changes"])
        _processors[dialect] = found
    return found


_JSON_PROBE = {"name": [None, "江门市“某”科技\n有限公司"], "n": [1, 2.5], "ok": [True, None], "at": ["2024-01-02", ""]}


def _reused_json_encoder(stock: Any) -> Any:
    """The JSON column's processor, with the C encoder that ``json.dumps`` builds on every
    call built once instead (about a third of the cost of encoding an audit row).

    Used only where the stock processor's output is exactly ``json.dumps``' (checked on a
    probe value: SQLite with the default serializer); elsewhere, and for anything but a
    dict, the stock processor runs.
    """
    import json
    from json.encoder import c_make_encoder, encode_basestring_ascii

    if c_make_encoder is None or stock is _identity:
        return stock
    default = json.JSONEncoder().default
    # json.dumps' defaults: ensure_ascii, ", " and ": ", no sorting, allow_nan. No
    # circular-reference bookkeeping: audit changes are trees of plain values.
    encode = c_make_encoder(None, default, encode_basestring_ascii, None, ": ", ", ", False, False, True)
    try:
        if stock(_JSON_PROBE) != json.dumps(_JSON_PROBE) or "".join(encode(_JSON_PROBE, 0)) != json.dumps(_JSON_PROBE):
            return stock
    except Exception:  # a driver wrapper (psycopg's Json) or anything unexpected: keep the stock one
        return stock

    def to_json(value: Any) -> Any:
        if type(value) is dict:
            return "".join(encode(value, 0))
        return stock(value)

    return to_json
