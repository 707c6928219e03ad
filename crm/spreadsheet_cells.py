"""Cells of the .xlsx files the system writes (exports, the import error report).

Text is always stored as text: a firm name or a county office's cell that starts with
=, +, - or @ would otherwise be written as a formula that Excel or WPS runs when the
file is opened (formula injection).
"""
from __future__ import annotations

from typing import TypeVar

from openpyxl.cell import Cell, WriteOnlyCell

C = TypeVar("C", Cell, WriteOnlyCell)


def as_text_if_str(cell: C) -> C:
    """``cell``, stored as a plain string when its value is text."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell
