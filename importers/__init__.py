"""Importing county offices' spreadsheets (issue 3), the database-free part.

readers (file → numbered rows) → headers (find and map the header) →
values (one parser per kind of cell) → rows (skip, parse, validate) →
workbook (all of it, streamed). The DB writer consumes :func:`parse_workbook`.
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
from importers.workbook import Duplicates, SheetResult, find_duplicates, parse_workbook

__all__ = [
    "ALL_FIELDS",
    "FIELD_LABELS",
    "ColumnMapping",
    "Duplicates",
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
    "find_duplicates",
    "normalize_header",
    "open_workbook",
    "parse_row",
    "parse_workbook",
    "read_workbook",
    "record_key",
]
