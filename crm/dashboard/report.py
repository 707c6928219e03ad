"""The plan progress report as an .xlsx workbook: one sheet per jurisdiction, gaps as formulas."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from crm.dashboard import services
from crm.dashboard.services import CITY, PLAN_LABELS
from crm.districts import DISTRICTS
from crm.models import User
from crm.spreadsheet_cells import as_text_if_str

def headers(years: tuple[str, ...], goal: str) -> tuple[tuple[str, int], ...]:
    """Column titles and widths: a target, a gap and an on-track column per compared year."""
    return (
        ("指标代码", 26),
        ("指标", 44),
        ("单位", 7),
        ("规划", 22),
        ("基期年份", 9),
        ("基期值", 12),
        *((f"{year}年目标", 12) for year in years),
        ("实际值", 12),
        *((f"与{year}年目标差距", 16) for year in years),
        (f"{goal}年目标完成进度", 18),
        *((f"{year}年是否达序时进度", 18) for year in years),
        ("后续规划期目标", 20),
    )


HEADERS = headers(services.TARGET_YEARS, services.TARGET_YEARS[-1])
FIRST_ROW = 5  # data start; rows 1-3 title and notes, row 4 headers
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
THIN = Side(style="thin", color="999999")
STATUS = {True: "是", False: "否", None: "—"}


def report_jurisdictions(user: User, jurisdiction: str) -> list[str]:
    """The city report holds the city and every district; a district report just that district."""
    return [CITY, *DISTRICTS] if jurisdiction == CITY else [jurisdiction]


def _sheet_title(jurisdiction: str) -> str:
    return "全市" if jurisdiction == CITY else DISTRICTS[jurisdiction]


def progress_workbook(user: User, jurisdictions: list[str], as_of: date) -> BytesIO:
    """Build the workbook for `jurisdictions` (already allowed for `user`)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for jurisdiction in jurisdictions:
        dashboard = services.build_dashboard(user, jurisdiction, as_of)
        _write_sheet(workbook.create_sheet(_sheet_title(jurisdiction)), dashboard)
    stream = BytesIO()
    workbook.save(stream)
    stream.seek(0)
    return stream


def _write_sheet(sheet, dashboard: services.Dashboard) -> None:  # noqa: ANN001 - openpyxl Worksheet
    years, goal = dashboard.period.years, dashboard.period.goal
    titles = headers(years, goal)
    n = len(years)
    actual_col = 7 + n                      # after six descriptive columns and the targets
    progress_col = actual_col + n + 1
    goal_letter = get_column_letter(6 + n)
    actual_letter = get_column_letter(actual_col)
    last_col = get_column_letter(len(titles))
    labels = services.plan_labels()
    sheet["A1"] = f"{services.jurisdiction_label(dashboard.jurisdiction)}科技创新规划指标完成情况"
    sheet["A1"].font = Font(size=14, bold=True)
    sheet.merge_cells(f"A1:{last_col}1")
    rd_year = dashboard.figures.rd_year
    sheet["A2"] = (
        f"统计日期：{dashboard.as_of.isoformat()}；研发经费与营业收入之比按{rd_year or '—'}年度数据；"
        "百分比指标以百分数显示；序时进度＝基期值到目标值按时间线性插值；"
        "完成进度＝（实际值－基期值）÷（目标值－基期值），保留一位小数、尾数舍去。"
    )
    sheet.merge_cells(f"A2:{last_col}2")
    if not dashboard.has_plan:
        sheet["A3"] = "本区（市）无规划指标表，仅列系统计算值，目标不适用。"
        sheet.merge_cells(f"A3:{last_col}3")
    header_row = FIRST_ROW - 1
    for col, (title, width) in enumerate(titles, start=1):
        cell = sheet.cell(row=header_row, column=col, value=title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
        sheet.column_dimensions[get_column_letter(col)].width = width
    for offset, row in enumerate(dashboard.rows):
        r = FIRST_ROW + offset
        number_format = "0.00%" if row.unit == "%" else ("#,##0" if _integral(row) else "#,##0.00")
        values = (
            row.code,
            str(row.name),
            row.unit,
            str(labels.get(row.plan or "", "系统计算")),
            row.baseline_year,
            row.baseline,
            *(row.targets.get(year) for year in years),
            row.actual,
        )
        for col, value in enumerate(values, start=1):
            cell = as_text_if_str(sheet.cell(row=r, column=col, value=value))  # a plan's text is never a formula
            if col >= 6:
                cell.number_format = number_format
        # Gaps: actual minus target; blank when either is missing.
        for i in range(n):
            target = f"{get_column_letter(7 + i)}{r}"
            sheet.cell(row=r, column=actual_col + 1 + i,
                       value=f'=IF(OR({actual_letter}{r}="",{target}=""),"",{actual_letter}{r}-{target})'
                       ).number_format = number_format
        # Progress as on the dashboard (services.progress_toward, rounded_progress): from the
        # baseline (0 without one) toward the last target, 0..100%, one decimal rounded down.
        sheet.cell(row=r, column=progress_col,
                   value=progress_formula(r, actual_letter, goal_letter)).number_format = "0.0%"
        for i, year in enumerate(years):
            sheet.cell(row=r, column=progress_col + 1 + i, value=STATUS[row.on_track.get(year)])
        sheet.cell(row=r, column=progress_col + 1 + n, value="；".join(
            f"{year}年：{_plain(value, row.unit)}" for year, value in row.later_targets.items()
        ) or None)
    sheet.freeze_panes = f"C{FIRST_ROW}"
    sheet.auto_filter.ref = f"A{header_row}:{last_col}{FIRST_ROW + max(len(dashboard.rows), 1) - 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1


def progress_formula(r: int, actual: str = "I", goal: str = "H") -> str:
    """Progress of row `r` toward the last target (column `goal`) from the baseline (F) of the
    actual (column `actual`); with the 14th plans' layout, column L."""
    base = f"N(F{r})"
    a, g = f"{actual}{r}", f"{goal}{r}"
    return (
        f'=IF(OR({a}="",{g}=""),"",IF({g}={base},IF({a}>={g},1,0),'
        f'ROUNDDOWN(MAX(0,MIN(1,({a}-{base})/({g}-{base}))),3)))'
    )


def _plain(value: int | float | None, unit: str) -> str:
    """A figure as text, as the plan writes it (a "%" fraction back to a percentage)."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{value * 100:.4g}%"
    return f"{value:,}" if isinstance(value, int) else f"{value:.4g}"


def _integral(row: services.IndicatorRow) -> bool:
    values = [row.actual, row.baseline, *row.targets.values()]
    return all(v is None or float(v).is_integer() for v in values)
