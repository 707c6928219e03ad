"""Portal operations: a firm's annual reports, profile change requests, standing and reminders.

Every function takes the firm (already resolved from the signed-in user or
through crm.scoping) and never trusts an enterprise id from a form. Callers
commit; the audit trail records the ORM changes.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, update

from crm.clock import today, utcnow
from crm.extensions import db
from crm.formatting import count, money
from crm.models import (
    AnnualReport,
    ChangeRequest,
    ChangeRequestStatus,
    Designation,
    Enterprise,
    Flag,
    Platform,
    PlatformKind,
    PlatformLevel,
    ReportStatus,
    Talent,
    TalentCategory,
    TalentProgramme,
    User,
)
from crm.models.annual_report import (
    FIGURE_FIELDS,
    MONEY_FIELDS,
    NON_NEGATIVE_FIELDS,
    REPORT_STATUS_LABELS,
)
from crm.models.base import MONEY_PLACES
from crm.models.enterprise import HITECH_FIELD_NAMES, HitechField, Industry
from crm.models.lengths import length_error
from crm.reports.consistency import (
    HITECH_BOUND,
    MAIN_REVENUE_BOUND,
    STORED_BOUNDS,
    TOTAL_REVENUE_BOUND,
    bound_breaches,
)
from crm.reports.services import FigureChange
from crm.rules_catalogue import RULE_LABELS
from crm.scoping import scoped

# --- The annual report form's figures ---------------------------------------------------


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    unit: str
    help: str


@dataclass(frozen=True)
class Section:
    title: str
    figures: tuple[Figure, ...]


SECTIONS: tuple[Section, ...] = (
    Section(_l("经营情况"), (
        Figure("revenue", _l("销售收入（营业收入）"), _l("万元"), _l("本年度营业收入，研发费用占比以此为分母。必填。")),
        Figure("total_revenue", _l("总收入"), _l("万元"), _l("收入总额（含营业外收入等）；不填时按销售收入计。")),
        Figure("main_revenue", _l("主营业务收入"), _l("万元"), _l("主营业务（主导产品）的收入，不得超过销售收入；用于专精特新等评价。")),
        Figure("hitech_revenue", _l("高新技术产品（服务）收入"), _l("万元"), _l("来自高新技术产品（服务）的收入，不得超过总收入。")),
        Figure("total_assets", _l("资产总额"), _l("万元"), _l("年末资产总额。必填。")),
        Figure("total_liabilities", _l("负债总额"), _l("万元"), _l("年末负债总额，用于计算资产负债率。")),
        Figure("net_assets", _l("净资产"), _l("万元"), _l("年末所有者权益；亏损企业可为负数。")),
        Figure("net_profit", _l("净利润"), _l("万元"), _l("本年度净利润；亏损时填负数。")),
        Figure("total_costs", _l("成本费用总额"), _l("万元"), _l("营业成本与期间费用之和，用于计算研发费用占成本费用比例。")),
    )),
    Section(_l("研发投入"), (
        Figure("rd_expense", _l("研发费用"), _l("万元"), _l("本年度研究开发费用总额（按税务口径归集）。必填，无则填0。")),
        Figure("rd_expense_domestic", _l("境内研发费用"), _l("万元"), _l("在中国境内发生的研发费用，不得超过研发费用总额。")),
    )),
    Section(_l("人员"), (
        Figure("employees", _l("职工总数"), _l("人"), _l("年度职工总数（含全年累计工作183天以上的兼职、临时人员）。必填。")),
        Figure("tech_staff", _l("科技人员数"), _l("人"), _l("直接从事研发和相关技术创新活动的人员，不得超过职工总数。必填，无则填0。")),
        Figure("rd_staff", _l("研发人员数"), _l("人"), _l("专职从事研发活动的人员，不得超过职工总数。")),
    )),
    Section(_l("知识产权"), (
        Figure("ip_class1", _l("I类知识产权数"), _l("项"), _l("发明专利、植物新品种、国家新药、集成电路布图设计等的有效数量。必填，无则填0。")),
        Figure("ip_class2", _l("II类知识产权数"), _l("项"), _l("实用新型专利、外观设计专利、软件著作权等的有效数量。必填，无则填0。")),
    )),
)
FIGURES: dict[str, Figure] = {f.name: f for s in SECTIONS for f in s.figures}
assert set(FIGURES) == set(FIGURE_FIELDS), "every AnnualReport figure has a place on the form"

# Required to submit (zero is a valid answer): what every rung's rules read and
# every firm knows. Other figures may stay blank; the rules then say what is missing.
REQUIRED_ON_SUBMIT = ("revenue", "total_assets", "rd_expense", "employees", "tech_staff", "ip_class1", "ip_class2")
# Money columns are Numeric(16, 4): at most 12 digits before the point.
MAX_MONEY = Decimal("1e12")
MAX_COUNT = 10_000_000
# Longest text kept for a figure that could not be stored (nobody types a longer number).
MAX_TYPED = 100
# Earliest fiscal years a firm may still report through the portal.
YEARS_BACK = 5
EDITABLE = (ReportStatus.draft, ReportStatus.returned)
STATUS_LABELS = REPORT_STATUS_LABELS
# The bounds the database's check constraints demand (STORED_BOUNDS) and high-tech revenue
# within total revenue (HITECH_BOUND, checked on submit only) are crm.reports.consistency's,
# shared with the officer's form.


class ReportError(ValueError):
    """An operation on a report that its status does not allow (message for people)."""


@dataclass
class FigureCheck:
    """The outcome of checking typed figures: values to store, errors per field, warnings."""

    values: dict[str, Decimal | int | None] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @property
    def ok(self) -> bool:
        return not self.errors


def _units_of(name: str) -> tuple[str, ...]:
    """The units a person may type after a figure (the Chinese ones, whatever the page's language)."""
    if name in MONEY_FIELDS:
        return ("万元",)
    return ("项", "件", "个") if name.startswith("ip_") else ("人", "名")


class _Unreadable(ValueError):
    """Typed text that is not a number as written (the message for people)."""


def _read_number(text: str, figure: Figure) -> Decimal | None:
    """What people type, read as the importer and the officer's form read it
    (:func:`importers.values.parse_number`): full-width digits, thousands separators only
    where they group three digits ("1,23" or "12 34" is refused, not stored as 123 or
    1234), the figure's own unit after the number.

    None for blank; _Unreadable (with a message naming the field) for anything else.
    """
    from importers.values import EMPTY_MARKERS, NumberTextError, parse_number

    shown = text.strip()
    if not shown:
        return None
    invalid = _("%(label)s：“%(value)s”不是有效的数字。", label=figure.label, value=shown)
    if "".join(unicodedata.normalize("NFKC", shown).split()).lower() in EMPTY_MARKERS:
        raise _Unreadable(invalid)  # "无", "-": a figure not reported is left blank
    try:
        number, unit = parse_number(shown)
    except NumberTextError as exc:
        if exc.reason == "space":
            raise _Unreadable(_("%(label)s：“%(value)s”中的空格不是千位分隔符（应每三位一个，如 1 234.5），请改正。",
                                label=figure.label, value=shown)) from None
        if exc.reason == "comma":
            raise _Unreadable(_("%(label)s：“%(value)s”中的逗号不是千位分隔符（应每三位一个，如 1,234.5），请改正。",
                                label=figure.label, value=shown)) from None
        raise _Unreadable(invalid) from None
    if unit is not None and unit not in _units_of(figure.name):
        raise _Unreadable(_("%(label)s以%(unit)s为单位，请换算后只填写数字（不带单位）。",
                            label=figure.label, unit=figure.unit))
    return number


def parse_figures(raw: Mapping[str, Any]) -> FigureCheck:
    """Parse typed figures; blank means not reported. Errors name the field in Chinese."""
    check = FigureCheck()
    for name in FIGURE_FIELDS:
        figure = FIGURES[name]
        try:
            number = _read_number(str(raw.get(name) or ""), figure)
        except _Unreadable as exc:
            check.error(name, str(exc))
            continue
        if number is None:
            check.values[name] = None
            continue
        if number < 0 and name in NON_NEGATIVE_FIELDS:
            check.error(name, _("%(label)s不能为负数。", label=figure.label))
            continue
        if name in MONEY_FIELDS:
            if abs(number) >= MAX_MONEY:
                check.error(name, _("%(label)s数值过大，请以万元为单位填写。", label=figure.label))
                continue
            if number != number.quantize(MONEY_PLACES):
                check.error(name, _("%(label)s最多保留4位小数（万元）。", label=figure.label))
                continue
            check.values[name] = number.quantize(MONEY_PLACES)
        else:
            if number != number.to_integral_value():
                check.error(name, _("%(label)s应为整数（%(unit)s）。", label=figure.label, unit=figure.unit))
                continue
            if number > MAX_COUNT:
                check.error(name, _("%(label)s数值过大。", label=figure.label))
                continue
            check.values[name] = int(number)
    _check_bounds(check)
    return check


def amount(name: str, value: Decimal | int) -> str:
    """A figure with its unit as people read it in a message: 500.0000 -> "500 万元", 12.5 -> "12.5 万元"."""
    if name in MONEY_FIELDS:
        exponent = Decimal(value).normalize().as_tuple().exponent
        text = money(value, places=max(0, -int(exponent)))
    else:
        text = count(int(value))
    return f"{text} {FIGURES[name].unit}"


def _check_bounds(check: FigureCheck) -> None:
    """The consistency the database enforces: a part never exceeds its whole."""
    for part, whole, message in STORED_BOUNDS:
        a, b = check.values.get(part), check.values.get(whole)
        if a is not None and b is not None and a > b:
            check.error(part, _("%(message)s（%(part)s %(a)s > %(whole)s %(b)s）。", message=message,
                                part=FIGURES[part].label, a=amount(part, a), whole=FIGURES[whole].label,
                                b=amount(whole, b)))


def _check_hitech_revenue(check: FigureCheck) -> None:
    """High-tech revenue within total revenue (sales revenue when no total), main-business
    revenue within sales revenue, and sales revenue within total revenue: checked on submit only."""
    for breach in bound_breaches(check.values, (HITECH_BOUND,)):
        hitech, total = breach.part_value, breach.whole_value
        check.error("hitech_revenue", _("高新技术产品（服务）收入不得超过总收入（未填总收入时为销售收入）：%(hitech)s > %(total)s。",
                                        hitech=amount("hitech_revenue", hitech), total=amount("revenue", total)))
    for breach in bound_breaches(check.values, (MAIN_REVENUE_BOUND,)):
        check.error("main_revenue", _("主营业务收入不得超过销售收入：%(main)s > %(revenue)s。",
                                      main=amount("main_revenue", breach.part_value),
                                      revenue=amount("revenue", breach.whole_value)))
    for breach in bound_breaches(check.values, (TOTAL_REVENUE_BOUND,)):
        check.error("revenue", _("销售收入不得超过总收入（总收入包含销售收入）：%(revenue)s > %(total)s。",
                                 revenue=amount("revenue", breach.part_value),
                                 total=amount("total_revenue", breach.whole_value)))


def check_for_submit(check: FigureCheck, previous: AnnualReport | None) -> None:
    """Add what submitting needs on top of parsing: required figures, revenue bound, change warnings."""
    for name in REQUIRED_ON_SUBMIT:
        if name not in check.errors and check.values.get(name) is None:
            check.error(name, _("%(label)s为必填项（没有请填0）。", label=FIGURES[name].label))
    _check_hitech_revenue(check)
    check.warnings = change_warnings(check.values, previous)


def change_warnings(values: Mapping[str, Any], previous: AnnualReport | None) -> list[str]:
    """Figures that moved by more than half from last year's report, or appeared from zero.

    The same test (crm.reports.services.FigureChange.large) marks them on the
    officer's review page, so the firm is asked to explain what the officer will query.
    """
    if previous is None:
        return []
    warnings = []
    for name in FIGURE_FIELDS:
        new, old = values.get(name), getattr(previous, name)
        if new is None or old is None:
            continue
        change = None if old == 0 else (Decimal(new) - Decimal(old)) / abs(Decimal(old))
        if not FigureChange(name, old, new, change).large:
            continue
        figure = FIGURES[name]
        words = {"label": figure.label, "year": previous.year, "old": _plain(old), "new": _plain(new),
                 "unit": figure.unit}
        if change is None:
            warnings.append(_("%(label)s由%(year)s年度的 %(old)s %(unit)s 变为 %(new)s %(unit)s", **words))
        elif change > 0:
            warnings.append(_("%(label)s由%(year)s年度的 %(old)s %(unit)s 变为 %(new)s %(unit)s（增加 %(percent)s%%）",
                              percent=f"{change * 100:.0f}", **words))
        else:
            warnings.append(_("%(label)s由%(year)s年度的 %(old)s %(unit)s 变为 %(new)s %(unit)s（减少 %(percent)s%%）",
                              percent=f"{-change * 100:.0f}", **words))
    return warnings


def _plain(value: Decimal | int) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), ",f") if value == value.to_integral_value() else f"{value:,.2f}"
    return f"{value:,}"


