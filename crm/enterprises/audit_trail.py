"""The audit trail as the firm page shows it: field names and coded values in words.

The log stores column names and plain values (`crm.audit.plain`); a person reads
"营业收入（万元）：3000 → 3210.5", "规模以上企业：否 → 是", "方式：走访".
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.districts import DISTRICTS
from crm.formatting import ymd
from crm.enterprises import forms as f
from crm.ladder import DESIGNATION_LABELS
from crm.models import AuditLog, User
from crm.models.annual_report import REPORT_STATUS_LABELS
from crm.models.contact import CONTACT_KIND_LABELS
from crm.models.declaration import IP_GRADE_LABELS, PRODUCT_FIELD_LABELS
from crm.models.designation import DesignationSource
from crm.models.enterprise import HITECH_FIELD_NAMES
from crm.models.flag import HANDLED_STATUS_LABELS
from crm.models.platform import PLATFORM_KIND_LABELS, PLATFORM_LEVEL_LABELS
from crm.models.support import HONOUR_KIND_LABELS, SUPPORT_KIND_LABELS
from crm.models.talent import TALENT_CATEGORY_LABELS, TALENT_PROGRAMME_LABELS
from crm.models.user import ROLE_LABELS
from crm.rules_catalogue import RULE_LABELS

# Keys, and figures derived from other columns, that tell a reader nothing.
HIDDEN = frozenset(
    {"id", "enterprise_id", "name_initials", "latest_year", "latest_revenue", "latest_rd_ratio", "revenue_growth",
     "last_login_at"}
)

ENTITY_FORMS: dict[str, type] = {
    "enterprise": f.ProfileForm,
    "designation": f.DesignationForm,
    "annual_report": f.AnnualReportForm,
    "platform": f.PlatformForm,
    "talent": f.TalentForm,
    "support_record": f.SupportRecordForm,
    "honour": f.HonourForm,
    "contact_note": f.ContactNoteForm,
    "fact_declaration": f.FactDeclarationForm,
}

EXTRA_LABELS: dict[str, dict[str, Any]] = {
    "enterprise": {
        "uscc": _l("统一社会信用代码"), "district_overridden": _l("人工指定所属区（市）"),
        "assigned_officer_id": _l("负责科员"),
    },
    "designation": {"source": _l("来源")},
    "annual_report": {
        "status": _l("状态"), "submitted_at": _l("提交时间"), "verified_at": _l("核实时间"),
        "verified_by_id": _l("核实人"), "return_reason": _l("退回原因"),
    },
    "contact_note": {"officer_id": _l("记录人")},
    "fact_declaration": {
        "status": _l("状态"), "submitted_at": _l("提交时间"), "verified_at": _l("核实时间"),
        "verified_by_id": _l("核实人"), "return_reason": _l("退回原因"),
    },
    "former_name": {"name": _l("曾用名"), "until": _l("使用至")},
    "talent": {"leader": _l("带头人")},
    # The firm's own portal accounts are recorded against the firm.
    "user": {
        "username": _l("用户名"), "display_name": _l("姓名"), "email": _l("电子邮箱"), "role": _l("角色"),
        "active": _l("启用"), "district_code": _l("所属区（市）"), "locale": _l("界面语言"),
    },
    "flag": {
        "rule": _l("培育提示"), "raised_on": _l("列入日期"), "cleared_on": _l("移出日期"), "reasons": _l("原因"),
        "handled_status": _l("处理状态"), "handled_note": _l("处理说明"), "handled_by_id": _l("处理人"),
        "handled_at": _l("处理时间"),
    },
}

SOURCE_LABELS = {
    DesignationSource.import_.value: _l("导入"), DesignationSource.officer.value: _l("科员录入"),
    DesignationSource.rule.value: _l("规则"), DesignationSource.enterprise.value: _l("企业填报"),
    DesignationSource.demo.value: _l("演示数据"),
}


def _by_value(labels: Mapping[Enum, Any]) -> dict[str, Any]:
    return {key.value: label for key, label in labels.items()}


# (entity, column) -> labels of coded values; ("*", column) for every entity.
VALUE_LABELS: dict[tuple[str, str], dict[str, Any]] = {
    ("designation", "kind"): _by_value(DESIGNATION_LABELS),
    ("designation", "source"): SOURCE_LABELS,
    ("annual_report", "status"): _by_value(REPORT_STATUS_LABELS),
    ("platform", "kind"): _by_value(PLATFORM_KIND_LABELS),
    ("platform", "level"): _by_value(PLATFORM_LEVEL_LABELS),
    ("talent", "category"): _by_value(TALENT_CATEGORY_LABELS),
    ("talent", "programme"): _by_value(TALENT_PROGRAMME_LABELS),
    ("support_record", "kind"): _by_value(SUPPORT_KIND_LABELS),
    ("honour", "kind"): _by_value(HONOUR_KIND_LABELS),
    ("contact_note", "kind"): _by_value(CONTACT_KIND_LABELS),
    ("fact_declaration", "status"): _by_value(REPORT_STATUS_LABELS),
    ("fact_declaration", "product_field"): _by_value(PRODUCT_FIELD_LABELS),
    ("fact_declaration", "ip_grade"): _by_value(IP_GRADE_LABELS),
    ("enterprise", "hitech_field"): _by_value(HITECH_FIELD_NAMES),
    ("enterprise", "district_code"): dict(DISTRICTS),
    ("flag", "rule"): RULE_LABELS,
    ("flag", "handled_status"): _by_value(HANDLED_STATUS_LABELS),
    ("user", "role"): _by_value(ROLE_LABELS),
}
_ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
USER_COLUMNS = frozenset({"assigned_officer_id", "verified_by_id", "officer_id", "handled_by_id"})



def field_labels(entity: str) -> dict[str, Any]:
    """Column -> label for one audited entity: its editing form's labels, then the columns no form edits."""
    labels: dict[str, Any] = {}
    form_class = ENTITY_FORMS.get(entity)
    if form_class is not None:
        form = form_class(formdata=None, meta={"csrf": False})
        labels = {name: field.label.text for name, field in form._fields.items() if name != "version_id"}
    return {**labels, **EXTRA_LABELS.get(entity, {})}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _shown(entity: str, column: str, value: Any, users: Mapping[int, str]) -> str:  # noqa: ANN401
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):  # a flag's reasons
        return "；".join(str(item) for item in value)
    if column in USER_COLUMNS and isinstance(value, int):
        return users.get(value, f"#{value}")
    labels = VALUE_LABELS.get((entity, column))
    if labels is not None and str(value) in labels:
        return str(labels[str(value)])
    if isinstance(value, str) and _ISO_TIMESTAMP.match(value):
        # Timestamps are logged as naive UTC ISO text; show them as the page shows times.
        return ymd(datetime.fromisoformat(value))
    return str(value)


