"""The name an uploaded file is kept and shown by."""
from __future__ import annotations

import unicodedata

MAX_NAME = 255


def upload_name(raw: str | None, default: str = "upload") -> str:
    """The file's own name as the browser sent it, fit to store and show: the last part of a
    path (some browsers send ``C:\\\\Users\\\\…\\\\名单.xlsx``), without control or invisible
    format characters (a NUL cannot be stored by PostgreSQL), at most 255 characters with the
    extension kept; ``default`` when nothing is left."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf")).strip()
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) < 16:
            name = stem[: MAX_NAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME]
    return name if name.strip(". ") else default
