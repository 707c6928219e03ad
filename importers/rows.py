"""From a sheet row to a validated record: skip detection, cell parsing, row checks.

A data row becomes a :class:`ParsedRow` whose ``record`` holds canonical
fields (money in 万元 as ``Decimal`` with 4 places, counts as ``int``, dates as
``datetime.date``) and whose ``errors`` list *every* problem found, so a county
office can fix a rejected row in one go. Only cells with a value appear in
``record``: an empty cell means "not reported", never zero, so the writer can
leave an existing value alone. Blank, totals, notes and repeated header rows
become :class:`SkippedRow` with a reason.

Cells are read the same way for every kind of sheet (the layout's field set says
how each field is read); a county figure sheet's rows are then checked here, a
list's by its kind's row step (:func:`importers.lists.check_list_row`), which may
also skip a row (a firm of another city in a province-wide list).
"""
from __future__ import annotations

import datetime as dt
import operator
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import force_locale

from crm.districts import DISTRICTS, district_from_name, district_from_uscc
from crm.models.lengths import max_length, too_long
from crm.reports.consistency import TOTAL_REVENUE_BOUND, bound_breaches, fiscal_year_problem
from crm.uscc import normalize_uscc

from importers.fields import FIELD_LABELS, FieldKind, FieldSet, field_set
from importers.headers import HeaderLayout, field_for_header
from importers.lists import SheetContext, check_list_row, parse_list_date
from importers.readers import FormulaError, SourceRow
from importers.values import (
    EMPTY_MARKERS,
    FOUR_PLACES,
    MAX_COUNT,
    parse_bool,
    parse_code,
    parse_date,
    parse_int,
    parse_money,
    parse_text,
    parse_year,
    shown_cell,
)

MIN_YEAR = 2000

# A row whose first non-empty cells start like this is a totals or notes row.
TOTALS_PREFIXES: tuple[str, ...] = ("合计", "小计", "总计", "共计", "总合计", "其中:", "其中")
NOTES_PREFIXES: tuple[str, ...] = (
    "填表说明", "说明:", "注:", "注1", "注2", "注①", "注、", "备注:", "附注", "数据来源",
    "填表人", "填报人", "制表人", "审核人", "复核人", "负责人", "单位负责人", "统计负责人",
    "填表日期", "填报日期", "制表日期", "报出日期",
)
NOTES_EXACT: frozenset[str] = frozenset({"说明", "注", "备注"})
# Cells of a column-number row under the header ("甲 乙 1 2 3 …").
_COLUMN_NUMBER_WORDS = frozenset({"甲", "乙", "丙", "丁", "戊", "己", "庚", "栏次", "列号"})

RecordKey = tuple[str | None, int | None]


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (or with one field) of a row; ``message`` is Chinese."""

    sheet: str
    row: int  # row number as shown in the spreadsheet program
    column: str  # header text as the user sees it, or the field's label
    message: str
    column_index: int | None = None  # 0-based, for highlighting the cell in the error report

    def as_dict(self) -> dict[str, Any]:
        """The shape CONTRACT.md gives for ``import-workbook --json`` errors."""
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParsedRow:
    """A data row: the canonical record read from it and every error found."""

    sheet: str
    row: int
    record: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)
    cells: tuple[object, ...] = ()
    # Equal for rows whose mapped cells are equal under the same mapping and units, hence
    # whose records are equal (a figure sheet's duplicate rows are told by it; None: unknown).
    digest: int | None = None
    # Things a person should know of a row that is imported (a list's 入库登记编号 naming
    # another district than the firm's): shown in the preview and kept with the batch.
    notices: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the row can be imported."""
        return not self.errors

    @property
    def key(self) -> RecordKey:
        """The firm-year this row is about (see :func:`record_key`)."""
        return record_key(self.record)


@dataclass(frozen=True)
class SkippedRow:
    """A row that is not data (blank, totals, notes, repeated header), with why."""

    sheet: str
    row: int
    reason: str


def record_key(record: dict[str, Any]) -> RecordKey:
    """The natural key of an imported record: (统一社会信用代码, 年度)."""
    return record.get("uscc"), record.get("year")


def _squeeze(value: object) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()) if isinstance(value, str) else ""


def _is_column_number_row(values: list[object]) -> bool:
    numbers = []
    for value in values:
        text = _squeeze(value) if isinstance(value, str) else value
        if isinstance(text, str) and (text in _COLUMN_NUMBER_WORDS or (len(text) == 1 and text.isalpha() and text.isascii())):
            continue
        try:
            number = float(text)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        if not number.is_integer():
            return False
        numbers.append(int(number))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


