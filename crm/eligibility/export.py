"""Candidate lists as .xlsx: one row per flagged firm, with the deciding figures and reasons.

Text a spreadsheet would read as a formula (=, +, -, @ first) is written as a
plain string cell, never as a formula.
"""
from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from crm.eligibility.display import deciding_figures, flag_basis, innovation_estimate
from crm.ladder import STAGE_LABELS
from crm.models import Enterprise, Flag
from crm.models.flag import HANDLED_STATUS_LABELS
from crm.spreadsheet_cells import as_text_if_str
from crm.rules_catalogue import RULE_LABELS

HEADERS = ("统一社会信用代码", "企业名称", "所属区（市）", "梯队阶段", "规则", "列入日期", "依据年度", "关键指标", "原因",
           "处理状态", "处理说明")
# High-tech candidates carry the innovation-capability estimate (information only) in a last column.
ESTIMATE_HEADER = "创新能力估算（仅供参考）"


def _cell(sheet: Any, value: Any) -> WriteOnlyCell:
    return as_text_if_str(WriteOnlyCell(sheet, value=value))  # never a formula


def candidates_workbook(rows: Iterable[tuple[Flag, Enterprise, str]], rule: str) -> bytes:
    """The workbook for (flag, enterprise, stage) rows of one rule."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(RULE_LABELS.get(rule, rule))[:31])
    with_estimate = rule == "hitech_candidate"
    sheet.append([_cell(sheet, h) for h in (*HEADERS, *((ESTIMATE_HEADER,) if with_estimate else ()))])
    for flag, firm, stage in rows:
        figures = "；".join(f"{label} {text}" for label, text, _passed in deciding_figures(flag))
        values = [
            firm.uscc, firm.name, firm.district.name if firm.district else firm.district_code,
            str(STAGE_LABELS.get(stage, stage)), str(RULE_LABELS.get(flag.rule, flag.rule)), flag.raised_on.isoformat(),
            flag_basis(flag), figures, "\n".join(flag.reasons or []),
            str(HANDLED_STATUS_LABELS[flag.handled_status]) if flag.handled_status else "未处理",
            flag.handled_note or "",
        ]
        if with_estimate:
            values.append("\n".join(innovation_estimate(flag)))
        sheet.append([_cell(sheet, v) for v in values])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
