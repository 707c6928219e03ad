"""Rolling an import batch back from its audit trail.

Every change a batch made is in ``audit_log`` with its ``batch_id``: creates
(rolled back by deleting the record) and updates (rolled back by restoring each
field's value from before the batch). A rollback is refused, changing nothing,
when a later change not made by this batch (a person, a job, another batch that
is still imported) touched one of those records, or added anything to a firm
the batch created; the refusal says which firm, which field, who and when.
The rollback's own changes are audited with the same batch id.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, or_, select, update
from sqlalchemy.types import Date, DateTime, Enum, Numeric

from crm.audit import record_changes
from crm.clock import local_time
from crm.models import (
    AnnualReport, AuditLog, Designation, Enterprise, FormerName, ImportBatch, Platform, SupportRecord, Talent,
)
from crm.models.audit import AuditAction
from crm.models.enterprise import name_initials
from crm.models.import_batch import BatchStatus

from importers.fields import FIELD_LABELS

TABLES: dict[str, Table] = {
    "enterprise": Enterprise.__table__,
    "annual_report": AnnualReport.__table__,
    "designation": Designation.__table__,
    "former_name": FormerName.__table__,
    "platform": Platform.__table__,
    "talent": Talent.__table__,
    "support_record": SupportRecord.__table__,
}
# Children before parents, so foreign keys hold while deleting.
DELETE_ORDER = ("former_name", "support_record", "talent", "platform", "designation", "annual_report", "enterprise")
assert set(DELETE_ORDER) == set(TABLES)
ENTITY_LABELS = {"enterprise": "企业信息", "annual_report": "年度数据", "designation": "资质认定",
                 "former_name": "曾用名", "platform": "研发机构与载体", "talent": "人才团队", "support_record": "扶持记录"}
COLUMN_LABELS = {**FIELD_LABELS, "district_code": "所属区县", "industry_code": "所属行业",
                 "status": "状态", "valid_from": "有效期起", "valid_to": "有效期至", "certificate_no": "证书编号",
                 "verified_at": "核实时间", "verified_by_id": "核实人", "submitted_at": "提交时间",
                 "draft_input": "草稿中的填报内容", "kind": "类别", "level": "级别", "recognized_on": "认定时间",
                 "programme": "项目", "amount": "金额", "granted_on": "拨付日期", "category": "人才类别",
                 "is_team": "是否团队", "leader": "带头人", "year": "年度", "high_end": "高端创新创业人才团队",
                 "until": "使用至"}
# Where a column means something else in a record than in the figure sheet.
ENTITY_COLUMN_LABELS = {("platform", "name"): "平台名称", ("talent", "name"): "团队名称（姓名）",
                        ("former_name", "name"): "曾用名", ("talent", "programme"): "人才计划",
                        ("support_record", "programme"): "项目类别"}
MAX_CONFLICTS_SHOWN = 20
_CHUNK = 500


@dataclass(frozen=True)
class Conflict:
    """A later change to a record the batch wrote."""

    uscc: str
    name: str
    what: str  # entity and fields, in Chinese
    actor: str
    at: dt.datetime

    def message(self) -> str:
        # ``at`` is stored in UTC; people read Jiangmen time, as on every page.
        return f"{self.name}（{self.uscc}）的{self.what}已于 {local_time(self.at):%Y-%m-%d %H:%M} 被 {self.actor} 修改"


class RollbackRefused(Exception):
    """The batch cannot be rolled back; ``conflicts`` say why (nothing was changed)."""

    def __init__(self, message: str, conflicts: list[Conflict] | None = None) -> None:
        super().__init__(message)
        self.conflicts = conflicts or []


def _chunks(items: list[Any], size: int = _CHUNK) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def find_conflicts(connection: Connection, batch_id: int) -> list[Conflict]:
    """Later changes by others to what ``batch_id`` wrote (empty when it can be rolled back)."""
    entries = connection.execute(
        select(AuditLog.id, AuditLog.entity, AuditLog.entity_id, AuditLog.action)
        .where(AuditLog.batch_id == batch_id)
        .order_by(AuditLog.id)
    ).all()
    if not entries:
        return []
    first_id = entries[0].id
    touched = {(e.entity, e.entity_id) for e in entries}
    created_firms = {e.entity_id for e in entries if e.entity == "enterprise" and e.action is AuditAction.create}
    rolled_back = set(
        connection.execute(select(ImportBatch.id).where(ImportBatch.status == BatchStatus.rolled_back)).scalars()
    )
    later = []
    by_entity: dict[str, list[int]] = defaultdict(list)
    for entity, entity_id in touched:
        by_entity[entity].append(entity_id)
    conditions = [
        and_(AuditLog.entity == entity, AuditLog.entity_id.in_(ids))
        for entity, all_ids in by_entity.items()
        for ids in _chunks(all_ids)
    ] + [AuditLog.enterprise_id.in_(ids) for ids in _chunks(list(created_firms))]
    for condition in conditions:
        later.extend(connection.execute(
            select(AuditLog.entity, AuditLog.entity_id, AuditLog.enterprise_id, AuditLog.changes,
                   AuditLog.actor, AuditLog.at, AuditLog.batch_id)
            .where(AuditLog.id > first_id, or_(AuditLog.batch_id.is_(None), AuditLog.batch_id != batch_id), condition)
            .order_by(AuditLog.id)
        ).all())
    later = [e for e in later if e.batch_id is None or e.batch_id not in rolled_back]
    if not later:
        return []
    firm_ids = {e.enterprise_id for e in later if e.enterprise_id}
    firms = {}
    for ids in _chunks(list(firm_ids)):
        firms.update({
            row.id: (row.uscc, row.name)
            for row in connection.execute(select(Enterprise.id, Enterprise.uscc, Enterprise.name).where(Enterprise.id.in_(ids)))
        })
    conflicts = []
    seen = set()
    for entry in later:
        if (entry.entity, entry.entity_id, entry.at) in seen:
            continue
        seen.add((entry.entity, entry.entity_id, entry.at))
        uscc, name = firms.get(entry.enterprise_id, ("", "（已删除的企业）"))
        fields = "、".join(ENTITY_COLUMN_LABELS.get((entry.entity, k)) or COLUMN_LABELS.get(k, k)
                          for k in (entry.changes or {}) if k != "id")
        what = ENTITY_LABELS.get(entry.entity, entry.entity)
        if fields:
            what += f"「{fields}」"
        # Another batch's changes carry the batch's actor name ("import"): name the batch.
        actor = f"导入批次 #{entry.batch_id}" if entry.batch_id else entry.actor
        conflicts.append(Conflict(uscc, name, what, actor, entry.at))
    return conflicts


def _python_value(table: Table, column: str, value: Any) -> Any:
    """The column value for an audited (JSON-plain) value."""
    if value is None:
        return None
    kind = table.c[column].type
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, Numeric):
        return Decimal(str(value))
    return value


def rollback_changes(connection: Connection, batch_id: int) -> dict[str, int]:
    """Undo every change of ``batch_id`` (the caller checked conflicts and owns the
    transaction and the audit attribution). Returns {"deleted": n, "restored": n,
    "enterprise_ids": firms whose records were restored}."""
    entries = connection.execute(
        select(AuditLog.entity, AuditLog.entity_id, AuditLog.enterprise_id, AuditLog.action, AuditLog.changes)
        .where(AuditLog.batch_id == batch_id)
        .order_by(AuditLog.id)
    ).all()
    created: dict[str, dict[int, Any]] = defaultdict(dict)
    before: dict[tuple[str, int], dict[str, Any]] = {}
    owners: dict[tuple[str, int], int | None] = {}
    for entry in entries:
        if entry.entity not in TABLES:
            continue
        key = (entry.entity, entry.entity_id)
        owners[key] = entry.enterprise_id
        if entry.action is AuditAction.create:
            created[entry.entity][entry.entity_id] = entry
        elif entry.action is AuditAction.update:
            fields = before.setdefault(key, {})
            for column, (old, _new) in (entry.changes or {}).items():
                fields.setdefault(column, old)  # the oldest entry holds the value from before the batch
    audit: list[dict[str, Any]] = []
    restored = 0
    groups: dict[tuple[str, frozenset[str]], list[dict[str, Any]]] = defaultdict(list)
    for (entity, entity_id), fields in before.items():
        if entity_id in created[entity] or not fields:
            continue
        table = TABLES[entity]
        current = connection.execute(
            select(*(table.c[c] for c in fields)).where(table.c.id == entity_id)
        ).mappings().first()
        if current is None:
            continue
        values = {c: _python_value(table, c, v) for c, v in fields.items()}
        audit.append({"entity": entity, "entity_id": entity_id, "enterprise_id": owners[(entity, entity_id)],
                      "action": AuditAction.update, "changes": {c: [current[c], values[c]] for c in values}})
        if entity == "enterprise" and "name" in values:
            values["name_initials"] = name_initials(values["name"])  # the search box's, not audited
        groups[(entity, frozenset(values))].append({"b_id": entity_id, **values})
        restored += 1
    for (entity, columns), params in groups.items():
        table = TABLES[entity]
        extra = {"version_id": table.c.version_id + 1} if "version_id" in table.c else {}
        connection.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(
                **{c: bindparam(c) for c in columns}, **extra
            ),
            params,
        )
    deleted = 0
    for entity in DELETE_ORDER:
        ids = list(created[entity])
        for part in _chunks(ids):
            connection.execute(delete(TABLES[entity]).where(TABLES[entity].c.id.in_(part)))
        for entity_id in ids:
            entry = created[entity][entity_id]
            audit.append({"entity": entity, "entity_id": entity_id, "enterprise_id": entry.enterprise_id,
                          "action": AuditAction.delete,
                          "changes": {c: [new, None] for c, (_old, new) in (entry.changes or {}).items()}})
        deleted += len(ids)
    record_changes(audit, connection=connection)
    surviving = {owners[key] for key in before if key[1] not in created[key[0]] and owners[key]}
    return {"deleted": deleted, "restored": restored, "enterprise_ids": surviving - set(created["enterprise"])}
