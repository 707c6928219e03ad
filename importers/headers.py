"""Finding the header of a hand-made sheet and mapping its columns to canonical fields.

County sheets put a merged title ("开平市2023年度科技型企业统计表"), notes
("填报单位：…", "单位：万元") and sometimes a group row ("研发费用" over
"合计 | 其中：境内") or a units row above the data. ``detect_header`` finds
the header block among the first rows, and maps each column through the alias
table of the sheet's kind (``aliases/*.csv``: data, so new spellings need no code
change); the kind of a sheet given without one is found here too (:func:`detect_kind`).
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from importers.fields import ALIASES_DIR, FieldKind, FieldSet, field_set, field_sets
from importers.readers import MergedRange, SourceRow
from importers.values import MONEY_UNIT_FACTORS, parse_number

# The county figure sheet's own spellings (the shared ones are in aliases/common.csv).
ALIASES_PATH = ALIASES_DIR / "figures.csv"

# How far down a sheet the header may start (titles and notes come first).
MAX_HEADER_SCAN = 30
MAX_HEADER_ROWS = 3
# A header row must map at least this many fields, including uscc or name.
MIN_HEADER_FIELDS = 2

UNIT_TOKENS: frozenset[str] = frozenset(
    {"万元", "元", "千元", "亿元", "人", "个", "项", "件", "家", "名", "%", "‰", "年", "次"}
)
# Second-row labels that only say "the total of the group above".
GENERIC_SUBLABELS: frozenset[str] = frozenset(
    {"合计", "小计", "总计", "总额", "金额", "合计数", "数量", "总数", "人数", "数值", "本年", "本年度",
     "当年", "年末数", "期末数", "本期", "本年数", "填报值"}
)

_OPENING = "([{【〔〖［｛<《「『"
_CLOSING = ")]}】〕〗］｝>》」』"
_BRACKETS = str.maketrans({**{c: "(" for c in _OPENING}, **{c: ")" for c in _CLOSING}})
_BRACKETED_RE = re.compile(r"\(([^()]*)\)")
_SLASH_UNIT_RE = re.compile(r"[/:](?:单位:?)?(万元|千元|亿元|元|人|个|项|件|%)$")
_NUMBERING_RE = re.compile(r"^(?:\d{1,2}[.、]|[一二三四五六七八九十]{1,3}[、.]|\(\d{1,2}\)|\([一二三四五六七八九十]{1,3}\))")
_YEAR_TITLE_RE = re.compile(r"((?:19|20)\d{2})\s*年度")
_YEAR_PLAIN_RE = re.compile(r"((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")
_YEAR_SHEET_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_SHEET_UNIT_RE = re.compile(r"单位[:：]\s*(万元|千元|亿元|元)")
_CODE_LIKE_RE = re.compile(r"[0-9A-Za-z]{15,18}")


class HeaderNotFound(ValueError):
    """No row among the first rows of a sheet looks like a header; the message is Chinese."""


class KindUnclear(ValueError):
    """A header is found, but nothing in it or the title tells what kind of sheet it is (names,
    codes and a year only): the person must choose; the message is Chinese."""


@dataclass(frozen=True)
class ColumnMapping:
    """One column of a sheet: where it is, what its header says, which field it feeds."""

    index: int  # 0-based column index as in the sheet (A = 0)
    header_text: str  # the header as the user sees it ("研发费用/其中：境内")
    field: str | None  # canonical field, or None when unknown / ignored by the user
    unit_factor: Decimal = Decimal(1)  # multiply a money value by this to get 万元
    unit: str | None = None  # unit stated in the header, if any


@dataclass
class HeaderLayout:
    """Where a sheet's header is and how its columns map to canonical fields."""

    header_rows: tuple[int, ...]  # 1-based row numbers of the header block
    first_data_row: int  # 1-based row number of the first row below the header
    columns: list[ColumnMapping]
    unknown: list[str] = field(default_factory=list)  # headers that map to no field
    year_hint: int | None = None  # from "2023年度" in the title or the sheet name
    sheet_unit: str | None = None  # from a "单位：万元" note above the header
    duplicates: list[str] = field(default_factory=list)  # headers whose field an earlier column took
    field_set: FieldSet = field(default_factory=lambda: field_set("figures"))  # the kind of sheet
    title: tuple[str, ...] = ()  # texts above the header (title, notes): lists take their date from there

    def column_for(self, field_name: str) -> ColumnMapping | None:
        """The column feeding ``field_name``, if any."""
        for column in self.columns:
            if column.field == field_name:
                return column
        return None

    @property
    def fields(self) -> set[str]:
        """The canonical fields some column feeds."""
        return {c.field for c in self.columns if c.field}

    @property
    def missing_required(self) -> list[str]:
        """Required fields no column feeds (``year`` counts as present when hinted; the code
        or the name suffices to name the firm)."""
        present = self.fields
        missing = [f for f in self.field_set.required if f not in present]
        if "year" in missing and self.year_hint is not None:
            missing.remove("year")
        if "name" in missing and "uscc" in present:
            missing.remove("name")
        return missing


