"""Bulk statements straight to the DB-API cursor: SQLAlchemy's per-row parameter
handling was the largest cost of a 100,000-row import.

Values go through the very bind processors SQLAlchemy would apply (dates as text
on SQLite, enums as their values, booleans), obtained once per dialect and
column, so what is stored is identical; only the per-row bookkeeping is skipped.
Dialects whose parameter style is not positional ``?``/``%s`` fall back to Core.

On PostgreSQL (psycopg) an insert is one ``INSERT … SELECT FROM unnest(%s::type[], …)``
per statement, a parameter per column: the multi-row ``VALUES`` form made psycopg parse
a query with 30,000 placeholders per statement (about 40% of a 100,000-row import).
The arrays are cast to the columns' base types (``VARCHAR[]``, ``NUMERIC[]``, no length
or scale), so the insert itself applies the column's limits exactly as with ``VALUES``:
a too-long text is refused, not truncated by the cast. Updates likewise: one
``UPDATE … FROM unnest(ids, values…)`` instead of a statement per row. The arrays go
in psycopg's binary format (``%b``): the same values, without the text format's
per-element quoting check (a regular expression per string).
"""
from __future__ import annotations

import itertools
import operator
import re
import weakref
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Enum, Table

from crm.overlap import database_call

_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
# Bound parameters per statement: SQLite's default limit is 32766, PostgreSQL's 65535.
_MAX_PARAMS = 30_000
_MAX_ROWS = 1000

_processors: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], Any]] = weakref.WeakKeyDictionary()
# Column types whose processed value depends only on the value's equality class (a date,
# a timestamp, an enum member, a flag): their processor runs once per distinct value of a
# statement. Not Numeric: Decimal("1.0") == Decimal("1.00") may be stored differently.
_MEMO_TYPES = (Date, DateTime, Enum, Boolean)


def placeholder(connection: Connection) -> str | None:
    """The positional placeholder of the connection's driver, or None (use Core)."""
    return _PLACEHOLDERS.get(connection.dialect.paramstyle)


def processors(connection: Connection, table: Table, columns: Sequence[str]) -> list[Any]:
    """The bind processor (or None) of each column, as SQLAlchemy would apply it."""
    return [found for found, _memo in _column_processors(connection, table, columns)]


def _column_processors(connection: Connection, table: Table, columns: Sequence[str]) -> list[tuple[Any, bool]]:
    """(bind processor or None, whether it may run once per distinct value) per column."""
    dialect = connection.dialect
    cache = _processors.get(dialect)
    if cache is None:
        cache = _processors[dialect] = {}
    out = []
    for name in columns:
        key = (table.name, name)
        if key not in cache:
            column_type = table.c[name].type
            cache[key] = (column_type.dialect_impl(dialect).bind_processor(dialect),
                          isinstance(column_type, _MEMO_TYPES))
        out.append(cache[key])
    return out


def _params(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], procs: Sequence[tuple[Any, bool]]
) -> list[tuple[Any, ...]]:
    """Parameter tuples, built column by column with C-level map/zip: the same values as
    ``tuple(p(row[c]) ...)`` per row, at a fraction of the interpreter work."""
    fetch = operator.itemgetter(*columns)
    if len(columns) == 1:
        values = [(fetch(row),) for row in rows]
    else:
        values = list(map(fetch, rows))
    if not any(p for p, _memo in procs):
        return values
    by_column: list[Any] = list(zip(*values))
    for index, (process, memo) in enumerate(procs):
        if process is None:
            continue
        # Processors see None too, as in SQLAlchemy (JSON turns it into 'null').
        if memo:
            done = {value: process(value) for value in set(by_column[index])}
            by_column[index] = map(done.__getitem__, by_column[index])
        else:
            by_column[index] = map(process, by_column[index])
    return list(zip(*by_column))


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


