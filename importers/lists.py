"""The lists a bureau receives, read row by row: what each kind's rows must hold, the numbers
they carry, and the words they use for kinds, levels and programmes. No database here.

Each list kind (``designations``, ``renames``, ``platforms``, ``talents``, ``support``)
has a sheet step — what the whole sheet says (the designation kind of a 高企 filing list,
the date of its announcement, a platform list's level in its title) — and a row step
that turns the parsed cells into the values its writer stores, or says why the row is
rejected or skipped (a firm of another city in a province-wide list). Which firm a row
is about is decided later, by :mod:`importers.matching`, against the database.

Published lists give dates as a day, a month or a year ("2024年12月" is 2024-12-01,
"2024年" 2024-01-01; DOMAIN.md).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crm.districts import DISTRICTS, district_from_name
from crm.models.designation import DesignationKind, hitech_valid_to
from crm.models.platform import PlatformKind, PlatformLevel
from crm.models.support import SupportKind
from crm.models.talent import TalentCategory, TalentProgramme

from importers.headers import HeaderLayout
from importers.values import parse_code, parse_date, shown_cell

JIANGMEN_REGION = "4407"  # the first four digits of every Jiangmen region code (GB/T 2260)
MIN_YEAR = 2000  # no designation a list names starts earlier (高企 recognition as now: 2008)
MIN_PLATFORM_YEAR = 1980  # the first provincial engineering centres and key labs

# 高新技术企业 certificate: GR + year + province code + 6-digit serial (GR202344001234).
_HITECH_NO_RE = re.compile(r"GR(\d{4})(\d{2})(\d{6})")
# 科技型中小企业 入库登记编号: year + the firm's 6-digit region code + a letter + a serial
# (2024440783A0000456); some lists print the letter in lower case or split the parts.
_TECH_SME_NO_RE = re.compile(r"(\d{4})(\d{6})([A-Z])(\d{4,8})")
_VALIDITY_YEARS_RE = re.compile(r"(\d{1,2})年")
_RANGE_SPLIT_RE = re.compile(r"(?:至|到|—|–|~|～|-{1,2})(?=\s*(?:19|20)\d{2})")
_YEAR_ONLY_RE = re.compile(r"((?:19|20)\d{2})\s*年?(?:度)?")
_BATCH_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_END_RE = re.compile(r"\D*(?:19|20)\d{2}\D*")
_MONTH_END_RE = re.compile(r"[^\d.]*(?:19|20)\d{2}[年.\-/]\d{1,2}月?(?:份|底|末)?")
_DATE_WORDS = "发证|颁发|认定|公布|公告|拨付|下达"
_TITLE_DATE_RE = re.compile(
    rf"(?P<before>{_DATE_WORDS})(?:日期|时间)?\s*[为是:：]?\s*"
    r"(?P<day>(?:19|20)\d{2}\s*[年.\-/]\s*\d{1,2}\s*[月.\-/]\s*\d{1,2}\s*日?)"
    rf"|(?P<day2>(?:19|20)\d{{2}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日)\s*(?P<after>{_DATE_WORDS})"
)
# A title's dates, the more telling first: a certificate's issue date over the day the
# announcement was published ("2023年12月28日发证，2024年1月5日公告").
_DATE_WORD_RANK = {"发证": 0, "颁发": 0, "认定": 1, "拨付": 2, "下达": 2, "公布": 3, "公告": 3}
# Words of a list that is not (yet) a designation: candidates, a reserve, a public notice
# before the decision. Only the 高企 reserve (培育库) is a designation kind of its own.
TENTATIVE_WORDS = ("培育", "后备", "拟", "储备", "候选", "公示")

# Guangdong's other prefecture-level cities, as a province-wide list's 地市 column names them.
OTHER_GUANGDONG_CITIES = (
    "广州", "深圳", "珠海", "汕头", "佛山", "韶关", "湛江", "肇庆", "茂名", "惠州", "梅州", "汕尾", "河源",
    "阳江", "清远", "东莞", "中山", "潮州", "揭阳", "云浮",
)


class SheetRefused(ValueError):
    """The whole sheet cannot be imported as the list it is (no designation kind, no date):
    the message (Chinese) says what to give at import."""


# --- words --------------------------------------------------------------------------------

def _plain(text: str) -> str:
    """NFKC, no whitespace, no quotes: how list words are compared."""
    squeezed = "".join(unicodedata.normalize("NFKC", text).split())
    return squeezed.translate(str.maketrans("", "", "\"'“”‘’「」『』"))


def _first_word(text: str, table: Sequence[tuple[str, Any]]) -> Any:  # noqa: ANN401 - a table value
    """The value of the first entry of ``table`` whose word ``text`` contains, or None."""
    plain = _plain(text)
    for word, value in table:
        if word in plain:
            return value
    return None


# Most specific first: "专精特新小巨人" before "专精特新", "高新技术企业培育" before "高新技术企业".
DESIGNATION_WORDS: tuple[tuple[str, DesignationKind], ...] = (
    ("小巨人", DesignationKind.little_giant),
    ("专精特新", DesignationKind.srdi_sme),
    ("创新型中小企业", DesignationKind.innovative_sme),
    ("培育库", DesignationKind.hitech_reserve),
    ("培育入库", DesignationKind.hitech_reserve),
    ("高企培育", DesignationKind.hitech_reserve),
    ("高新技术企业培育", DesignationKind.hitech_reserve),
    ("高新技术企业", DesignationKind.hitech),
    ("高企", DesignationKind.hitech),
    ("科技型小微", DesignationKind.tech_micro),
    ("科技型中小企业", DesignationKind.tech_sme),
    ("瞪羚", DesignationKind.gazelle),
    ("金种子", DesignationKind.golden_seed),
    ("雏鹰", DesignationKind.eaglet),
    ("领军", DesignationKind.leader),
    ("在孵", DesignationKind.incubated),
    ("入孵", DesignationKind.incubated),
    ("上市", DesignationKind.listed),
)
PLATFORM_KIND_WORDS: tuple[tuple[str, PlatformKind], ...] = (
    ("工程技术研究中心", PlatformKind.engineering_center),
    ("工程技术中心", PlatformKind.engineering_center),
    ("工程中心", PlatformKind.engineering_center),
    ("企业技术中心", PlatformKind.enterprise_tech_center),
    ("重点实验室", PlatformKind.key_lab),
    ("实验室", PlatformKind.key_lab),
    ("新型研发机构", PlatformKind.new_rd_institution),
    ("技术创新中心", PlatformKind.tech_innovation_center),
    ("博士后", PlatformKind.postdoc_station),
    ("院士工作站", PlatformKind.academician_workstation),
    ("院士", PlatformKind.academician_workstation),
    ("孵化器", PlatformKind.incubator),
    ("众创空间", PlatformKind.maker_space),
    ("星创天地", PlatformKind.star_space),
    ("加速器", PlatformKind.accelerator),
)
PLATFORM_LEVEL_WORDS: tuple[tuple[str, PlatformLevel], ...] = (
    ("国家级", PlatformLevel.national),
    ("国家", PlatformLevel.national),
    ("省级", PlatformLevel.provincial),
    ("广东省", PlatformLevel.provincial),
    ("省", PlatformLevel.provincial),
    ("市级", PlatformLevel.municipal),
    ("江门市", PlatformLevel.municipal),
)
# In a 级别 cell "市" alone means municipal; in a title or a name it is only part of "江门市X".
LEVEL_CELL_WORDS = (*PLATFORM_LEVEL_WORDS, ("市", PlatformLevel.municipal))
TALENT_PROGRAMME_WORDS: tuple[tuple[str, TalentProgramme], ...] = (
    ("珠江", TalentProgramme.pearl_river),
    ("千人", TalentProgramme.national_thousand),
    ("万人", TalentProgramme.national_ten_thousand),
    ("侨都", TalentProgramme.qiaodu),
    ("湾区", TalentProgramme.bay_area),
    ("院士工作站", TalentProgramme.academician_workstation),
    ("其他", TalentProgramme.other),
    ("其它", TalentProgramme.other),
)
TALENT_CATEGORY_WORDS: tuple[tuple[str, TalentCategory], ...] = (
    ("院士", TalentCategory.academician),
    ("博士", TalentCategory.doctor),
    ("团队", TalentCategory.innovation_team),
    ("高层次", TalentCategory.high_level),
    ("领军", TalentCategory.high_level),
    ("人才", TalentCategory.high_level),
)
SUPPORT_KIND_WORDS: tuple[tuple[str, SupportKind], ...] = (
    ("创新券", SupportKind.voucher),
    ("券", SupportKind.voucher),
    ("股权", SupportKind.investment),
    ("投资", SupportKind.investment),
    ("信贷", SupportKind.loan),
    ("贷款", SupportKind.loan),
    ("贴息", SupportKind.loan),
    ("风险补偿", SupportKind.loan),
    ("补助", SupportKind.subsidy),
    ("补贴", SupportKind.subsidy),
    ("资助", SupportKind.subsidy),
    ("奖励", SupportKind.subsidy),
    ("奖补", SupportKind.subsidy),
    ("财政", SupportKind.subsidy),
)
PROGRAMME_NAMES = "珠江人才计划、国家“千人计划”、国家“万人计划”、侨都英才计划、湾区人才、院士工作站或其他"


def designation_kind_of(text: str) -> DesignationKind | None:
    """The designation kind a title or a 认定类型 cell names ("专精特新“小巨人”企业"), or None.
    A kind's code ("srdi_sme") is read too."""
    plain = _plain(text)
    try:
        return DesignationKind(plain.lower())
    except ValueError:
        kind = _first_word(plain, DESIGNATION_WORDS)
    if kind is not DesignationKind.hitech_reserve and is_tentative(plain):
        return None  # "拟认定高新技术企业名单", "专精特新培育企业": not the designation itself
    return kind


def is_tentative(text: str) -> bool:
    """Whether a title or cell speaks of candidates rather than designated firms
    (:data:`TENTATIVE_WORDS`)."""
    plain = _plain(text)
    return any(word in plain for word in TENTATIVE_WORDS)


# --- numbers ------------------------------------------------------------------------------

@dataclass(frozen=True)
class HitechNumber:
    """A 高新技术企业 certificate number read: the number as stored and the year it names."""

    number: str
    year: int


@dataclass(frozen=True)
class TechSmeNumber:
    """A 科技型中小企业 入库登记编号 read: the number as stored, its year and region code."""

    number: str
    year: int
    region: str

    @property
    def in_jiangmen(self) -> bool:
        return self.region.startswith(JIANGMEN_REGION)

    @property
    def district(self) -> str | None:
        """The Jiangmen district the region code names (None for the city's own code)."""
        return self.region if self.region in DISTRICTS else None


def parse_hitech_number(value: object) -> HitechNumber:
    """A 高企 certificate number as lists print it (any case, spaces, full-width): GR + a
    4-digit year + 2-digit province + 6-digit serial. Raises ValueError (Chinese) otherwise."""
    number = parse_code(value) or ""
    match = _HITECH_NO_RE.fullmatch(number)
    if match is None or not MIN_YEAR <= int(match[1]) <= 2100:
        raise ValueError(f"证书编号「{shown_cell(value)}」不是高新技术企业证书编号"
                         "（应为GR+4位年份+2位省份代码+6位序号，如GR202344001234）")
    return HitechNumber(number, int(match[1]))


def parse_tech_sme_number(value: object) -> TechSmeNumber:
    """A 科技型中小企业 入库登记编号: a 4-digit year, the firm's 6-digit region code, a letter
    and a serial (2024440783A0000456). Raises ValueError (Chinese) otherwise."""
    number = parse_code(value) or ""
    match = _TECH_SME_NO_RE.fullmatch(number)
    if match is None or not MIN_YEAR <= int(match[1]) <= 2100:
        raise ValueError(f"入库登记编号「{shown_cell(value)}」格式不正确"
                         "（应为4位年份+6位区划代码+1个字母+序号，如2024440783A0000456）")
    return TechSmeNumber(number, int(match[1]), match[2])


def number_kind(value: object) -> DesignationKind | None:
    """The designation kind whose number ``value`` is (hitech, tech_sme), or None."""
    for kind, parse in ((DesignationKind.hitech, parse_hitech_number),
                        (DesignationKind.tech_sme, parse_tech_sme_number)):
        try:
            parse(value)
        except ValueError:
            continue
        return kind
    return None


def number_pattern(values: Iterable[object], share: float = 0.8) -> DesignationKind | None:
    """The designation kind the numbers of a column show: at least ``share`` of the non-empty
    ones are 高企 certificate numbers (hitech), or 入库登记编号 (tech_sme), and none is the
    other kind's (a mistyped number is the row's error, not the sheet's); else None."""
    counts = {DesignationKind.hitech: 0, DesignationKind.tech_sme: 0, None: 0}
    for value in values:
        if value is None or value == "":
            continue
        counts[number_kind(value)] += 1
    total = sum(counts.values())
    for kind, other in ((DesignationKind.hitech, DesignationKind.tech_sme),
                        (DesignationKind.tech_sme, DesignationKind.hitech)):
        if total and counts[kind] >= share * total and not counts[other]:
            return kind
    return None