def shown_entries(entries: list[AuditLog]) -> list[AuditLog]:
    """The entries a reader of the firm page cares about: not updates that only touched hidden columns
    (a portal user's login stamp)."""
    return [
        e for e in entries
        if e.action.value != "update" or any(c not in HIDDEN for c in (e.changes or {}))
    ]


# Who acted when no person did, or a person acted through a process (an import).
ACTOR_LABELS: dict[str, Any] = {
    "system": _l("系统"),
    "cli": _l("命令行"),
    "import": _l("数据导入"),
    "import:rollback": _l("撤销导入"),
    "job:eligibility": _l("培育对象评估（定时任务）"),
    "job:expiry_reminder": _l("高企证书到期提醒（定时任务）"),
    "job:report_reminder": _l("年报截止提醒（定时任务）"),
}


def _user_labels(user_ids: set[int]) -> dict[int, str]:
    from sqlalchemy import select

    from crm.extensions import db

    if not user_ids:
        return {}
    return {u.id: u.label for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}


def actor_labels(entries: list[AuditLog]) -> dict[int, str]:
    """Per audit entry id, who acted as a person reads it: the user's name, or the process in
    words ("数据导入（张三）", "培育对象评估（定时任务）"), never a code such as "job:eligibility"."""
    users = _user_labels({e.user_id for e in entries if e.user_id is not None})
    labels: dict[int, str] = {}
    for entry in entries:
        person = users.get(entry.user_id) if entry.user_id is not None else None
        process = ACTOR_LABELS.get(entry.actor)
        if process is None and entry.actor.startswith("job:"):
            process = _("定时任务")
        if process is not None:
            labels[entry.id] = f"{process}（{person}）" if person else str(process)
        else:
            labels[entry.id] = person or entry.actor
    return labels


