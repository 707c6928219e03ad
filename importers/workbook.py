"""The whole file at once: sheets, header layouts and parsed rows, without a database.

The DB writers, the preview page and the CLI consume :func:`parse_workbook`;
it streams, so a 100,000-row file is never held in memory as records, and an
import reads the file once.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from importers.fields import field_set
from importers.headers import (
    MAX_HEADER_SCAN,
    HeaderLayout,
    HeaderNotFound,
    KindUnclear,
    apply_mapping_override,
    detect_header,
    detect_kind,
)
from importers.lists import ListOptions, SheetContext, SheetRefused, sheet_context
from importers.readers import SheetRows, SourceRow, Workbook, WorkbookError, read_workbook
from importers.rows import ParsedRow, RowParser, SkippedRow


@dataclass
class SheetResult:
    """Announces a sheet before its rows: its layout, or why it is not imported."""

    name: str
    layout: HeaderLayout | None
    message: str | None = None  # Chinese; set when the sheet is skipped (no header, empty)
    hidden: bool = False
    context: SheetContext | None = None  # a list sheet's sheet step (designation kind, dates)

    @property
    def kind(self) -> str | None:
        """What the sheet was read as ("figures", "designations", ...), None when skipped."""
        return self.layout.field_set.kind if self.layout is not None else None


def parse_workbook(
    source: str | os.PathLike[str] | bytes | Workbook,
    filename: str | None = None,
    default_year: int | None = None,
    mapping_override: Mapping[int | str, str | None] | None = None,
    *,
    default_district: str | None = None,
    today: dt.date | None = None,
    kind: str | None = "figures",
    options: ListOptions | None = None,
) -> Iterator[SheetResult | ParsedRow | SkippedRow]:
    """Read, map and validate every sheet of a spreadsheet.

    Yields, per sheet, a :class:`SheetResult` followed by one :class:`ParsedRow`
    or :class:`SkippedRow` for each row below the header, in sheet order.
    Rows above the header (title, notes) are not data and are not yielded.
    ``kind`` is what the file is (CONTRACT.md's ``--kind``: a county figure sheet by
    default); None finds it from the first sheet with a header (:func:`detect_kind`) and
    reads the other sheets as the same kind. ``options`` are a list's (designation kind,
    the announcement's date). ``mapping_override`` (the user's corrections, see
    :func:`importers.headers.apply_mapping_override`) applies to every sheet;
    ``default_year`` is ``--year``; ``default_district`` fills the district of
    firms whose code names none (e.g. registered by the city). Raises
    :class:`importers.readers.WorkbookError` before yielding anything if the
    file cannot be read, and while reading if a list sheet cannot be imported as
    the list it is (its designation kind cannot be told). ``source`` may be a
    :class:`importers.readers.Workbook` already opened (then read again from its first row).
    """
    if kind is not None:
        field_set(kind)  # an unknown kind raises KeyError before anything is read
    sheets = _sheets_of(source, filename)  # eager: a bad file raises before anything is yielded
    return _parse_sheets(sheets, default_year, mapping_override, default_district, today, kind,
                         options or ListOptions())


def _parse_sheets(
    sheets: Iterator[SheetRows],
    default_year: int | None,
    mapping_override: Mapping[int | str, str | None] | None,
    default_district: str | None,
    today: dt.date | None,
    kind: str | None,
    options: ListOptions,
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
            if kind is None:
                layout = detect_kind(head, sheet.name, sheet.merged)
                kind = layout.field_set.kind  # the other sheets are read as the same kind
            else:
                layout = detect_header(head, sheet.name, sheet.merged, field_set(kind))
        except HeaderNotFound as error:
            yield SheetResult(sheet.name, None, f"{error}，已跳过此工作表", sheet.hidden)
            continue
        except KindUnclear as unclear:
            raise WorkbookError(f"工作表「{sheet.name}」：{unclear}") from None
        layout = apply_mapping_override(layout, mapping_override)
        first = layout.first_data_row
        context = None
        if layout.field_set.kind != "figures":
            try:
                context = sheet_context(layout, options, sheet.name,
                                        [row.cells for row in head if row.number >= first])
            except SheetRefused as refused:
                raise WorkbookError(f"工作表「{sheet.name}」：{refused}") from None
        parser = RowParser(layout, default_year, default_district, today, context)
        yield SheetResult(sheet.name, layout, None, sheet.hidden, context)
        for row in head:
            if row.number >= first:
                yield parser.parse(row)
        for row in rows:
            yield parser.parse(row)


def _sheets_of(source: str | os.PathLike[str] | bytes | Workbook, filename: str | None) -> Iterator[SheetRows]:
    return source.sheets() if isinstance(source, Workbook) else read_workbook(source, filename)
