"""A round's ranked list as .xlsx for publication: one row per scored firm, with every indicator's
value and points, the group points, score, rank and stars, as the round computed them.

Text a spreadsheet would read as a formula (=, +, -, @ first) is written as a plain string
cell, never as a formula (crm.spreadsheet_cells).
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from crm.districts import DISTRICTS
from crm.innovation.measures import MEASURES
from crm.innovation.scheme import GROUPS, STAGES, Scheme
from crm.models import InnovationRound, InnovationScore
from crm.spreadsheet_cells import as_text_if_str

HEADERS = ("排名", "队列家数", "星级", "统一社会信用代码", "企业名称", "所属区（市）（评分时）", "发展阶段", "排名队列",
           "总分", *(f"{label}得分" for label in GROUPS.values()))
STARS = {5: "五星", 4: "四星", 3: "三星"}
POINTS_FORMAT = "0.00"


def _cell(sheet: Any, value: Any, number_format: str | None = None) -> WriteOnlyCell:  # noqa: ANN401
    cell = as_text_if_str(WriteOnlyCell(sheet, value=value))  # never a formula
    if number_format and not isinstance(value, str):
        cell.number_format = number_format
    return cell


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def round_workbook(round_: InnovationRound, scheme: Scheme, scores: Iterable[InnovationScore]) -> bytes:
    """The workbook of ``scores`` (a round's scored firms, already filtered and in order)."""
    indicators = scheme.enabled
    cohorts = {c["key"]: c["label"] for c in round_.cohorts}
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{round_.fiscal_year}年度创新积分"[:31])
    headers: list[str] = list(HEADERS)
    for indicator in indicators:
        unit = MEASURES[indicator.measure].unit if indicator.measure in MEASURES else ""
        headers += [f"{indicator.name}（数值，{unit}）", f"{indicator.name}（得分）"]
    sheet.append([_cell(sheet, h) for h in headers])
    for score in scores:
        row = [
            _cell(sheet, score.rank), _cell(sheet, score.cohort_size), _cell(sheet, STARS.get(score.stars or 0, "")),
            _cell(sheet, score.uscc), _cell(sheet, score.name),
            _cell(sheet, DISTRICTS.get(score.district_code, score.district_code)),
            _cell(sheet, STAGES.get(score.stage or "", score.stage or "")),
            _cell(sheet, cohorts.get(score.cohort or "", score.cohort or "")),
            _cell(sheet, score.score, POINTS_FORMAT),
            *(_cell(sheet, _number(score.groups.get(g)), POINTS_FORMAT) for g in GROUPS),
        ]
        for indicator in indicators:
            value, points, note = score.indicators.get(indicator.code, (None, None, None))
            unit = MEASURES[indicator.measure].unit if indicator.measure in MEASURES else ""
            shown: Any = _number(value) if value is not None else (f"未计算：{note}" if note else None)
            row += [_cell(sheet, shown, "0.00%" if unit == "%" else None),
                    _cell(sheet, _number(points), POINTS_FORMAT)]
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
