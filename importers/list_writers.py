"""Writing the lists a bureau receives: each row, matched to its firm, becomes the firm's
designation, new name, platform, talent or support record.

The stream, accounting, duplicates, chunks and savepoints are
:class:`importers.writer.BatchWriter`'s, as for county figure sheets; a list kind says
how a row finds its firm (:mod:`importers.matching`, set-wise against every firm read
once), which record it is about, and how a chunk is written: existing records of the
chunk's firms are read in one query, compared, and new and changed ones written with one
statement each, audited with the batch so it can be rolled back.

Decisions (README, "Lists a bureau receives"):

- A row's record is matched to the firm's existing records by its natural key: a
  designation by kind and number (else kind and start, as the figure import does), a
  platform by kind and name, a talent by name, programme and year, a support record by
  kind, programme and date (names compared normalised). A matched record takes the
  row's values where the row has one; ``created``/``updated``/``unchanged`` count records.
- A rename renames the firm, keeps its old name as a former name (曾用名), and keeps its
  certificate and validity; it adds the certificate the row names when the firm has
  none on record and the row gives its issue date. ``created``: firms renamed by this
  import; ``updated``: the firm bore the new name already and the row added its old
  name or certificate; ``unchanged``: nothing new.
- Nothing is created for a firm the system does not know: the row is rejected.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from sqlalchemy import Connection, Table, select

from crm.audit import record_changes
from crm.districts import DISTRICTS
from crm.models import Designation, Enterprise, FormerName, Platform, SupportRecord, Talent
from crm.models.designation import DesignationKind, DesignationSource

from importers.bulk import insert_many, update_many
from importers.matching import Firm, FirmIndex, Match, normalise_name
from importers.rows import ParsedRow, RowError
from importers.values import parse_code
from importers.writer import (
    DESIGNATION_LOAD,
    DESIGNATION_TABLE,
    FORMER_NAME_TABLE,
    BatchWriter,
    _among,
    _created,
    _dicts,
    _matching,
    _updated,
    insert_former_names,
)


def _held_numbers(connection: Connection, kind: DesignationKind) -> dict[str, set[int]]:
    """The numbers firms hold as designations of ``kind``, each normalised as a row's
    (parse_code: one typed "gr 2023…" by hand before numbers were normalised included)."""
    held: dict[str, set[int]] = {}
    for number, firm_id in connection.execute(
        select(DESIGNATION_TABLE.c.certificate_no, DESIGNATION_TABLE.c.enterprise_id).where(
            DESIGNATION_TABLE.c.kind == kind, DESIGNATION_TABLE.c.certificate_no.is_not(None))
    ):
        code = parse_code(number)
        if code:
            held.setdefault(code, set()).add(firm_id)
    return held


def load_firm_index(connection: Connection) -> FirmIndex:
    """Every firm's code, name and district, and every former name, read once."""
    return FirmIndex.build(
        connection.execute(select(Enterprise.id, Enterprise.uscc, Enterprise.name, Enterprise.district_code)),
        connection.execute(select(FormerName.enterprise_id, FormerName.name)),
    )


