"""How a flag's stored figures read on pages and in exports."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from crm.models import Flag


def figure_text(value: Any, unit: str) -> str:
    """A stored figure with its unit: fractions as percentages, money with separators."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    number = Decimal(str(value))
    if unit == "%":
        return f"{number * 100:.2f}%"
    if unit == "万元":
        return f"{number:,.2f} 万元"
    text = f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"
    return f"{text} {unit}".rstrip()


def deciding_figures(flag: Flag) -> list[tuple[str, str, bool | None]]:
    """(label, "actual / threshold", passed) for the conditions with figures."""
    conditions = (flag.gaps or {}).get("conditions") or []
    figures = []
    for c in conditions:
        if c.get("actual") is None or c.get("threshold") is None:
            continue
        if c.get("unit") == "年" and isinstance(c.get("actual"), str):
            text = f"{c['actual']}（要求 {figure_text(c['threshold'], '年')}）"
        else:
            text = f"{figure_text(c['actual'], c.get('unit', ''))}（要求 {figure_text(c['threshold'], c.get('unit', ''))}）"
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
    info = (flag.gaps or {}).get("info") or {}
    if flag.rule != "hitech_candidate" or not info:
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
