"""The canonical fields an imported row can carry, their Chinese labels and kinds, per
kind of sheet.

A county figure sheet (``figures``) and each kind of list a bureau receives
(``designations``, ``renames``, ``platforms``, ``talents``, ``support``) is a
:class:`FieldSet`: its fields, their labels (the headers of its blank template), how
each cell is read, the header spellings it knows (``aliases/<kind>.csv`` plus the
shared ``aliases/common.csv``) and the fields that name the firm. Header detection,
row parsing, the preview and the templates take a field set; nothing else differs
between kinds until a row is written.

Figure field names match the model columns (enterprise profile, annual report,
designations), so the writer can copy a parsed record without renaming.
"""
from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache, cached_property
from pathlib import Path
from typing import Any

ALIASES_DIR = Path(__file__).with_name("aliases")


class FieldKind(str, Enum):
    """How a cell of a field is parsed and validated."""

    USCC = "uscc"  # 统一社会信用代码, normalised and check-digit validated
    TEXT = "text"  # free text, stripped
    CODE = "code"  # certificate / registration numbers: upper case, no spaces
    DISTRICT = "district"  # a district name, resolved against the code's region
    DATE = "date"
    LIST_DATE = "list_date"  # a date in a published list: "2024年12月" and "2024年" are read too
    BOOL = "bool"
    YEAR = "year"
    MONEY = "money"  # 万元, never negative
    SIGNED_MONEY = "signed_money"  # 万元, may be negative (profit, net assets)
    COUNT = "count"  # people, IP items: non-negative integers
    IGNORED = "ignored"  # 序号, 备注: recognised so they are not "unknown", never imported


PROFILE_FIELDS: tuple[str, ...] = (
    "uscc",
    "name",
    "district",
    "town",
    "founded_on",
    "industry",
    "hitech_field",
    "above_size",
    "address",
    "contact_person",
    "contact_phone",
)

ANNUAL_FIELDS: tuple[str, ...] = (
    "year",
    "revenue",
    "total_revenue",
    "main_revenue",
    "rd_expense",
    "rd_expense_domestic",
    "hitech_revenue",
    "total_assets",
    "total_liabilities",
    "net_assets",
    "net_profit",
    "total_costs",
    "employees",
    "tech_staff",
    "rd_staff",
    "ip_class1",
    "ip_class2",
)

DESIGNATION_FIELDS: tuple[str, ...] = (
    "hitech_cert_no",
    "hitech_issued_on",
    "hitech_valid_to",
    "tech_sme_reg_no",
    "tech_sme_year",
)

IGNORED_FIELDS: tuple[str, ...] = ("seq", "remarks")

ALL_FIELDS: tuple[str, ...] = PROFILE_FIELDS + ANNUAL_FIELDS + DESIGNATION_FIELDS + IGNORED_FIELDS

# Fields every data row must resolve (year may come from the title or --year).
REQUIRED_FIELDS: tuple[str, ...] = ("uscc", "name", "year")

FIELD_LABELS: dict[str, str] = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "district": "所属区县",
    "town": "所在镇街（园区）",
    "founded_on": "成立日期",
    "industry": "所属行业",
    "hitech_field": "高新技术领域",
    "above_size": "是否规模以上企业",
    "address": "地址",
    "contact_person": "联系人",
    "contact_phone": "联系电话",
    "year": "年度",
    "revenue": "营业收入",
    "total_revenue": "总收入",
    "main_revenue": "主营业务收入",
    "rd_expense": "研发费用",
    "rd_expense_domestic": "境内研发费用",
    "hitech_revenue": "高新技术产品（服务）收入",
    "total_assets": "资产总额",
    "total_liabilities": "负债总额",
    "net_assets": "净资产",
    "net_profit": "净利润",
    "total_costs": "成本费用总额",
    "employees": "职工总数",
    "tech_staff": "科技人员数",
    "rd_staff": "研发人员数",
    "ip_class1": "Ⅰ类知识产权数",
    "ip_class2": "Ⅱ类知识产权数",
    "hitech_cert_no": "高新技术企业证书编号",
    "hitech_issued_on": "高企发证日期",
    "hitech_valid_to": "高企证书有效期至",
    "tech_sme_reg_no": "科技型中小企业入库编号",
    "tech_sme_year": "科技型中小企业入库年度",
    "seq": "序号",
    "remarks": "备注",
}