def normalize_header(text: object) -> tuple[str, str | None]:
    """Normalise a header cell into ``(key, unit)``.

    NFKC folds full-width characters and Roman numerals (Ⅰ → I, Ⅱ → II);
    spaces and line breaks go, brackets are unified to "()" and a bracketed
    unit such as "（万元）" or "(单位：人)" is split off and returned on its
    own. Latin letters are lower-cased so "R&D" and "r&d" match.
    """
    if text is None:
        return "", None
    raw = unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS)
    key = "".join(raw.split()).casefold()
    key = key.strip("*★☆※").rstrip(":")
    unit: str | None = None

    def _take_unit(match: re.Match[str]) -> str:
        nonlocal unit
        inner = match.group(1)
        inner = inner.removeprefix("单位:").removeprefix("单位")
        if inner in UNIT_TOKENS:
            unit = inner
            return ""
        return match.group(0)

    key = _BRACKETED_RE.sub(_take_unit, key)
    if key.startswith("(") and key.endswith(")") and key.count("(") == 1:
        key = key[1:-1]  # "【备注】"
    slash = _SLASH_UNIT_RE.search(key)
    if slash:
        unit, key = slash.group(1), key[: slash.start()]
    if key in UNIT_TOKENS and unit is None:
        # A cell that is only a unit ("万元" in a units row).
        unit, key = key, ""
    return key, unit


def _lookup_forms(key: str) -> list[str]:
    """The key and its cleaned variants tried against the alias table."""
    forms = [key]
    stripped = _NUMBERING_RE.sub("", key)
    # "其中" marks a part of the group above; it never changes which field is meant.
    stripped = stripped.replace("其中:", "").replace("其中", "")
    if stripped != key:
        forms.append(stripped)
    return forms


def alias_table(fields: FieldSet | None = None) -> dict[str, str]:
    """Normalised header key → canonical field of a kind of sheet (default: figures)."""
    return (fields or field_set("figures")).alias_table


def field_for_header(text: object, fields: FieldSet | None = None) -> str | None:
    """The canonical field a single header text names, or None."""
    key, _unit = normalize_header(text)
    return _lookup(key, fields or field_set("figures"))


def _lookup(key: str, fields: FieldSet) -> str | None:
    if not key:
        return None
    table = fields.alias_table
    for form in _lookup_forms(key):
        found = table.get(form)
        if found:
            return found
    return None


def _cell_text(value: object) -> str:
    """A header cell as text (headers are text; numbers there are column numbers)."""
    if isinstance(value, str):
        return value.strip()
    return ""


def _nonempty(cells: Sequence[object]) -> list[tuple[int, object]]:
    return [(i, c) for i, c in enumerate(cells) if c is not None and not (isinstance(c, str) and not c.strip())]


def _filled_row(row: SourceRow, width: int, merged: Sequence[MergedRange] | None) -> list[str]:
    """Header texts of one row, a group label copied across the columns it spans.

    With merge information (xlsx, xls) only merged cells are filled; without it
    (csv, ods) a label is carried right over empty cells, which is how a group
    label spanning several columns looks there.
    """
    texts = [_cell_text(row.cells[i]) if i < len(row.cells) else "" for i in range(width)]
    row0 = row.number - 1
    if merged is None:
        current = ""
        for i, text in enumerate(texts):
            if text:
                current = text
            elif current:
                texts[i] = current
        return texts
    for (r0, c0), (r1, c1) in merged:
        if r0 == row0 and c1 > c0 and c0 < width:
            label = texts[c0]
            for c in range(c0 + 1, min(c1, width - 1) + 1):
                if not texts[c]:
                    texts[c] = label
    return texts


@dataclass
class _Column:
    labels: list[str]
    shown: list[str]
    unit: str | None