def plain_number(value: Decimal | int) -> str:
    """A stored figure as a person would type it: 3000.0000 -> "3000", 12.5000 -> "12.5"."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def last_fiscal_year() -> int:
    return today().year - 1


def report_for(firm: Enterprise, year: int) -> AnnualReport | None:
    return db.session.scalar(
        select(AnnualReport).where(AnnualReport.enterprise_id == firm.id, AnnualReport.year == year)
    )


def previous_report(firm: Enterprise, year: int) -> AnnualReport | None:
    """Last year's report for comparing figures, unless it is still an unfinished draft.

    The officer's review compares with the same report (crm.reports.services.previous_report).
    """
    previous = report_for(firm, year - 1)
    return previous if previous is not None and previous.status is not ReportStatus.draft else None


def open_years(firm: Enterprise) -> list[int]:
    """Fiscal years the firm may fill in now, newest first: last year and earlier years not yet handed in."""
    latest = last_fiscal_year()
    first = latest - YEARS_BACK
    if firm.founded_on is not None:
        first = max(first, firm.founded_on.year)
    handed_in = set(
        db.session.scalars(
            select(AnnualReport.year).where(
                AnnualReport.enterprise_id == firm.id,
                AnnualReport.status.in_((ReportStatus.submitted, ReportStatus.verified)),
            )
        )
    )
    return [y for y in range(latest, first - 1, -1) if y not in handed_in]


def year_allowed(firm: Enterprise, year: int) -> bool:
    """A year the firm may open: an existing report of it, or an open year."""
    return report_for(firm, year) is not None or year in open_years(firm)


def get_or_start_report(firm: Enterprise, year: int) -> AnnualReport:
    """The firm's report for `year`, or a new draft (added, not committed)."""
    report = report_for(firm, year)
    if report is None:
        if year not in open_years(firm):
            raise ReportError(_("%(year)s年度不在可填报的年度范围内。", year=year))
        report = AnnualReport(enterprise_id=firm.id, year=year, status=ReportStatus.draft)
        db.session.add(report)
    return report


