"""The project's one place that turns spreadsheet cells into numbers, dates and flags.

Cells arrive as what the readers give: ``str`` (always for CSV), ``float``/``int``,
``bool``, ``datetime.date``/``datetime.datetime`` (python-calamine converts
date-formatted cells), or ``""``/``None`` for empty cells. Every parser returns
``None`` for an empty cell (or a "nothing" marker such as "—", "/", "无") and
raises ``ValueError`` with a message for people (Chinese) on anything else it
cannot read. Parsers never guess silently: an ambiguous value is an error.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Cells that mean "not reported". "0" is a value, not one of these.
EMPTY_MARKERS: frozenset[str] = frozenset(
    {"", "-", "--", "—", "——", "–", "/", "\\", "无", "暂无", "空", "n/a", "na", "null", "none", "#n/a"}
)

# Units a number cell may carry; money units convert to 万元.
MONEY_UNIT_FACTORS: dict[str, Decimal] = {
    "元": Decimal("0.0001"),
    "千元": Decimal("0.1"),
    "万元": Decimal("1"),
    "亿元": Decimal("10000"),
}
COUNT_UNITS: frozenset[str] = frozenset({"人", "个", "项", "件", "家", "名", "位"})

FOUR_PLACES = Decimal("0.0001")
# Larger than any Jiangmen firm's figure in 万元 (10^12 万元 = 10^16 yuan); catches misread codes.
MAX_MONEY = Decimal("1e12")
MAX_COUNT = 10_000_000

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's 1900 leap-year bug
_MIN_SERIAL, _MAX_SERIAL = 1, 2_958_465  # 1900-01-01 .. 9999-12-31

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# Commas in a number are only read as thousands separators where they are ones: every
# three digits of the whole part ("1,234,567.8"). "1,23" or "1.234,5" is a typo or a
# decimal comma; dropping the comma would silently make it another number.
_GROUPED_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
# Spaces between digits likewise: "1 234 567" (digit groups as some offices and French or
# Russian locales write them), not "12 34", which is refused rather than read as 1234.
_SPACED_DIGITS_RE = re.compile(r"\d+(?:\s+\d+)+")
_SPACE_GROUPED_RE = re.compile(r"\d{1,3}(?:\s+\d{3})+")
_UNIT_RE = re.compile(r"^(.*?)(%|‰|万元|千元|亿元|元|人|个|项|件|家|名|位)$")
_YMD_RE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
_YM_RE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?(?:份)?")
_COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME_SUFFIX_RE = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})(?:\.0+)?\s*(?:年度|年)?")

_TRUE_WORDS = frozenset({"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对", "有", "规上", "规模以上"})
_FALSE_WORDS = frozenset({"否", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "不是", "规下", "规模以下"})


def is_empty(value: object) -> bool:
    """True for an empty cell or one holding only a "not reported" marker."""
    if value is None:
        return True
    if isinstance(value, str):
        return _clean_text(value).lower() in EMPTY_MARKERS
    return False


def _clean_text(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII) and drop all whitespace."""
    if text.isascii():
        return "".join(text.split())
    return "".join(unicodedata.normalize("NFKC", text).replace("−", "-").split())


def shown_cell(value: object) -> str:
    """The cell as a person would recognise it in a message (a whole float without ".0",
    as Excel shows it)."""
    if type(value) is float and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


