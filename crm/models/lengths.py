"""Text length limits, read from the model columns' declared lengths (the one source).

PostgreSQL refuses a value longer than a VARCHAR(n) column while SQLite stores it,
so every path that writes people's text checks it against these limits first:
forms through `column_length`, services through `check_lengths`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# One wording for a form field and an API field: the limit and what was given.
TOO_LONG = _l("不能超过%(max)s个字符（现有%(length)s个）")


def max_length(model: Any, column: str) -> int | None:  # noqa: ANN401 - any mapped model class
    """The declared length of `model`'s `column` (String(n) -> n); None for unbounded text."""
    return getattr(model.__table__.c[column].type, "length", None)


def too_long(limit: int, length: int) -> str:
    return _("不能超过%(max)s个字符（现有%(length)s个）", max=limit, length=length)


def length_error(model: Any, column: str, value: Any) -> str | None:  # noqa: ANN401
    """The message for a text value too long for the column, else None."""
    limit = max_length(model, column)
    if limit is not None and isinstance(value, str) and len(value) > limit:
        return too_long(limit, len(value))
    return None


def check_lengths(
    model: Any, values: Mapping[str, Any], columns: Iterable[str] | None = None,  # noqa: ANN401
) -> dict[str, str]:
    """{field: message} for each text value longer than its column (fields that are not columns are skipped)."""
    table_columns = model.__table__.c
    errors: dict[str, str] = {}
    for name in columns if columns is not None else values:
        if name in values and name in table_columns:
            message = length_error(model, name, values[name])
            if message:
                errors[name] = message
    return errors


def column_length(model: Any, column: str) -> Any:  # noqa: ANN401 - a WTForms validator
    """A WTForms Length validator whose maximum is the column's, with the message above."""
    from wtforms.validators import Length

    limit = max_length(model, column)
    if limit is None:
        raise ValueError(f"{model.__name__}.{column} has no declared length")
    return Length(max=limit, message=TOO_LONG)
