"""Building small workbooks in memory for the importer tests."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence

import openpyxl


def xlsx_bytes(
    rows: Sequence[Sequence[object]],
    *,
    title: str = "Sheet1",
    start_row: int = 1,
    start_col: int = 1,
    merges: Sequence[str] = (),
    extra_sheets: dict[str, Sequence[Sequence[object]]] | None = None,
) -> bytes:
    """An .xlsx with ``rows`` written from (start_row, start_col); "" and None stay empty."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    _fill(sheet, rows, start_row, start_col)
    for rng in merges:
        sheet.merge_cells(rng)
    for name, more in (extra_sheets or {}).items():
        _fill(book.create_sheet(name), more, 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill(sheet, rows: Sequence[Sequence[object]], start_row: int, start_col: int) -> None:  # type: ignore[no-untyped-def]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None and value != "":
                sheet.cell(start_row + r, start_col + c, value)


def _rewrite_sheets(data: bytes, rewrite: Callable[[bytes], bytes]) -> bytes:
    """The .xlsx ``data`` with each worksheet's XML passed through ``rewrite``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                content = rewrite(content)
            target.writestr(info, content)
    return out.getvalue()


def with_cached_formula_values(data: bytes, cached: str) -> bytes:
    """Give openpyxl's formula cells a cached value, as Excel would have saved it."""
    return _rewrite_sheets(data, lambda xml: xml.replace(b"<v />", f"<v>{cached}</v>".encode()))


def csv_bytes(rows: Sequence[Sequence[object]], encoding: str) -> bytes:
    """A CSV as Excel/WPS would save it in ``encoding`` (dates as ISO text)."""
    import csv
    import datetime as dt

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in row])
    return buffer.getvalue().encode(encoding)


def with_formula_errors(data: bytes, errors: dict[str, str]) -> bytes:
    """Turn openpyxl's formula cells (saved without a result) at ``errors``' references into
    cells whose cached result is that error value, as Excel saves "=1/0" ("#DIV/0!")."""
    import re

    def rewrite(xml: bytes) -> bytes:
        for ref, code in errors.items():
            xml = re.sub(
                rf'<c r="{ref}"([^>]*)><f>([^<]*)</f><v ?/></c>'.encode(),
                rf'<c r="{ref}"\1 t="e"><f>\2</f><v>{code}</v></c>'.encode(),
                xml,
            )
        return xml

    return _rewrite_sheets(data, rewrite)


def ods_bytes(rows: Sequence[Sequence[object]], sheet: str = "Sheet1") -> bytes:
    """A minimal OpenDocument spreadsheet (as LibreOffice or WPS save .ods): one sheet of
    string and number cells."""
    from xml.sax.saxutils import escape

    def cell(value: object) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()
