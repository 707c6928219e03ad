"""Forms of innovation points: a new version of the scheme (weights, switches, one added indicator,
the parameters of stages, cohorts and stars) and the bare forms behind the run and publish buttons."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from crm.innovation.measures import MEASURES
from crm.innovation.scheme import COHORT_BASES, DIRECTIONS, GROUPS, METHODS, STAGES, Indicator, Scheme

# Points and parameters people type: a few digits each side of the point is all a scheme needs.
MAX_NUMBER = Decimal("1e9")
# "1:0.4, 2:0.7, 3:1" (full-width colons and commas too, read after NFKC).
BAND_PAIR = re.compile(r"^\s*([^:]+?)\s*:\s*([^:]+?)\s*$")


def read_decimal(text: str) -> Decimal | None:
    """A number as typed (full-width digits allowed); None when blank, ValueError when not a number."""
    shown = unicodedata.normalize("NFKC", text or "").strip()
    if not shown:
        return None
    try:
        number = Decimal(shown)
    except InvalidOperation:
        raise ValueError(shown) from None
    if not number.is_finite() or abs(number) >= MAX_NUMBER:
        raise ValueError(shown)
    return number


def read_bands(text: str) -> tuple[tuple[Decimal, Decimal], ...]:
    """Bands as people write them, "1:0.4, 2:0.7, 3:1": (threshold, share of the weight) pairs."""
    shown = unicodedata.normalize("NFKC", text or "").replace("、", ",").replace(";", ",")
    pairs = []
    for part in filter(None, (p.strip() for p in shown.split(","))):
        match = BAND_PAIR.match(part)
        if match is None:
            raise ValueError(part)
        threshold, share = read_decimal(match[1]), read_decimal(match[2])
        if threshold is None or share is None:
            raise ValueError(part)
        pairs.append((threshold, share))
    return tuple(pairs)


def bands_text(bands: tuple[tuple[Decimal, Decimal], ...]) -> str:
    return ", ".join(f"{_plain(t)}:{_plain(s)}" for t, s in bands)


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


class NumberField(Field):
    """A decimal typed in a text box; the message says which field when it is not a number."""

    widget = TextInput()

    def __init__(self, label: Any = None, validators: list[Any] | None = None, *, integer: bool = False,  # noqa: ANN401
                 **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(label, validators, **kwargs)
        self.integer = integer

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, Decimal):
            return _plain(self.data)
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist:
            return
        try:
            number = read_decimal(str(valuelist[0]))
        except ValueError:
            raise ValueError(_("请输入数字")) from None
        if number is not None and self.integer:
            if number != number.to_integral_value():
                raise ValueError(_("请输入整数"))
            self.data = int(number)
            return
        self.data = number


def _required(form: Form, field: Field) -> None:
    if field.data is None and not field.errors:
        raise ValidationError(_("请填写此项"))


def _not_negative(form: Form, field: Field) -> None:
    if field.data is not None and field.data < 0:
        raise ValidationError(_("不能为负数"))


class IndicatorRow(Form):
    """One existing indicator's weights per stage and switch (its definition stays as it was)."""

    code = HiddenField()
    startup = NumberField(_l("初创期权重"), validators=[_required, _not_negative])
    growth = NumberField(_l("成长期权重"), validators=[_required, _not_negative])
    mature = NumberField(_l("稳定期权重"), validators=[_required, _not_negative])
    enabled = BooleanField(_l("启用"))


def measure_choices(scheme: Scheme) -> list[tuple[str, str]]:
    """Every measure, those no indicator uses first; a used one says which indicator uses it."""
    used: dict[str, str] = {}
    for indicator in scheme.indicators:
        used.setdefault(indicator.measure, indicator.name)
    free = [(code, f"{m.label}（{m.unit}）") for code, m in MEASURES.items() if code not in used]
    taken = [(code, _("%(label)s（%(unit)s，已用于“%(name)s”）", label=m.label, unit=m.unit, name=used[code]))
             for code, m in MEASURES.items() if code in used]
    return [("", _("（请选择）")), *free, *taken]