# --- places, dates, validity --------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """Where a list row says its firm is: a Jiangmen district, Jiangmen (no district), or
    another city (the row is skipped)."""

    district: str | None = None
    other_city: str | None = None


def resolve_place(text: str) -> Place | None:
    """A 地市 or 所属区县 cell: None when it names nothing known (the row is rejected)."""
    plain = _plain(text)
    district = district_from_name(plain)
    if district is not None:
        return Place(district=district)
    if plain.startswith("江门") or plain == "江门市":
        return Place()
    for city in OTHER_GUANGDONG_CITIES:
        if plain.startswith(city):
            return Place(other_city=city + "市" if not plain.startswith(city + "市") else plain[: len(city) + 1])
    if plain.endswith(("市", "省", "自治区", "州", "盟")):
        return Place(other_city=plain)
    return None


def parse_list_date(value: object) -> dt.date | None:
    """A date as published lists give it: a day, a month ("2024年12月": the 1st) or a year
    alone ("2024年": 1 January). None for an empty cell; ValueError (Chinese) otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer() \
            and 1900 <= value < 2100:
        return dt.date(int(value), 1, 1)
    if isinstance(value, str):
        match = _YEAR_ONLY_RE.fullmatch("".join(unicodedata.normalize("NFKC", value).split()))
        if match:
            return dt.date(int(match[1]), 1, 1)
    return parse_date(value)


def title_date(texts: Iterable[str]) -> dt.date | None:
    """The date an announcement's title or note gives ("发证日期：2023年12月28日"), or None.
    Of several, an issue date before a recognition date before a payment date before the
    date of publication (:data:`_DATE_WORD_RANK`)."""
    found: list[tuple[int, int, dt.date]] = []
    for text in texts:
        for match in _TITLE_DATE_RE.finditer(unicodedata.normalize("NFKC", text)):
            try:
                day = parse_date(match["day"] or match["day2"])
            except ValueError:
                continue
            found.append((_DATE_WORD_RANK[match["before"] or match["after"]], len(found), day))
    return min(found)[2] if found else None


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def validity_end(start: dt.date, years: int) -> dt.date:
    """The last day of a validity of ``years`` from ``start``: a yearly list (1) runs to the end
    of its year, a longer one to the day before the anniversary."""
    if years <= 1:
        return dt.date(start.year, 12, 31)
    return add_years(start, years) - dt.timedelta(days=1)