class ListWriter(BatchWriter):
    """A list: every row names a firm the system knows (by code or name), found with
    :meth:`importers.matching.FirmIndex.match` before anything is written."""

    key_field = "name"
    # The field holding the name a row gives its firm by.
    name_field = "name"

    def __init__(
        self,
        connection: Connection,
        *,
        index: FirmIndex | None = None,
        picks: Mapping[tuple[str, int], int] | None = None,
        **kwargs: Any,  # noqa: ANN401 - BatchWriter's
    ) -> None:
        super().__init__(connection, **kwargs)
        self.index = index if index is not None else load_firm_index(connection)
        # A person's choice of firm for a row the names did not match: (sheet, row) -> firm id.
        self.picks = dict(picks or {})

    def firm_of(self, row: ParsedRow) -> Firm:
        return row.record["firm"]

    def prepare(self, row: ParsedRow) -> list[RowError]:
        record = row.record
        found = self._match(row, record.get(self.name_field))
        if found.firm is None:
            return self._unmatched(row, found.problem or "")
        record["firm"] = found.firm
        self._notice_district(row, found.firm)
        return self._check_number(row, found.firm)

    def _match(self, row: ParsedRow, name: str | None, normal: str | None = None) -> Match:
        """The row's firm by its code or name; a person's pick for the row only when those
        find none (a pick made before the firm was added or renamed is not needed any more)."""
        found = self.index.match(row.record.get("uscc"), name, normal=normal)
        pick = self.picks.get((row.sheet, row.row))
        if found.firm is None and pick is not None:
            return self.index.match(None, None, pick)
        return found

    # A number of a designation kind is one firm's (issue 18, decision 6): per kind, the
    # database's (number -> firm ids, stored numbers normalised as rows' are), read on a
    # kind's first use, and the batch's rows so far ((kind, number) -> firm id, row).
    _numbers: dict[DesignationKind, dict[str, set[int]]] | None = None

    def _check_number(self, row: ParsedRow, firm: Firm) -> list[RowError]:
        """A number another firm holds under the row's designation kind (in the system, or an
        earlier row of this import) rejects the row. Importers see every firm: it is named."""
        number = row.record.get("certificate_no")
        kind = row.record.get("kind", DesignationKind.hitech)  # a rename list's number is a 高企 certificate
        if not number:
            return []
        if self._numbers is None:
            self._numbers = {}
            self._batch_numbers: dict[tuple[DesignationKind, str], tuple[int, ParsedRow]] = {}
        held = self._numbers.get(kind)
        if held is None:
            held = self._numbers[kind] = _held_numbers(self.connection, kind)
        owner = min((other for other in held.get(number, ()) if other != firm.id), default=None)
        if owner is not None:
            other = self.index.by_id.get(owner)
            named = f"{other.name}（{other.uscc}）" if other else "另一家企业"
            return [self._error(row, "certificate_no", f"编号{number}在系统中已登记为{named}的证书，"
                                                       f"不能再登记给{firm.name}；请核对编号或企业")]
        earlier = self._batch_numbers.setdefault((kind, number), (firm.id, row))
        if earlier[0] != firm.id:
            other = self.index.by_id[earlier[0]]
            return [self._error(row, "certificate_no", f"编号{number}与第{earlier[1].row}行（{other.name}）"
                                                       "的编号相同：同一编号不能属于两家企业；请核对")]
        return []

    def _unmatched(self, row: ParsedRow, problem: str) -> list[RowError]:
        """The row's rejection when no firm matched; its name is kept for the preview's suggestions."""
        record = row.record
        name = record.get(self.name_field)
        if name:
            district = record.get("place_district") or record.get("number_district")
            self.result.unmatched.append((row.sheet, row.row, name, district))
        return [self._error(row, "uscc" if record.get("uscc") else self.name_field, problem)]

    def _error(self, row: ParsedRow, field_name: str, message: str) -> RowError:
        column, index = self._where(field_name, row.sheet)
        return RowError(row.sheet, row.row, column, message, index)

    def _notice_district(self, row: ParsedRow, firm: Firm) -> None:
        """A list that puts the firm in another Jiangmen district than its record does is
        imported, and the preview says so."""
        record = row.record
        for field_name, stated, what in (
            ("certificate_no", record.pop("number_district", None), "入库登记编号的区划"),
            ("district", record.pop("place_district", None), "名单所列区县"),
        ):
            if stated and stated != firm.district_code:
                row.notices.append(self._error(
                    row, field_name,
                    f"{what}（{DISTRICTS[stated]}）与{firm.name}在系统中的所属区县"
                    f"（{DISTRICTS.get(firm.district_code, firm.district_code)}）不一致，已按系统中的区县导入",
                ))

    def fingerprint(self, row: ParsedRow) -> int:
        return hash(frozenset(self.written_values(row).items()))

    def describe(self, key: Any) -> str:  # noqa: ANN401
        firm = self.index.by_id.get(key[0])
        return f"{firm.name if firm else '同一企业'}的同一条{self.record_words}"

    record_words = "记录"


