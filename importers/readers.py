"""Readers: every sheet of a workbook as rows numbered the way a person sees them.

``.xlsx``/``.xlsm``/``.xls``/``.ods`` are read with python-calamine (fast, and it
returns the cached value of a formula cell — what Excel or WPS last showed — so
formulas import as their values without being evaluated). ``.csv`` is decoded
as UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what Excel and
WPS in China save by default).

Everything that makes a file unreadable raises :class:`WorkbookError` with a
message for people (Chinese) before any row is produced, so callers can refuse
an upload without writing anything.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import python_calamine

MAX_FILE_BYTES = 50 * 1024 * 1024
# Zip-bomb guards for .xlsx/.ods (zip containers): total uncompressed size, and a
# compression ratio that real spreadsheets never reach at a size that matters.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_FROM_BYTES = 10 * 1024 * 1024

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# Excel and WPS save a password-protected .xlsx as an OLE container holding this stream
# (its directory entry name is UTF-16); a legacy .xls is an OLE container without it.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_CSV_DELIMITERS = ",\t;"
# A formula cell saved without its result (<v/> or no <v> at all): files written by
# programs that do not calculate. Excel, WPS and LibreOffice always save the result.
_UNCACHED_FORMULA_RE = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>)?</c>')
# A cell whose value is an error (#DIV/0!, #N/A, #REF!…), the cached result of a formula or
# typed: python-calamine reads it as an empty cell, which would silently import as "not reported".
_ERROR_CELL_RE = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*?\bt="e"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?<v>([^<]*)</v>')
_SCAN_CHUNK = 1 << 20

MergedRange = tuple[tuple[int, int], tuple[int, int]]
Cell = object
# Error cells of one sheet: {(1-based row, 0-based column): "#DIV/0!"}.
ErrorCells = dict[tuple[int, int], str]


@dataclass(frozen=True, slots=True)
class FormulaError:
    """A cell holding a formula's error value as Excel or WPS showed it ("#DIV/0!").

    Readers put it where python-calamine would give an empty cell; the row parser
    rejects it, so a failed formula is never imported as "not reported"."""

    code: str

    def __str__(self) -> str:
        return self.code


class WorkbookError(Exception):
    """A file that cannot be imported at all; ``str(error)`` is a Chinese message."""


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row as read: sheet name, the 1-based row number shown in Excel, the cells.

    ``cells[i]`` is column i (A = 0) as in the sheet, so indexes match column letters.
    """

    sheet: str
    number: int
    cells: tuple[Cell, ...]


