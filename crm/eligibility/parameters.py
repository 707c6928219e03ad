"""Rule thresholds in force on a date: the catalogue's defaults plus administrators' values.

For each (rule, name) the stored value with the greatest effective year not
after the as-of year wins; without one, the default applies.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from crm.extensions import db
from crm.models import RuleParameter
from crm.rules import RULES
from crm.rules.parameters import DEFAULT_PARAMETERS, ParameterSpec

MIN_YEAR, MAX_YEAR = 2000, 2100


class ParameterError(ValueError):
    """A parameter value that cannot be stored (message for people, names the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _spec(rule: str, name: str) -> ParameterSpec:
    for spec in DEFAULT_PARAMETERS:
        if spec.rule == rule and spec.name == name:
            return spec
    raise ParameterError("name", f"未知的规则参数：{rule}.{name}")


def designation_validity_years(as_of: date) -> dict[Any, int]:
    """{DesignationKind: years} of the designation kinds imported lists give no validity for,
    as in force on `as_of`."""
    from crm.models.designation import DesignationKind
    from crm.rules.parameters import DESIGNATION_VALIDITY

    values = params_for(as_of)[DESIGNATION_VALIDITY]
    return {DesignationKind(name.removesuffix("_years")): int(value) for name, value in values.items()}


def coerce(spec: ParameterSpec, value: str | Decimal | int) -> Decimal | int:
    """A stored text value as the type of the spec's default."""
    if isinstance(spec.default, Decimal):
        return Decimal(str(value))
    return int(Decimal(str(value)))


def params_for(as_of: date) -> dict[str, dict[str, Decimal | int]]:
    """Every rule's parameters in force on `as_of`: rule code → name → value."""
    resolved: dict[str, dict[str, Decimal | int]] = {code: {} for code in RULES}
    for spec in DEFAULT_PARAMETERS:
        resolved.setdefault(spec.rule, {})[spec.name] = spec.default
    rows = db.session.execute(
        select(RuleParameter.rule, RuleParameter.name, RuleParameter.value)
        .where(RuleParameter.effective_year <= as_of.year)
        .order_by(RuleParameter.effective_year)
    )
    by_key = {(s.rule, s.name): s for s in DEFAULT_PARAMETERS}
    for rule, name, value in rows:  # later years overwrite earlier ones
        spec = by_key.get((rule, name))
        if spec is None:
            continue  # a parameter the catalogue no longer has
        resolved[rule][name] = coerce(spec, value)
    return resolved


@dataclass(frozen=True)
class ParameterRow:
    """One threshold as the admin page shows it."""

    spec: ParameterSpec
    current: Decimal | int
    history: list[RuleParameter]


def parameter_table(as_of: date) -> dict[str, list[ParameterRow]]:
    """Per rule, each threshold with its value on `as_of` and every stored value."""
    current = params_for(as_of)
    history: dict[tuple[str, str], list[RuleParameter]] = {}
    for row in db.session.scalars(
        select(RuleParameter).order_by(RuleParameter.rule, RuleParameter.name, RuleParameter.effective_year)
    ):
        history.setdefault((row.rule, row.name), []).append(row)
    table: dict[str, list[ParameterRow]] = {code: [] for code in RULES}
    for spec in DEFAULT_PARAMETERS:
        table.setdefault(spec.rule, []).append(
            ParameterRow(spec, current[spec.rule][spec.name], history.get((spec.rule, spec.name), []))
        )
    return table


def parse_value(spec: ParameterSpec, text: Any) -> Decimal | int:
    """Validate a value typed by an administrator (ratios as fractions, e.g. 0.05)."""
    raw = str(text if text is not None else "").strip().replace(",", "").replace("，", "")
    if not raw:
        raise ParameterError("value", "参数值：请填写数值。")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ParameterError("value", f"参数值：“{raw}”不是有效的数字。") from None
    if not number.is_finite():
        raise ParameterError("value", f"参数值：“{raw}”不是有效的数字。")
    # Only growth rates may sensibly be negative thresholds.
    if number < 0 and "growth" not in spec.name and "cagr" not in spec.name:
        raise ParameterError("value", "参数值：不能为负数。")
    if isinstance(spec.default, int):
        if number != number.to_integral_value():
            raise ParameterError("value", f"参数值：{spec.label}应为整数。")
        if spec.minimum is not None and spec.maximum is not None and not spec.minimum <= number <= spec.maximum:
            raise ParameterError("value", f"参数值：{spec.label}应在 {spec.minimum}–{spec.maximum} 之间。")
        if spec.minimum is not None and number < spec.minimum:
            raise ParameterError("value", f"参数值：{spec.label}不能小于 {spec.minimum}。")
        if spec.maximum is not None and number > spec.maximum:
            raise ParameterError("value", f"参数值：{spec.label}不能大于 {spec.maximum}。")
        return int(number)
    if spec.unit == "%" and number > 10:
        raise ParameterError("value", "参数值：比例请以小数填写，例如 5% 填 0.05。")
    return number


def set_parameter(rule: str, name: str, value: Any, effective_year: Any) -> RuleParameter:
    """Store a value for a threshold in force from `effective_year` on (replacing that year's value).

    The caller commits; the audit trail records the change.
    """
    spec = _spec(rule, name)
    number = parse_value(spec, value)
    try:
        year = int(str(effective_year).strip())
    except (TypeError, ValueError):
        raise ParameterError("effective_year", "生效年份：请填写四位年份。") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ParameterError("effective_year", f"生效年份：应在 {MIN_YEAR}–{MAX_YEAR} 之间。")
    text = format(number, "f") if isinstance(number, Decimal) else str(number)
    row = db.session.scalar(
        select(RuleParameter).where(
            RuleParameter.rule == rule, RuleParameter.name == name, RuleParameter.effective_year == year
        )
    )
    if row is None:
        row = RuleParameter(rule=rule, name=name, value=text, effective_year=year)
        db.session.add(row)
    else:
        row.value = text
    db.session.flush()
    return row
