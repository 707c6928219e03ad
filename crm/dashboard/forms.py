"""The plan-target form (administrators)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp, ValidationError

from crm.dashboard.services import CITY, COMPUTATIONS
from crm.districts import DISTRICTS
from crm.models import PlanTarget
from crm.models.lengths import column_length

TARGET_LINE = re.compile(r"^\s*(\d{4})\s*[:：=]\s*(\S+)\s*$")


def parse_targets(text: str) -> dict[str, str]:
    """'2023: 2300' per line -> {"2023": "2300"}; raises ValueError naming the bad line."""
    targets: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = TARGET_LINE.match(line)
        if not match:
            raise ValueError(_("第%(line)s行应写成“年份: 目标值”，如 2025: 2600", line=number))
        year, value = match.groups()
        try:
            Decimal(value)
        except InvalidOperation:
            raise ValueError(_("第%(line)s行的目标值不是数字：%(value)s", line=number, value=value)) from None
        if not 1980 <= int(year) <= 2100:
            raise ValueError(_("第%(line)s行的年份不合理：%(year)s", line=number, year=year))
        targets[year] = value
    return targets


class PlanTargetForm(FlaskForm):
    plan = StringField(_l("规划编号"), validators=[DataRequired(), column_length(PlanTarget, "plan")])
    jurisdiction = SelectField(
        _l("适用范围"),
        choices=[(CITY, _l("江门市（全市）"))] + [(code, name) for code, name in DISTRICTS.items()],
    )
    code = StringField(
        _l("指标代码"),
        validators=[DataRequired(), column_length(PlanTarget, "code"), Regexp(r"^[a-z0-9_]+$", message=_l("只能用小写字母、数字和下划线"))],
    )
    name = StringField(_l("指标名称"), validators=[DataRequired(), column_length(PlanTarget, "name")])
    unit = StringField(_l("单位"), validators=[Optional(), column_length(PlanTarget, "unit")])
    category = StringField(_l("类别"), validators=[Optional(), column_length(PlanTarget, "category")])
    baseline_year = IntegerField(_l("基期年份"), validators=[Optional(), NumberRange(1980, 2100)])
    baseline_value = DecimalField(_l("基期值"), validators=[Optional()], places=None)
    targets_text = TextAreaField(
        _l("目标值"),
        description=_l("每行一个：年份: 目标值（按规划原文写，百分比写 1.65 而不是 0.0165）。新增下一规划期目标时加一行即可。"),
    )
    # validate_choice=False keeps a value loaded from a plan that the choices do not list; its length still fits.
    nature = SelectField(_l("属性"), choices=[("", "—"), ("预期性", "预期性"), ("约束性", "约束性")], validate_choice=False,
                         validators=[column_length(PlanTarget, "nature")])
    computable = SelectField(
        _l("实时计算口径"),
        choices=[("", _l("不能由系统计算"))] + [(c.key, f"{c.key}（{c.name}）") for c in COMPUTATIONS.values()],
    )
    notes = TextAreaField(_l("备注"), validators=[Optional()])

    def validate_targets_text(self, field: TextAreaField) -> None:
        try:
            parse_targets(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


def apply_form(form: PlanTargetForm, target: PlanTarget) -> None:
    """Copy the form onto `target` (the audit trail records the change on flush)."""
    target.plan = form.plan.data.strip()
    target.jurisdiction = form.jurisdiction.data
    target.code = form.code.data.strip()
    target.name = form.name.data.strip()
    target.unit = (form.unit.data or "").strip()
    target.category = (form.category.data or "").strip()
    target.baseline_year = form.baseline_year.data
    target.baseline_value = form.baseline_value.data
    target.targets = parse_targets(form.targets_text.data or "")
    target.nature = form.nature.data or ""
    target.computable = form.computable.data or ""
    target.notes = form.notes.data or ""


def prefill_computation(form: PlanTargetForm, key: str, jurisdiction: str) -> None:
    """Start a new row for computed indicator `key` (one no plan names, e.g. 创新型中小企业数量).

    The dashboard's 设定目标 link lands here: code, name, unit and computation are the
    indicator's own, so once saved the row takes the computed one's place. The plan number is
    left to the administrator (no plan states these indicators).
    """
    computation = COMPUTATIONS.get(key)
    if computation is None:
        return
    form.code.data = computation.slug
    with force_locale("zh_CN"):  # stored like the plans' rows: in Chinese, whoever types
        form.name.data = str(computation.name)
    form.unit.data = computation.unit
    form.computable.data = computation.key
    if jurisdiction == CITY or jurisdiction in DISTRICTS:
        form.jurisdiction.data = jurisdiction