# First characters of every skip prefix: most rows are rejected by one set lookup.
_SKIP_FIRST_CHARS = frozenset(p[0] for p in (*TOTALS_PREFIXES, *NOTES_PREFIXES, *NOTES_EXACT))


def skip_reason(cells: tuple[object, ...], seq_index: int | None = None) -> str | None:
    """Why a row is not data (blank, totals, notes, column numbers), or None for a data row.

    Only the first two non-empty cells are looked at for a data row, which keeps
    the check cheap on a 100,000-row sheet.
    """
    first: list[tuple[int, object]] = []
    for index, value in enumerate(cells):
        if value is None or value == "" or (type(value) is str and not value.strip()):
            continue
        first.append((index, value))
        if len(first) == 2:
            break
    if not first:
        return "空行"
    if len(first) == 1:
        index, value = first[0]
        if index == seq_index and (type(value) is not str or value.strip().isdigit()):
            return "空行（仅有序号）"  # a template numbered in advance
    for _index, value in first:
        if type(value) is not str or value.lstrip()[0] not in _SKIP_FIRST_CHARS:
            continue
        text = _squeeze(value)
        if text.startswith(TOTALS_PREFIXES):
            return f"合计行（{text[:10]}）"
        if text in NOTES_EXACT or text.startswith(NOTES_PREFIXES):
            return f"说明行（{text[:10]}）"
    if all(type(v) is not str or len(v.strip()) <= 2 for _i, v in first):
        values = [v for v in cells if v is not None and v != "" and not (type(v) is str and not v.strip())]
        if len(values) >= 3 and _is_column_number_row(values):
            return "栏次行"
    return None


Converter = Callable[[object], Any]


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CANONICAL_USCC = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}")  # ASCII: \d would take full-width digits


def _uscc(value: object) -> str:
    if isinstance(value, float):
        # 18 digits do not fit a float: Excel already rounded it (shown as 9.14407E+17).
        raise ValueError("统一社会信用代码被存成了数字，后几位已丢失，请将该列设为文本后重新填写")
    text = value if isinstance(value, str) else str(value)
    # Fast path for a code that is canonical once spaces are dropped and letters upper-cased
    # (what crm.uscc does first to ASCII text), with a correct check digit (GB 32100): a
    # 100,000-row import spends most of its USCC time in stdnum's cleaning otherwise.
    # Anything else goes to crm.uscc, which owns the rules and the messages.
    code = text
    if not _CANONICAL_USCC.fullmatch(code) and text.isascii():
        code = "".join(text.split()).upper()
    if _CANONICAL_USCC.fullmatch(code):
        total = sum(map(operator.mul, map(_USCC_VALUES.__getitem__, code[:17]), _USCC_WEIGHTS))
        if _USCC_ALPHABET[(31 - total) % 31] == code[17]:
            return code
    return normalize_uscc(text)


def _text(value: object) -> str | None:
    text = parse_text(value)
    if text is None or text.lower() in EMPTY_MARKERS:
        return None
    return text


def _money(factor: Decimal, signed: bool) -> Converter:
    """A money converter for one column; floats (most cells) take a short path."""
    scale = factor != 1

    def parse(value: object) -> Decimal | None:
        if type(value) is float and (signed or value >= 0) and -1e9 < value < 1e9:
            number = Decimal(str(value))
            if scale:
                number *= factor
            return number.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
        number = parse_money(value, factor)
        if not signed and number is not None and number < 0:
            raise ValueError(f"「{shown_cell(value)}」不能为负数")
        return number

    return parse


def _count(value: object) -> int | None:
    if type(value) is float and value.is_integer() and 0 <= value <= MAX_COUNT:
        return int(value)
    if type(value) is str and value.isascii() and value.isdigit() and len(value) < 8:
        return int(value)  # "15": what parse_int gives, without its cleaning and Decimal
    number = parse_int(value)
    if number is not None and number < 0:
        raise ValueError(f"「{shown_cell(value)}」不能为负数")
    return number


_CONVERTERS: dict[FieldKind, Converter] = {
    FieldKind.USCC: _uscc,
    FieldKind.TEXT: _text,
    FieldKind.DISTRICT: _text,
    FieldKind.CODE: parse_code,
    FieldKind.DATE: parse_date,
    FieldKind.LIST_DATE: parse_list_date,
    FieldKind.BOOL: parse_bool,
    FieldKind.YEAR: parse_year,
    FieldKind.COUNT: _count,
}