class NewIds:
    """Ids for the rows a batch inserts, handed out before the insert, so an insert needs no
    RETURNING (whose rows SQLite hands back one step at a time) and a caller knows each
    row's id without matching returned rows to its own.

    SQLite: the table's largest id plus one, and on: the importing transaction has written
    (its batch) before it asks, so it holds SQLite's only write lock and no other connection
    can insert until it commits. PostgreSQL: ``nextval`` of the id column's sequence, as
    a default would. One instance per transaction (a rolled-back one leaves gaps, no clash)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._next: dict[str, int] = {}
        self._sequences: dict[str, str] = {}

    def take(self, table: Table, count: int) -> list[int]:
        """``count`` new ids for ``table``, in increasing order."""
        if count <= 0:
            return []
        conn = self.connection
        if conn.dialect.name == "postgresql":
            name = self._sequences.get(table.name)
            if name is None:
                name = self._sequences[table.name] = conn.exec_driver_sql(
                    "SELECT pg_get_serial_sequence(%s, 'id')", (table.name,)).scalar_one()
            return [row[0] for row in conn.exec_driver_sql(
                "SELECT nextval(%s) FROM generate_series(1, %s)", (name, count))]
        start = self._next.get(table.name)
        if start is None:
            from sqlalchemy import func, select

            start = (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        self._next[table.name] = start + count
        return list(range(start, start + count))

    def assign(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Give every row without an ``id`` a new one."""
        missing = [row for row in rows if row.get("id") is None]
        for row, new_id in zip(missing, self.take(table, len(missing))):
            row["id"] = new_id


def insert_many(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    returning: Sequence[str] = (),
    *,
    ids: NewIds | None = None,
) -> list[tuple[Any, ...]]:
    """INSERT ``rows`` (dicts with the same keys); with ``ids``, every row first gets its new
    ``id`` (read it from the row afterwards); with ``returning``, the returned columns of every
    inserted row, in no particular order (match them by a natural key). Returned values are
    raw driver values (enums as their stored text)."""
    if not rows:
        return []
    if ids is not None:
        ids.assign(table, rows)
    columns = list(rows[0])
    mark = placeholder(connection)
    if mark is None:
        statement = table.insert()
        if returning:
            return [tuple(r) for r in connection.execute(statement.returning(*(table.c[c] for c in returning)), rows)]
        connection.execute(statement, rows)
        return []
    params = _params(rows, columns, _column_processors(connection, table, columns))
    if _unnest_types(connection, table, columns) is not None:
        found = _insert_unnest(connection, table, columns, params, returning)
        if found is not None:
            return found
    head = f"INSERT INTO {_quote(connection, table.name)} ({', '.join(_quote(connection, c) for c in columns)}) VALUES "
    group = f"({', '.join([mark] * len(columns))})"
    # Multi-row VALUES: one statement (one step of SQLite's) per thousand rows, not one per row.
    tail = f" RETURNING {', '.join(_quote(connection, c) for c in returning)}" if returning else ""
    per = max(1, min(_MAX_ROWS, _MAX_PARAMS // len(columns)))
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(params), per):
        part = params[start:start + per]
        flat = tuple(itertools.chain.from_iterable(part))
        sql = head + ", ".join([group] * len(part)) + tail
        if returning:
            out.extend(tuple(r) for r in connection.exec_driver_sql(sql, flat))
        else:
            with database_call():  # one step of the database's: other work may overlap
                connection.exec_driver_sql(sql, flat)
    return out


_TYPMOD = re.compile(r"\(.*?\)")
_unnest_cache: weakref.WeakKeyDictionary[Any, dict[tuple[str, tuple[str, ...]], Any]] = weakref.WeakKeyDictionary()


def _unnest_types(connection: Connection, table: Table, columns: Sequence[str]) -> list[str] | None:
    """The array element type of each column for ``unnest`` on PostgreSQL with psycopg
    (the column type without length, precision or scale), or None where not used."""
    dialect = connection.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return None
    cache = _unnest_cache.get(dialect)
    if cache is None:
        cache = _unnest_cache[dialect] = {}
    key = (table.name, tuple(columns))
    if key not in cache:
        types: list[str] | None = []
        for name in columns:
            column_type = table.c[name].type
            if isinstance(column_type, JSON):
                types = None
                break
            types.append(_TYPMOD.sub("", column_type.compile(dialect=dialect)).strip())
        cache[key] = types
    return cache[key]


def _insert_unnest(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    params: list[tuple[Any, ...]],
    returning: Sequence[str],
) -> list[tuple[Any, ...]] | None:
    """Insert ``params`` as one array per column; None (nothing written) when a column
    mixes value types (say int and Decimal), which psycopg cannot send as one array."""
    types = _unnest_types(connection, table, columns)
    assert types is not None
    arrays = [list(values) for values in zip(*params)]
    for values in arrays:
        kinds = set(map(type, values))
        kinds.discard(type(None))
        if len(kinds) > 1:
            return None
    quote = connection.dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT * FROM unnest({', '.join(f'%b::{t}[]' for t in types)})"
    )
    if not returning:
        with database_call():
            connection.exec_driver_sql(sql, tuple(arrays))
        return []
    sql += f" RETURNING {', '.join(quote(c) for c in returning)}"
    return [tuple(r) for r in connection.exec_driver_sql(sql, tuple(arrays))]


