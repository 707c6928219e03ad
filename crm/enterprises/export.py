"""The firm list as an .xlsx workbook (the current filter or a selection).

openpyxl's write-only mode streams rows, so exporting a whole city stays quick.
Text that a spreadsheet would read as a formula (=, +, -, @ first) is written as
a plain string cell, never as a formula.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from crm.enterprises.services import ListRow, rows_for
from crm.ladder import STAGE_LABELS
from crm.spreadsheet_cells import as_text_if_str

CHUNK = 1000

COLUMNS: tuple[tuple[str, str], ...] = (
    ("uscc", _l("统一社会信用代码")),
    ("name", _l("企业名称")),
    ("district", _l("所属区（市）")),
    ("town", _l("镇街/园区")),
    ("industry", _l("所属行业")),
    ("stage", _l("梯队阶段")),
    ("above_size", _l("规模以上")),
    ("year", _l("最近报表年度")),
    ("revenue", _l("营业收入（万元）")),
    ("rd_expense", _l("研发费用（万元）")),
    ("rd_ratio", _l("研发费用占比")),
    ("growth", _l("营业收入增长率")),
    ("employees", _l("职工总数（人）")),
    ("contact_person", _l("联系人")),
    ("contact_phone", _l("联系电话")),
)


def safe_cell(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:  # noqa: ANN401
    """A cell for `value`; text is always stored as text, whatever it starts with."""
    if isinstance(value, Decimal):
        value = float(value)
    return as_text_if_str(WriteOnlyCell(sheet, value=value))


def row_values(row: ListRow) -> list[Any]:
    e, f = row.enterprise, row.figures
    return [
        e.uscc, e.name, e.district.name if e.district else e.district_code, e.town or "",
        e.industry.name if e.industry_code and e.industry else (e.industry_code or ""),
        str(STAGE_LABELS[row.stage]), _("是") if e.above_size else _("否"), f.year, f.revenue, f.rd_expense,
        f.rd_ratio, f.growth, f.employees, e.contact_person or "", e.contact_phone or "",
    ]


def export_rows(ids: list[int], as_of: date) -> Iterator[ListRow]:
    from crm.extensions import db

    for start in range(0, len(ids), CHUNK):
        chunk = rows_for(ids[start:start + CHUNK], as_of)
        yield from chunk
        for row in chunk:  # keep memory flat over a city-wide export
            db.session.expunge(row.enterprise)


def write_workbook(rows: Iterable[ListRow], title: str = "企业名单") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([safe_cell(sheet, str(label)) for _name, label in COLUMNS])  # headers in the viewer's language
    for row in rows:
        cells = [safe_cell(sheet, value) for value in row_values(row)]
        for indexes, number_format in (((8, 9), "#,##0.00"), ((10, 11), "0.00%"), ((12,), "#,##0")):
            for index in indexes:  # 万元 with separators, ratios as percentages, head counts
                if cells[index].value is not None:
                    cells[index].number_format = number_format
        sheet.append(cells)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