# A figure sheet's text fields stored as they are, and the String(n) column each goes to
# (``FieldSet.text_columns``): its declared length is the limit. 所属区县, 所属行业 and 高新技术
# 领域 are resolved to codes first (unknown text rejects the row), and 序号/备注 are never
# stored; a list's kinds, levels, programmes and places are resolved to codes likewise.
RESOLVED_TEXT_FIELDS: frozenset[str] = frozenset({"district", "industry", "hitech_field"})
LIST_RESOLVED_TEXT_FIELDS: frozenset[str] = frozenset(
    {"city", "district", "designation", "batch", "valid_to", "platform_kind", "level", "programme", "category",
     "support_kind"}
)


def text_columns(fields: FieldSet | None = None) -> dict[str, tuple[Any, str]]:
    """{text field: (model, column)} of a kind of sheet (default: figures)."""
    return dict((fields or field_set("figures")).text_columns)


def text_limit(field_name: str, fields: FieldSet | None = None) -> int | None:
    """The most characters ``field_name`` may hold: its column's declared length."""
    target = (fields or field_set("figures")).text_columns.get(field_name)
    return max_length(*target) if target is not None else None


def _limited(convert: Converter, limit: int) -> Converter:
    """``convert``, refusing a text longer than ``limit`` with the message forms use."""

    def parse(value: object) -> Any:  # noqa: ANN401 - what convert gives
        text = convert(value)
        if text is not None and len(text) > limit:
            with force_locale("zh_CN"):  # import messages are Chinese, whoever imports
                raise ValueError(too_long(limit, len(text)))
        return text

    return parse


def _fmt(number: object) -> str:
    if isinstance(number, Decimal):
        return format(number.normalize(), "f")
    return str(number)


