"""Writing parsed rows to the database: set-wise upserts that account for every row.

Each data row is one enterprise's record for one fiscal year. Rows are written
in chunks with SQLAlchemy Core (a 100,000-row sheet through the ORM would take
minutes): the chunk's enterprises, reports and designations are loaded by code
in one query each, the changes are worked out in Python, then written with one
executemany per kind, and the audit trail is written in bulk through
:func:`crm.audit.record_changes` in the same transaction. A chunk runs inside a
savepoint; if the database refuses it, the chunk is retried row by row so one
bad row is rejected alone with the database's reason.

Decisions (documented for the county offices and the bureau):

- Outcome per row: ``created`` when the firm-year report did not exist,
  ``updated`` when anything the row carries changed (profile, figures, status,
  designations), else ``unchanged``; failures are ``rejected``.
- Profile fields are updated only where the sheet has a value. The district
  follows the record unless an officer overrode it (``district_overridden``);
  a firm so moved loses its town (towns belong to districts) unless the row
  gives one.
- Imported reports come from the county office, so they are ``verified`` (by
  the importing user). An existing report of that year — draft, submitted,
  returned or verified — takes the sheet's figures where the sheet has a value
  and becomes verified; every change is audited with the batch.
- Duplicates in one file (same code and year; for a list, the same record of the same
  firm): an identical later row is ``unchanged`` (the first counts as created,
  updated or unchanged). When the rows of a firm-year disagree nobody can tell which
  is right, so *all* of them are rejected, each message naming the other rows (and
  which of them are identical), and that firm-year is written from none. The file is
  read once: rows are written as they come, and every key's first row remembered;
  should a later row disagree with a row already written, the writer stops writing,
  reads on to learn every such key (:attr:`BatchWriter.replay`), and the caller rolls
  the batch back and writes the file again with those keys' rows held back and
  compared at the end of the stream (the only case that reads a file twice). Rows
  rejected for their own errors do not take part.
- 所属行业 and 高新技术领域 must match a known industry (code or name) or one of
  the eight fields (code or Chinese name); anything else rejects the row with
  a message, since a guessed classification would silently change the record.
  The preview lets the user ignore the column instead.
- 高新技术企业 certificate: number + issue date create or update the firm's
  ``hitech`` designation (same number or same issue date); valid to the stated
  date, else issue + 3 years - 1 day.
- 科技型中小企业 入库编号: the ``tech_sme`` designation of the 入库 year — the
  入库年度 column, else the year the registration number starts with
  (numbers are issued as 年份+区划+…), else the row's fiscal year — valid
  1 January to 31 December of that year (入库 is renewed yearly).
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, Connection, any_, bindparam, func, select
from sqlalchemy.exc import DBAPIError

from crm.audit import JSON_READY_TYPES, plain, plain_decimal, record_changes
from crm.enterprises.summary import FIGURE_COLUMNS, rd_ratio
from crm.models import AnnualReport, Designation, Enterprise, FormerName, Industry
from crm.models.annual_report import FIGURE_FIELDS, ReportStatus
from crm.models.audit import AuditAction
from crm.models.designation import DesignationKind, DesignationSource, hitech_valid_to
from crm.models.enterprise import HITECH_FIELD_LABELS, HitechField
from crm.pinyin import name_initials

from importers.bulk import NewIds, insert_many, update_many
from importers.fields import FieldSet, field_set
from importers.headers import HeaderLayout, normalize_header
from importers.rows import ParsedRow, RowError, SkippedRow
from importers.workbook import SheetResult

CHUNK_ROWS = 2000

ENTERPRISE_TABLE = Enterprise.__table__
REPORT_TABLE = AnnualReport.__table__
DESIGNATION_TABLE = Designation.__table__
FORMER_NAME_TABLE = FormerName.__table__

# Record fields copied to enterprise columns of the same name (industry and field resolved first).
PROFILE_COLUMNS = (
    "name", "district_code", "town", "founded_on", "industry_code", "hitech_field", "above_size",
    "address", "contact_person", "contact_phone",
)
ENTERPRISE_LOAD = ("id", "uscc", "district_overridden", "version_id", *PROFILE_COLUMNS)
REPORT_LOAD = ("id", "enterprise_id", "year", "status", "verified_at", "verified_by_id", *FIGURE_FIELDS)
DESIGNATION_LOAD = ("id", "enterprise_id", "kind", "valid_from", "valid_to", "certificate_no")
_REG_NO_YEAR = re.compile(r"^((?:19|20)\d{2})")


@dataclass
class ImportResult:
    """What an import did, row by row summed up; ``as_json`` is the CLI's shape."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped_rows: list[SkippedRow] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    sheets: list[SheetResult] = field(default_factory=list)
    batch_id: int | None = None
    kind: str = "figures"
    # Imported rows a person should know something of (RowError-shaped, not errors).
    notices: list[RowError] = field(default_factory=list)
    # List rows whose firm no name matched: (sheet, row, name, district the list gives or
    # None), for the preview to suggest close names a person may pick.
    unmatched: list[tuple[str, int, str, str | None]] = field(default_factory=list)
    # Firms whose reports this import created or changed (derived figures to refresh).
    touched_enterprises: set[int] = field(default_factory=set)

    @property
    def skipped(self) -> int:
        return len(self.skipped_rows)

    def counts(self) -> dict[str, int]:
        """The six counts, as stored on the batch."""
        return {
            "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "rejected": self.rejected, "skipped": self.skipped,
        }

    def as_json(self) -> dict[str, Any]:
        """Exactly the object CONTRACT.md fixes for ``import-workbook --json`` (with ``--kind``)."""
        return {**self.counts(), "errors": [e.as_dict() for e in self.errors], "batch": self.batch_id,
                "kind": self.kind}


