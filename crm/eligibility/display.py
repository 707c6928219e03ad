"""How a flag's stored figures read on pages and in exports."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

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