@dataclass
class SheetRows:
    """One sheet: its name, its merged ranges (None when the format has none) and rows."""

    name: str
    rows: Iterator[SourceRow]
    merged: list[MergedRange] | None = None
    hidden: bool = False


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _read_source(source: str | os.PathLike[str] | bytes, max_bytes: int) -> bytes:
    """The file's bytes, after the size checks (the size limit bounds memory)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        try:
            size = os.path.getsize(source)
        except OSError:
            raise WorkbookError("找不到文件或无法读取") from None
        if size > max_bytes:
            raise WorkbookError(f"文件过大（{_mb(size)}），上限为 {_mb(max_bytes)}")
        with open(source, "rb") as handle:
            data = handle.read()
    if not data:
        raise WorkbookError("文件为空")
    if len(data) > max_bytes:
        raise WorkbookError(f"文件过大（{_mb(len(data))}），上限为 {_mb(max_bytes)}")
    return data


@dataclass(frozen=True)
class Workbook:
    """A spreadsheet opened and checked once (:func:`open_workbook`). :meth:`sheets`
    reads it from its first row each time it is called, without opening the file
    again: an import goes over the file twice (duplicates first, then the rows)."""

    _sheets: Callable[[], Iterator[SheetRows]]

    def sheets(self) -> Iterator[SheetRows]:
        """Every sheet, rows produced lazily."""
        return self._sheets()


def read_workbook(
    source: str | os.PathLike[str] | bytes,
    filename: str | None = None,
    *,
    max_bytes: int = MAX_FILE_BYTES,
) -> Iterator[SheetRows]:
    """Open a spreadsheet and return an iterator over its sheets.

    ``source`` is a path or the file's bytes; ``filename`` (the uploaded name)
    gives the extension when ``source`` is bytes. The container is checked here,
    eagerly — type, size, encryption, zip bomb, corruption, emptiness — and any
    problem raises :class:`WorkbookError`. Rows are then produced lazily.
    """
    return open_workbook(source, filename, max_bytes=max_bytes).sheets()


def open_workbook(
    source: str | os.PathLike[str] | bytes,
    filename: str | None = None,
    *,
    max_bytes: int = MAX_FILE_BYTES,
) -> Workbook:
    """Open and check a spreadsheet as :func:`read_workbook` does, for reading more than once."""
    name = filename or (os.fspath(source) if not isinstance(source, (bytes, bytearray, memoryview)) else "")
    ext = Path(str(name)).suffix.lower()
    if ext not in SPREADSHEET_EXTENSIONS:
        shown = ext or "（无扩展名）"
        raise WorkbookError(f"不支持的文件类型：{shown}，请上传 .xlsx、.xls、.ods 或 .csv 文件")
    data = _read_source(source, max_bytes)

    # The content decides the format: a renamed file is read for what it is.
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise WorkbookError("文件已加密（设置了打开密码），请取消密码后另存为 .xlsx 再导入")
        return _read_calamine(data)  # .xls, also when renamed to .xlsx
    if data.startswith(_ZIP_MAGIC):
        return _read_calamine(data, _check_zip(data))
    if ext != ".csv":
        head = data[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
            raise WorkbookError("该文件实际是网页/XML格式而非Excel表格，请用Excel或WPS打开后另存为 .xlsx 再导入")
        raise WorkbookError("文件不是有效的Excel表格（内容无法识别，可能已损坏或扩展名不对）")
    return _read_csv(data, Path(str(name)).stem or "CSV")


def _check_zip(data: bytes) -> dict[str, ErrorCells]:
    """Refuse corrupt zips, zips that are not spreadsheets, and zip bombs; returns the
    error-valued formula cells by sheet name (python-calamine reads them as empty)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkbookError("文件已损坏，无法打开（压缩结构不完整）") from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names and "content.xml" not in names:
        if any(n.startswith("word/") for n in names) or any(n.startswith("ppt/") for n in names):
            raise WorkbookError("文件是Word或PowerPoint文档，不是Excel表格")
        raise WorkbookError("文件不是有效的Excel表格（压缩包中没有工作簿）")
    uncompressed = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos) or 1
    if uncompressed > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookError(f"文件解压后过大（{_mb(uncompressed)}），上限为 {_mb(MAX_UNCOMPRESSED_BYTES)}")
    if uncompressed > RATIO_CHECK_FROM_BYTES and uncompressed / compressed > MAX_COMPRESSION_RATIO:
        raise WorkbookError("文件压缩比异常（疑似压缩炸弹），已拒绝导入")
    cell, errors = _scan_formulas(data, [i for i in infos if i.filename.startswith("xl/worksheets/")])
    if cell:
        # Its value would read as an empty cell, silently "not reported": refuse instead.
        raise WorkbookError(f"单元格 {cell} 等处的公式没有保存计算结果（文件可能由程序生成），"
                            "请用 Excel 或 WPS 打开后保存，再导入")
    return _by_sheet_name(data, errors) if errors else {}


def uncached_formula_cell(data: bytes, sheets: list[zipfile.ZipInfo]) -> str | None:
    """The first formula cell saved without a cached value, e.g. "E2", or None."""
    return _scan_formulas(data, sheets)[0]


def _scan_formulas(data: bytes, sheets: list[zipfile.ZipInfo]) -> tuple[str | None, dict[str, ErrorCells]]:
    """One pass over the sheets' XML: the first formula cell saved without a cached value
    (or None), and the cells whose cached value is an error, by sheet file.

    Streams each sheet's XML (bounded by the zip-bomb limits above); cells are
    matched whole, so a chunk is cut after its last complete ``</c>``."""
    errors: dict[str, ErrorCells] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in sheets:
            if not info.filename.endswith(".xml"):
                continue
            carry = b""
            with archive.open(info) as stream:
                while chunk := stream.read(_SCAN_CHUNK):
                    buffer = carry + chunk
                    cut = buffer.rfind(b"</c>") + 4
                    done, carry = (buffer[:cut], buffer[cut:]) if cut >= 4 else (b"", buffer[-_SCAN_CHUNK:])
                    if b"<f" in done:
                        match = _UNCACHED_FORMULA_RE.search(done)
                        if match:
                            return match.group(1).decode(), errors
                    # An error value with or without a formula: "#N/A" typed in Excel is one too.
                    if b't="e"' in done:
                        cells = errors.setdefault(info.filename, {})
                        for letters, row, code in _ERROR_CELL_RE.findall(done):
                            cells[(int(row), _column_index(letters.decode()))] = code.decode() or "#ERROR"
    return None, {path: cells for path, cells in errors.items() if cells}