@dataclass(frozen=True)
class Duplicates:
    """Keys (``hash(key)``) that more than one good row of a file is about: ``repeated``,
    every such key; ``conflicting``, those whose rows differ. Learnt by a first writing of
    the file (:attr:`BatchWriter.replay`) when it met a conflict; a second writing holds
    the conflicting keys' rows back. A hash collision only makes the writer compare rows
    it need not (held rows are compared whole)."""

    repeated: frozenset[int]
    conflicting: frozenset[int]


class _Rejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors[0].message if errors else "")
        self.errors = errors


class Classifications:
    """Industry codes and high-tech fields, matched by code or Chinese name."""

    def __init__(self, connection: Connection) -> None:
        self.industries: dict[str, str] = {}
        for code, name in connection.execute(select(Industry.code, Industry.name)):
            self.industries[code.upper()] = code
            self.industries[_plain(name)] = code
        self.fields: dict[str, HitechField] = {}
        for member, label in HITECH_FIELD_LABELS.items():
            self.fields[member.value] = member
            self.fields[_plain(label)] = member
        self._cache: dict[tuple[str, str], Any] = {}

    def industry(self, text: str) -> str | None:
        key = ("industry", text)
        if key not in self._cache:
            found = self.industries.get(_plain(text)) or self.industries.get(text.strip().upper())
            if found is None:
                match = re.match(r"^\s*([A-Za-z]\d{0,4})(?![A-Za-z0-9])", text)
                if match:
                    found = self.industries.get(match.group(1).upper())
            self._cache[key] = found
        return self._cache[key]

    def hitech_field(self, text: str) -> HitechField | None:
        key = ("field", text)
        if key not in self._cache:
            plain = _plain(text)
            found = self.fields.get(plain) or self.fields.get(plain.removesuffix("领域")) or self.fields.get(
                plain.removesuffix("技术")
            )
            if found is None:
                found = next(
                    (m for label, m in self.fields.items() if len(plain) >= 2 and label.startswith(plain)), None
                )
            self._cache[key] = found
        return self._cache[key]


def _plain(text: str) -> str:
    return normalize_header(text)[0]