def is_editable(report: AnnualReport) -> bool:
    return report.status in EDITABLE


def store_figures(report: AnnualReport, check: FigureCheck, explanation: str | None = None) -> list[str]:
    """Keep every typed figure that can be stored, even when others have errors.

    Fields with errors keep their stored value; if that stored value now breaks
    a bound against a newly typed whole, it is cleared. Returns the names kept
    unchanged because of errors (their typed text goes to `keep_typed`).
    """
    if not is_editable(report):
        raise ReportError(_("该年度报表已提交或已核实，不能修改。"))
    kept = []
    for name in FIGURE_FIELDS:
        if name in check.errors:
            kept.append(name)
            continue
        setattr(report, name, check.values.get(name))
    for part, whole, _message in STORED_BOUNDS:
        a, b = getattr(report, part), getattr(report, whole)
        if a is not None and b is not None and a > b:
            setattr(report, part, None)
    if explanation is not None:
        report.change_explanation = explanation.strip() or None
    return kept


def keep_typed(report: AnnualReport, check: FigureCheck, raw: Mapping[str, Any]) -> None:
    """Keep, as typed, every figure of this save that was refused, in `report.draft_input`.

    A save posts the whole form, so the kept text is replaced: a figure that now
    validates (or is left blank) is no longer kept. A blank figure refused only
    because it is required has nothing typed to keep.
    """
    typed = {}
    for name in FIGURE_FIELDS:
        text = str(raw.get(name) or "").strip()
        if name in check.errors and text:
            typed[name] = text[:MAX_TYPED]
    report.draft_input = typed or None


