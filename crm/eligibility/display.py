"""How a flag's stored figures read on pages and in exports."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _

from crm.models import Flag
from crm.rules import _format as fmt
from crm.rules.result import Bound


def figure_text(value: Any, unit: str) -> str:
    """A stored figure with its unit: fractions as percentages, money with separators."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return str(value)
    number = Decimal(str(value))
    if unit == "%":
        return f"{number * 100:.2f}%"
    if unit == "万元":
        return f"{number:,.2f} 万元"
    text = f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"
    return f"{text} {unit}".rstrip()


def figure_parts(value: Any, unit: str, rounding: str) -> tuple[str, str]:
    """(number, unit to show after it) of one condition figure, with two decimals, rounded in
    the direction the rule's sentence rounds it (crm.rules._format), so a column never
    contradicts the sentence beside it. A percentage carries its sign, a date no unit."""
    if value is None or value == "":
        return "—", ""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return str(value), ""  # a date, a certificate number
    number = Decimal(str(value))
    if unit == "%":
        return fmt.percent(number, rounding), ""
    if unit == "万元":
        return f"{number.quantize(fmt.CENT, rounding=rounding) + 0:,.2f}", unit
    if rounding == ROUND_CEILING:
        number = number.to_integral_value(rounding=ROUND_CEILING)  # 2.1 people missing: 3 to hire
    text = f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"
    return text, unit


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _field(condition: Any, name: str) -> Any:
    """A condition's field, from a rule's Condition or its stored (JSON) form."""
    return condition.get(name) if isinstance(condition, Mapping) else getattr(condition, name, None)


def condition_figures(condition: Any) -> dict[str, tuple[str, str]]:
    """The figures of one condition for a table, each as (number, unit), rounded as its sentence:

    - actual: passing, half up; failing, away from the threshold (4.9999% never reads as
      5.00% beside "低于 5%"; 20,000.001 万元 over a 20,000 limit never as 20,000.00);
    - threshold: half up (thresholds are exact parameters);
    - gap: rounded up (adding the shown amount really passes), in the gap's unit.
    """
    unit = _field(condition, "unit") or ""
    actual, threshold = _field(condition, "actual"), _field(condition, "threshold")
    actual_rounding = ROUND_HALF_UP
    if not _field(condition, "passed"):
        # On the failing side of the threshold, as the sentence: below a minimum rounds down,
        # above a maximum (at_most) rounds up.
        over = _is_number(actual) and _is_number(threshold) and Decimal(str(actual)) > Decimal(str(threshold))
        actual_rounding = ROUND_CEILING if over else ROUND_FLOOR
    return {
        "actual": figure_parts(actual, unit, actual_rounding),
        "threshold": figure_parts(threshold, unit, ROUND_HALF_UP),
        "gap": figure_parts(_field(condition, "gap"), _field(condition, "gap_unit") or unit, ROUND_CEILING),
    }


def _joined(parts: tuple[str, str]) -> str:
    text, unit = parts
    return f"{text} {unit}".rstrip()


def requirement_text(condition: Any) -> str:
    """What a condition's threshold asks, in the words of its rule's reasons ("要求 5%",
    "上限 500 人", "成立满 1 年"); "—" without a threshold."""
    threshold = _field(condition, "threshold")
    if not _is_number(threshold):
        return "—" if threshold is None or threshold == "" else str(threshold)
    bound = _field(condition, "bound") or Bound.minimum.value
    # Flags stored before conditions said their bound read as minimums until the next run rewrites them.
    bound = bound if isinstance(bound, Bound) else Bound(bound)
    return fmt.requirement(bound, threshold, _field(condition, "unit") or "")


def deciding_figures(flag: Flag) -> list[tuple[str, str, bool | None]]:
    """(label, "actual（requirement）", passed) for the conditions with figures: the 关键指标 of
    the candidate lists and their export, e.g. "120 人（上限 500 人）"."""
    conditions = (flag.gaps or {}).get("conditions") or []
    figures = []
    for c in conditions:
        if c.get("actual") is None or c.get("threshold") is None:
            continue
        shown = condition_figures(c)
        text = f"{_joined(shown['actual'])}（{requirement_text(c)}）"
        figures.append((c.get("label", c.get("code", "")), text, c.get("passed")))
    return figures


def _points(points: Any, maximum: Any) -> str:
    low, high = points
    shown = f"{low}" if low == high else f"{low}–{high}"
    return f"{shown}/{maximum}" if maximum else shown


def innovation_estimate(flag: Flag) -> list[str]:
    """The innovation-capability estimate of a high-tech candidate, as lines (information only).

    Experts score 创新能力; the rule stores the growth points (net assets and sales)
    and the IP-quantity points it can estimate, as ranges. Empty for other rules.
    """
    return estimate_lines(flag.rule, (flag.gaps or {}).get("info") or {})


def estimate_lines(rule: str, info: Mapping[str, Any]) -> list[str]:
    """The estimate's lines from a rule's info, stored (JSON) or as the rule returned it
    (Decimals, tuples); empty for other rules. The portal's standing page and the officers'
    lists read the same lines."""
    if rule != "hitech_candidate" or not info:
        return []
    lines = []
    growth = []
    for key, label in (("net_assets", _("净资产增长率")), ("revenue", _("销售收入增长率"))):
        rate, points = info.get(f"{key}_growth"), info.get(f"{key}_growth_points")
        if rate is None or not points:
            growth.append(_("%(label)s无法计算", label=label))
        else:
            growth.append(_("%(label)s %(rate)s（%(points)s 分）", label=label, rate=figure_text(rate, "%"),
                            points=_points(points, None)))
    total = info.get("growth_points")
    total_text = _points(total, info.get("growth_points_max")) if total else "—"
    lines.append(_("成长性 %(total)s 分：%(parts)s", total=total_text, parts="，".join(growth)))
    ip = info.get("ip_quantity_points")
    if ip:
        lines.append(_("知识产权数量 %(points)s 分", points=_points(ip, info.get("ip_quantity_points_max"))))
    return lines


def basis_year(info: Mapping[str, Any] | None) -> int | None:
    """The fiscal year a result or a flag rests on (crm.rules.season), from its info; flags
    stored before the basis was recorded give their rule's latest year, rules reading no
    figures none."""
    info = info or {}
    year = info.get("basis_year", info.get("latest_year"))
    return year if isinstance(year, int) and not isinstance(year, bool) else None


def basis_text(info: Mapping[str, Any] | None) -> str:
    """The basis as a list column reads it: "2024年度", with why when the year is the earlier
    one of the reporting season; empty for a rule reading no figures."""
    year = basis_year(info)
    if year is None:
        return ""
    if (info or {}).get("basis_note"):
        return _("%(year)s年度（%(due)s年度年报尚未到报送截止日）", year=year, due=year + 1)
    return _("%(year)s年度", year=year)


def flag_basis(flag: Flag) -> str:
    """`basis_text` of a stored flag."""
    return basis_text((flag.gaps or {}).get("info"))
