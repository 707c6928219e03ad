"""The error report: the rejected rows as the office sent them, failing cells in red.

A county office fixes the highlighted cells and sends the file back; the last
column lists every reason for the row in Chinese. Text cells stay text (a cell
starting with "=" is not turned into a formula).
"""
from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from crm.spreadsheet_cells import as_text_if_str
from importers.fields import FieldSet
from importers.headers import MAX_HEADER_SCAN, HeaderNotFound, detect_header
from importers.readers import FormulaError, read_workbook

RED = PatternFill(start_color="FFFF9999", end_color="FFFF9999", fill_type="solid")
BOLD = Font(bold=True)
REASON_HEADER = "错误原因"
_ILLEGAL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"}
# Characters Excel refuses in a sheet name. A CSV's sheet is named after the file, and a
# file saved twice by a browser is "开平2023[1].csv".
_TITLE_ILLEGAL = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def _sheet_title(name: str) -> str:
    """``name`` as a valid sheet name: no []:*?/\\, not quoted, at most 31 characters."""
    return name.translate(_TITLE_ILLEGAL).strip("'")[:31] or "Sheet"


def _cell(value: object) -> object:
    if isinstance(value, FormulaError):
        return str(value)  # as the office saw it: "#DIV/0!"
    if isinstance(value, str) and any(c in _ILLEGAL for c in value):
        return "".join(c for c in value if c not in _ILLEGAL)
    return value


def error_report(source: bytes, filename: str, errors: Iterable[Mapping[str, Any]],
                 fields: FieldSet | None = None) -> bytes:
    """An .xlsx with, per sheet that has errors, its header rows and each rejected row
    (original cells, failing cells filled red) plus a column of reasons.

    ``errors`` are dicts with ``sheet``, ``row``, ``message`` and optionally
    ``column_index`` (0-based) and ``column`` (the header text); ``fields`` is the kind of
    sheet the batch read (default: a county figure sheet), whose header is copied.
    """
    by_sheet: dict[str, dict[int, list[Mapping[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for error in errors:
        by_sheet[error["sheet"]][int(error["row"])].append(error)
    book = Workbook()
    book.remove(book.active)
    for sheet in read_workbook(source, filename):
        wanted = by_sheet.get(sheet.name)
        if not wanted:
            continue
        out = book.create_sheet(_sheet_title(sheet.name))
        head, header_rows, width = [], (), 0
        last = max(wanted)
        reason_col = None
        written = 0
        for row in sheet.rows:
            width = max(width, len(row.cells))
            if len(head) < MAX_HEADER_SCAN:
                head.append(row)
            if row.number in wanted:
                if reason_col is None:
                    try:
                        header_rows = detect_header(head, sheet.name, sheet.merged, fields).header_rows
                    except HeaderNotFound:
                        header_rows = ()
                    for source_row in head:
                        if source_row.number in header_rows:
                            written += 1
                            for index, value in enumerate(source_row.cells):
                                as_text_if_str(out.cell(written, index + 1, _cell(value))).font = BOLD
                    reason_col = max(width, max((len(r.cells) for r in head), default=0)) + 1
                    out.cell(max(written, 1), reason_col, REASON_HEADER).font = BOLD
                    if not written:
                        written = 1
                written += 1
                problems = wanted[row.number]
                for index, value in enumerate(row.cells):
                    as_text_if_str(out.cell(written, index + 1, _cell(value)))
                for problem in problems:
                    index = problem.get("column_index")
                    if index is not None:
                        out.cell(written, int(index) + 1).fill = RED
                out.cell(written, 1).number_format = "General"
                reasons = [f"第{row.number}行 {p.get('column', '')}：{p['message']}" for p in problems]
                as_text_if_str(out.cell(written, reason_col, "；".join(reasons)))
            if row.number >= last:
                break
    if not book.sheetnames:
        book.create_sheet("无错误").cell(1, 1, "没有被拒绝的行")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