class SchemeForm(FlaskForm):
    """A new version of the scheme: what changes against the version it was read at."""

    base_version = HiddenField()
    indicators = FieldList(FormField(IndicatorRow))

    new_code = StringField(_l("代码"), validators=[Optional(), Length(max=40, message=_l("不超过 40 个字符"))])
    new_name = StringField(_l("名称"), validators=[Optional(), Length(max=60, message=_l("不超过 60 个字"))])
    new_group = SelectField(_l("分组"), choices=[("", _l("（请选择）")), *GROUPS.items()], default="")
    new_measure = SelectField(_l("计算口径"), choices=[], default="")
    new_direction = SelectField(_l("方向"), choices=list(DIRECTIONS.items()), default="higher")
    new_method = SelectField(_l("赋分方式"), choices=list(METHODS.items()), default="rank")
    new_bands = StringField(_l("分档（门槛:得分比例）"), validators=[Optional(), Length(max=500)],
                            description=_l("如 1:0.4, 2:0.7, 3:1；门槛从低到高，比例在 0 到 1 之间；按排位赋分时留空"))
    new_startup = NumberField(_l("初创期权重"), validators=[_not_negative])
    new_growth = NumberField(_l("成长期权重"), validators=[_not_negative])
    new_mature = NumberField(_l("稳定期权重"), validators=[_not_negative])

    startup_max_age = NumberField(_l("初创期：成立不满（年）"), validators=[_required, _not_negative], integer=True)
    startup_max_revenue = NumberField(_l("或营业收入低于（万元）"), validators=[_required, _not_negative])
    mature_min_age = NumberField(_l("稳定期：成立满（年）"), validators=[_required, _not_negative], integer=True)
    mature_min_revenue = NumberField(_l("且营业收入达到（万元）"), validators=[_required, _not_negative])
    cohort_basis = SelectField(_l("排名队列"), choices=list(COHORT_BASES.items()))
    revenue_bands = StringField(_l("营业收入分档下限（万元）"), validators=[DataRequired(_l("请填写此项"))],
                                description=_l("从 0 开始，由低到高，以逗号分隔，如 0, 100, 500, 2000, 10000"))
    min_cohort = NumberField(_l("最小排名队列（家）"), validators=[_required], integer=True,
                             description=_l("不足此数的队列与相邻队列合并排名"))
    five_star_share = NumberField(_l("五星比例（%）"), validators=[_required, _not_negative])
    four_star_share = NumberField(_l("四星比例（%）"), validators=[_required, _not_negative])
    three_star_share = NumberField(_l("三星比例（%）"), validators=[_required, _not_negative])

    note = TextAreaField(_l("修订说明"), validators=[DataRequired(_l("请说明本次修订的内容和依据")),
                                                  Length(max=2000, message=_l("不超过 2000 字"))])

    # What the page checks beyond each field: the added indicator and the band list.
    added: Indicator | None = None
    bands: tuple[Decimal, ...] = ()

    def validate_revenue_bands(self, field: StringField) -> None:
        text = unicodedata.normalize("NFKC", field.data or "").replace("、", ",")
        try:
            values = [read_decimal(part) for part in text.split(",") if part.strip()]
        except ValueError as exc:
            raise ValidationError(_("“%(text)s”不是数字", text=str(exc))) from None
        self.bands = tuple(v for v in values if v is not None)

    def validate(self, extra_validators: Any = None) -> bool:  # noqa: ANN401 - WTForms' signature
        """Each field, then the added indicator as a whole (its fields' errors are set after theirs)."""
        valid = super().validate(extra_validators)
        self._check_added()
        return valid and not any(f.errors for f in self._added_fields())

    def _added_fields(self) -> tuple[Field, ...]:
        return (self.new_code, self.new_name, self.new_group, self.new_measure, self.new_direction, self.new_method,
                self.new_bands, self.new_startup, self.new_growth, self.new_mature)

    def _check_added(self) -> None:
        """An added indicator needs its name, group, measure and weights; its bands must read."""
        field = self.new_code
        self.added = None
        if not (field.data or "").strip() and not (self.new_name.data or "").strip():
            return
        missing = [f for f in (self.new_code, self.new_name, self.new_group, self.new_measure)
                   if not (f.data or "").strip()]
        for f in missing:
            f.errors.append(_("新增指标须填写此项"))
        weights = {}
        for stage, f in (("startup", self.new_startup), ("growth", self.new_growth), ("mature", self.new_mature)):
            if f.data is None and not f.errors:
                f.errors.append(_("新增指标须填写此项"))
            weights[stage] = f.data if f.data is not None else Decimal(0)
        try:
            bands = read_bands(self.new_bands.data or "")
        except ValueError as exc:
            self.new_bands.errors.append(_("“%(part)s”应写作 门槛:得分比例", part=str(exc)))
            bands = ()
        if self.new_method.data == "rank" and bands:
            self.new_bands.errors.append(_("按排位赋分的指标不设分档"))
        if any(f.errors for f in self._added_fields()):
            return
        self.added = Indicator(code=field.data.strip(), name=self.new_name.data.strip(), group=self.new_group.data,
                               measure=self.new_measure.data, weights=weights, direction=self.new_direction.data,
                               method=self.new_method.data, bands=bands)


def scheme_form_data(scheme: Scheme, version: int) -> dict[str, Any]:
    """The form's starting values: the version it edits."""
    hundred = Decimal(100)
    return {
        "base_version": str(version),
        "indicators": [{"code": i.code, **{stage: i.weights.get(stage, Decimal(0)) for stage in STAGES},
                        "enabled": i.enabled} for i in scheme.indicators],
        "startup_max_age": scheme.startup_max_age, "startup_max_revenue": scheme.startup_max_revenue,
        "mature_min_age": scheme.mature_min_age, "mature_min_revenue": scheme.mature_min_revenue,
        "cohort_basis": scheme.cohort_basis, "revenue_bands": ", ".join(_plain(b) for b in scheme.revenue_bands),
        "min_cohort": scheme.min_cohort, "five_star_share": scheme.five_star_share * hundred,
        "four_star_share": scheme.four_star_share * hundred, "three_star_share": scheme.three_star_share * hundred,
    }


class ActionForm(FlaskForm):
    """The CSRF token behind a button (run a round, publish one)."""
