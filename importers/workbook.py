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
from importers.readers import SheetRows, SourceRow, Workbook, read_workbook
from importers.rows import ParsedRow, RowParser, SkippedRow


@dataclass
class SheetResult:
    """Announces a sheet before its rows: its layout, or why it is not imported."""

    name: str
    layout: HeaderLayout | None
    message: str | None = None  # Chinese; set when the sheet is skipped (no header, empty)
    hidden: bool = False


def parse_workbook(
    source: str | os.PathLike[str] | bytes | Workbook,
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
    file cannot be read. ``source`` may be a :class:`importers.readers.Workbook` already
    opened (then read again from its first row).
    """
    sheets = _sheets_of(source, filename)  # eager: a bad file raises before anything is yielded
    return _parse_sheets(sheets, default_year, mapping_override, default_district, today)


def _parse_sheets(
    sheets: Iterator[SheetRows],
    default_year: int | None,
    mapping_override: Mapping[int | str, str | None] | None,
    default_district: str | None,
    today: dt.date | None,
) -> Iterator[SheetResult | ParsedRow | SkippedRow]:
    for result, parser, rows in _sheet_parsers(sheets, default_year, mapping_override, default_district, today):
        yield result
        if parser is not None:
            for row in rows:
                yield parser.parse(row)


def _sheet_parsers(
    sheets: Iterator[SheetRows],
    default_year: int | None,
    mapping_override: Mapping[int | str, str | None] | None,
    default_district: str | None,
    today: dt.date | None,
) -> Iterator[tuple[SheetResult, RowParser | None, Iterator[SourceRow]]]:
    """Per sheet: its result, the parser for its layout (None when skipped) and its rows
    from the first data row on (consume them before the next sheet)."""
    for sheet in sheets:
        rows = sheet.rows
        head: list[SourceRow] = []
        for row in rows:
            head.append(row)
            if len(head) >= MAX_HEADER_SCAN:
                break
        if not head:
            yield SheetResult(sheet.name, None, "空工作表", sheet.hidden), None, iter(())
            continue
        try:
            layout = detect_header(head, sheet.name, sheet.merged)
        except HeaderNotFound as error:
            yield SheetResult(sheet.name, None, f"{error}，已跳过此工作表", sheet.hidden), None, iter(())
            continue
        layout = apply_mapping_override(layout, mapping_override)
        parser = RowParser(layout, default_year, default_district, today)
        first = layout.first_data_row
        data_rows = (row for row in chain(head, rows) if row.number >= first)
        yield SheetResult(sheet.name, layout, None, sheet.hidden), parser, data_rows


@dataclass(frozen=True)
class Duplicates:
    """Firm-years that more than one data row of a file is about, by ``hash((uscc, year))``.

    ``repeated``: every such firm-year; ``conflicting``: those whose rows' mapped cells
    differ (rows that may disagree, to be compared once parsed). A firm-year repeated
    with identical cells is not conflicting. Hashes keep this small (two sets of ints for
    a 100,000-row file); a collision only makes the writer compare rows it need not.
    """

    repeated: frozenset[int]
    conflicting: frozenset[int]


def _sheets_of(source: str | os.PathLike[str] | bytes | Workbook, filename: str | None) -> Iterator[SheetRows]:
    return source.sheets() if isinstance(source, Workbook) else read_workbook(source, filename)


def find_duplicates(
    source: str | os.PathLike[str] | bytes | Workbook,
    filename: str | None = None,
    default_year: int | None = None,
    mapping_override: Mapping[int | str, str | None] | None = None,
    *,
    default_district: str | None = None,
    today: dt.date | None = None,
) -> Duplicates:
    """A first pass over the file (same arguments as :func:`parse_workbook`) that reads
    only each data row's code and year and hashes its mapped cells, so the writer knows
    before writing anything which firm-years occur twice and whether their rows differ.
    Memory: one int per firm-year while it runs."""
    first: dict[int, int | None] = {}
    repeated: set[int] = set()
    conflicting: set[int] = set()
    sheets = _sheets_of(source, filename)
    for _result, parser, rows in _sheet_parsers(sheets, default_year, mapping_override, default_district, today):
        if parser is None:
            continue
        key_and_digest = parser.key_and_digest
        for row in rows:
            found = key_and_digest(row)
            if found is None:
                continue
            key, digest = found
            hashed = hash(key)
            if hashed not in first:
                first[hashed] = digest
                continue
            repeated.add(hashed)
            if digest is None or first[hashed] is None or first[hashed] != digest:
                conflicting.add(hashed)
    return Duplicates(frozenset(repeated), frozenset(conflicting))