FIELD_KINDS: dict[str, FieldKind] = {
    "uscc": FieldKind.USCC,
    "name": FieldKind.TEXT,
    "district": FieldKind.DISTRICT,
    "town": FieldKind.TEXT,
    "founded_on": FieldKind.DATE,
    "industry": FieldKind.TEXT,
    "hitech_field": FieldKind.TEXT,
    "above_size": FieldKind.BOOL,
    "address": FieldKind.TEXT,
    "contact_person": FieldKind.TEXT,
    "contact_phone": FieldKind.TEXT,
    "year": FieldKind.YEAR,
    "revenue": FieldKind.MONEY,
    "total_revenue": FieldKind.MONEY,
    "main_revenue": FieldKind.MONEY,
    "rd_expense": FieldKind.MONEY,
    "rd_expense_domestic": FieldKind.MONEY,
    "hitech_revenue": FieldKind.MONEY,
    "total_assets": FieldKind.MONEY,
    "total_liabilities": FieldKind.MONEY,
    # A loss-making or insolvent firm legitimately reports negative figures here.
    "net_assets": FieldKind.SIGNED_MONEY,
    "net_profit": FieldKind.SIGNED_MONEY,
    "total_costs": FieldKind.MONEY,
    "employees": FieldKind.COUNT,
    "tech_staff": FieldKind.COUNT,
    "rd_staff": FieldKind.COUNT,
    "ip_class1": FieldKind.COUNT,
    "ip_class2": FieldKind.COUNT,
    "hitech_cert_no": FieldKind.CODE,
    "hitech_issued_on": FieldKind.DATE,
    "hitech_valid_to": FieldKind.DATE,
    "tech_sme_reg_no": FieldKind.CODE,
    "tech_sme_year": FieldKind.YEAR,
    "seq": FieldKind.IGNORED,
    "remarks": FieldKind.IGNORED,
}

MONEY_FIELDS: frozenset[str] = frozenset(
    f for f, k in FIELD_KINDS.items() if k in (FieldKind.MONEY, FieldKind.SIGNED_MONEY)
)
COUNT_FIELDS: frozenset[str] = frozenset(f for f, k in FIELD_KINDS.items() if k is FieldKind.COUNT)

# Template hints: the unit a blank template prints after each header.
FIELD_UNITS: dict[str, str] = {
    **{f: "万元" for f in MONEY_FIELDS},
    "employees": "人",
    "tech_staff": "人",
    "rd_staff": "人",
    "ip_class1": "件",
    "ip_class2": "件",
}

assert set(FIELD_LABELS) == set(ALL_FIELDS) == set(FIELD_KINDS), "field tables out of sync"


@dataclass(frozen=True, eq=False)
class FieldSet:
    """The columns one kind of sheet can carry, and how its header is recognised.

    ``identity``: the fields that name the firm; a header must map one of them.
    ``distinctive``: fields only this kind's sheets carry; the kind of a sheet given
    without one is the kind whose distinctive fields its header maps most of.
    ``text_columns``: the model column each stored text field goes to; its declared
    length is the field's limit (PostgreSQL refuses a longer value, SQLite would store it).
    """

    kind: str
    label: str
    labels: Mapping[str, str]
    kinds: Mapping[str, FieldKind]
    identity: tuple[str, ...]
    distinctive: frozenset[str]
    units: Mapping[str, str] = field(default_factory=dict)
    hints: Mapping[str, str] = field(default_factory=dict)
    text_columns: Mapping[str, tuple[Any, str]] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        assert set(self.labels) == set(self.kinds), f"{self.kind}: field tables out of sync"

    @property
    def names(self) -> tuple[str, ...]:
        """Every field, in template order."""
        return tuple(self.labels)

    @cached_property
    def money_fields(self) -> frozenset[str]:
        return frozenset(f for f, k in self.kinds.items() if k in (FieldKind.MONEY, FieldKind.SIGNED_MONEY))

    @cached_property
    def alias_table(self) -> dict[str, str]:
        """Normalised header key → field, from the alias files and the labels."""
        from importers.headers import normalize_header

        table: dict[str, str] = {}

        def add(alias: str, field_name: str, source: str) -> None:
            key, _unit = normalize_header(alias)
            if not key:
                return
            if table.get(key, field_name) != field_name:
                raise ValueError(f"{source}: {alias!r} maps to both {table[key]} and {field_name}")
            table[key] = field_name

        for path, shared in ((ALIASES_DIR / "common.csv", True), (ALIASES_DIR / f"{self.kind}.csv", False)):
            with path.open(encoding="utf-8", newline="") as handle:
                for line in csv.DictReader(handle):
                    if line["field"] not in self.kinds:
                        if shared:
                            continue  # a shared field this kind does not carry
                        raise ValueError(f"{path.name}: unknown field {line['field']!r}")
                    add(line["alias"], line["field"], path.name)
        for field_name, label in self.labels.items():
            add(label, field_name, "labels")
            add(field_name, field_name, "labels")  # headers exported by this system's own templates
        return table