def _record_name(entity: str, values: Mapping[str, Any]) -> str:
    """Which of the firm's records an entry is about, from its (plain) values."""

    def shown(column: str) -> str:
        value = values.get(column)
        return "" if value is None or value == "" else _shown(entity, column, value, {})

    if entity == "annual_report" and values.get("year") is not None:
        return _("%(year)s 年度", year=values["year"])
    if entity == "designation" and values.get("kind"):
        start = shown("valid_from")
        return _("%(kind)s（%(start)s 起）", kind=shown("kind"), start=start) if start else shown("kind")
    if entity == "support_record":
        return "，".join(part for part in (shown("programme"), shown("granted_on")) if part)
    if entity == "honour":
        return "，".join(part for part in (shown("title"), shown("year")) if part)
    if entity == "contact_note":
        return " ".join(part for part in (shown("happened_on"), shown("kind")) if part)
    if entity == "flag":
        return shown("rule")
    if entity == "fact_declaration" and values.get("declared_on"):
        return _("截至 %(day)s", day=shown("declared_on"))
    if entity == "user":
        return shown("display_name") or shown("username")
    if entity in ("platform", "talent", "former_name"):
        return shown("name")
    return ""


def record_names(entries: list[AuditLog]) -> dict[int, str]:
    """Per audit entry id, the record it changed in a few words ("2025 年度", "高新技术企业（2024-12-01 起）"),
    so "修改 年度报表" says which report. The record as it stands now; a deleted one as it was last logged."""
    from sqlalchemy import inspect, select

    from crm.audit import plain
    from crm.extensions import db
    from crm.models import (
        AnnualReport, ContactNote, Designation, FactDeclaration, Flag, FormerName, Honour, Platform, SupportRecord,
        Talent,
    )

    models: dict[str, type] = {
        "annual_report": AnnualReport, "designation": Designation, "platform": Platform, "talent": Talent,
        "support_record": SupportRecord, "honour": Honour, "contact_note": ContactNote, "flag": Flag, "user": User,
        "former_name": FormerName, "fact_declaration": FactDeclaration,
    }
    # Last known values per record: the trail read oldest first, so later entries win. A record
    # created after a deletion is another record, even where the database reused the id (SQLite).
    lives: dict[tuple[str, int], list[dict[str, Any]]] = {}
    closed: set[tuple[str, int]] = set()
    life_of: dict[int, dict[str, Any]] = {}
    firm_of: dict[tuple[str, int], int | None] = {}
    for entry in sorted(entries, key=lambda e: (e.at, e.id)):
        key = (entry.entity, entry.entity_id)
        firm_of[key] = entry.enterprise_id
        if key not in lives or entry.action.value == "create" or key in closed:
            lives.setdefault(key, []).append({})
            closed.discard(key)
        values = life_of[entry.id] = lives[key][-1]
        for column, (before, after) in (entry.changes or {}).items():
            values[column] = before if entry.action.value == "delete" else after
        if entry.action.value == "delete":
            closed.add(key)
    for entity, model in models.items():
        ids = {entity_id for name, entity_id in lives if name == entity and (name, entity_id) not in closed}
        if not ids:
            continue
        columns = [attr.key for attr in inspect(model).column_attrs]
        for record in db.session.scalars(select(model).where(model.id.in_(ids))):
            if getattr(record, "enterprise_id", None) != firm_of[(entity, record.id)]:
                continue  # the id now names another firm's record
            lives[(entity, record.id)][-1].update({key: plain(getattr(record, key)) for key in columns})
    return {entry.id: _record_name(entry.entity, life_of[entry.id]) for entry in entries}


def readable_changes(entries: list[AuditLog]) -> dict[int, list[Change]]:
    """Per audit entry id, its changes with labels and values in words, in the form's field order."""
    user_ids = {
        value
        for entry in entries
        for column, pair in (entry.changes or {}).items() if column in USER_COLUMNS
        for value in pair if isinstance(value, int)
    }
    users = _user_labels(user_ids)
    result: dict[int, list[Change]] = {}
    for entry in entries:
        labels = field_labels(entry.entity)
        order = {name: n for n, name in enumerate(labels)}
        columns = sorted(
            (c for c in (entry.changes or {}) if c not in HIDDEN), key=lambda c: (order.get(c, len(order)), c)
        )
        result[entry.id] = [
            Change(
                str(labels.get(column, column)),
                _shown(entry.entity, column, entry.changes[column][0], users),
                _shown(entry.entity, column, entry.changes[column][1], users),
            )
            for column in columns
        ]
    return result