class BatchWriter:
    """Consumes :func:`importers.parse_workbook`'s stream and writes it on ``connection``:
    the accounting, duplicates, chunks and savepoints every kind of sheet shares. A kind
    says how a row is prepared (:meth:`prepare`), which record it is about (:meth:`key`),
    what it writes (:meth:`fingerprint`) and how a chunk is written (:meth:`_apply`).

    The caller owns the transaction (commit, or roll back for a dry run) and the
    audit attribution (``crm.audit.acting_as`` with the batch).
    """

    fields: FieldSet
    kind = "figures"
    # The field whose column a row-wide message (a duplicate, a database refusal) points at.
    key_field = "uscc"

    def __init__(
        self,
        connection: Connection,
        *,
        user_id: int | None = None,
        now: dt.datetime | None = None,
        begin_nested: Callable[[], Any] | None = None,
        chunk_rows: int | None = None,
        savepoints: bool = True,
    ) -> None:
        from crm.clock import utcnow

        # With savepoints each chunk is written in one (``begin_nested``) and a chunk the
        # database refuses is written again row by row, the refused row rejected. Without
        # them (a first writing: SQLite keeps a copy of every page a savepoint changes, which
        # doubled the time of updates) a refusal stops the writing, like a conflict (replay).
        self.savepoints = savepoints
        self._refused = False
        self.connection = connection
        self.user_id = user_id
        self.now = now or utcnow()
        self.begin_nested = begin_nested or connection.begin_nested
        self.chunk_rows = chunk_rows or CHUNK_ROWS  # read at call time: tests write in small chunks
        self.fields = field_set(self.kind)
        self.result = ImportResult(kind=self.kind)
        self.ids = NewIds(connection)
        # Writing as rows come (no duplicates known): hash(key) -> fingerprint of its first row.
        self._first_print: dict[int, int] = {}
        self._repeated: set[int] = set()
        self._conflicting: set[int] = set()
        # Known duplicates (a second writing): key -> fingerprint of the first row written.
        self._seen: dict[Any, int] = {}
        # Good rows of keys whose rows disagree, held back until the stream ends.
        self._held: dict[Any, list[ParsedRow]] = {}
        self._layout: HeaderLayout | None = None
        self._layouts: dict[str, HeaderLayout] = {}

    # --- what a kind says ---------------------------------------------------------------

    def prepare(self, row: ParsedRow) -> list[RowError]:
        """Complete a good row with what needs the database (its firm, codes); its errors."""
        return []

    def key(self, row: ParsedRow) -> Any:  # noqa: ANN401 - a hashable natural key
        """The record a prepared row is about: rows with equal keys are duplicates."""
        raise NotImplementedError

    def fingerprint(self, row: ParsedRow) -> int:
        """Equal for rows that would write the same values."""
        return _fingerprint(row.record)

    def describe(self, key: Any) -> str:  # noqa: ANN401
        """The record of a key in words, for a duplicate rows' message."""
        return str(key)

    def _apply(self, rows: list[ParsedRow]) -> list[str]:
        """Write one chunk; returns each row's outcome. Raises DBAPIError on refusal."""
        raise NotImplementedError

    # --- the stream -------------------------------------------------------------------------

    @property
    def _stopped(self) -> bool:
        return bool(self._conflicting) or self._refused

    @property
    def replay(self) -> Duplicates | None:
        """After :meth:`run`: None when the batch is written as it should be; else writing
        stopped — a row disagreed with an earlier row of its key that may have been written,
        or (without savepoints) the database refused a chunk — and the caller must roll back
        and run again, with savepoints and these duplicates (learnt by reading on)."""
        if not self._stopped:
            return None
        return Duplicates(frozenset(self._repeated), frozenset(self._conflicting))

    def run(
        self, items: Iterable[SheetResult | ParsedRow | SkippedRow], duplicates: Duplicates | None = None
    ) -> ImportResult:
        """Write every row of the stream; returns the accounting.

        Without ``duplicates`` rows are written as they come (see :attr:`replay`); with
        them (learnt by a first writing) the conflicting keys' rows are held back."""
        result = self.result
        unknown: dict[str, None] = {}
        chunk: list[ParsedRow] = []
        repeated = duplicates.repeated if duplicates is not None else frozenset()
        conflicting = duplicates.conflicting if duplicates is not None else frozenset()
        for item in items:
            if isinstance(item, ParsedRow):
                result.rows += 1
                if item.errors:
                    self._reject(item.errors)
                    continue
                errors = self.prepare(item)
                if errors:
                    self._reject(errors)
                    continue
                hashed = hash(self.key(item))
                if duplicates is None:
                    if not self._track(item, hashed) or self._stopped:
                        continue  # a repeat, or writing stopped: the batch is written again
                elif repeated:
                    if hashed in conflicting:
                        item.cells = ()  # not needed for writing; held rows stay small
                        self._held.setdefault(self.key(item), []).append(item)
                        continue
                    if hashed in repeated and not self._first_of_key(item):
                        continue
                if self._stopped:
                    continue
                chunk.append(item)
                if len(chunk) >= self.chunk_rows:
                    self._write_chunk(chunk)
                    chunk = []
            elif isinstance(item, SkippedRow):
                result.skipped_rows.append(item)
            else:
                result.sheets.append(item)
                self._layout = item.layout
                if item.layout is not None:
                    self._layouts[item.name] = item.layout
                    unknown.update(dict.fromkeys(item.layout.unknown))
        if self._stopped:
            return result  # the caller rolls back and runs again with self.replay
        for row in self._settle_held():
            chunk.append(row)
            if len(chunk) >= self.chunk_rows:
                self._write_chunk(chunk)
                chunk = []
        if chunk:
            self._write_chunk(chunk)
        result.unknown_columns = list(unknown)
        if self._held:
            # Conflicts are found at the end: list every error in sheet and row order.
            order = {sheet.name: position for position, sheet in enumerate(result.sheets)}
            result.errors.sort(key=lambda e: (order.get(e.sheet, 0), e.row))
            result.notices.sort(key=lambda e: (order.get(e.sheet, 0), e.row))
        return result

    def _track(self, row: ParsedRow, hashed: int) -> bool:
        """Writing as rows come: True for the first row of its key; a later identical row
        counts as unchanged; a later differing one marks its key conflicting (see :attr:`replay`)."""
        fingerprint = self.fingerprint(row)
        first = self._first_print.get(hashed)
        if first is None:
            self._first_print[hashed] = fingerprint
            return True
        self._repeated.add(hashed)
        if first == fingerprint:
            self.result.unchanged += 1
        else:
            self._conflicting.add(hashed)
        return False

    def _settle_held(self) -> Iterator[ParsedRow]:
        """The held rows to write: a key's only good row, or the first of rows that turned
        out identical once parsed (the others count as unchanged). Rows that disagree are
        all rejected, each naming the others."""
        for key, rows in self._held.items():
            # Compared whole, not by hash: a held group is small, and a hash collision here
            # would drop a differing row as "unchanged".
            prints = [frozenset(self.written_values(row).items()) for row in rows]
            if len(set(prints)) == 1:
                self.result.unchanged += len(rows) - 1
                yield rows[0]
                continue
            for row, mark in zip(rows, prints):
                column, index = self._where(self.key_field, row.sheet)
                numbers = "、".join(_place(other, row.sheet) for other in rows)
                same = [_place(o, row.sheet) for o, p in zip(rows, prints) if o is not row and p == mark]
                differ = [_place(o, row.sheet) for o, p in zip(rows, prints) if p != mark]
                if same:
                    clash = f"与{'、'.join(same)}相同，但与{'、'.join(differ)}"
                else:
                    clash = f"与{'、'.join(differ)}"
                self._reject([RowError(
                    row.sheet, row.row, column,
                    f"{clash}是{self.describe(key)}但数据不一致，无法确定以哪一行为准，"
                    f"这{len(rows)}行（{numbers}）均未导入；请核对后只保留一行",
                    index,
                )])

    def written_values(self, row: ParsedRow) -> dict[str, Any]:
        """What a row writes, compared whole between duplicate rows (see :meth:`fingerprint`)."""
        return row.record

    def _reject(self, errors: list[RowError]) -> None:
        self.result.rejected += 1
        self.result.errors.extend(errors)

    def _where(self, field_name: str, sheet: str | None = None) -> tuple[str, int | None]:
        """The header text and index of ``field_name``'s column in ``sheet`` (default: the
        sheet being read), else the field's label."""
        layout = self._layouts.get(sheet) if sheet is not None else self._layout
        column = layout.column_for(field_name) if layout else None
        if column is not None:
            return column.header_text, column.index
        return self.fields.labels.get(field_name, field_name), None

    def _first_of_key(self, row: ParsedRow) -> bool:
        """With duplicates known: True for the first row of a repeated key; its later rows,
        identical by then, count as unchanged."""
        key = self.key(row)
        fingerprint = self.fingerprint(row)
        first = self._seen.get(key)
        if first is None:
            self._seen[key] = fingerprint
            return True
        if first == fingerprint:
            self.result.unchanged += 1
            return False
        # Only on a fingerprint collision between the two writings: keep the first.
        column, index = self._where(self.key_field)
        self._reject([RowError(row.sheet, row.row, column,
                               f"与前面的行是{self.describe(key)}但数据不一致，本行（第{row.row}行）未导入；请核对后只保留一行",
                               index)])
        return False

    # --- writing ----------------------------------------------------------------------------

    def _write_chunk(self, rows: list[ParsedRow]) -> None:
        if not self.savepoints:
            try:
                outcomes = self._apply(rows)
            except DBAPIError:
                self._refused = True  # written again with savepoints (see replay)
                return
            self._counted(rows, outcomes)
            return
        try:
            with self.begin_nested():
                outcomes = self._apply(rows)
        except DBAPIError:
            # Find the row the database refused; the others are written one by one.
            for row in rows:
                try:
                    with self.begin_nested():
                        outcome = self._apply([row])[0]
                except DBAPIError as error:
                    column, index = self._where(self.key_field, row.sheet)
                    reason = str(getattr(error, "orig", error)).splitlines()[0][:200]
                    self._reject([RowError(row.sheet, row.row, column, f"数据库拒绝写入此行：{reason}", index)])
                    continue
                self._count(outcome)
                self.result.notices.extend(row.notices)
            return
        self._counted(rows, outcomes)

    def _counted(self, rows: list[ParsedRow], outcomes: list[str]) -> None:
        for row, outcome in zip(rows, outcomes):
            self._count(outcome)
            if row.notices:
                self.result.notices.extend(row.notices)

    def _count(self, outcome: str) -> None:
        result = self.result
        if outcome == "created":
            result.created += 1
        elif outcome == "updated":
            result.updated += 1
        else:
            result.unchanged += 1

    def _name_initials(self, name: str) -> str:
        """The search box's pinyin readings of a name (crm.pinyin: character by character,
        cached per character, ~8 µs a name)."""
        return name_initials(name)