def _figures() -> FieldSet:
    from crm.models import Designation, Enterprise

    text_columns = {
        "name": (Enterprise, "name"),
        "town": (Enterprise, "town"),
        "address": (Enterprise, "address"),
        "contact_person": (Enterprise, "contact_person"),
        "contact_phone": (Enterprise, "contact_phone"),
        "hitech_cert_no": (Designation, "certificate_no"),
        "tech_sme_reg_no": (Designation, "certificate_no"),
    }
    return FieldSet(
        "figures", "科技型企业统计表", FIELD_LABELS, FIELD_KINDS, identity=("uscc", "name"),
        distinctive=frozenset(ANNUAL_FIELDS[1:]) | frozenset(PROFILE_FIELDS[3:]),
        units=FIELD_UNITS, text_columns=text_columns, required=REQUIRED_FIELDS,
    )


# Fields every list carries: its row number, notes, and where the firm is.
_LIST_COMMON_LABELS = {"seq": "序号", "uscc": "统一社会信用代码", "city": "地市", "district": "所属区县", "remarks": "备注"}
_LIST_COMMON_KINDS = {"seq": FieldKind.IGNORED, "uscc": FieldKind.USCC, "city": FieldKind.TEXT,
                      "district": FieldKind.TEXT, "remarks": FieldKind.IGNORED}


def _list(kind: str, label: str, own: list[tuple[str, str, FieldKind]], *, identity: tuple[str, ...],
          distinctive: set[str], required: tuple[str, ...], text_columns: Mapping[str, tuple[Any, str]],
          units: Mapping[str, str] | None = None, hints: Mapping[str, str] | None = None) -> FieldSet:
    labels = {"seq": "序号", **{f: lab for f, lab, _k in own}}
    kinds = {"seq": FieldKind.IGNORED, **{f: k for f, _lab, k in own}}
    for name in ("uscc", "city", "district", "remarks"):
        labels[name], kinds[name] = _LIST_COMMON_LABELS[name], _LIST_COMMON_KINDS[name]
    return FieldSet(kind, label, labels, kinds, identity=identity, distinctive=frozenset(distinctive),
                    units=units or {}, hints=hints or {}, text_columns=text_columns, required=required)


def _designations() -> FieldSet:
    from crm.models import Designation, Enterprise

    return _list("designations", "资质认定名单", [
        ("name", "企业名称", FieldKind.TEXT),
        ("certificate_no", "证书编号", FieldKind.CODE),
        ("issued_on", "发证日期", FieldKind.LIST_DATE),
        ("valid_to", "有效期至", FieldKind.TEXT),
        ("year", "年度", FieldKind.YEAR),
        ("batch", "批次", FieldKind.TEXT),
        ("designation", "认定类型", FieldKind.TEXT),
    ], identity=("name", "uscc"), distinctive={"certificate_no", "issued_on", "batch", "designation"},
        required=("name",),
        text_columns={"name": (Enterprise, "name"), "certificate_no": (Designation, "certificate_no")},
        hints={"certificate_no": "高企证书编号（GR…）或科技型中小企业入库登记编号；其他名单可不填",
               "issued_on": "公告中的发证（认定）日期；全表相同时可不填，导入时填写",
               "valid_to": "可不填：高企为发证日期起3年，科技型中小企业至当年12月31日，其他按各类名单的有效年数",
               "designation": "全表为同一类名单时可不填，导入时选择或由标题识别"})