def parse_validity(value: object, start: dt.date | None) -> dt.date | None:
    """An 有效期 cell: an end date, a range ("2023.12-2026.11", "2023年12月至2026年12月": the
    end), or a length ("3年", from ``start``). None when empty; ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = "".join(unicodedata.normalize("NFKC", value).split())
        years = _VALIDITY_YEARS_RE.fullmatch(text)
        if years:
            if start is None:
                raise ValueError(f"有效期「{value}」是年限，但没有认定日期可据以计算")
            return add_years(start, int(years[1])) - dt.timedelta(days=1)
        parts = _RANGE_SPLIT_RE.split(text)
        if len(parts) == 2:
            value = parts[1]
    end = parse_list_date(value)
    if end is not None and isinstance(value, str):
        text = "".join(unicodedata.normalize("NFKC", value).split())
        if _YEAR_END_RE.fullmatch(text):
            end = dt.date(end.year, 12, 31)  # "至2026年": to the end of that year
        elif _MONTH_END_RE.fullmatch(text):
            following = dt.date(end.year + end.month // 12, end.month % 12 + 1, 1)
            end = following - dt.timedelta(days=1)  # "2026.11": to the end of that month
    return end


# --- sheets and rows ----------------------------------------------------------------------

def default_validity_years() -> dict[DesignationKind, int]:
    """Years a designation of each kind whose list states none is valid, by default
    (crm.rules.parameters, "designation_validity"; an administrator may change them)."""
    from crm.rules.parameters import VALIDITY_KINDS

    return {DesignationKind(code): years for code, _label, years, _since in VALIDITY_KINDS}


@dataclass(frozen=True)
class ListOptions:
    """What the person importing says of a list (CLI options, the upload page):
    ``designation`` overrides the detected designation kind, ``issued_on`` is the date the
    announcement gives (issue, recognition or payment date) for rows that have none,
    ``validity_years`` the administrator's validity per designation kind."""

    designation: DesignationKind | None = None
    issued_on: dt.date | None = None
    validity_years: Mapping[DesignationKind, int] = field(default_factory=default_validity_years)


@dataclass(frozen=True)
class SheetContext:
    """What a list sheet as a whole says, decided once before its rows."""

    kind: str
    options: ListOptions
    designation: DesignationKind | None = None  # the whole sheet's, when it has one
    designation_from: str | None = None  # "chosen", "title", "numbers" or "column": shown in the preview
    designation_fallback: DesignationKind | None = None  # for rows whose 认定类型 cell is empty
    list_date: dt.date | None = None  # the option's date, else the title's
    year: int | None = None  # from the title ("2024年度"), for rows without a date
    platform_kind: PlatformKind | None = None  # from the title, for rows without a 类别
    level: PlatformLevel | None = None
    programme: TalentProgramme | None = None
    support_kind: SupportKind | None = None
    team_header: bool = False  # the talent name column says 团队


ErrorSink = Callable[[str, str], None]
RowCheck = Callable[[dict[str, Any], "SheetContext", ErrorSink, ErrorSink, ErrorSink, dt.date], "str | None"]


def sheet_context(
    layout: HeaderLayout, options: ListOptions, sheet_name: str, data_cells: Sequence[Sequence[object]],
) -> SheetContext:
    """The sheet step of a list kind (``layout.field_set.kind``): the designation kind (the
    person's choice, else the 认定类型 column row by row, else the numbers, else the title),
    the announcement's date and the title's year, level, category or programme.
    ``data_cells`` are the first data rows, for the number pattern. Raises
    :class:`SheetRefused` when a designation list's kind cannot be told."""
    kind = layout.field_set.kind
    title = [*layout.title, sheet_name]
    date = options.issued_on or title_date(title)
    context: dict[str, Any] = {"kind": kind, "options": options, "list_date": date, "year": layout.year_hint}
    if context["year"] is None and date is not None:
        context["year"] = date.year
    joined = "".join(title)
    if kind == "designations":
        if options.designation is not None:
            context.update(designation=options.designation, designation_from="chosen")
        else:
            column = layout.column_for("certificate_no")
            from_numbers = number_pattern(
                cells[column.index] for cells in data_cells if column.index < len(cells)
            ) if column is not None else None
            from_title = designation_kind_of(joined)
            stated_column = "designation" in layout.fields
            if from_numbers is None and from_title is None and is_tentative(joined) and not stated_column:
                raise SheetRefused("标题表明这是候选、培育、公示或拟认定名单，不是正式认定名单；"
                                   "如确需导入，请在导入时选择认定类型")
            fallback = from_numbers or from_title
            if stated_column:
                # Rows that leave their 认定类型 empty take what the numbers or title say.
                context.update(designation_from="column", designation_fallback=fallback)
            elif fallback is not None:
                context.update(designation=fallback, designation_from="numbers" if from_numbers else "title")
            else:
                raise SheetRefused("无法确定名单的认定类型：标题中没有写明（如“高新技术企业”“专精特新中小企业”），"
                                   "编号也不是高企证书编号或入库登记编号；请在导入时选择认定类型")
    elif kind == "platforms":
        context.update(platform_kind=_first_word(joined, PLATFORM_KIND_WORDS),
                       level=_first_word(joined, PLATFORM_LEVEL_WORDS))
    elif kind == "talents":
        context["programme"] = _first_word(joined, TALENT_PROGRAMME_WORDS)
        column = layout.column_for("talent_name")
        context["team_header"] = column is not None and "团队" in column.header_text
    elif kind == "support":
        context["support_kind"] = _first_word(joined, SUPPORT_KIND_WORDS)
    return SheetContext(**context)