def save_report(report: AnnualReport, raw: Mapping[str, Any], explanation: str | None, submitting: bool,
                previous: AnnualReport | None) -> FigureCheck:
    """Check and store what the firm typed; refused figures are kept as typed. Does not submit.

    Figures are stored before the submit checks, so a figure only submitting
    refuses (high-tech revenue above total revenue) is stored and also kept as typed.
    """
    check = parse_figures(raw)
    store_figures(report, check, explanation)
    if submitting:
        check_for_submit(check, previous)
    keep_typed(report, check, raw)
    return check


def form_input(report: AnnualReport) -> tuple[dict[str, str], FigureCheck]:
    """The figures as the form shows them on opening a report, and the messages of the kept ones.

    A figure kept as typed (`draft_input`) is shown as typed, with the messages
    the same checks give it now; the others show their stored value.
    """
    typed = (report.draft_input or {}) if is_editable(report) else {}
    raw = {}
    for name in FIGURE_FIELDS:
        value = getattr(report, name)
        raw[name] = str(typed[name]) if name in typed else ("" if value is None else plain_number(value))
    check = parse_figures(raw)
    _check_hitech_revenue(check)
    check.errors = {name: messages for name, messages in check.errors.items() if name in typed}
    return raw, check


def submit_report(report: AnnualReport, user: User) -> None:
    """Hand the report in (its figures already stored and checked, none kept unstored)."""
    if not is_editable(report):
        raise ReportError(_("该年度报表已提交或已核实，不能重复提交。"))
    if report.draft_input:
        raise ReportError(_("报表中仍有未通过校验的数据（见标红的字段），请修改后再提交。"))
    report.draft_input = None
    report.status = ReportStatus.submitted
    report.submitted_at = utcnow()
    report.updated_by_id = user.id


def firm_reports(firm: Enterprise) -> list[AnnualReport]:
    return list(
        db.session.scalars(
            select(AnnualReport).where(AnnualReport.enterprise_id == firm.id).order_by(AnnualReport.year.desc())
        )
    )


# --- Profile change requests ------------------------------------------------------------