def _combine(
    block: Sequence[SourceRow],
    width: int,
    merged: Sequence[MergedRange] | None,
    fill_last: bool = False,
) -> list[_Column]:
    """Per column, the labels of the header block top to bottom and the unit stated.

    Group labels are spread over the columns they span in every row but the
    last (or in all rows with ``fill_last``, to test a row below as a sub-header).
    """
    rows = [_filled_row(r, width, merged) if fill_last or k < len(block) - 1 else
            [_cell_text(r.cells[i]) if i < len(r.cells) else "" for i in range(width)]
            for k, r in enumerate(block)]
    columns = []
    for i in range(width):
        labels: list[str] = []
        shown: list[str] = []
        unit = None
        for texts in rows:
            text = texts[i]
            if not text:
                continue
            key, found_unit = normalize_header(text)
            if found_unit:
                unit = found_unit
            if key and (not labels or labels[-1] != key):
                labels.append(key)
                shown.append(" ".join(text.split()))
            elif not key and found_unit and shown:
                shown[-1] += f"（{found_unit}）"  # a units row: "销售收入（万元）"
        columns.append(_Column(labels, shown, unit))
    return columns


def _field_of(labels: Sequence[str], fields: FieldSet) -> str | None:
    """Map a column's stacked labels: the full stack first, then shorter tails."""
    candidates = ["".join(labels[s:]) for s in range(len(labels))]
    if len(labels) >= 2:
        candidates.append(labels[-1] + labels[-2])  # "研发投入" over "其中：境内" → 境内研发投入
    if labels and labels[-1] in GENERIC_SUBLABELS:
        candidates += ["".join(labels[s:-1]) for s in range(len(labels) - 1)]
    for candidate in candidates:
        found = _lookup(candidate, fields)
        if found:
            return found
    return None


def _score(columns: Sequence[_Column], fields: FieldSet) -> int:
    """Distinct non-ignored fields a header block maps."""
    found = {_field_of(c.labels, fields) for c in columns}
    return len({f for f in found if f and fields.kinds[f] is not FieldKind.IGNORED})


def _names_only(columns: Sequence[_Column], fields: FieldSet) -> bool:
    """A header row of a list's firm column beside its 序号 (or 备注), and nothing else known."""
    found = {_field_of(c.labels, fields) for c in columns} - {None}
    named = found & set(fields.identity)
    return len(named) == 1 and found - named and all(fields.kinds[f] is FieldKind.IGNORED for f in found - named)


def _is_continuation(row: SourceRow, above: Sequence[_Column], fields: FieldSet) -> bool:
    """Whether ``row`` continues the header above it (sub-labels or units), not data."""
    cells = _nonempty(row.cells)
    if not cells:
        return False
    for index, value in cells:
        if not isinstance(value, str) or _CODE_LIKE_RE.fullmatch(value.strip()):
            return False
        try:
            parse_number(value)
            return False  # a number: data or a column-number row
        except ValueError:
            pass
        key, unit = normalize_header(value)
        if not key and unit:
            continue
        if key in GENERIC_SUBLABELS or _lookup(key, fields):
            continue
        labels = above[index].labels if index < len(above) else []
        if labels and _field_of([*labels, key], fields):
            continue
        return False
    return True


def _year_hint(texts: Sequence[str], sheet_name: str) -> int | None:
    for pattern in (_YEAR_TITLE_RE, _YEAR_PLAIN_RE):
        for text in texts:
            match = pattern.search(unicodedata.normalize("NFKC", text))
            if match:
                return int(match.group(1))
    match = _YEAR_SHEET_RE.search(sheet_name or "")
    return int(match.group(1)) if match else None


def _sheet_unit(texts: Sequence[str]) -> str | None:
    for text in texts:
        match = _SHEET_UNIT_RE.search(unicodedata.normalize("NFKC", text).replace(" ", ""))
        if match:
            return match.group(1)
    return None


def _unit_factor(field_name: str | None, unit: str | None, sheet_unit: str | None, fields: FieldSet) -> Decimal:
    if field_name not in fields.money_fields:
        return Decimal(1)
    if unit in MONEY_UNIT_FACTORS:
        return MONEY_UNIT_FACTORS[unit]
    if sheet_unit in MONEY_UNIT_FACTORS:
        return MONEY_UNIT_FACTORS[sheet_unit]
    return Decimal(1)  # county sheets keep money in 万元 unless they say otherwise