class FigureWriter(BatchWriter):
    """A county figure sheet: each row one enterprise's record for one fiscal year, written
    set-wise (firms, reports, designations) with the audit trail."""

    kind = "figures"

    def __init__(self, connection: Connection, **kwargs: Any) -> None:  # noqa: ANN401 - BatchWriter's
        super().__init__(connection, **kwargs)
        self.classes = Classifications(connection)
        self._held_numbers: dict[DesignationKind, dict[str, dict[str, str]]] = {}
        self._sheet_numbers: dict[tuple[DesignationKind, str], tuple[str, str, ParsedRow]] = {}

    def prepare(self, row: ParsedRow) -> list[RowError]:
        # A row refused for its classification takes no number from a later row.
        return self._classify(row) or self._check_numbers(row)

    def key(self, row: ParsedRow) -> tuple[str, int]:
        return row.record["uscc"], row.record["year"]

    # A number of a designation kind is one firm's (issue 18, decision 6): per kind, the
    # database's (number -> {code: name} of the firms holding it), read on a kind's first
    # use, and the sheet's rows so far ((kind, number) -> code, name, row).
    _NUMBER_FIELDS = {DesignationKind.hitech: ("hitech_cert_no", "高企证书"),
                      DesignationKind.tech_sme: ("tech_sme_reg_no", "科技型中小企业入库登记编号")}

    def _check_numbers(self, row: ParsedRow) -> list[RowError]:
        """A 高企 certificate or 入库登记编号 the row would record that another firm holds (in the
        system, or an earlier row of this sheet) rejects the row. Importers see every firm: it is named."""
        record = row.record
        if "hitech_cert_no" not in record and "tech_sme_reg_no" not in record:
            return []
        uscc, name = record["uscc"], record.get("name") or record["uscc"]
        errors: list[RowError] = []
        for wanted in _designations(record):
            kind, number = wanted["kind"], wanted["certificate_no"]
            field_name, what = self._NUMBER_FIELDS[kind]
            held = self._held_numbers.get(kind)
            if held is None:
                held = self._held_numbers[kind] = self._numbers_held(kind)
            other = next(((code, firm) for code, firm in sorted(held.get(number, {}).items()) if code != uscc), None)
            if other is not None:
                errors.append(self._number_error(row, field_name, f"编号{number}在系统中已登记为{other[1]}（{other[0]}）"
                                                                  f"的{what}，不能再登记给{name}；请核对编号或企业"))
                continue
            earlier = self._sheet_numbers.setdefault((kind, number), (uscc, name, row))
            if earlier[0] != uscc:
                errors.append(self._number_error(row, field_name, f"编号{number}与{_place(earlier[2], row.sheet)}"
                                                                  f"（{earlier[1]}）的编号相同：同一编号不能属于两家企业；请核对"))
        return errors

    def _numbers_held(self, kind: DesignationKind) -> dict[str, dict[str, str]]:
        """Number -> {code: name} of the firms holding it as a designation of ``kind``, each
        number normalised as a cell's (one typed "gr 2023…" by hand before numbers were normalised included)."""
        from importers.values import parse_code

        held: dict[str, dict[str, str]] = {}
        for number, uscc, name in self.connection.execute(
            select(DESIGNATION_TABLE.c.certificate_no, ENTERPRISE_TABLE.c.uscc, ENTERPRISE_TABLE.c.name)
            .join(ENTERPRISE_TABLE, ENTERPRISE_TABLE.c.id == DESIGNATION_TABLE.c.enterprise_id)
            .where(DESIGNATION_TABLE.c.kind == kind, DESIGNATION_TABLE.c.certificate_no.is_not(None))
        ):
            code = parse_code(number)
            if code:
                held.setdefault(code, {})[uscc] = name
        return held

    def _number_error(self, row: ParsedRow, field_name: str, message: str) -> RowError:
        column, index = self._where(field_name, row.sheet)
        return RowError(row.sheet, row.row, column, message, index)

    def describe(self, key: tuple[str, int]) -> str:
        return f"同一企业同一年度（{key[0]}，{key[1]}年）"

    def fingerprint(self, row: ParsedRow) -> int:
        # The parser's digest of the mapped cells (one tuple hash); rows written differently
        # ("1,000" and 1000) differ here and are compared whole when they meet (see replay).
        return row.digest if row.digest is not None else _fingerprint(row.record)

    def _classify(self, row: ParsedRow) -> list[RowError]:
        """Resolve 所属行业 and 高新技术领域 text to codes; unknown text is a row error."""
        record = row.record
        errors: list[RowError] = []
        industry = record.pop("industry", None)
        if industry is not None:
            code = self.classes.industry(industry)
            if code is None:
                column, index = self._where("industry")
                errors.append(RowError(row.sheet, row.row, column,
                                       f"所属行业「{industry}」不在国民经济行业分类中，请填写行业代码（如C39）或名称", index))
            else:
                record["industry_code"] = code
        hitech = record.get("hitech_field")
        if hitech is not None and not isinstance(hitech, HitechField):
            member = self.classes.hitech_field(hitech)
            if member is None:
                column, index = self._where("hitech_field")
                errors.append(RowError(row.sheet, row.row, column,
                                       f"高新技术领域「{hitech}」不是八大领域之一（如“电子信息”“先进制造与自动化”）", index))
            else:
                record["hitech_field"] = member
        return errors

    def _apply(self, rows: list[ParsedRow]) -> list[str]:
        """Write one chunk; returns each row's outcome. Raises DBAPIError on refusal."""
        conn = self.connection
        now, user_id = self.now, self.user_id
        audit: list[dict[str, Any]] = []
        usccs = list({row.record["uscc"] for row in rows})

        firms: dict[str, dict[str, Any]] = {}
        for found in _dicts(conn.execute(
            select(*(ENTERPRISE_TABLE.c[c] for c in ENTERPRISE_LOAD)).where(_among(conn, ENTERPRISE_TABLE.c.uscc, usccs))
        ), ENTERPRISE_LOAD):
            firms[found["uscc"]] = found
        originals = {uscc: dict(firm) for uscc, firm in firms.items()}

        # New firms first: their ids are needed for reports and designations.
        new_firms: list[dict[str, Any]] = []
        created_from: dict[str, dict[str, Any]] = {}
        for row in rows:
            record = row.record
            if record["uscc"] in firms:
                continue
            created_from[record["uscc"]] = record
            firm = {
                "uscc": record["uscc"], "name": record["name"], "name_initials": self._name_initials(record["name"]),
                "district_code": record["district_code"], "district_overridden": False,
                "town": None, "founded_on": None, "industry_code": None, "hitech_field": None,
                "above_size": False, "address": None, "contact_person": None, "contact_phone": None,
                "created_at": now, "updated_at": now, "updated_by_id": user_id, "version_id": 1,
            }
            for column in PROFILE_COLUMNS:
                if column in record:
                    firm[column] = record[column]
            firms[record["uscc"]] = firm
            new_firms.append(firm)
        # A new firm with one row in the chunk gets its latest-year figures with the insert
        # (that row's report is its only one so far), sparing the refresh a second write of
        # every new firm; a firm with several rows here, or rows in a later chunk, is
        # refreshed as before.
        figured: set[str] = set()
        if new_firms:
            dialect_name = conn.dialect.name
            rows_of: dict[str, int] = {}
            if dialect_name in ("sqlite", "postgresql"):
                for row in rows:
                    uscc = row.record["uscc"]
                    rows_of[uscc] = rows_of.get(uscc, 0) + 1
            for firm in new_firms:
                if rows_of.get(firm["uscc"]) == 1:
                    record = created_from[firm["uscc"]]
                    firm["latest_year"] = record["year"]
                    firm["latest_revenue"] = record.get("revenue")
                    firm["latest_rd_ratio"] = rd_ratio(record.get("rd_expense"), record.get("revenue"), dialect_name)
                    firm["revenue_growth"] = None
                    figured.add(firm["uscc"])
                else:
                    firm.update(dict.fromkeys(FIGURE_COLUMNS))
            insert_many(conn, ENTERPRISE_TABLE, new_firms, ids=self.ids)
            for firm in new_firms:
                audit.append(_created("enterprise", firm["id"], firm["id"], firm, _NOT_AUDITED_FIRM))

        reports: dict[tuple[int, int], dict[str, Any]] = {}
        designations: dict[int, list[dict[str, Any]]] = {}
        existing_ids = [originals[u]["id"] for u in originals]
        if existing_ids:
            years = list({row.record["year"] for row in rows})
            for found in _dicts(conn.execute(
                select(*(REPORT_TABLE.c[c] for c in REPORT_LOAD)).where(
                    _among(conn, REPORT_TABLE.c.enterprise_id, existing_ids), REPORT_TABLE.c.year.in_(years)
                )
            ), REPORT_LOAD):
                reports[(found["enterprise_id"], found["year"])] = found
            if any("hitech_cert_no" in r.record or "tech_sme_reg_no" in r.record for r in rows):
                for found in _dicts(conn.execute(
                    select(*(DESIGNATION_TABLE.c[c] for c in DESIGNATION_LOAD)).where(
                        _among(conn, DESIGNATION_TABLE.c.enterprise_id, existing_ids),
                        DESIGNATION_TABLE.c.kind.in_([DesignationKind.hitech, DesignationKind.tech_sme]),
                    )
                ), DESIGNATION_LOAD):
                    designations.setdefault(found["enterprise_id"], []).append(found)

        outcomes: list[str] = []
        new_reports: list[dict[str, Any]] = []
        changed_reports: list[tuple[dict[str, Any], dict[str, list[Any]]]] = []
        new_designations: list[dict[str, Any]] = []
        changed_designations: list[tuple[dict[str, Any], dict[str, list[Any]]]] = []
        changed_firms: set[str] = set()
        for row in rows:
            record = row.record
            firm = firms[record["uscc"]]
            firm_id = firm["id"]
            changed = False
            if record["uscc"] in originals:
                for column in PROFILE_COLUMNS:
                    if column not in record or firm[column] == record[column]:
                        continue
                    if column == "district_code" and firm["district_overridden"]:
                        continue
                    firm[column] = record[column]
                    changed_firms.add(record["uscc"])
                    changed = True
                before = originals[record["uscc"]]
                if firm["district_code"] != before["district_code"] and "town" not in record \
                        and firm["town"] is not None and firm["town"] == before["town"]:
                    firm["town"] = None  # towns belong to districts: a moved firm keeps only a town the sheet gives
            key = (firm_id, record["year"])
            report = reports.get(key)
            if report is None:
                report = {
                    "enterprise_id": firm_id, "year": record["year"], "status": ReportStatus.verified,
                    **{f: record.get(f) for f in FIGURE_FIELDS},
                    "verified_at": now, "verified_by_id": user_id, "submitted_at": None,
                    "created_at": now, "updated_at": now, "updated_by_id": user_id, "version_id": 1,
                }
                reports[key] = report
                new_reports.append(report)
                outcome = "created"
            else:
                diff: dict[str, list[Any]] = {}
                for name in FIGURE_FIELDS:
                    value = record.get(name)
                    if value is not None and report[name] != value:
                        diff[name] = [report[name], value]
                        report[name] = value
                if report["status"] is not ReportStatus.verified:
                    diff["status"] = [report["status"], ReportStatus.verified]
                    report["status"] = ReportStatus.verified
                if diff:
                    diff["verified_at"] = [report["verified_at"], now]
                    diff["verified_by_id"] = [report["verified_by_id"], user_id]
                    report["verified_at"], report["verified_by_id"] = now, user_id
                    changed_reports.append((report, diff))
                    changed = True
                outcome = "updated" if changed else "unchanged"
            held = designations.setdefault(firm_id, [])
            for wanted in _designations(record):
                current = _matching(held, wanted)
                if current is None:
                    made = {
                        "enterprise_id": firm_id, **wanted, "authority": None, "source": DesignationSource.import_,
                        "created_at": now, "updated_at": now, "updated_by_id": user_id,
                    }
                    held.append(made)
                    new_designations.append(made)
                    changed = True
                else:
                    diff = {k: [current[k], v] for k, v in wanted.items() if current[k] != v}
                    if diff:
                        current.update(wanted)
                        changed_designations.append((current, diff))
                        changed = True
            if outcome == "unchanged" and changed:
                outcome = "updated"
            if outcome != "unchanged" and record["uscc"] not in figured:
                self.result.touched_enterprises.add(firm_id)
            outcomes.append(outcome)

        if changed_firms:
            rows_out = []
            renamed: dict[int, str] = {}
            for uscc in changed_firms:
                firm, before = firms[uscc], originals[uscc]
                diff = {c: [before[c], firm[c]] for c in PROFILE_COLUMNS if before[c] != firm[c]}
                if "name" in diff:
                    firm["name_initials"] = self._name_initials(firm["name"])
                    renamed[firm["id"]] = before["name"]
                rows_out.append({"id": firm["id"], **{c: firm[c] for c in PROFILE_COLUMNS},
                                 "name_initials": firm.get("name_initials") or self._name_initials(firm["name"])})
                audit.append(_updated("enterprise", firm["id"], firm["id"], diff))
            update_many(conn, ENTERPRISE_TABLE, rows_out, (*PROFILE_COLUMNS, "name_initials"),
                        {"updated_at": now, "updated_by_id": user_id}, bump_version=True)
            if renamed:
                # A firm the sheet renames keeps its old name, as a rename list's does.
                known = {tuple(r) for r in conn.execute(
                    select(FORMER_NAME_TABLE.c.enterprise_id, FORMER_NAME_TABLE.c.name)
                    .where(_among(conn, FORMER_NAME_TABLE.c.enterprise_id, list(renamed))))}
                insert_former_names(conn, [
                    {"enterprise_id": firm_id, "name": name, "until": None, "created_at": now, "updated_at": now,
                     "updated_by_id": user_id}
                    for firm_id, name in renamed.items() if (firm_id, name) not in known
                ], audit, self.ids)
        if new_reports:
            insert_many(conn, REPORT_TABLE, new_reports, ids=self.ids)
            for report in new_reports:
                audit.append(_created("annual_report", report["id"], report["enterprise_id"], report))
        if changed_reports:
            update_many(conn, REPORT_TABLE, [r for r, _diff in changed_reports],
                        (*FIGURE_FIELDS, "status", "verified_at", "verified_by_id"),
                        {"updated_at": now, "updated_by_id": user_id}, bump_version=True)
            for report, diff in changed_reports:
                audit.append(_updated("annual_report", report["id"], report["enterprise_id"], diff))
        if new_designations:
            insert_many(conn, DESIGNATION_TABLE, new_designations, ids=self.ids)
            for made in new_designations:
                audit.append(_created("designation", made["id"], made["enterprise_id"], made))
        if changed_designations:
            update_many(conn, DESIGNATION_TABLE, [d for d, _diff in changed_designations],
                        ("valid_from", "valid_to", "certificate_no"), {"updated_at": now, "updated_by_id": user_id},
                        bump_version=True)
            for made, diff in changed_designations:
                audit.append(_updated("designation", made["id"], made["enterprise_id"], diff))
        if audit:
            record_changes(audit, connection=conn)
        return outcomes