def check_list_row(record: dict[str, Any], ctx: SheetContext, error: ErrorSink, notice: ErrorSink,
                   today: dt.date, failed: frozenset[str] | set[str] = frozenset()) -> str | None:
    """The row step of a list: turns ``record``'s cells into the values its writer stores
    (in place), reporting problems through ``error(field, message)`` and things to know
    through ``notice``. ``failed``: fields whose cell was already refused (not reported
    missing again). Returns a reason to skip the row (another city's firm), else None."""
    skip = _place(record, error)
    if skip:
        return skip

    def missing(field_name: str, message: str) -> None:
        if field_name not in failed:
            error(field_name, message)

    check = _ROW_CHECKS[ctx.kind]
    return check(record, ctx, error, missing, notice, today)


def _place(record: dict[str, Any], error: ErrorSink) -> str | None:
    """Where the row's 地市 / 所属区县 cells put the firm: another city skips the row; a
    Jiangmen district is kept as ``place_district`` for the writer to compare."""
    for field_name in ("city", "district"):
        text = record.pop(field_name, None)
        if text is None:
            continue
        place = resolve_place(text)
        if place is None:
            error(field_name, f"无法识别的地区「{text}」")
            continue
        if place.other_city:
            return f"外市企业（{place.other_city}）"
        if place.district:
            record["place_district"] = place.district
    return None


def _designation_row(record: dict[str, Any], ctx: SheetContext, error: ErrorSink, missing: ErrorSink,
                     notice: ErrorSink, today: dt.date) -> str | None:
    kind = ctx.designation
    stated = record.pop("designation", None)
    if kind is None:
        kind = designation_kind_of(stated) if stated else ctx.designation_fallback
        if kind is None:
            error("designation", (f"认定类型「{stated}」无法识别（候选、培育、公示或拟认定不是认定）"
                                  if stated and is_tentative(stated) else f"认定类型「{stated}」无法识别")
                  if stated else "缺少认定类型")
            return None
    record["kind"] = kind
    number = record.pop("certificate_no", None)
    issued = record.pop("issued_on", None)
    batch = record.pop("batch", None)
    year = record.pop("year", None) or _batch_year(batch) or ctx.year
    start: dt.date | None
    if kind is DesignationKind.hitech:
        if number is None:
            missing("certificate_no", "缺少高新技术企业证书编号")
            return None
        try:
            read = parse_hitech_number(number)
        except ValueError as problem:
            error("certificate_no", str(problem))
            return None
        record["certificate_no"] = read.number
        start = issued or ctx.list_date
        if start is None:
            missing("issued_on", "缺少发证日期：表中没有“发证日期”，标题中也没有；请在导入时填写公告的发证日期")
            return None
        if start.year != read.year:
            notice("issued_on", f"证书编号年份{read.year}与发证日期{start.isoformat()}不一致，请核对")
        end = hitech_valid_to(start)
    elif kind is DesignationKind.tech_sme:
        if number is None:
            missing("certificate_no", "缺少入库登记编号")
            return None
        try:
            registration = parse_tech_sme_number(number)
        except ValueError as problem:
            error("certificate_no", str(problem))
            return None
        if not registration.in_jiangmen:
            return f"外市企业（入库登记编号区划{registration.region}）"
        if registration.year > today.year + 1:
            error("certificate_no", f"入库登记编号年份{registration.year}晚于明年")
            return None
        record["certificate_no"] = registration.number
        if registration.district:
            record["number_district"] = registration.district
        start, end = dt.date(registration.year, 1, 1), dt.date(registration.year, 12, 31)
    else:
        if number is not None:
            other = number_kind(number)
            if other is not None:
                error("certificate_no", f"编号{number}是{_NUMBER_WORDS[other]}，不是这一认定类型的编号；"
                                        "请核对认定类型或编号")
                return None
            record["certificate_no"] = number
        start = issued or ctx.list_date or (dt.date(year, 1, 1) if year else None)
        if start is None:
            missing("issued_on", "缺少认定日期或年度：表中没有“认定时间”“年度”，标题中也没有；请在导入时填写公告日期")
            return None
        end = validity_end(start, ctx.options.validity_years.get(kind, 1))
    if start > today:
        error("issued_on", f"认定（发证）日期{start.isoformat()}晚于今天")
        return None
    if start.year < MIN_YEAR:
        error("issued_on", f"认定（发证）日期{start.isoformat()}早于{MIN_YEAR}年，请核对")
        return None
    stated_end = record.pop("valid_to", None)
    if stated_end is not None:
        try:
            end = parse_validity(stated_end, start) or end
        except ValueError as problem:
            error("valid_to", str(problem))
            return None
        if end < start:
            error("valid_to", f"有效期至{end.isoformat()}早于认定日期{start.isoformat()}")
            return None
    record["valid_from"], record["valid_to"] = start, end
    return None