def _update_unnest(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    constants: dict[str, Any],
    constant_values: tuple[Any, ...],
    procs: Sequence[tuple[Any, bool]],
    bump_version: bool,
) -> bool:
    """PostgreSQL: one ``UPDATE … FROM unnest(ids, columns…)`` for all rows instead of a
    statement per row. False (nothing written) when an id repeats or a column mixes value
    types; the caller then runs the per-row statement."""
    ids = [row["id"] for row in rows]
    if not columns or len(set(ids)) != len(ids):
        return False
    arrays = [ids, *(list(values) for values in zip(*_params(rows, columns, procs)))]
    for values in arrays:
        kinds = set(map(type, values))
        kinds.discard(type(None))
        if len(kinds) > 1:
            return False
    types = _unnest_types(connection, table, ["id", *columns])
    assert types is not None
    quote = connection.dialect.identifier_preparer.quote
    name = quote(table.name)
    aliases = [f"c{i}" for i in range(len(columns))]
    sets = [f"{quote(c)} = v.{a}" for c, a in zip(columns, aliases)]
    sets += [f"{quote(c)} = %s" for c in constants]
    if bump_version:
        sets.append(f"version_id = {name}.version_id + 1")
    sql = (
        f"UPDATE {name} SET {', '.join(sets)} "
        f"FROM unnest({', '.join(f'%b::{t}[]' for t in types)}) AS v(id, {', '.join(aliases)}) "
        f"WHERE {name}.id = v.id"
    )
    with database_call():
        connection.exec_driver_sql(sql, (*constant_values, *arrays))
    return True


def update_many(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    constants: dict[str, Any],
    *,
    bump_version: bool = False,
) -> None:
    """``UPDATE table SET columns (from each row), constants [, version_id + 1] WHERE id``
    for every row (dicts holding ``id`` and ``columns``)."""
    if not rows:
        return
    mark = placeholder(connection)
    names = [*columns, *constants]
    if mark is None:
        from sqlalchemy import bindparam, update

        values: dict[str, Any] = {c: bindparam(c) for c in columns}
        values.update(constants)
        if bump_version:
            values["version_id"] = table.c.version_id + 1
        connection.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(**values),
            [{"b_id": r["id"], **{c: r[c] for c in columns}} for r in rows],
        )
        return
    procs = _column_processors(connection, table, names)
    constant_values = tuple(
        v if p is None else p(v) for v, (p, _memo) in zip(constants.values(), procs[len(columns):])
    )
    if _unnest_types(connection, table, ["id", *columns]) is not None and _update_unnest(
        connection, table, rows, columns, constants, constant_values, procs[:len(columns)], bump_version
    ):
        return
    sets = [f"{_quote(connection, name)} = {mark}" for name in names]
    if bump_version:
        sets.append("version_id = version_id + 1")
    sql = f"UPDATE {_quote(connection, table.name)} SET {', '.join(sets)} WHERE id = {mark}"
    params = [
        one + constant_values + (row["id"],)
        for one, row in zip(_params(rows, columns, procs[:len(columns)]), rows)
    ]
    connection.exec_driver_sql(sql, params)