class RenameListWriter(ListWriter):
    """Rename lists (原名称, 现名称, 证书编号, 发证日期): the firm takes its new name."""

    kind = "renames"
    key_field = "old_name"
    name_field = "old_name"
    record_words = "更名"

    def prepare(self, row: ParsedRow) -> list[RowError]:
        record = row.record
        new_name = record["new_name"]
        found = self.index.match(record.get("uscc"), record.get("old_name"), normal=record["old_normal"] or None)
        if found.firm is None and not record.get("uscc"):
            # Renamed before (by hand, or an earlier list).
            already = self.index.match(None, new_name, normal=record["new_normal"])
            if already.firm is not None:
                found = already
        pick = self.picks.get((row.sheet, row.row))
        if found.firm is None and pick is not None:
            found = self.index.match(None, None, pick)
        if found.firm is None:
            return self._unmatched(row, found.problem or "")
        firm = found.firm
        others = [f for f in self.index.named(record["new_normal"]) if f.id != firm.id]
        if others:
            return [self._error(row, "new_name", f"现名称「{new_name}」已是另一家企业（{others[0].uscc}）的名称")]
        if firm.normal != record["new_normal"] and firm.id in self.index.by_former.get(record["new_normal"], ()):
            # An older list: the firm has been renamed since, from the name this row gives it.
            row.notices.append(self._error(
                row, "new_name", f"「{new_name}」是该企业的曾用名，系统中的现名称「{firm.name}」更新，未改回"))
            record["new_name"], record["new_normal"] = firm.name, firm.normal
        elif firm.name != new_name:
            firm = self.index.rename(firm, new_name, record["new_normal"])  # later rows find it by either name
        record["firm"] = firm
        return self._check_number(row, firm)

    def written_values(self, row: ParsedRow) -> dict[str, Any]:
        record = row.record
        return {"name": record["new_name"], "old_name": record["old_normal"],
                "certificate_no": record.get("certificate_no"), "valid_from": record.get("valid_from"),
                "renamed_on": record.get("renamed_on")}

    def key(self, row: ParsedRow) -> tuple[int]:
        return (self.firm_of(row).id,)

    def _apply(self, rows: list[ParsedRow]) -> list[str]:
        conn, now, user_id = self.connection, self.now, self.user_id
        table = Enterprise.__table__
        firm_ids = list({self.firm_of(row).id for row in rows})
        names = dict(conn.execute(select(table.c.id, table.c.name).where(_among(conn, table.c.id, firm_ids))).all())
        formers: dict[int, set[str]] = {}
        for firm_id, name in conn.execute(select(FORMER_NAME_TABLE.c.enterprise_id, FORMER_NAME_TABLE.c.name).where(
            _among(conn, FORMER_NAME_TABLE.c.enterprise_id, firm_ids)
        )):
            formers.setdefault(firm_id, set()).add(normalise_name(name))
        held: dict[int, list[dict[str, Any]]] = {}
        if any(row.record.get("certificate_no") for row in rows):
            for found in _dicts(conn.execute(
                select(*(DESIGNATION_TABLE.c[c] for c in DESIGNATION_LOAD)).where(
                    _among(conn, DESIGNATION_TABLE.c.enterprise_id, firm_ids),
                    DESIGNATION_TABLE.c.kind == DesignationKind.hitech,
                )
            ), DESIGNATION_LOAD):
                found["kind"] = DesignationKind.hitech
                held.setdefault(found["enterprise_id"], []).append(found)
        outcomes: list[str] = []
        renamed: list[dict[str, Any]] = []
        new_formers: list[dict[str, Any]] = []
        new_certificates: list[dict[str, Any]] = []
        audit: list[dict[str, Any]] = []
        for row in rows:
            record = row.record
            firm_id = self.firm_of(row).id
            current, new_name = names[firm_id], record["new_name"]
            current_normal = normalise_name(current)
            known = formers.setdefault(firm_id, set())
            kept = [(current, current_normal)] if current != new_name else []
            old, old_normal = record.get("old_name"), record["old_normal"]
            if old and old_normal not in (current_normal, record["new_normal"]):
                kept.append((old, old_normal))  # the list's old name, when the firm bore yet another one here
            added = False
            for name, normal in kept:
                if normal in known:
                    continue
                known.add(normal)
                new_formers.append({"enterprise_id": firm_id, "name": name, "until": record.get("renamed_on"),
                                    "created_at": now, "updated_at": now, "updated_by_id": user_id})
                added = True
            if current != new_name:
                names[firm_id] = new_name
                renamed.append({"id": firm_id, "name": new_name, "name_initials": self._name_initials(new_name),
                                "before": current})
            number = record.get("certificate_no")
            if number:
                wanted = {"kind": DesignationKind.hitech, "certificate_no": number,
                          "valid_from": record.get("valid_from"), "valid_to": record.get("valid_to")}
                certificates = held.get(firm_id, [])
                overlapping = next((d for d in certificates if wanted["valid_from"] is not None
                                    and d["valid_from"] <= wanted["valid_to"]
                                    and (d["valid_to"] is None or wanted["valid_from"] <= d["valid_to"])), None)
                if not any(d["certificate_no"] == number for d in certificates):
                    if wanted["valid_from"] is None:
                        row.notices.append(self._error(
                            row, "certificate_no", f"证书{number}未在系统中登记，表中又没有发证日期，未新增证书"))
                    elif overlapping is not None:
                        row.notices.append(self._error(
                            row, "certificate_no",
                            f"系统中该企业已有高企证书{overlapping['certificate_no'] or '（无编号）'}"
                            f"（{overlapping['valid_from'].isoformat()}起），"
                            f"与证书{number}的有效期重叠，未新增；请核对"))
                    else:
                        made = {"enterprise_id": firm_id, **wanted, "authority": None,
                                "source": DesignationSource.import_, "created_at": now, "updated_at": now,
                                "updated_by_id": user_id}
                        held.setdefault(firm_id, []).append(made)
                        new_certificates.append(made)
                        added = True
            outcomes.append("created" if current != new_name else "updated" if added else "unchanged")
        if renamed:
            renamed.sort(key=lambda r: r["id"])  # in the order of the table's rows: fewer pages touched
            update_many(conn, table, renamed, ("name", "name_initials"), {"updated_at": now, "updated_by_id": user_id},
                        bump_version=True)
            audit.extend(_updated("enterprise", r["id"], r["id"], {"name": [r["before"], r["name"]]}) for r in renamed)
        insert_former_names(conn, new_formers, audit, self.ids)
        if new_certificates:
            insert_many(conn, DESIGNATION_TABLE, new_certificates, ids=self.ids)
            audit.extend(_created("designation", d["id"], d["enterprise_id"], d) for d in new_certificates)
        if audit:
            record_changes(audit, connection=conn)
        return outcomes


