"""The name an uploaded file is kept by."""
from __future__ import annotations

import pytest

from crm.uploads import upload_name


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("名单.xlsx", "名单.xlsx"),
        ("C:\\Users\\王\\Desktop\\名单.xlsx", "名单.xlsx"),  # a full Windows path
        ("../../etc/passwd", "passwd"),
        ("名\x00单\u200b.xlsx", "名单.xlsx"),  # NUL and a zero-width space
        ("\x00\x01", "upload"),
        ("..", "upload"),
        (None, "upload"),
        ("甲" * 300 + ".xlsx", "甲" * 250 + ".xlsx"),  # long: cut, the extension kept
    ],
)
def test_upload_names(raw: str | None, name: str) -> None:
    assert upload_name(raw) == name