def insert_former_names(conn: Connection, rows: list[dict[str, Any]], audit: list[dict[str, Any]], ids: NewIds) -> None:
    """Insert former names (``enterprise_id``, ``name``, ``until``, timestamps) and add their
    audit entries."""
    insert_many(conn, FORMER_NAME_TABLE, rows, ids=ids)
    audit.extend(_created("former_name", r["id"], r["enterprise_id"], r) for r in rows)


def _fingerprint(record: dict[str, Any]) -> int:
    """Equal for records with equal fields and values (duplicate rows)."""
    return hash(frozenset(record.items()))


def _place(row: ParsedRow, sheet: str) -> str:
    """Where ``row`` is, as said in a message about a row of ``sheet``."""
    return f"第{row.row}行" if row.sheet == sheet else f"工作表「{row.sheet}」第{row.row}行"


def _among(conn: Connection, column: Any, values: list[Any]) -> Any:  # noqa: ANN401 - a SQL condition
    """``column IN (values)`` with one parameter instead of a chunk's 2,000 (each rendered by
    SQLAlchemy, and on PostgreSQL parsed by psycopg): ``= ANY(array)`` on PostgreSQL, a
    JSON array through ``json_each`` on SQLite; the same rows."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    if conn.dialect.name == "sqlite" and _SQLITE_JSON and len(kinds := set(map(type, values))) == 1 and kinds <= {str, int}:
        # SQLite: IN (SELECT value FROM json_each(?)), the values as one JSON text.
        return column.in_(select(func.json_each(bindparam(None, json.dumps(values))).table_valued("value").c.value))
    return column.in_(values)


# json_each is built into SQLite from 3.38 on.
_SQLITE_JSON = sqlite3.sqlite_version_info >= (3, 38)


def _dicts(result: Any, names: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """The result's rows as plain dicts keyed by ``names`` (the selected columns, in order):
    the same values as ``dict(row_mapping)``, without a RowMapping per row."""
    assert tuple(result.keys()) == names
    return map(dict, map(zip, itertools.repeat(names), result.all()))


def _designations(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The designations a record states: {kind, valid_from, valid_to, certificate_no}."""
    cert_no, issued = record.get("hitech_cert_no"), record.get("hitech_issued_on")
    if cert_no and issued:
        yield {
            "kind": DesignationKind.hitech, "valid_from": issued,
            "valid_to": record.get("hitech_valid_to") or hitech_valid_to(issued), "certificate_no": cert_no,
        }
    reg_no = record.get("tech_sme_reg_no")
    if reg_no:
        year = tech_sme_year(record)
        yield {
            "kind": DesignationKind.tech_sme, "valid_from": dt.date(year, 1, 1),
            "valid_to": dt.date(year, 12, 31), "certificate_no": reg_no,
        }


