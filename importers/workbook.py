"""The whole file at once: sheets, header layouts and parsed rows, without a database.

The DB writer, the preview page and the CLI consume :func:`parse_workbook`;
it streams, so a 100,000-row file is never held in memory as records.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import chain

from importers.headers import MAX_HEADER_SCAN, HeaderLayout, HeaderNotFound, apply_mapping_override, detect_header
from importers.readers import SheetRows, SourceRow, read_workbook
from importers.rows import ParsedRow, RowParser, SkippedRow


@dataclass
class SheetResult:
    """Announces a sheet before its rows: its layout, or why it is not imported."""

    name: str
    layout: HeaderLayout | None
    message: str | None = None  # Chinese; set when the sheet is skipped (no header, empty)
    hidden: bool = False


def parse_workbook(
    source: str | os.PathLike[str] | bytes,
    filename: str | None = None,
    default_year: int | None = None,
    mapping_override: Mapping[int | str, str | None] | None = None,
    *,
    default_district: str | None = None,
    today: dt.date | None = None,
) -> Iterator[SheetResult | ParsedRow | SkippedRow]:
    """Read, map and validate every sheet of a spreadsheet.

    Yields, per sheet, a :class:`SheetResult` followed by one :class:`ParsedRow`
    or :class:`SkippedRow` for each row below the header, in sheet order.
    Rows above the header (title, notes) are not data and are not yielded.
    ``mapping_override`` (the user's corrections, see
    :func:`importers.headers.apply_mapping_override`) applies to every sheet;
    ``default_year`` is ``--year``; ``default_district`` fills the district of
    firms whose code names none (e.g. registered by the city). Raises
    :class:`importers.readers.WorkbookError` before yielding anything if the
    file cannot be read.
    """
    sheets = read_workbook(source, filename)  # eager: a bad file raises before anything is yielded
    return _parse_sheets(sheets, default_year, mapping_override, default_district, today)


def _parse_sheets(
    sheets: Iterator[SheetRows],
    default_year: int | None,
    mapping_override: Mapping[int | str, str | None] | None,
    default_district: str | None,
    today: dt.date | None,
) -> Iterator[SheetResult | ParsedRow | SkippedRow]:
    for sheet in sheets:
        rows = sheet.rows
        head: list[SourceRow] = []
        for row in rows:
            head.append(row)
            if len(head) >= MAX_HEADER_SCAN:
                break
        if not head:
            yield SheetResult(sheet.name, None, "空工作表", sheet.hidden)
            continue
        try:
            layout = detect_header(head, sheet.name, sheet.merged)
        except HeaderNotFound as error:
            yield SheetResult(sheet.name, None, f"{error}，已跳过此工作表", sheet.hidden)
            continue
        layout = apply_mapping_override(layout, mapping_override)
        yield SheetResult(sheet.name, layout, None, sheet.hidden)
        parser = RowParser(layout, default_year, default_district, today)
        first = layout.first_data_row
        for row in chain(head, rows):
            if row.number >= first:
                yield parser.parse(row)