def detect_header(
    rows: Sequence[SourceRow],
    sheet_name: str = "",
    merged: Sequence[MergedRange] | None = None,
    fields: FieldSet | None = None,
) -> HeaderLayout:
    """Find the header block among the first rows of a sheet and map its columns.

    ``rows`` are the sheet's first rows (at least up to the header; 30 is plenty),
    ``merged`` the sheet's merged ranges as 0-based ``((row, col), (row, col))``
    or None when the format has none (CSV), ``fields`` the kind of sheet (default:
    a county figure sheet). Raises :class:`HeaderNotFound`.
    """
    fields = fields or field_set("figures")
    scan = list(rows[:MAX_HEADER_SCAN])
    if not scan:
        raise HeaderNotFound("工作表为空")
    identity = "”或“".join(fields.labels[f] for f in fields.identity)
    width = max((len(r.cells) for r in scan), default=0)
    single = [_combine([r], width, merged) for r in scan]
    scores = [_score(cols, fields) for cols in single]
    best = max(range(len(scan)), key=lambda k: (scores[k], -k))
    if scores[best] < MIN_HEADER_FIELDS:
        # A published list may name its firms and nothing else: "序号 | 企业名称".
        names_only = [k for k, cols in enumerate(single) if fields.kind != "figures" and _names_only(cols, fields)]
        if not names_only:
            raise HeaderNotFound(f"未找到表头：前30行中没有可识别的列名（如“{identity}”）")
        best = names_only[0]

    start, end = best, best
    # A group row above ("基本情况 | 经营情况") whose labels add fields joins the block.
    if best > 0 and len(_nonempty(scan[best - 1].cells)) >= 2:
        pair = _combine(scan[best - 1 : best + 1], width, merged)
        if _score(pair, fields) > scores[best]:
            start = best - 1
    while end - start + 1 < MAX_HEADER_ROWS and end + 1 < len(scan):
        above = _combine(scan[start : end + 1], width, merged, fill_last=True)
        if not _is_continuation(scan[end + 1], above, fields):
            break
        end += 1
    block_columns = _combine(scan[start : end + 1], width, merged)

    above_texts = [
        str(c) for r in scan[:start] for _i, c in _nonempty(r.cells) if isinstance(c, str)
    ]
    header_texts = [str(c) for r in scan[start : end + 1] for _i, c in _nonempty(r.cells) if isinstance(c, str)]
    sheet_unit = _sheet_unit(above_texts + header_texts)
    layout = HeaderLayout(
        header_rows=tuple(r.number for r in scan[start : end + 1]),
        first_data_row=scan[end].number + 1,
        columns=[],
        year_hint=_year_hint(above_texts, sheet_name),
        sheet_unit=sheet_unit,
        field_set=fields,
        title=tuple(above_texts),
    )
    detected = [
        (index, "/".join(col.shown), _field_of(col.labels, fields), col.unit)
        for index, col in enumerate(block_columns)
        if col.labels
    ]
    _assign(layout, detected)
    if not (set(fields.identity) & layout.fields):
        raise HeaderNotFound(f"未找到表头：缺少“{identity}”列")
    return layout


# Words of a title (or sheet or file name) that say what kind of list it is, most specific
# kind first: a "高新技术企业认定奖励资金拨付名单" is a support list, not a designation list.
TITLE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("renames", ("更名", "名称变更")),
    ("support", ("资助", "补助", "奖励", "拨付", "扶持资金", "资金", "专项经费")),
    ("platforms", ("平台", "研究中心", "技术中心", "实验室", "研发机构", "孵化器", "众创空间", "星创天地", "加速器",
                   "工作站", "创新中心")),
    ("talents", ("人才", "团队")),
    ("designations", ("名单", "名录", "备案", "入库", "认定", "高新技术企业", "科技型中小企业", "专精特新", "小巨人",
                      "创新型中小企业", "瞪羚", "金种子", "雏鹰", "培育库", "领军")),
    ("figures", ("统计表", "报表", "调查表", "年报", "汇总表", "情况表")),
)


def title_kind(texts: Sequence[str]) -> str | None:
    """The kind of list a title names (see :data:`TITLE_WORDS`), or None."""
    joined = unicodedata.normalize("NFKC", "".join("".join(t.split()) for t in texts))
    for kind, words in TITLE_WORDS:
        if any(word in joined for word in words):
            return kind
    return None