def tech_sme_year(record: dict[str, Any]) -> int:
    """The 入库 year: the stated one, else the year the registration number starts with,
    else the row's fiscal year."""
    if record.get("tech_sme_year"):
        return int(record["tech_sme_year"])
    match = _REG_NO_YEAR.match(record.get("tech_sme_reg_no") or "")
    if match and 2000 <= int(match.group(1)) <= record["year"] + 1:
        return int(match.group(1))
    return int(record["year"])


def _matching(held: list[dict[str, Any]], wanted: dict[str, Any]) -> dict[str, Any] | None:
    """The held designation a stated one refers to: same kind and same number, else same start."""
    same_kind = [d for d in held if d["kind"] is wanted["kind"]]
    for designation in same_kind:
        if designation["certificate_no"] and designation["certificate_no"] == wanted["certificate_no"]:
            return designation
    if wanted["kind"] is DesignationKind.tech_sme:
        return next((d for d in same_kind if d["valid_from"].year == wanted["valid_from"].year), None)
    return next((d for d in same_kind if d["valid_from"] == wanted["valid_from"]), None)


_NOT_AUDITED = frozenset({"created_at", "updated_at", "updated_by_id", "version_id", "name_initials"})
# Derived figures are the refresh's business, not changes the import records.
_NOT_AUDITED_FIRM = _NOT_AUDITED | frozenset(FIGURE_COLUMNS)