class RowParser:
    """Parses the data rows of one sheet with a given header layout.

    The per-column work is decided once here (which converter, which unit
    factor), so parsing a row is a loop over the mapped cells.
    """

    def __init__(
        self,
        layout: HeaderLayout,
        default_year: int | None = None,
        default_district: str | None = None,
        today: dt.date | None = None,
        context: SheetContext | None = None,
    ) -> None:
        self.layout = layout
        self.fields = fields = layout.field_set
        self.default_year = default_year
        self.default_district = default_district
        self.today = today or dt.date.today()
        # A list's sheet step (None for a county figure sheet, whose rows are checked here).
        self.context = context
        if fields.kind != "figures" and context is None:
            raise ValueError(f"a {fields.kind} sheet needs its sheet context")
        self._year_problems: dict[tuple[int, int | None], str | None] = {}
        self.plan: list[tuple[int, str, Converter, str]] = []
        self.seq_index: int | None = None
        self.uscc_index: int | None = None
        self.year_index: int | None = None
        signature: list[tuple[str, Decimal]] = []
        for column in layout.columns:
            if column.field is None:
                continue
            kind = fields.kinds[column.field]
            if column.field == "seq":
                self.seq_index = column.index
            if column.field == "uscc":
                self.uscc_index = column.index
            if column.field == "year":
                self.year_index = column.index
            if kind is FieldKind.IGNORED:
                continue
            if kind in (FieldKind.MONEY, FieldKind.SIGNED_MONEY):
                convert = _money(column.unit_factor, signed=kind is FieldKind.SIGNED_MONEY)
            else:
                convert = _CONVERTERS[kind]
            limit = text_limit(column.field, fields)
            if limit is not None:
                convert = _limited(convert, limit)
            self.plan.append((column.index, column.field, convert, column.header_text))
            signature.append((column.field, column.unit_factor))
        # What the mapped cells mean (field and unit, in plan order): equal cells under an
        # equal signature parse to equal records.
        self._signature = tuple(signature)
        self._columns = {c.field: c for c in layout.columns if c.field}
        # The column a repeated header row is told by: the code's (any spelling of its header:
        # codes are ASCII, so the check is rare), else the name's (its own header text again,
        # as a list printed page by page repeats it: names are never ASCII, so every row is checked).
        self._header_check = next(
            ((c.index, c.field, c.header_text) for name in ("uscc", *fields.identity) if (c := self._columns.get(name))),
            None,
        )
        indexes = [index for index, _f, _c, _h in self.plan]
        self._max_index = max(indexes, default=-1)
        # One C-level call fetches every mapped cell of a row.
        self._fetch: Callable[[tuple[object, ...]], tuple[object, ...]] | None = (
            operator.itemgetter(*indexes) if len(indexes) > 1 else None
        )

    def _where(self, field_name: str) -> tuple[str, int | None]:
        column = self._columns.get(field_name)
        if column is not None:
            return column.header_text, column.index
        return self.fields.labels[field_name], None

    def _skip(self, cells: tuple[object, ...]) -> str | None:
        """Why the row is not data (see :func:`skip_reason`), or a repeated header row."""
        reason = skip_reason(cells, self.seq_index)
        if reason is not None:
            return reason
        if self._header_check is not None and self._header_check[0] < len(cells):
            index, field_name, header_text = self._header_check
            cell = cells[index]
            if isinstance(cell, str) and not cell.isascii():
                if field_name == "uscc":
                    if field_for_header(cell, self.fields) == "uscc":
                        return "重复的表头行"
                elif " ".join(cell.split()) == header_text:
                    return "重复的表头行"
        return None

    def _mapped_values(self, cells: tuple[object, ...]) -> tuple[object, ...]:
        """The row's mapped cells, in plan order ("" where a short row has none)."""
        if self._fetch is not None and len(cells) > self._max_index:
            return self._fetch(cells)
        # a short CSV line, or a single mapped column
        return tuple(cells[i] if i < len(cells) else "" for i, _f, _c, _h in self.plan)

    def parse(self, source: SourceRow) -> ParsedRow | SkippedRow:
        """Parse one row into a :class:`ParsedRow`, or a :class:`SkippedRow` if it is not data."""
        cells = source.cells
        reason = self._skip(cells)
        if reason is not None:
            return SkippedRow(source.sheet, source.number, reason)

        sheet, number = source.sheet, source.number
        record: dict[str, Any] = {}
        errors: list[RowError] = []
        failed: set[str] = set()
        values = self._mapped_values(cells)
        for value, (index, field_name, convert, header_text) in zip(values, self.plan):
            if value == "" or value is None:
                continue
            if value.__class__ is FormulaError:
                errors.append(RowError(sheet, number, header_text,
                                       f"公式计算出错（{value}），请改正公式或填写数值后重新报送", index))
                failed.add(field_name)
                continue
            try:
                parsed = convert(value)
            except ValueError as error:
                errors.append(RowError(sheet, number, header_text, str(error), index))
                failed.add(field_name)
                continue
            if parsed is not None:
                record[field_name] = parsed

        def error(field_name: str, message: str) -> None:
            column, index = self._where(field_name)
            errors.append(RowError(sheet, number, column, message, index))

        if self.context is not None:
            return self._check_list_row(source, record, errors, failed, error)
        for field_name, message in (("uscc", "统一社会信用代码不能为空"), ("name", "企业名称不能为空")):
            if field_name not in record and field_name not in failed:
                error(field_name, message)
        self._check_year(record, failed, error)
        self._check_district(record, error)
        self._check_consistency(record, failed, error)
        try:
            digest: int | None = hash((self._signature, values))
        except TypeError:  # a cell of an unhashable type: compared once parsed instead
            digest = None
        return ParsedRow(sheet, number, record, errors, cells, digest=digest)

    def _check_list_row(
        self, source: SourceRow, record: dict[str, Any], errors: list[RowError], failed: set[str],
        error: Callable[[str, str], None],
    ) -> ParsedRow | SkippedRow:
        """A list row: the firm must be named (code or name), then its kind's row step."""
        assert self.context is not None
        sheet, number = source.sheet, source.number
        identity = self.fields.identity
        if not any(f in record or f in failed for f in identity):
            error(identity[0], f"{self.fields.labels[identity[0]]}不能为空")
        notices: list[RowError] = []

        def notice(field_name: str, message: str) -> None:
            column, index = self._where(field_name)
            notices.append(RowError(sheet, number, column, message, index))

        skip = check_list_row(record, self.context, error, notice, self.today, failed)
        if skip is not None:
            return SkippedRow(sheet, number, skip)
        return ParsedRow(sheet, number, record, errors, source.cells, notices=notices)

    def _check_year(self, record: dict[str, Any], failed: set[str], error: Callable[[str, str], None]) -> None:
        if "year" in failed:
            return
        year = record.get("year") or self.layout.year_hint or self.default_year
        if year is None:
            error("year", "缺少年度：请在表中填写“年度”列，或在标题中写明“2023年度”，或导入时指定年度")
            return
        record["year"] = year
        # The rule of every other way in (officer's form, portal): an ended fiscal year,
        # not before 2000 nor before the firm's founding year (when the row states it).
        founded = record.get("founded_on")
        if founded is not None and founded > self.today:
            founded = None  # reported as a date in the future instead
        problem = self._year_problem(year, founded)
        if problem:
            error("year", problem)
        tech_sme_year = record.get("tech_sme_year")
        if tech_sme_year is not None and not MIN_YEAR <= tech_sme_year <= self.today.year + 1:
            error("tech_sme_year", f"入库年度{tech_sme_year}不合理")

    def _year_problem(self, year: int, founded: dt.date | None) -> str | None:
        """:func:`fiscal_year_problem` in Chinese, whoever imports; once per distinct year and
        founding year (a locale switch per row would cost more than the rest of the row)."""
        key = (year, founded.year if founded is not None else None)
        if key not in self._year_problems:
            problem = fiscal_year_problem(year, self.today, founded)
            if problem:
                with force_locale("zh_CN"):
                    problem = fiscal_year_problem(year, self.today, founded)
            self._year_problems[key] = problem
        return self._year_problems[key]

    def _check_district(self, record: dict[str, Any], error: Callable[[str, str], None]) -> None:
        """The code's region decides the district; a district column may only agree with it."""
        named = record.pop("district", None)
        uscc = record.get("uscc")
        from_code = district_from_uscc(uscc) if uscc else None
        from_name = district_from_name(named) if named else None
        if named and from_name is None:
            error("district", f"所属区县「{named}」不是江门市的区（市）")
            return
        if from_code and from_name and from_code != from_name:
            error(
                "district",
                f"所属区县「{named}」与统一社会信用代码登记地{DISTRICTS[from_code]}（{from_code}）不一致",
            )
            return
        resolved = from_code or from_name or self.default_district
        if resolved is None:
            if uscc:
                error("district", f"无法确定所属区县：代码登记地{uscc[2:8]}不是江门市的区（市），请填写“所属区县”")
            return
        record["district_code"] = resolved

    def _check_consistency(
        self, record: dict[str, Any], failed: set[str], error: Callable[[str, str], None]
    ) -> None:
        get = record.get
        employees = get("employees")
        for part in ("tech_staff", "rd_staff"):
            value = get(part)
            if value is not None and employees is not None and value > employees:
                error(part, f"{FIELD_LABELS[part]}（{value}）超过职工总数（{employees}）")
        rd, domestic = get("rd_expense"), get("rd_expense_domestic")
        if rd is not None and domestic is not None and domestic > rd:
            error("rd_expense_domestic", f"境内研发费用（{_fmt(domestic)}）超过研发费用（{_fmt(rd)}）")
        revenue, main = get("revenue"), get("main_revenue")
        if revenue is not None and main is not None and main > revenue:
            error("main_revenue", f"主营业务收入（{_fmt(main)}）超过营业收入（{_fmt(revenue)}）")
        for breach in bound_breaches(record, (TOTAL_REVENUE_BOUND,)):
            error("revenue", f"营业收入（{_fmt(breach.part_value)}）超过总收入（{_fmt(breach.whole_value)}）：总收入包含营业收入")
        hitech = get("hitech_revenue")
        base_field = "total_revenue" if get("total_revenue") is not None else "revenue"
        base = get(base_field)
        if hitech is not None and base is not None and hitech > base:
            error(
                "hitech_revenue",
                f"高新技术产品（服务）收入（{_fmt(hitech)}）超过{FIELD_LABELS[base_field]}（{_fmt(base)}）",
            )
        founded = get("founded_on")
        if founded is not None and founded > self.today:
            error("founded_on", f"成立日期{founded.isoformat()}晚于今天")
        cert_no, issued, valid_to = get("hitech_cert_no"), get("hitech_issued_on"), get("hitech_valid_to")
        # A cell already reported as invalid is not also reported as missing.
        if cert_no and issued is None and "hitech_issued_on" not in failed:
            error("hitech_issued_on", "填写了高新技术企业证书编号，但缺少发证日期")
        if issued is not None and not cert_no and "hitech_cert_no" not in failed:
            error("hitech_cert_no", "填写了高企发证日期，但缺少证书编号")
        if issued is not None and issued > self.today:
            error("hitech_issued_on", f"发证日期{issued.isoformat()}晚于今天")
        if issued is not None and valid_to is not None and valid_to <= issued:
            error("hitech_valid_to", f"有效期至{valid_to.isoformat()}早于发证日期{issued.isoformat()}")


def parse_row(
    source: SourceRow,
    layout: HeaderLayout,
    default_year: int | None = None,
    *,
    default_district: str | None = None,
    today: dt.date | None = None,
) -> ParsedRow | SkippedRow:
    """Parse one row with ``layout`` (convenience; build a :class:`RowParser` for many rows)."""
    return RowParser(layout, default_year, default_district, today).parse(source)