PROFILE_FIELDS: dict[str, str] = {
    "name": _l("企业名称"),
    "town": _l("镇街/园区"),
    "address": _l("地址"),
    "contact_person": _l("联系人"),
    "contact_phone": _l("联系电话"),
    "contact_email": _l("联系邮箱"),
    "industry_code": _l("所属行业"),
    "hitech_field": _l("技术领域"),
    "founded_on": _l("成立日期"),
}
KIND_LABELS = {"profile": _l("企业信息变更"), "platform": _l("新增研发机构/载体"), "talent": _l("新增人才/团队"),
               "platform_remove": _l("删除研发机构/载体"), "talent_remove": _l("删除人才/团队")}
# Requests to take a registered record off the firm's file: kind -> model.
REMOVALS: dict[str, type[Platform] | type[Talent]] = {"platform_remove": Platform, "talent_remove": Talent}
CR_STATUS_LABELS = {
    ChangeRequestStatus.pending: _l("待审核"),
    ChangeRequestStatus.approved: _l("已通过"),
    ChangeRequestStatus.rejected: _l("未通过"),
}


class ChangeRequestError(ValueError):
    """A change request that cannot be made or decided as asked (message for people)."""


def _check_length(model: type, column: str, label: str, value: Any) -> None:  # noqa: ANN401
    """Refuse text longer than the record's column (the same limit as the forms)."""
    message = length_error(model, column, value)
    if message:
        raise ChangeRequestError(_("%(label)s%(problem)s。", label=label, problem=message))


def profile_value(firm: Enterprise, name: str) -> str:
    """A profile field as text, the form the request payload stores."""
    value = getattr(firm, name)
    if value is None:
        return ""
    if isinstance(value, HitechField):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def display_value(name: str, text: str) -> str:
    """How a stored payload value reads on a page."""
    if not text:
        return "—"
    if name == "hitech_field":
        return HITECH_FIELD_NAMES.get(HitechField(text), text)
    if name == "industry_code":
        industry = db.session.get(Industry, text)
        return f"{text} {industry.name}" if industry else text
    return text


def request_profile_change(firm: Enterprise, user: User, proposed: Mapping[str, str]) -> ChangeRequest:
    """Record the fields whose proposed value differs from the profile, as {field: [old, new]}."""
    changes = {}
    for name in PROFILE_FIELDS:
        if name not in proposed:
            continue
        new = (proposed[name] or "").strip()
        old = profile_value(firm, name)
        if new != old:
            changes[name] = [old, new]
    if not changes:
        raise ChangeRequestError(_("没有需要变更的内容：填写的信息与当前登记一致。"))
    if "name" in changes and not changes["name"][1]:
        raise ChangeRequestError(_("企业名称不能为空。"))
    for name, (_old, new) in changes.items():
        _check_length(Enterprise, name, PROFILE_FIELDS[name], new)
    request = ChangeRequest(enterprise_id=firm.id, kind="profile", payload={"changes": changes},
                            requested_by_id=user.id)
    db.session.add(request)
    return request


def request_platform(firm: Enterprise, user: User, data: Mapping[str, Any]) -> ChangeRequest:
    payload = {
        "kind": PlatformKind(data["kind"]).value,
        "level": PlatformLevel(data["level"]).value,
        "name": str(data["name"]).strip(),
        "recognized_on": data["recognized_on"].isoformat() if data.get("recognized_on") else None,
    }
    _check_length(Platform, "name", _("名称"), payload["name"])
    request = ChangeRequest(enterprise_id=firm.id, kind="platform", payload=payload, requested_by_id=user.id)
    db.session.add(request)
    return request


def request_talent(firm: Enterprise, user: User, data: Mapping[str, Any]) -> ChangeRequest:
    payload = {
        "category": TalentCategory(data["category"]).value,
        "is_team": bool(data.get("is_team")),
        "name": str(data["name"]).strip(),
        "programme": TalentProgramme(data["programme"]).value,
        "year": int(data["year"]),
        "high_end": bool(data.get("high_end")),
    }
    _check_length(Talent, "name", _("姓名/团队名称"), payload["name"])
    request = ChangeRequest(enterprise_id=firm.id, kind="talent", payload=payload, requested_by_id=user.id)
    db.session.add(request)
    return request


def request_removal(firm: Enterprise, user: User, record: Platform | Talent, reason: str) -> ChangeRequest:
    """Ask to take one of the firm's platforms or talents off its file (e.g. no longer recognised)."""
    if record.enterprise_id != firm.id:
        raise ChangeRequestError(_("只能申请删除本企业的记录。"))
    kind = "platform_remove" if isinstance(record, Platform) else "talent_remove"
    reason = (reason or "").strip()
    if not reason:
        raise ChangeRequestError(_("申请删除“%(name)s”时请填写原因。", name=record.name))
    if pending_removals(firm).get(kind, {}).get(record.id):
        raise ChangeRequestError(_("“%(name)s”的删除申请已提交，正在审核中。", name=record.name))
    request = ChangeRequest(enterprise_id=firm.id, kind=kind, requested_by_id=user.id,
                            payload={"id": record.id, "name": record.name, "reason": reason[:500]})
    db.session.add(request)
    return request