_NUMBER_WORDS = {DesignationKind.hitech: "高新技术企业证书编号", DesignationKind.tech_sme: "科技型中小企业入库登记编号"}


def _batch_year(batch: str | None) -> int | None:
    match = _BATCH_YEAR_RE.search(unicodedata.normalize("NFKC", batch)) if batch else None
    return int(match[1]) if match else None


def _rename_row(record: dict[str, Any], ctx: SheetContext, error: ErrorSink, missing: ErrorSink,
                _notice: ErrorSink, today: dt.date) -> str | None:
    from importers.matching import normalise_name

    old, new = record.get("old_name"), record.get("new_name")
    if old is None and "uscc" not in record:
        missing("old_name", "原名称不能为空")
    if new is None:
        missing("new_name", "现名称不能为空")
    # Normalised once here, for this check, matching and the writer.
    record["old_normal"] = normalise_name(old) if old else ""
    record["new_normal"] = normalise_name(new) if new else ""
    if old is not None and new is not None and record["old_normal"] == record["new_normal"]:
        error("new_name", "现名称与原名称相同")
    number = record.pop("certificate_no", None)
    if number is not None:
        try:
            record["certificate_no"] = parse_hitech_number(number).number
        except ValueError as problem:
            error("certificate_no", str(problem))
    issued = record.pop("issued_on", None) or ctx.list_date
    if issued is not None and issued > today:
        error("issued_on", f"发证日期{issued.isoformat()}晚于今天")
    if number is not None and issued is not None:
        record["valid_from"], record["valid_to"] = issued, hitech_valid_to(issued)
    renamed = record.get("renamed_on")
    if renamed is not None and renamed > today:
        error("renamed_on", f"更名日期{renamed.isoformat()}晚于今天")
    return None


def _platform_row(record: dict[str, Any], ctx: SheetContext, error: ErrorSink, missing: ErrorSink,
                  _notice: ErrorSink, today: dt.date) -> str | None:
    name = record.get("platform_name")
    if name is None:
        missing("platform_name", "平台名称不能为空")
    stated_kind = record.pop("platform_kind", None)
    if stated_kind is not None:
        kind = _first_word(stated_kind, PLATFORM_KIND_WORDS)
        if kind is None:
            error("platform_kind", f"平台类别「{stated_kind}」无法识别（应为工程技术研究中心、企业技术中心、"
                                   "重点实验室、新型研发机构、技术创新中心、博士后科研工作站、院士工作站、"
                                   "科技企业孵化器、众创空间、星创天地或加速器）")
    else:
        kind = ctx.platform_kind or (_first_word(name, PLATFORM_KIND_WORDS) if name else None)
        if kind is None and name is not None:
            error("platform_kind", "缺少平台类别：表中没有“类别”，标题和平台名称中也看不出")
    stated_level = record.pop("level", None)
    if stated_level is not None:
        level = _first_word(stated_level, LEVEL_CELL_WORDS)
        if level is None:
            error("level", f"平台级别「{stated_level}」无法识别（应为国家级、省级或市级）")
    else:
        level = ctx.level or (_first_word(name, PLATFORM_LEVEL_WORDS) if name else None)
        if level is None and name is not None:
            error("level", "缺少平台级别：表中没有“级别”，标题和平台名称中也看不出")
    record["kind"], record["level"] = kind, level
    start = record.pop("recognized_on", None) or ctx.list_date
    if start is not None and start > today:
        error("recognized_on", f"认定时间{start.isoformat()}晚于今天")
    elif start is not None and start.year < MIN_PLATFORM_YEAR:
        error("recognized_on", f"认定时间{start.isoformat()}早于{MIN_PLATFORM_YEAR}年，请核对")
    record["recognized_on"] = start
    stated_end = record.pop("valid_to", None)
    end = None
    if stated_end is not None:
        try:
            end = parse_validity(stated_end, start)
        except ValueError as problem:
            error("valid_to", str(problem))
        if end is not None and start is not None and end < start:
            error("valid_to", f"有效期至{end.isoformat()}早于认定时间{start.isoformat()}")
    record["valid_to"] = end
    return None


