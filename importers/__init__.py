"""Importing county offices' spreadsheets (issue 3), the database-free part.

readers (file → numbered rows) → headers (find and map the header) →
values (one parser per kind of cell) → rows (skip, parse, validate) →
workbook (all of it, streamed).
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
from importers.readers import SheetRows, SourceRow, WorkbookError, read_workbook

__all__ = [
    "ALL_FIELDS",
    "FIELD_LABELS",
    "ColumnMapping",
    "FieldKind",
    "HeaderLayout",
    "HeaderNotFound",
    "SheetRows",
    "SourceRow",
    "WorkbookError",
    "apply_mapping_override",
    "detect_header",
    "normalize_header",
    "read_workbook",
]