class NumberTextError(ValueError):
    """Text that is not a number as written: ``str()`` is the importer's message (Chinese,
    quoting the cell); ``reason`` says why, for forms that word it themselves:
    "comma" or "space" (a separator that does not group three digits), else "invalid"."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


def parse_number(value: object) -> tuple[Decimal | None, str | None]:
    """Parse a numeric cell into ``(number, unit written in the cell or None)``.

    Accepts thousands separators where they group three digits, full-width digits, a
    leading sign, a leading ¥, accounting negatives "(123)" and one trailing unit ("万元", "人", "%").
    The one reading of typed numbers: the officer's figure fields and the portal's report
    form use it too.
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        raise ValueError(f"「{value}」不是数字")
    if isinstance(value, int):
        return Decimal(value), None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("数值无效")
        # str() gives the shortest repr, so 0.1 stays 0.1 rather than its binary expansion.
        return Decimal(str(value)), None
    if isinstance(value, Decimal):
        return value, None
    if not isinstance(value, str):
        raise ValueError(f"「{shown_cell(value)}」不是数字")
    if not value.isdigit():  # the common all-digit cell has no spaces to check
        for run in _SPACED_DIGITS_RE.findall(unicodedata.normalize("NFKC", value)):
            if not _SPACE_GROUPED_RE.fullmatch(run):
                raise NumberTextError(
                    f"「{shown_cell(value)}」中的空格不是千位分隔符（应每三位一个，如 1 234.5），无法确定数值", "space")
    text = _clean_text(value)
    if text.lower() in EMPTY_MARKERS:
        return None, None
    if text[:1] == "¥":  # "￥12.5" (NFKC makes the full-width sign ¥): the currency, not part of the number
        text = text[1:].lstrip()
    unit = None
    match = _UNIT_RE.match(text)
    if match:
        text, unit = match.group(1), match.group(2)
    negative = False
    if len(text) > 2 and text[0] == "(" and text[-1] == ")":
        negative, text = True, text[1:-1]
    if "," in text:
        if not _GROUPED_RE.fullmatch(text):
            raise NumberTextError(
                f"「{shown_cell(value)}」中的逗号不是千位分隔符（应每三位一个，如 1,234.5），无法确定数值", "comma")
        text = text.replace(",", "")
    if not _NUMBER_RE.fullmatch(text):
        raise NumberTextError(f"「{shown_cell(value)}」不是有效的数字")
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid literals
        raise NumberTextError(f"「{shown_cell(value)}」不是有效的数字") from None
    return (-number if negative else number), unit


def parse_decimal(value: object, *, ratio: bool = False) -> Decimal | None:
    """Parse a number; ``None`` for empty cells.

    With ``ratio=True`` a percentage ("5%", "5 ％") becomes a fraction (0.05);
    otherwise a percentage is an error. Other trailing units are ignored —
    use :func:`parse_money` where the unit changes the value.
    """
    number, unit = parse_number(value)
    if number is None:
        return None
    if unit in ("%", "‰"):
        if not ratio:
            raise ValueError(f"「{shown_cell(value)}」应为数值，不应为百分比")
        return number / (100 if unit == "%" else 1000)
    return number


def parse_money(value: object, factor: Decimal = Decimal(1)) -> Decimal | None:
    """Parse an amount into 万元, quantized to 4 places; ``None`` for empty cells.

    ``factor`` converts the column's unit to 万元 (元 → 0.0001); a money unit
    written in the cell itself ("50000元") takes precedence over the column's.
    """
    if type(value) is float and value == value and abs(value) < 1e15:  # fast path: most cells
        number = Decimal(str(value))
    else:
        number, unit = parse_number(value)
        if number is None:
            return None
        if unit is not None:
            if unit in MONEY_UNIT_FACTORS:
                factor = MONEY_UNIT_FACTORS[unit]
            else:
                raise ValueError(f"「{shown_cell(value)}」应为金额")
    if factor != 1:
        number *= factor
    if abs(number) >= MAX_MONEY:
        raise ValueError(f"「{shown_cell(value)}」数值过大，请检查单位")
    return number.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def parse_int(value: object) -> int | None:
    """Parse a whole number (a count of people or items); ``None`` for empty cells."""
    if type(value) is int:
        number: Decimal | int = value
    elif type(value) is float and value.is_integer():
        number = int(value)
    else:
        parsed, unit = parse_number(value)
        if parsed is None:
            return None
        if unit is not None and unit not in COUNT_UNITS:
            raise ValueError(f"「{shown_cell(value)}」应为整数")
        if parsed != parsed.to_integral_value():
            raise ValueError(f"「{shown_cell(value)}」应为整数")
        number = int(parsed)
    if abs(number) > MAX_COUNT:
        raise ValueError(f"「{shown_cell(value)}」数值过大")
    return int(number)


def _make_date(year: int, month: int, day: int, shown: object) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"「{shown_cell(shown)}」不是有效的日期") from None