def _talent_row(record: dict[str, Any], ctx: SheetContext, error: ErrorSink, missing: ErrorSink,
                _notice: ErrorSink, today: dt.date) -> str | None:
    name = record.get("talent_name")
    if name is None:
        missing("talent_name", "团队名称（姓名）不能为空")
    stated = record.pop("programme", None)
    programme = _first_word(stated, TALENT_PROGRAMME_WORDS) if stated is not None else ctx.programme
    if programme is None:
        error("programme", f"人才计划「{stated}」无法识别（应为{PROGRAMME_NAMES}）" if stated is not None
              else f"缺少人才计划：表中没有“人才计划”，标题中也看不出（应为{PROGRAMME_NAMES}）")
    stated_category = record.pop("category", None)
    category = _first_word(stated_category, TALENT_CATEGORY_WORDS) if stated_category is not None else None
    if stated_category is not None and category is None:
        error("category", f"人才类别「{stated_category}」无法识别（应为院士、博士、高层次人才或创新创业团队）")
    is_team = category is TalentCategory.innovation_team or (
        category is None and (ctx.team_header or (name is not None and "团队" in name))
    )
    record["category"] = category or (TalentCategory.innovation_team if is_team else TalentCategory.high_level)
    record["is_team"] = is_team
    record["programme"] = programme
    year = record.get("year") or ctx.year
    if year is None:
        error("year", "缺少年度：表中没有“年度”，标题中也没有；请在导入时填写公告日期")
    elif not MIN_YEAR - 20 <= year <= today.year:
        error("year", f"年度{year}不合理")
    record["year"] = year
    if record.get("high_end") is None:
        record["high_end"] = is_team and programme not in (None, TalentProgramme.other)
    return None


def _support_row(record: dict[str, Any], ctx: SheetContext, error: ErrorSink, missing: ErrorSink,
                 _notice: ErrorSink, today: dt.date) -> str | None:
    if record.get("programme") is None:
        missing("programme", "项目类别不能为空")
    stated = record.pop("support_kind", None)
    kind = _first_word(stated, SUPPORT_KIND_WORDS) if stated is not None else (ctx.support_kind or SupportKind.subsidy)
    if kind is None:
        error("support_kind", f"资助类型「{stated}」无法识别（应为财政补助、科技信贷、股权投资或创新券）")
    record["kind"] = kind
    if record.get("amount") is None:
        missing("amount", "金额不能为空")
    year = record.pop("year", None) or ctx.year
    granted = record.get("granted_on") or ctx.list_date or (dt.date(year, 1, 1) if year else None)
    if granted is None:
        missing("granted_on", "缺少拨付日期：表中没有“拨付日期”“年度”，标题中也没有；请在导入时填写拨付日期")
    elif granted > today:
        error("granted_on", f"拨付日期{granted.isoformat()}晚于今天")
    record["granted_on"] = granted
    return None


_ROW_CHECKS: dict[str, RowCheck] = {
    "designations": _designation_row,
    "renames": _rename_row,
    "platforms": _platform_row,
    "talents": _talent_row,
    "support": _support_row,
}