def pending_removals(firm: Enterprise) -> dict[str, dict[int, ChangeRequest]]:
    """The firm's open removal requests, by kind and record id."""
    found: dict[str, dict[int, ChangeRequest]] = {kind: {} for kind in REMOVALS}
    for request in db.session.scalars(
        select(ChangeRequest).where(ChangeRequest.enterprise_id == firm.id, ChangeRequest.kind.in_(REMOVALS),
                                    ChangeRequest.status == ChangeRequestStatus.pending)
    ):
        found[request.kind][int((request.payload or {}).get("id", 0))] = request
    return found


def firm_platforms(firm: Enterprise) -> list[Platform]:
    return list(db.session.scalars(select(Platform).where(Platform.enterprise_id == firm.id).order_by(Platform.id)))


def firm_talents(firm: Enterprise) -> list[Talent]:
    return list(db.session.scalars(select(Talent).where(Talent.enterprise_id == firm.id).order_by(Talent.id)))


def _apply_profile(firm: Enterprise, changes: Mapping[str, list[str]]) -> None:
    for name, (old, new) in changes.items():
        if name not in PROFILE_FIELDS:
            continue
        now = profile_value(firm, name)
        if now not in (old, new):
            # Changed by someone else since the request: approving would silently undo that.
            raise ChangeRequestError(_(
                "%(label)s在企业提交申请后已被修改（申请时为“%(old)s”，现为“%(now)s”），不能直接通过；"
                "请驳回并说明，由企业按现有信息重新申请。",
                label=PROFILE_FIELDS[name], old=display_value(name, old), now=display_value(name, now)))
        if name == "founded_on":
            value: Any = date.fromisoformat(new) if new else None
        elif name == "hitech_field":
            value = HitechField(new) if new else None
        elif name == "industry_code":
            if new and db.session.get(Industry, new) is None:
                raise ChangeRequestError(_("所属行业代码不存在：%(code)s", code=new))
            value = new or None
        else:
            value = new or None
        if name == "name" and not value:
            raise ChangeRequestError(_("企业名称不能为空。"))
        _check_length(Enterprise, name, PROFILE_FIELDS[name], value)  # a request made before the limits were checked
        setattr(firm, name, value)


def apply_change_request(request: ChangeRequest) -> None:
    """Write an approved request to the records (the audit trail logs the changes)."""
    firm = request.enterprise
    payload = request.payload or {}
    if request.kind == "profile":
        _apply_profile(firm, payload.get("changes", {}))
    elif request.kind == "platform":
        recognized = payload.get("recognized_on")
        _check_length(Platform, "name", _("名称"), payload.get("name"))
        db.session.add(Platform(
            enterprise_id=firm.id, kind=PlatformKind(payload["kind"]), level=PlatformLevel(payload["level"]),
            name=payload["name"], recognized_on=date.fromisoformat(recognized) if recognized else None,
        ))
    elif request.kind == "talent":
        _check_length(Talent, "name", _("姓名/团队名称"), payload.get("name"))
        db.session.add(Talent(
            enterprise_id=firm.id, category=TalentCategory(payload["category"]), is_team=payload["is_team"],
            name=payload["name"], programme=TalentProgramme(payload["programme"]), year=payload["year"],
            high_end=payload["high_end"],
        ))
    elif request.kind in REMOVALS:
        record = db.session.get(REMOVALS[request.kind], int(payload.get("id", 0)))
        if record is None or record.enterprise_id != firm.id:
            raise ChangeRequestError(_("“%(name)s”已不在该企业的记录中，请驳回该申请。", name=payload.get("name", "")))
        db.session.delete(record)
    else:
        raise ChangeRequestError(_("未知的变更类型：%(kind)s", kind=request.kind))


