"""Blank templates: the county figure sheet an office fills in, and one per kind of list laid
out as the published lists are (their column names), with units, hints and data validation."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from crm.districts import DISTRICTS
from crm.models.enterprise import HITECH_FIELD_LABELS
from importers.fields import ALL_FIELDS, FIELD_KINDS, FieldKind, FieldSet, field_set
from importers.lists import PROGRAMME_NAMES

TEMPLATE_ROWS = 2000  # rows that carry the data validation
HEADER_FILL = PatternFill(start_color="FFDDEBF7", end_color="FFDDEBF7", fill_type="solid")
TEMPLATE_FIELDS = tuple(f for f in ALL_FIELDS if FIELD_KINDS[f] is not FieldKind.IGNORED)

HINTS: dict[FieldKind, str] = {
    FieldKind.USCC: "18位统一社会信用代码，请将本列设为文本格式",
    FieldKind.DATE: "日期，如 2019-05-12",
    FieldKind.LIST_DATE: "日期，如 2024-12-11；只知月份或年份时可填“2024年12月”“2024年”",
    FieldKind.YEAR: "四位年份，如 2023",
    FieldKind.MONEY: "金额，单位万元，不能为负数",
    FieldKind.SIGNED_MONEY: "金额，单位万元，亏损填负数",
    FieldKind.COUNT: "整数，不能为负数",
    FieldKind.BOOL: "填“是”或“否”",
    FieldKind.DISTRICT: "从下拉列表选择；留空时按信用代码登记地确定",
}
FIELD_HINTS = {
    "name": "企业全称（必填）",
    "industry": "国民经济行业分类代码（如 C39）或名称",
    "hitech_field": "八大领域之一：" + "、".join(HITECH_FIELD_LABELS.values()),
    "hitech_valid_to": "可不填：默认发证日期起3年",
    "tech_sme_reg_no": "科技型中小企业入库登记编号",
}


# Choices a list's text column takes, offered as a drop-down (other spellings are read too).
LIST_CHOICES: dict[tuple[str, str], str] = {
    ("platforms", "platform_kind"): "工程技术研究中心,企业技术中心,重点实验室,新型研发机构,技术创新中心,博士后科研工作站,"
                                    "院士工作站,科技企业孵化器,众创空间,星创天地,加速器",
    ("platforms", "level"): "国家级,省级,市级",
    ("talents", "programme"): PROGRAMME_NAMES.replace("、", ",").replace("或", ","),
    ("talents", "category"): "院士,博士,高层次人才,创新创业团队",
    ("support", "support_kind"): "财政补助,科技信贷,股权投资,创新券",
    ("designations", "designation"): "高新技术企业,科技型中小企业,创新型中小企业,专精特新中小企业,专精特新“小巨人”,"
                                     "瞪羚企业,金种子企业,雏鹰企业,高企培育库",
}


def header_text(field_name: str, fields: FieldSet | None = None) -> str:
    fields = fields or field_set("figures")
    unit = fields.units.get(field_name)
    return f"{fields.labels[field_name]}（{unit}）" if unit else fields.labels[field_name]


def blank_template(year: int | None = None, kind: str = "figures") -> bytes:
    """The template of a kind of sheet as .xlsx bytes; the header row is row 1, data from row 2."""
    fields = field_set(kind)
    book = Workbook()
    sheet = book.active
    sheet.title = (f"{year}年度" if year else "导入模板") if kind == "figures" else fields.label
    last = TEMPLATE_ROWS + 1
    validations: dict[str, DataValidation] = {
        "count": DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                error="请填写不小于0的整数", errorTitle="数据无效"),
        "money": DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                error="请填写不小于0的金额（万元）", errorTitle="数据无效"),
        "signed": DataValidation(type="decimal", allow_blank=True, operator="between",
                                 formula1="-999999999", formula2="999999999", error="请填写金额（万元）"),
        "date": DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                               error="请填写日期，如 2019-05-12", errorTitle="数据无效"),
        "year": DataValidation(type="whole", operator="between", formula1="2000", formula2="2100",
                               allow_blank=True, error="请填写四位年份"),
        "district": DataValidation(type="list", formula1='"' + ",".join(DISTRICTS.values()) + '"',
                                   allow_blank=True, error="请从列表中选择区县"),
        "bool": DataValidation(type="list", formula1='"是,否"', allow_blank=True),
        "field": DataValidation(type="list", formula1='"' + ",".join(HITECH_FIELD_LABELS.values()) + '"',
                                allow_blank=True),
    }
    kinds = {
        FieldKind.COUNT: "count", FieldKind.MONEY: "money", FieldKind.SIGNED_MONEY: "signed",
        FieldKind.DATE: "date", FieldKind.YEAR: "year", FieldKind.DISTRICT: "district", FieldKind.BOOL: "bool",
    }
    template_fields = TEMPLATE_FIELDS if kind == "figures" else tuple(
        f for f in fields.names if fields.kinds[f] is not FieldKind.IGNORED
    )
    for index, field_name in enumerate(template_fields, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(1, index, header_text(field_name, fields))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        field_kind = fields.kinds[field_name]
        hint = (FIELD_HINTS.get(field_name) if kind == "figures" else fields.hints.get(field_name)) \
            or HINTS.get(field_kind)
        if hint:
            cell.comment = Comment(hint, "科技局")
        rule = "field" if kind == "figures" and field_name == "hitech_field" else kinds.get(field_kind)
        if rule:
            validations[rule].add(f"{letter}2:{letter}{last}")
        choices = LIST_CHOICES.get((kind, field_name))
        if choices:
            listed = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True, showErrorMessage=False)
            listed.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(listed)
        if field_kind in (FieldKind.USCC, FieldKind.CODE) or field_name == "contact_phone":
            for row in range(2, last + 1):
                sheet.cell(row, index).number_format = "@"  # codes stay text, never 9.14E+17
        if field_kind in (FieldKind.DATE, FieldKind.LIST_DATE):
            for row in range(2, last + 1):
                sheet.cell(row, index).number_format = "yyyy-mm-dd"
        sheet.column_dimensions[letter].width = max(12, len(cell.value) * 2)
    for validation in validations.values():
        if validation.sqref:
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "C2" if kind == "figures" else "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
