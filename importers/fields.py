"""The canonical fields an imported row can carry, their Chinese labels and kinds.

Field names match the model columns (enterprise profile, annual report,
designations), so the writer can copy a parsed record without renaming.
The blank template and the error report use ``FIELD_LABELS`` for headers.
"""
from __future__ import annotations

from enum import Enum


class FieldKind(str, Enum):
    """How a cell of a field is parsed and validated."""

    USCC = "uscc"  # 统一社会信用代码, normalised and check-digit validated
    TEXT = "text"  # free text, stripped
    CODE = "code"  # certificate / registration numbers: upper case, no spaces
    DISTRICT = "district"  # a district name, resolved against the code's region
    DATE = "date"
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
    "rd_expense",
    "rd_expense_domestic",
    "hitech_revenue",
    "total_assets",
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
    "rd_expense": "研发费用",
    "rd_expense_domestic": "境内研发费用",
    "hitech_revenue": "高新技术产品（服务）收入",
    "total_assets": "资产总额",
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
    "rd_expense": FieldKind.MONEY,
    "rd_expense_domestic": FieldKind.MONEY,
    "hitech_revenue": FieldKind.MONEY,
    "total_assets": FieldKind.MONEY,
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
