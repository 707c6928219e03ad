"""The error report: the rejected rows as the office sent them, failing cells in red.

A county office fixes the highlighted cells and sends the file back; the last
column lists every reason for the row in Chinese. Text cells stay text (a cell
starting with "=" is not turned into a formula).
"""
from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
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


class ErrorSource(Protocol):
    """Row errors a sheet at a time: the sheets that have any, and one sheet's in row order
    (dicts with ``row``, ``message``, optionally ``column`` and ``column_index``)."""

    def sheets(self) -> set[str]: ...

    def of_sheet(self, sheet: str) -> Iterable[Mapping[str, Any]]: ...


class ErrorList:
    """An :class:`ErrorSource` over errors held in memory (dicts that also carry ``sheet``)."""

    def __init__(self, errors: Iterable[Mapping[str, Any]]) -> None:
        self.by_sheet: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for error in errors:
            self.by_sheet[error["sheet"]].append(error)

    def sheets(self) -> set[str]:
        return set(self.by_sheet)

    def of_sheet(self, sheet: str) -> list[Mapping[str, Any]]:
        return sorted(self.by_sheet.get(sheet, ()), key=lambda e: int(e["row"]))


def error_report(source: bytes, filename: str, errors: ErrorSource | Iterable[Mapping[str, Any]],
                 fields: FieldSet | None = None, out: IO[bytes] | None = None) -> bytes | None:
    """An .xlsx with, per sheet that has errors, its header rows and each rejected row
    (original cells, failing cells filled red) plus a column of reasons.

    ``errors``: an :class:`ErrorSource` (a batch's, streamed from the database) or dicts with
    ``sheet``, ``row``, ``message`` and optionally ``column_index`` (0-based) and ``column``
    (the header text); ``fields`` is the kind of sheet the batch read (default: a county
    figure sheet), whose header is copied. The workbook is written row by row (openpyxl's
    write-only mode) into ``out`` when given (returns None), else returned as bytes: half a
    million rejected rows need neither the errors nor the output in memory at once.
    """
    found = errors if hasattr(errors, "of_sheet") else ErrorList(errors)  # type: ignore[arg-type]
    wanted_sheets = found.sheets()
    book = Workbook(write_only=True)
    for sheet in read_workbook(source, filename):
        if sheet.name not in wanted_sheets:
            continue
        _write_sheet(book.create_sheet(_sheet_title(sheet.name)), sheet, iter(found.of_sheet(sheet.name)), fields)
    if not book.sheetnames:
        book.create_sheet("无错误").append(["没有被拒绝的行"])
    if out is not None:
        book.save(out)
        return None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(out: Any, sheet: Any, problems: Iterator[Mapping[str, Any]],  # noqa: ANN401 - openpyxl's
                 fields: FieldSet | None) -> None:
    """The rejected rows of one sheet, read beside its errors (both in row order)."""
    head: list[Any] = []
    width = 0
    reason_col = None
    current = next(problems, None)
    for row in sheet.rows:
        width = max(width, len(row.cells))
        if len(head) < MAX_HEADER_SCAN:
            head.append(row)
        while current is not None and int(current["row"]) < row.number:
            current = next(problems, None)  # a row the file no longer has
        if current is None:
            break
        if int(current["row"]) != row.number:
            continue
        mine = []
        while current is not None and int(current["row"]) == row.number:
            mine.append(current)
            current = next(problems, None)
        if reason_col is None:
            reason_col = max(width, max((len(r.cells) for r in head), default=0)) + 1
            _write_header(out, sheet, head, fields, reason_col)
        red = {int(p["column_index"]) for p in mine if p.get("column_index") is not None}
        cells: list[Any] = []
        for index, value in enumerate(row.cells):
            value = _cell(value)
            if index in red or not index or (isinstance(value, str) and value[:1] == "="):
                cell = as_text_if_str(WriteOnlyCell(out, value))
                if index in red:
                    cell.fill = RED
                if not index:
                    cell.number_format = "General"
                cells.append(cell)
            else:
                cells.append(value)  # a plain value: openpyxl reads only "=…" text as a formula
        cells.extend([None] * (reason_col - 1 - len(cells)))
        reasons = [f"第{row.number}行 {p.get('column') or ''}：{p['message']}" for p in mine]
        cells.append(as_text_if_str(WriteOnlyCell(out, "；".join(reasons))))
        out.append(cells)


def _write_header(out: Any, sheet: Any, head: list[Any], fields: FieldSet | None,  # noqa: ANN401
                  reason_col: int) -> None:
    """The sheet's header rows in bold, the reasons' header at the end of the last one."""
    try:
        header_rows = detect_header(head, sheet.name, sheet.merged, fields).header_rows
    except HeaderNotFound:
        header_rows = ()
    rows = [[_bold(out, value) for value in source_row.cells] for source_row in head
            if source_row.number in header_rows] or [[]]
    last = rows[-1]
    last.extend([None] * (reason_col - 1 - len(last)))
    last.append(_bold(out, REASON_HEADER))
    for cells in rows:
        out.append(cells)


def _bold(out: Any, value: object) -> WriteOnlyCell:  # noqa: ANN401
    cell = as_text_if_str(WriteOnlyCell(out, _cell(value)))
    cell.font = BOLD
    return cell