def _renames() -> FieldSet:
    from crm.models import Designation, Enterprise

    return _list("renames", "企业更名名单", [
        ("old_name", "原名称", FieldKind.TEXT),
        ("new_name", "现名称", FieldKind.TEXT),
        ("certificate_no", "证书编号", FieldKind.CODE),
        ("issued_on", "发证日期", FieldKind.LIST_DATE),
        ("renamed_on", "更名日期", FieldKind.LIST_DATE),
    ], identity=("old_name", "new_name", "uscc"), distinctive={"old_name", "new_name", "renamed_on"},
        required=("old_name", "new_name"),
        text_columns={"old_name": (Enterprise, "name"), "new_name": (Enterprise, "name"),
                      "certificate_no": (Designation, "certificate_no")})


def _platforms() -> FieldSet:
    from crm.models import Enterprise, Platform

    return _list("platforms", "科技创新平台名单", [
        ("name", "依托单位", FieldKind.TEXT),
        ("platform_name", "平台名称", FieldKind.TEXT),
        ("platform_kind", "类别", FieldKind.TEXT),
        ("level", "级别", FieldKind.TEXT),
        ("recognized_on", "认定时间", FieldKind.LIST_DATE),
        ("valid_to", "有效期", FieldKind.TEXT),
    ], identity=("name", "uscc"), distinctive={"platform_name", "platform_kind", "level", "recognized_on"},
        required=("name", "platform_name"),
        text_columns={"name": (Enterprise, "name"), "platform_name": (Platform, "name")},
        hints={"platform_kind": "工程技术研究中心、企业技术中心、重点实验室、新型研发机构、技术创新中心、"
                                "博士后科研工作站、院士工作站、科技企业孵化器、众创空间、星创天地、加速器",
               "level": "国家级、省级或市级",
               "valid_to": "有效期截止日期，或“3年”；可不填"})


def _talents() -> FieldSet:
    from crm.models import Enterprise, Talent

    return _list("talents", "人才团队名单", [
        ("talent_name", "团队名称", FieldKind.TEXT),
        ("leader", "带头人", FieldKind.TEXT),
        ("name", "依托单位", FieldKind.TEXT),
        ("programme", "人才计划", FieldKind.TEXT),
        ("category", "类别", FieldKind.TEXT),
        ("year", "年度", FieldKind.YEAR),
        ("high_end", "高端创新创业人才团队", FieldKind.BOOL),
    ], identity=("name", "uscc"), distinctive={"talent_name", "leader", "programme", "high_end"},
        required=("name", "talent_name"),
        text_columns={"name": (Enterprise, "name"), "talent_name": (Talent, "name"), "leader": (Talent, "leader")},
        hints={"talent_name": "团队名称，或个人人才的姓名",
               "programme": "珠江人才计划、国家“千人计划”、国家“万人计划”、侨都英才计划、湾区人才、院士工作站、其他",
               "category": "院士、博士、高层次人才、创新创业团队；可不填（团队为创新创业团队，个人为高层次人才）",
               "high_end": "是/否；可不填：属于上列人才计划（“其他”除外）的团队计为高端创新创业人才团队"})


def _support() -> FieldSet:
    from crm.models import Enterprise, SupportRecord

    return _list("support", "资金扶持名单", [
        ("name", "企业名称", FieldKind.TEXT),
        ("programme", "项目类别", FieldKind.TEXT),
        ("support_kind", "资助类型", FieldKind.TEXT),
        ("amount", "金额", FieldKind.MONEY),
        ("granted_on", "拨付日期", FieldKind.LIST_DATE),
        ("year", "年度", FieldKind.YEAR),
    ], identity=("name", "uscc"), distinctive={"programme", "support_kind", "amount", "granted_on"},
        required=("name", "programme", "amount"),
        text_columns={"name": (Enterprise, "name"), "programme": (SupportRecord, "programme")},
        units={"amount": "万元"},
        hints={"support_kind": "财政补助、科技信贷、股权投资或创新券；可不填（按财政补助）",
               "granted_on": "拨付日期；全表相同时可不填，导入时填写"})


KIND_CODES: tuple[str, ...] = ("figures", "designations", "renames", "platforms", "talents", "support")


@cache
def field_sets() -> dict[str, FieldSet]:
    """Every kind's field set, by kind code (CONTRACT.md's ``--kind``), figures first.
    Built on first use: the text limits come from the models."""
    sets = {s.kind: s for s in (_figures(), _designations(), _renames(), _platforms(), _talents(), _support())}
    assert tuple(sets) == KIND_CODES
    return sets


def field_set(kind: str) -> FieldSet:
    """The field set of ``kind``; KeyError for an unknown kind."""
    return field_sets()[kind]
