"""Form pieces the officer workspace and the portal share: coded selects and their prompt."""
from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired

PLEASE_CHOOSE = _l("（请选择）")
# An optional choice left open: the fact was not declared (never read as "no").
NOT_DECLARED = _l("（未申报）")


def coded_choices(labels: dict[enum.Enum, Any], prompt: Any = None) -> list[tuple[str, Any]]:  # noqa: ANN401 - lazy strings
    """An enum's (code, label) pairs for a select, behind a blank `prompt` option when one is given."""
    items = [(key.value, label) for key, label in labels.items()]
    return [("", prompt), *items] if prompt is not None else items


def must_choose(label: Any, labels: dict[enum.Enum, Any], message: Any) -> SelectField:  # noqa: ANN401
    """A coded select that starts at （请选择） and must be chosen, with `message` at the field when it is not.

    A preselected first option would be recorded for anyone who skips the field; a form filled from a stored
    record passes the record's code as data, so editing keeps the stored value selected.
    """
    return SelectField(label, choices=coded_choices(labels, PLEASE_CHOOSE), default="",
                       validators=[DataRequired(message)])
