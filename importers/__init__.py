"""Importing spreadsheets: county figure sheets and the lists a bureau receives.

The database-free part: readers (file → numbered rows) → headers (find the header,
map it, tell the kind of sheet) → values (one parser per kind of cell) → rows (skip,
parse, validate; lists: :mod:`importers.lists`) → workbook (all of it, streamed).
The DB writers (:mod:`importers.writer`, :mod:`importers.list_writers`) consume
:func:`parse_workbook`; :mod:`importers.matching` finds a list row's firm.
"""
from importers.fields import ALL_FIELDS, FIELD_LABELS, FieldKind
from importers.headers import (
    ColumnMapping,
    HeaderLayout,
    HeaderNotFound,
    apply_mapping_override,
    detect_header,
    normalize_header,
)
from importers.readers import SheetRows, SourceRow, Workbook, WorkbookError, open_workbook, read_workbook
from importers.rows import ParsedRow, RowError, RowParser, SkippedRow, parse_row, record_key
from importers.workbook import SheetResult, parse_workbook

__all__ = [
    "ALL_FIELDS",
    "FIELD_LABELS",
    "ColumnMapping",
    "FieldKind",
    "HeaderLayout",
    "HeaderNotFound",
    "ParsedRow",
    "RowError",
    "RowParser",
    "SheetResult",
    "SheetRows",
    "SkippedRow",
    "SourceRow",
    "Workbook",
    "WorkbookError",
    "apply_mapping_override",
    "detect_header",
    "normalize_header",
    "open_workbook",
    "parse_row",
    "parse_workbook",
    "read_workbook",
    "record_key",
]
