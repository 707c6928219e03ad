"""The plan and plan-target forms (administrators)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp, ValidationError

from crm.dashboard.services import CITY, COMPUTATIONS, TARGET_YEARS
from crm.districts import DISTRICTS
from crm.extensions import db
from crm.models import Plan, PlanTarget
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
            targets = parse_targets(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        plan = db.session.scalar(select(Plan).where(Plan.code == (self.plan.data or "").strip()))
        outside = years_outside(plan, targets)
        if outside:
            raise ValidationError(_("目标年份%(years)s不在该规划期（%(first)s—%(last)s年）内。", years="、".join(outside),
                                    first=plan.first_year, last=plan.last_year))


def years_outside(plan: Plan | None, targets: dict[str, object]) -> list[str]:
    """Target years outside the plan's period. The 14th five-year plans (ending by 2025) may
    carry later years, shown beside 2025 as the next period's, as they always could."""
    if plan is None or plan.last_year <= int(TARGET_YEARS[-1]):
        return []
    return sorted(y for y in targets if not plan.first_year <= int(y) <= plan.last_year)


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


JURISDICTION_CHOICES = [(CITY, _l("江门市（全市）"))] + [(code, name) for code, name in DISTRICTS.items()]


class PlanForm(FlaskForm):
    """A plan and its period (e.g. the 15th five-year plan, 2026-2030)."""

    code = StringField(
        _l("规划编号"),
        validators=[DataRequired(), column_length(Plan, "code"),
                    Regexp(r"^[0-9A-Za-z_-]+$", message=_l("只能用字母、数字、下划线和连字符"))],
        description=_l("如 005；各区（市）与全市的规划编号互不相同。"),
    )
    name = StringField(_l("规划名称"), validators=[DataRequired(), column_length(Plan, "name")])
    jurisdiction = SelectField(_l("适用范围"), choices=JURISDICTION_CHOICES)
    first_year = IntegerField(_l("起始年份"), validators=[DataRequired(), NumberRange(1980, 2100)])
    last_year = IntegerField(_l("终止年份"), validators=[DataRequired(), NumberRange(1980, 2100)])

    def validate_last_year(self, field: IntegerField) -> None:
        if self.first_year.data is not None and field.data is not None and field.data < self.first_year.data:
            raise ValidationError(_("终止年份不能早于起始年份。"))


def apply_plan_form(form: PlanForm, plan: Plan) -> None:
    plan.code = form.code.data.strip()
    plan.name = form.name.data.strip()
    plan.jurisdiction = form.jurisdiction.data
    plan.first_year = form.first_year.data
    plan.last_year = form.last_year.data


class PlanIndicatorForm(FlaskForm):
    """One indicator of a plan: what it is and a target per year of the plan's period (the
    year fields are added per plan by `plan_indicator_form`)."""

    computable = SelectField(
        _l("实时计算口径"),
        choices=[("", _l("不能由系统计算"))] + [(c.key, f"{c.key}（{c.name}）") for c in COMPUTATIONS.values()],
    )
    code = StringField(
        _l("指标代码"),
        validators=[DataRequired(), column_length(PlanTarget, "code"),
                    Regexp(r"^[a-z0-9_]+$", message=_l("只能用小写字母、数字和下划线"))],
        description=_l("同一指标在各规划中用同一代码（如 hitech_enterprises），便于前后规划期对照。"),
    )
    name = StringField(_l("指标名称"), validators=[DataRequired(), column_length(PlanTarget, "name")])
    unit = StringField(_l("单位"), validators=[Optional(), column_length(PlanTarget, "unit")])
    baseline_year = IntegerField(_l("基期年份"), validators=[Optional(), NumberRange(1980, 2100)])
    baseline_value = DecimalField(_l("基期值"), validators=[Optional()], places=None)
    nature = SelectField(_l("属性"), choices=[("", "—"), ("预期性", "预期性"), ("约束性", "约束性")])
    notes = TextAreaField(_l("备注"), validators=[Optional()])

    year_fields: list[str] = []

    def targets(self) -> dict[str, str]:
        """{year: value as typed} of the year fields filled in."""
        out = {}
        for name in self.year_fields:
            value = self[name].data
            if value is not None:
                out[name.removeprefix("target_")] = _plain_number(value)
        return out

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.targets():
            self[self.year_fields[-1]].errors.append(_("请至少填写一个年份的目标值。"))
            return False
        return ok


def _plain_number(value: Decimal) -> str:
    """A typed number as the plans write it: no exponent, no trailing zeros after the point."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def plan_indicator_form(plan: Plan, target: PlanTarget | None = None, **kwargs: Any) -> PlanIndicatorForm:
    """The indicator form for ``plan``: one target field per year of its period."""
    years = [str(y) for y in range(plan.first_year, plan.last_year + 1)]
    form_class = type("PlanIndicatorFormFor" + plan.code, (PlanIndicatorForm,), {
        **{f"target_{y}": DecimalField(_l("%(year)s年目标", year=y), validators=[Optional()], places=None)
           for y in years},
        "year_fields": [f"target_{y}" for y in years],
    })
    form = form_class(obj=target, **kwargs)
    if target is not None and not form.is_submitted():
        for y in years:
            value = (target.targets or {}).get(y)
            if value not in (None, ""):
                form[f"target_{y}"].data = Decimal(str(value))
    return form


def apply_plan_indicator(form: PlanIndicatorForm, plan: Plan, target: PlanTarget) -> None:
    """Copy the form onto ``target`` of ``plan`` (audited on flush like every target)."""
    target.plan = plan.code
    target.jurisdiction = plan.jurisdiction
    target.code = form.code.data.strip()
    target.name = form.name.data.strip()
    target.unit = (form.unit.data or "").strip()
    target.baseline_year = form.baseline_year.data
    target.baseline_value = form.baseline_value.data
    target.targets = form.targets()
    target.nature = form.nature.data or ""
    target.computable = form.computable.data or ""
    target.notes = form.notes.data or ""