def detect_kind(
    rows: Sequence[SourceRow], sheet_name: str = "", merged: Sequence[MergedRange] | None = None,
) -> HeaderLayout:
    """The header layout of a sheet whose kind was not given, under the kind it is.

    Each kind's header is looked for; the kind whose spellings map the most columns
    wins (a county sheet's 高新技术企业证书编号 and 入库编号 beside 年度 are figure columns),
    then the kind whose own (distinctive) fields it maps most of — a 高企 list's 证书编号
    beside 企业名称, a platform list's 平台名称 and 级别. When that does not decide (a list
    of names only), the title, sheet or file name does ("瞪羚企业名单"), else the sheet
    is read as a county figure sheet — unless it has a year but no figure (raises
    :class:`KindUnclear`). Raises :class:`HeaderNotFound` when no kind's header is found."""
    found: list[tuple[int, int, int, int, HeaderLayout]] = []
    first_error: HeaderNotFound | None = None
    sets = list(field_sets().values())
    for position, fields in enumerate(sets):
        try:
            layout = detect_header(rows, sheet_name, merged, fields)
        except HeaderNotFound as error:
            first_error = first_error or error
            continue
        named = title_kind([*layout.title, sheet_name]) == fields.kind
        mapped = sum(1 for f in layout.fields if fields.kinds[f] is not FieldKind.IGNORED)
        found.append((mapped, len(layout.fields & fields.distinctive), int(named), -position, layout))
    if not found:
        raise first_error or HeaderNotFound("工作表为空")
    best = max(found, key=lambda item: item[:4])
    layout = best[4]
    kinds = layout.field_set.kinds
    if layout.field_set.kind == "figures" and "year" in layout.fields and not best[2] and not any(
            kinds[f] is not FieldKind.IGNORED for f in layout.fields - {"uscc", "name", "district", "year"}):
        # Names, codes and a year: read as a county sheet it would make a year's report of
        # each firm with no figure in it, when it is more likely a list whose title is missing.
        # (Names and codes alone stay a county sheet: a roster of firms to add.)
        raise KindUnclear("无法确定表格类型：表中只有企业名称、代码和年度，没有数据列，标题中也看不出是哪种名单；"
                          "请在导入时选择表格类型")
    return layout


def _assign(layout: HeaderLayout, detected: Sequence[tuple[int, str, str | None, str | None]]) -> None:
    """Fill ``layout.columns``/``unknown``/``duplicates``; the first column of a field wins."""
    taken: set[str] = set()
    layout.columns, layout.unknown, layout.duplicates = [], [], []
    for index, header_text, field_name, unit in detected:
        if field_name in taken:
            layout.duplicates.append(header_text)
            field_name = None
        elif field_name is None:
            layout.unknown.append(header_text)
        else:
            taken.add(field_name)
        factor = _unit_factor(field_name, unit, layout.sheet_unit, layout.field_set)
        layout.columns.append(ColumnMapping(index, header_text, field_name, factor, unit))


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def apply_mapping_override(
    layout: HeaderLayout, override: Mapping[int | str, str | None] | None
) -> HeaderLayout:
    """Return a copy of ``layout`` with the user's corrections applied.

    Keys are 0-based column indexes or header texts (as shown, or any spelling
    that normalises the same); values are canonical fields, or None/"" to ignore
    the column. Keys that match no column are ignored, so a mapping remembered
    for a source still applies when a later file drops a column. A field the
    user assigns is taken away from any column detection gave it to.
    """
    if not override:
        return layout
    for target in override.values():
        if target and target not in layout.field_set.kinds:
            raise ValueError(f"未知的字段：{target}")
    by_index = {k: v for k, v in override.items() if isinstance(k, int)}
    by_text = {normalize_header(k)[0]: v for k, v in override.items() if isinstance(k, str)}
    chosen: dict[int, str | None] = {}
    rows: dict[int, tuple[str, str | None, str | None]] = {
        c.index: (c.header_text, c.field, c.unit) for c in layout.columns
    }
    for index, (header_text, _field, _unit) in rows.items():
        key = normalize_header(header_text.replace("/", ""))[0]
        if header_text in override:
            chosen[index] = override[header_text] or None
        elif key in by_text:
            chosen[index] = by_text[key] or None
    for index, target in by_index.items():
        if index < 0:
            continue
        chosen[index] = target or None
        rows.setdefault(index, (f"第{column_letter(index)}列", None, None))
    assigned = {f for f in chosen.values() if f}
    detected = []
    for index in sorted(rows):
        header_text, field_name, unit = rows[index]
        if index in chosen:
            field_name = chosen[index]
        elif field_name in assigned:
            field_name = None  # the user moved this field to another column
        detected.append((index, header_text, field_name, unit))
    result = dataclasses.replace(layout)
    _assign(result, detected)
    # Columns the user chose to ignore are not "unknown": they were looked at.
    ignored_texts = {rows[i][0] for i, f in chosen.items() if f is None}
    result.unknown = [u for u in result.unknown if u not in ignored_texts]
    return result
