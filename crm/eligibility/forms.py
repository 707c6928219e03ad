"""Forms of the eligibility area."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from crm.models.flag import HANDLED_STATUS_LABELS


class HandleForm(FlaskForm):
    """An officer's follow-up of one flag."""

    status = SelectField(
        _l("处理状态"),
        choices=[(status.value, label) for status, label in HANDLED_STATUS_LABELS.items()],
        validators=[DataRequired(message=_l("处理状态：请选择。"))],
    )
    note = TextAreaField(_l("处理说明"), validators=[Length(max=2000, message=_l("处理说明：不能超过 2000 字。"))])
    next = HiddenField()