def _date_from_serial(serial: int | float, shown: object) -> dt.date:
    if not _MIN_SERIAL <= serial <= _MAX_SERIAL:
        raise ValueError(f"「{shown_cell(shown)}」不是有效的日期")
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _date_from_number(value: int | float, shown: object) -> dt.date:
    """A number in a date column: 20190512, an Excel serial, or 2019.05 (year.month)."""
    if 1900 <= value < 2100 and not float(value).is_integer():
        # A year.month typed as a number: 2019.05 is May, but 2019.1 may have been
        # typed as 2019.10 (October) or 2019.1 (January) — refuse to guess.
        fraction = repr(float(value)).split(".")[1]
        if fraction == "1":
            raise ValueError(f"「{shown_cell(shown)}」有歧义（1月还是10月？），请填写完整日期")
        return _make_date(int(value), int(fraction), 1, shown)
    if float(value).is_integer() and 19000101 <= value <= 21001231:
        text = str(int(value))
        return _make_date(int(text[:4]), int(text[4:6]), int(text[6:]), shown)
    if 1900 <= value < 2100:
        raise ValueError(f"「{shown_cell(shown)}」只有年份，请填写完整日期")
    return _date_from_serial(value, shown)


def parse_date(value: object) -> dt.date | None:
    """Parse a date cell; ``None`` for empty cells.

    Accepts real dates and datetimes, Excel serial numbers, "2019-05-12",
    "2019/5/12", "2019.5.12", "2019年5月12日", "20190512", and year-month
    forms ("2019.05", "2019年5月") which mean the first of that month.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"「{value}」不是日期")
    if isinstance(value, (int, float)):
        return _date_from_number(value, value)
    if not isinstance(value, str):
        raise ValueError(f"「{shown_cell(value)}」不是日期")
    if _clean_text(value).lower() in EMPTY_MARKERS:
        return None
    # Drop a time part ("2019-05-12 00:00:00" from exported text) before removing spaces.
    spaced = _TIME_SUFFIX_RE.sub("", unicodedata.normalize("NFKC", value).strip())
    text = "".join(spaced.split())
    match = _YMD_RE.fullmatch(text)
    if match:
        return _make_date(int(match[1]), int(match[2]), int(match[3]), value)
    match = _COMPACT_DATE_RE.fullmatch(text)
    if match:
        return _make_date(int(match[1]), int(match[2]), int(match[3]), value)
    match = _YM_RE.fullmatch(text)
    if match:
        if text.count(".") == 1 and text.endswith(".1"):
            raise ValueError(f"「{shown_cell(value)}」有歧义（1月还是10月？），请填写完整日期")
        return _make_date(int(match[1]), int(match[2]), 1, value)
    if re.fullmatch(r"(?:19|20)\d{2}年?", text):
        raise ValueError(f"「{shown_cell(value)}」只有年份，请填写完整日期")
    if text.isdigit() and len(text) <= 5:
        return _date_from_serial(int(text), value)
    raise ValueError(f"「{shown_cell(value)}」不是可识别的日期（示例：2019-05-12）")


def parse_bool(value: object) -> bool | None:
    """Parse a yes/no cell (是/否, Y/N, √/×, 1/0); ``None`` for empty cells."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = _clean_text(value).lower()
        if text in _TRUE_WORDS:
            return True
        if text in _FALSE_WORDS:
            return False
        if text in EMPTY_MARKERS:
            return None
    raise ValueError(f"「{shown_cell(value)}」应填“是”或“否”")


def parse_year(value: object) -> int | None:
    """Parse a fiscal year: 2023, 2023.0, "2023", "2023年", "2023年度"; ``None`` if empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime)):
        raise ValueError(f"「{shown_cell(value)}」不是年份，应填写如 2023")
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 1900 <= value < 2100:
            return int(value)
        raise ValueError(f"「{shown_cell(value)}」不是有效的年份")
    if not isinstance(value, str):
        raise ValueError(f"「{shown_cell(value)}」不是有效的年份")
    text = _clean_text(value)
    if text.lower() in EMPTY_MARKERS:
        return None
    match = _YEAR_RE.fullmatch(text)
    if not match:
        raise ValueError(f"「{shown_cell(value)}」不是有效的年份，应填写如 2023")
    return int(match[1])


def parse_text(value: object) -> str | None:
    """A text cell, stripped, with inner runs of whitespace collapsed; ``None`` if empty.

    Whole numbers stored as numbers (a phone number 13800138000.0) lose the ".0".
    """
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = " ".join(str(value).split())
    return text or None


def parse_code(value: object) -> str | None:
    """A certificate or registration number: half-width, upper case, no spaces."""
    text = parse_text(value)
    if text is None or is_empty(text):
        return None
    return _clean_text(text).upper()