class RecordListWriter(ListWriter):
    """Lists whose rows each become one record of the firm (designations, platforms, talents,
    support): a row's record is found among the firm's by its natural key (:meth:`find`), and
    created, or given the row's values where the row has them."""

    table: ClassVar[Table]
    entity: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]  # the columns a row writes
    key_columns: ClassVar[tuple[str, ...]]  # of those, the natural key (names compared normalised)
    normalised: ClassVar[frozenset[str]] = frozenset()
    # Columns a new record gets besides the row's values.
    new_values: ClassVar[dict[str, Any]] = {}

    def written_values(self, row: ParsedRow) -> dict[str, Any]:
        record = row.record
        return {column: record.get(field) for column, field in self.sources().items()}

    @classmethod
    def sources(cls) -> dict[str, str]:
        """Column -> record field (the same name unless a kind says otherwise)."""
        return {column: column for column in cls.columns}

    def _natural(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(normalise_name(values[c]) if c in self.normalised else values[c] for c in self.key_columns)

    def key(self, row: ParsedRow) -> tuple[Any, ...]:
        found = row.record.get("_key")
        if found is None:  # asked for again in the stream and by find(): worked out once
            found = row.record["_key"] = (self.firm_of(row).id, *self._natural(self.written_values(row)))
        return found

    def existing(self, firm_ids: list[int], rows: list[ParsedRow]) -> Any:  # noqa: ANN401 - a select
        """The statement that reads the records the chunk's rows may be about."""
        return select(*(self.table.c[c] for c in ("id", "enterprise_id", *self.columns))).where(
            _among(self.connection, self.table.c.enterprise_id, firm_ids))

    def find(self, held: list[dict[str, Any]], row: ParsedRow, values: dict[str, Any]) -> dict[str, Any] | None:
        """The firm's record (among ``held``) a row is about, or None."""
        if not held:
            return None
        wanted = self.key(row)[1:]
        return next((record for record in held if self._natural(record) == wanted), None)

    def _apply(self, rows: list[ParsedRow]) -> list[str]:
        conn, now, user_id = self.connection, self.now, self.user_id
        table = self.table
        firm_ids = list({self.firm_of(row).id for row in rows})
        held: dict[int, list[dict[str, Any]]] = {}
        for found in _dicts(conn.execute(self.existing(firm_ids, rows)), ("id", "enterprise_id", *self.columns)):
            held.setdefault(found["enterprise_id"], []).append(found)
        outcomes, made, changed = [], [], []
        for row in rows:
            firm_id = self.firm_of(row).id
            values = self.written_values(row)
            records = held.setdefault(firm_id, [])
            current = self.find(records, row, values)
            if current is None:
                new = {"enterprise_id": firm_id, **values, **self.new_values, "created_at": now, "updated_at": now,
                       "updated_by_id": user_id}
                records.append(new)
                made.append(new)
                outcomes.append("created")
                continue
            # The row's values where it has one: an empty cell leaves the record's value alone.
            diff = {c: [current[c], v] for c, v in values.items() if v is not None and current[c] != v}
            if diff:
                current.update({c: v for c, (_old, v) in diff.items()})
                changed.append((current, diff))
            outcomes.append("updated" if diff else "unchanged")
        audit: list[dict[str, Any]] = []
        if made:
            insert_many(conn, table, made, ids=self.ids)
            audit.extend(_created(self.entity, r["id"], r["enterprise_id"], r) for r in made)
        if changed:
            update_many(conn, table, [r for r, _diff in changed], self.columns,
                        {"updated_at": now, "updated_by_id": user_id}, bump_version=True)
            audit.extend(_updated(self.entity, r["id"], r["enterprise_id"], diff) for r, diff in changed)
        if audit:
            record_changes(audit, connection=conn)
        return outcomes


class DesignationListWriter(RecordListWriter):
    """Designation lists: 高企 filing lists, 科技型中小企业 registrations, yearly lists. A row's
    designation is the firm's of that kind and number, else of that kind and start (as the
    figure import finds them)."""

    kind = "designations"
    record_words = "认定"
    table = DESIGNATION_TABLE
    entity = "designation"
    columns = ("kind", "valid_from", "valid_to", "certificate_no")
    new_values = {"authority": None, "source": DesignationSource.import_}

    def key(self, row: ParsedRow) -> tuple[Any, ...]:
        # A firm holds one designation of a kind a year: two rows of the same year that
        # disagree (another number, another date) are both rejected, not one silently kept.
        record = row.record
        return self.firm_of(row).id, record["kind"], record["valid_from"].year

    def existing(self, firm_ids: list[int], rows: list[ParsedRow]) -> Any:  # noqa: ANN401 - a select
        return super().existing(firm_ids, rows).where(
            DESIGNATION_TABLE.c.kind.in_(list({row.record["kind"] for row in rows})))

    def find(self, held: list[dict[str, Any]], row: ParsedRow, values: dict[str, Any]) -> dict[str, Any] | None:
        return _matching(held, values)


class PlatformListWriter(RecordListWriter):
    """Platform lists (依托单位, 平台名称, 类别, 级别, 认定时间, 有效期)."""

    kind = "platforms"
    record_words = "平台"
    table = Platform.__table__
    entity = "platform"
    columns = ("kind", "level", "name", "recognized_on", "valid_to")
    key_columns = ("kind", "name")
    normalised = frozenset({"name"})

    @classmethod
    def sources(cls) -> dict[str, str]:
        return {"kind": "kind", "level": "level", "name": "platform_name", "recognized_on": "recognized_on",
                "valid_to": "valid_to"}


class TalentListWriter(RecordListWriter):
    """Talent lists (团队名称 or 姓名, 带头人, 依托单位, 人才计划, 类别, 年度)."""

    kind = "talents"
    record_words = "人才（团队）"
    table = Talent.__table__
    entity = "talent"
    columns = ("category", "is_team", "name", "leader", "programme", "year", "high_end")
    key_columns = ("name", "programme", "year")
    normalised = frozenset({"name"})

    @classmethod
    def sources(cls) -> dict[str, str]:
        return {**{c: c for c in cls.columns}, "name": "talent_name"}


class SupportListWriter(RecordListWriter):
    """Support lists (企业名称, 项目类别, 资助类型, 金额（万元）, 拨付日期)."""

    kind = "support"
    record_words = "扶持记录（同一项目、同一拨付日期）"
    table = SupportRecord.__table__
    entity = "support_record"
    columns = ("kind", "programme", "amount", "granted_on")
    key_columns = ("kind", "programme", "granted_on")
    normalised = frozenset({"programme"})


LIST_WRITERS: dict[str, type[ListWriter]] = {
    "designations": DesignationListWriter,
    "renames": RenameListWriter,
    "platforms": PlatformListWriter,
    "talents": TalentListWriter,
    "support": SupportListWriter,
}


def writer_for(kind: str) -> Callable[..., BatchWriter]:
    """The writer class of a kind of sheet (figures included)."""
    if kind == "figures":
        from importers.writer import FigureWriter

        return FigureWriter
    return LIST_WRITERS[kind]