# crm.audit.plain for the value types of imported rows, looked up by exact type.
_PLAIN_BY_TYPE: dict[type, Callable[[Any], Any]] = {
    Decimal: plain_decimal, dt.date: dt.date.isoformat, dt.datetime: dt.datetime.isoformat,
}


def _created(
    entity: str, entity_id: int, enterprise_id: int, values: dict[str, Any], not_audited: frozenset[str] = _NOT_AUDITED
) -> dict[str, Any]:
    # Values converted to their audit form here, in the one pass that picks them
    # (record_changes would otherwise walk every change again).
    as_is, by_type = JSON_READY_TYPES, _PLAIN_BY_TYPE
    changes: dict[str, list[Any]] = {}
    for k, v in values.items():
        if v is None or k in not_audited:
            continue
        kind = type(v)
        if kind in as_is:
            changes[k] = [None, v]
        else:
            convert = by_type.get(kind)
            changes[k] = [None, convert(v) if convert is not None else plain(v)]
    return {"entity": entity, "entity_id": entity_id, "enterprise_id": enterprise_id,
            "action": AuditAction.create, "changes": changes, "plain": True}


def _updated(entity: str, entity_id: int, enterprise_id: int, diff: dict[str, list[Any]]) -> dict[str, Any]:
    return {"entity": entity, "entity_id": entity_id, "enterprise_id": enterprise_id,
            "action": AuditAction.update, "changes": diff}