def _by_sheet_name(data: bytes, by_path: dict[str, ErrorCells]) -> dict[str, ErrorCells]:
    """``by_path`` keyed by sheet name, through ``xl/workbook.xml`` and its relationships."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            paths = _sheet_paths(archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, zipfile.BadZipFile, ValueError, SyntaxError):
        return {}
    return {name: by_path[path] for name, path in paths.items() if path in by_path}


def _calamine_error(error: Exception) -> WorkbookError:
    if isinstance(error, python_calamine.PasswordError):
        return WorkbookError("文件已加密（设置了打开密码），请取消密码后再导入")
    return WorkbookError(f"文件已损坏或格式不正确，无法读取（{type(error).__name__}）")


def _sheet_paths(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """{sheet name: zip path of its XML} from the workbook part and its relationships."""
    from xml.etree import ElementTree

    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    targets = {}
    for rel in ElementTree.fromstring(rels_xml):
        target = rel.get("Target") or ""
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    paths = {}
    for element in ElementTree.fromstring(workbook_xml).iter():
        if element.tag.endswith("}sheet") and element.get(rel_ns) in targets:
            paths[element.get("name") or ""] = targets[element.get(rel_ns)]
    return paths


def _column_index(letters: str) -> int:
    """0-based index of Excel column letters ("A" → 0, "AA" → 26)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _read_calamine(data: bytes, error_cells: dict[str, ErrorCells] | None = None) -> Workbook:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue  # chart and macro sheets hold no rows
            sheet = workbook.get_sheet_by_name(meta.name)
            sheets.append((sheet, meta.visible != python_calamine.SheetVisibleEnum.Visible))
    except Exception as error:  # calamine raises several unrelated types for bad files
        raise _calamine_error(error) from None
    if not any(sheet.start is not None for sheet, _hidden in sheets):
        raise WorkbookError("文件中没有任何数据")
    errors = error_cells or {}
    return Workbook(lambda: iter([
        SheetRows(sheet.name, _with_errors(_calamine_rows(sheet), errors.get(sheet.name)), sheet.merged_cell_ranges,
                  hidden)
        for sheet, hidden in sheets
    ]))


def _with_errors(rows: Iterator[SourceRow], errors: ErrorCells | None) -> Iterator[SourceRow]:
    """``rows`` with each error-valued formula cell as a :class:`FormulaError`."""
    return _put_errors(rows, errors) if errors else rows


def _put_errors(rows: Iterator[SourceRow], errors: ErrorCells) -> Iterator[SourceRow]:
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (number, column), code in errors.items():
        by_row.setdefault(number, []).append((column, code))
    for row in rows:
        found = by_row.get(row.number)
        if found is None:
            yield row
            continue
        cells = list(row.cells)
        for column, code in found:
            if column >= len(cells):
                cells.extend([""] * (column + 1 - len(cells)))
            cells[column] = FormulaError(code)
        yield SourceRow(row.sheet, row.number, tuple(cells))


def _calamine_rows(sheet: python_calamine.CalamineSheet) -> Iterator[SourceRow]:
    """Rows of a calamine sheet with their Excel row numbers.

    python-calamine trims empty leading columns (the first cell is the sheet's
    ``start`` column) and, in 0.9, yields rows from row 1 even when the data
    starts lower, while older versions started at ``start``. Both are handled
    by looking at the first row: leading empty rows exist only in the first case.
    """
    if sheet.start is None:
        return
    (start_row, start_col), (_end_row, _end_col) = sheet.start, sheet.end
    name = sheet.name
    try:
        rows = sheet.iter_rows()
        first = next(rows, None)
        if first is None:
            return
        number = 1 if start_row > 0 and not any(c != "" for c in first) else start_row + 1
        pad: tuple[Cell, ...] = ("",) * start_col
        yield SourceRow(name, number, pad + tuple(first))
        if pad:
            for number, cells in enumerate(rows, number + 1):
                yield SourceRow(name, number, pad + tuple(cells))
        else:
            for number, cells in enumerate(rows, number + 1):
                yield SourceRow(name, number, tuple(cells))
    except Exception as error:
        raise _calamine_error(error) from None


def decode_csv(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (BOM or not) first, else GB18030 (covers GBK and GB2312)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")  # "Unicode text" saved by Excel
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise WorkbookError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV 文件") from None


def _read_csv(data: bytes, sheet_name: str) -> Workbook:
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise WorkbookError("文件不是有效的CSV文本文件")
    text = decode_csv(data)
    if not text.strip(" \t\r\n,;"):
        raise WorkbookError("文件中没有任何数据")
    # The separator used most in the first lines; csv.Sniffer is easily fooled by titles.
    sample = text[:8192]
    delimiter = max(_CSV_DELIMITERS, key=sample.count)
    return Workbook(lambda: iter([SheetRows(sheet_name, _csv_rows(text, delimiter, sheet_name), None)]))


def _csv_rows(text: str, delimiter: str, sheet_name: str) -> Iterator[SourceRow]:
    """One row per CSV record; a quoted line break stays inside its cell, as in Excel."""
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, 1):
            yield SourceRow(sheet_name, number, tuple(cells))
    except csv.Error as error:
        raise WorkbookError(f"CSV文件格式错误：{error}") from None