def decide_change_request(request: ChangeRequest, officer: User, approve: bool, note: str | None) -> None:
    """Approve (and apply) or reject a pending request; a rejection needs a note."""
    if request.status is not ChangeRequestStatus.pending:
        raise ChangeRequestError(_("该申请已处理。"))
    note = (note or "").strip() or None
    if not approve and not note:
        raise ChangeRequestError(_("驳回时请填写说明，告知企业原因。"))
    decision = {
        "status": ChangeRequestStatus.approved if approve else ChangeRequestStatus.rejected,
        "decided_by_id": officer.id, "decided_at": utcnow(), "decision_note": note,
    }
    # Claim the request in the database first: of two decisions racing (a double click, two
    # officers at once), only the one that still finds it pending applies it.
    claimed = db.session.execute(
        update(ChangeRequest)
        .where(ChangeRequest.id == request.id, ChangeRequest.status == ChangeRequestStatus.pending)
        .values(**decision)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ChangeRequestError(_("该申请已处理。"))
    if approve:
        apply_change_request(request)
    for name, value in decision.items():
        setattr(request, name, value)
    _tell_firm_of_decision(request)


# Notifications are stored and read later, so they are written in Chinese (as crm.notifications does).
_KIND_NAMES_ZH = {"profile": "企业信息变更", "platform": "新增研发机构/载体", "talent": "新增人才/团队",
                  "platform_remove": "删除研发机构/载体", "talent_remove": "删除人才/团队"}


def _tell_firm_of_decision(request: ChangeRequest) -> None:
    """Put the outcome of a change request in the inbox of the firm's own users (the caller commits)."""
    from crm.notifications.services import enterprise_users, notify, site_link

    what = _KIND_NAMES_ZH.get(request.kind, request.kind)
    name = (request.payload or {}).get("name")
    subject = f"{what}“{name}”" if name and request.kind != "profile" else what
    approved = request.status is ChangeRequestStatus.approved
    title = f"{subject}申请已通过" if approved else f"{subject}申请未通过"
    body = f"审核意见：{request.decision_note}" if request.decision_note else ""
    link = site_link("portal.change_requests")
    for person in enterprise_users([request.enterprise_id]).get(request.enterprise_id, []):
        notify(person, "change_request_approved" if approved else "change_request_rejected", title, body,
               link=link, enterprise_id=request.enterprise_id)


def describe_request(request: ChangeRequest) -> list[tuple[str, str, str]]:
    """(field label, old, new) lines a person reads to decide."""
    payload = request.payload or {}
    if request.kind == "profile":
        return [
            (PROFILE_FIELDS.get(name, name), display_value(name, old), display_value(name, new))
            for name, (old, new) in payload.get("changes", {}).items()
        ]
    if request.kind == "platform":
        from crm.models.platform import PLATFORM_KIND_LABELS, PLATFORM_LEVEL_LABELS

        return [
            (_("名称"), "", payload.get("name", "")),
            (_("类型"), "", PLATFORM_KIND_LABELS[PlatformKind(payload["kind"])]),
            (_("级别"), "", PLATFORM_LEVEL_LABELS[PlatformLevel(payload["level"])]),
            (_("认定日期"), "", payload.get("recognized_on") or "—"),
        ]
    if request.kind == "talent":
        from crm.models.talent import TALENT_CATEGORY_LABELS, TALENT_PROGRAMME_LABELS

        return [
            (_("名称"), "", payload.get("name", "")),
            (_("类别"), "", TALENT_CATEGORY_LABELS[TalentCategory(payload["category"])]),
            (_("人才计划"), "", TALENT_PROGRAMME_LABELS[TalentProgramme(payload["programme"])]),
            (_("入选年份"), "", str(payload.get("year", ""))),
            (_("团队"), "", _("是") if payload.get("is_team") else _("否")),
            (_("高端创新创业人才团队"), "", _("是") if payload.get("high_end") else _("否")),
        ]
    if request.kind in REMOVALS:
        return [(_("名称"), payload.get("name", ""), _("（删除）")), (_("原因"), "", payload.get("reason", ""))]
    return []


def pending_change_requests(user: User) -> Select:
    """select(ChangeRequest): requests awaiting an officer's decision on firms in `user`'s scope."""
    return scoped(
        select(ChangeRequest).join(Enterprise, Enterprise.id == ChangeRequest.enterprise_id)
        .where(ChangeRequest.status == ChangeRequestStatus.pending),
        user,
    )


def firm_change_requests(firm: Enterprise) -> list[ChangeRequest]:
    return list(
        db.session.scalars(
            select(ChangeRequest).where(ChangeRequest.enterprise_id == firm.id)
            .order_by(ChangeRequest.requested_at.desc(), ChangeRequest.id.desc())
        )
    )


# --- Standing and reminders -------------------------------------------------------------

NEXT_RUNGS = ("tech_sme_candidate", "hitech_candidate", "gazelle_candidate", "innovative_sme_candidate",
              "srdi_sme_candidate", "little_giant_candidate")
# The designation each next-rung rule leads to.
RUNG_DESIGNATIONS = {"tech_sme_candidate": "tech_sme", "hitech_candidate": "hitech", "gazelle_candidate": "gazelle",
                     "innovative_sme_candidate": "innovative_sme", "srdi_sme_candidate": "srdi_sme",
                     "little_giant_candidate": "little_giant"}
EXPIRY_WINDOW_MONTHS = 6


@dataclass(frozen=True)
class RungResult:
    rule: str
    label: str
    passed: bool
    conditions: tuple[Any, ...]
    info: Mapping[str, Any]
    # The valid designation of this rung the firm already holds, when the rule does not call for
    # a new application (a certificate in its re-recognition year makes the rule pass instead).
    held: Designation | None = None


def rule_parameters(as_of: date) -> dict[str, dict[str, Any]]:
    """The rules' parameters in force on `as_of`, as the scheduled jobs resolve them."""
    from crm.eligibility.parameters import params_for

    return params_for(as_of)


def next_rungs(firm: Enterprise, as_of: date) -> list[RungResult]:
    """Each next-rung rule for the firm, evaluated exactly as the eligibility job does."""
    from crm.eligibility.facts import load_facts, years_needed
    from crm.rules import RULES, params_of

    params = rule_parameters(as_of)
    # As many years as the nightly run reads (crm.eligibility.services.evaluate_firms), so a
    # longer R&D or growth period set by an administrator is judged on the same reports.
    years_back = years_needed(params)
    facts = load_facts([firm.id], as_of, years_back)[firm.id]
    results = []
    for code in NEXT_RUNGS:
        spec = RULES[code]
        result = spec.evaluate(facts, as_of, params_of(code, params))
        held = None if result.passed else held_designation(firm, RUNG_DESIGNATIONS[code], as_of)
        results.append(RungResult(code, str(RULE_LABELS.get(code, spec.label)), result.passed, result.conditions,
                                  result.info, held))
    return results


def held_designation(firm: Enterprise, kind: str, as_of: date) -> Designation | None:
    """The firm's designation of `kind` valid on `as_of` that runs longest, or None."""
    valid = [d for d in firm.designations if d.kind.value == kind and d.is_valid_on(as_of)]
    return max(valid, key=lambda d: d.valid_to or date.max, default=None)


def expiry_window_end(as_of: date, params: Mapping[str, Mapping[str, Any]] | None = None) -> date:
    from crm.rules.facts import add_months

    months = EXPIRY_WINDOW_MONTHS
    if params is not None:
        months = int(params.get("hitech_expiring", {}).get("window_months", months))
    return add_months(as_of, months)


def designations_with_expiry(firm: Enterprise, as_of: date, window_end: date) -> list[tuple[Designation, bool, bool]]:
    """(designation, valid today, expiring within the window), newest first."""
    rows = []
    for d in sorted(firm.designations, key=lambda d: d.valid_from, reverse=True):
        valid = d.is_valid_on(as_of)
        expiring = valid and d.valid_to is not None and d.valid_to <= window_end
        rows.append((d, valid, expiring))
    return rows


def open_flags(firm: Enterprise, as_of: date) -> list[Flag]:
    """The firm's open flags that still hold on `as_of`.

    Flags are stored by the nightly run; a firm that handed in its report this morning
    must not be told until tomorrow that it is overdue, so each flag is checked against
    the same rules evaluated now (the stored flag itself changes at the next run).
    """
    from crm.eligibility.services import evaluate_one

    flags = list(
        db.session.scalars(
            select(Flag).where(Flag.enterprise_id == firm.id, Flag.cleared_on.is_(None)).order_by(Flag.rule)
        )
    )
    if not flags:
        return []
    now = evaluate_one(firm.id, as_of)
    return [flag for flag in flags if flag.rule in now and now[flag.rule].passed]


def reporting_deadline(as_of: date, params: Mapping[str, Mapping[str, Any]]) -> date:
    """The deadline in as_of's year for last fiscal year's report (rule report_overdue)."""
    from crm.rules.parameters import resolve
    from crm.rules.reporting import deadline

    return deadline(as_of.year, resolve("report_overdue", params.get("report_overdue") or {}))


@dataclass
class Reminders:
    fiscal_year: int
    deadline: date
    days_left: int
    last_year_report: AnnualReport | None
    returned: list[AnnualReport]
    expiring: list[Designation]
    pending_requests: int


def reminders(firm: Enterprise, as_of: date) -> Reminders:
    """What the firm should act on: the reporting deadline, returned reports, expiring certificates."""
    params = rule_parameters(as_of)
    due = reporting_deadline(as_of, params)
    window_end = expiry_window_end(as_of, params)
    reports = firm_reports(firm)
    year = as_of.year - 1
    pending = db.session.scalar(
        select(db.func.count(ChangeRequest.id)).where(
            ChangeRequest.enterprise_id == firm.id, ChangeRequest.status == ChangeRequestStatus.pending
        )
    )
    return Reminders(
        fiscal_year=year,
        deadline=due,
        days_left=(due - as_of).days,
        last_year_report=next((r for r in reports if r.year == year), None),
        returned=[r for r in reports if r.status is ReportStatus.returned],
        expiring=[d for d, _valid, expiring in designations_with_expiry(firm, as_of, window_end) if expiring],
        pending_requests=pending or 0,
    )
