"""Operations on enterprises, shared by forms, the API, the CLI and importers."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, desc, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from crm.districts import DISTRICTS, district_from_uscc
from crm.enterprises.queries import (
    EnterpriseFilter,
    LatestFigures,
    count_matching,
    filtered_enterprises,
    latest_figures,
    ordered_ids,
)
from crm.extensions import db
from crm.ladder import STAGE_CODES, STAGE_RANK, staged_firms, stage_from_rank, stage_of, stage_rank_column
from crm.models import (
    AnnualReport,
    AuditLog,
    ContactNote,
    Designation,
    DesignationKind,
    DesignationSource,
    Enterprise,
    Flag,
    HitechField,
    Industry,
    ReportStatus,
    Role,
    Town,
    User,
)
from crm.models.designation import default_valid_to
from crm.models.lengths import check_lengths, length_error, max_length  # noqa: F401  (max_length: the one length source)
from crm.uscc import InvalidUSCC, normalize_uscc


class ValidationFailed(ValueError):
    """Input that breaks a rule; `errors` maps each field to a message for people."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class DuplicateEnterprise(ValueError):
    """An enterprise with this code already exists."""

    def __init__(self, uscc: str):
        super().__init__(_("统一社会信用代码 %(uscc)s 的企业已存在", uscc=uscc))
        self.uscc = uscc


PROFILE_FIELDS = (
    "name", "district_code", "town", "founded_on", "industry_code", "hitech_field",
    "above_size", "address", "contact_person", "contact_phone", "contact_email",
)
# The profile's free-text fields (stored stripped, checked against their columns' lengths).
TEXT_FIELDS = ("name", "town", "industry_code", "address", "contact_person", "contact_phone", "contact_email")


def resolve_district(uscc: str, district_code: str | None) -> tuple[str, bool]:
    """The district to store and whether it overrides the code's region.

    The code's region wins when no district is given; a given district must be a
    Jiangmen district and is kept as an override when it differs from the region.
    """
    inferred = district_from_uscc(uscc)
    if district_code:
        if district_code not in DISTRICTS:
            raise ValidationFailed({"district_code": _("未知的区（市）代码：%(code)s", code=district_code)})
        return district_code, inferred is not None and inferred != district_code
    if inferred is None:
        raise ValidationFailed(
            {"district_code": _("无法从统一社会信用代码 %(uscc)s 推断所属区（市），请填写所属区（市）", uscc=uscc)}
        )
    return inferred, False


def check_profile(values: dict[str, Any]) -> None:
    """Raise ValidationFailed naming each bad profile value; text is checked as it will be stored."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name in TEXT_FIELDS and value is not None and not isinstance(value, str):
            errors[name] = _("应为文本")
        elif isinstance(value, str) and "\x00" in value:  # PostgreSQL text cannot hold NUL
            errors[name] = _("含有无效字符")
    if "name" in values and "name" not in errors and not (values["name"] or "").strip():
        errors["name"] = _("企业名称不能为空")
    if "above_size" in values and not isinstance(values["above_size"], bool):
        errors["above_size"] = _("应为是或否（true/false）")
    if "founded_on" in values and values["founded_on"] is not None and not isinstance(values["founded_on"], date):
        errors["founded_on"] = _("日期格式应为 YYYY-MM-DD")
    stripped = {k: v.strip() for k, v in values.items() if isinstance(v, str) and k not in errors}
    for name, message in check_lengths(Enterprise, stripped).items():
        errors.setdefault(name, message)
    industry = stripped.get("industry_code")
    if industry and "industry_code" not in errors and db.session.get(Industry, industry) is None:
        errors["industry_code"] = _("未知的行业代码：%(code)s", code=industry)
    founded = values.get("founded_on")
    if isinstance(founded, date) and founded > date.today():
        errors["founded_on"] = _("成立日期不能晚于今天")
    field = values.get("hitech_field")
    if field is not None and "hitech_field" not in errors and not isinstance(field, HitechField):
        try:
            values["hitech_field"] = HitechField(field)
        except ValueError:
            errors["hitech_field"] = _("未知的高新技术领域：%(field)s", field=field)
    if errors:
        raise ValidationFailed(errors)


def create_enterprise(uscc: str, name: str, district_code: str | None = None, **profile: Any) -> Enterprise:
    """Add a new enterprise (not committed); raises ValidationFailed or DuplicateEnterprise."""
    try:
        code = normalize_uscc(uscc)
    except InvalidUSCC as exc:
        raise ValidationFailed({"uscc": str(exc)}) from None
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed({f: _("未知字段") for f in sorted(unknown)})
    values = {"name": name, **profile}
    check_profile(values)
    district, overridden = resolve_district(code, district_code)
    if db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == code)) is not None:
        raise DuplicateEnterprise(code)
    enterprise = Enterprise(
        uscc=code, district_code=district, district_overridden=overridden,
        **{k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()},
    )
    db.session.add(enterprise)
    return enterprise


# --- The officer workspace: list pages, the firm's story, editing, bulk actions -----------



@dataclass
class ListRow:
    enterprise: Enterprise
    stage: str
    figures: LatestFigures


@dataclass
class ListPage:
    rows: list[ListRow]
    total: int
    page: int
    pages: int
    per_page: int


def rows_for(ids: list[int], as_of: date) -> list[ListRow]:
    """Firms with their stage and latest figures, in the order of `ids`."""
    if not ids:
        return []
    rank = stage_rank_column(Enterprise.id, as_of)
    found = {e.id: (e, r) for e, r in db.session.execute(select(Enterprise, rank).where(Enterprise.id.in_(ids)))}
    figures = latest_figures(ids)
    return [
        ListRow(found[i][0], stage_from_rank(found[i][1]), figures[i]) for i in ids if i in found
    ]


def list_page(
    user: User, filters: EnterpriseFilter, as_of: date, sort: str = "name", descending: bool = False,
    page: int = 1, per_page: int = 50,
) -> ListPage:
    """One page of the firm list: filter in scope, sort in SQL, then load only that page."""
    stmt = filtered_enterprises(user, filters, as_of)
    total = count_matching(stmt)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    ids = list(db.session.scalars(ordered_ids(stmt, sort, descending).limit(per_page).offset((page - 1) * per_page)))
    return ListPage(rows_for(ids, as_of), total, page, pages, per_page)


def stage_counts_matching(user: User, filters: EnterpriseFilter, as_of: date) -> dict[str, int]:
    """Firms per ladder stage among those matching every filter but the stage itself.

    So the counts above the list add up to what the list shows under "all", and each
    stage's count is what clicking it lists. Within one district the stage of each
    matching firm is looked up on the designation index; across the city, grouping
    every valid designation once is cheaper.
    """
    matching = filtered_enterprises(user, replace(filters, stage=None), as_of).order_by(None)
    counts = dict.fromkeys(STAGE_CODES, 0)
    if user.role is Role.officer or filters.district:
        ranks = matching.with_only_columns(stage_rank_column(Enterprise.id, as_of)).select_from(Enterprise).subquery()
        for rank_value, n in db.session.execute(select(ranks.c.stage_rank, func.count()).group_by(ranks.c.stage_rank)):
            counts[stage_from_rank(rank_value)] = n
        return counts
    ids = matching.with_only_columns(Enterprise.id).subquery()
    staged = staged_firms(as_of)
    per_rank = (
        select(staged.c.stage_rank, func.count())
        .join(ids, ids.c.id == staged.c.enterprise_id)
        .group_by(staged.c.stage_rank)
    )
    for rank_value, n in db.session.execute(per_rank):
        counts[stage_from_rank(rank_value)] = n
    total = db.session.scalar(select(func.count()).select_from(ids)) or 0
    counts[STAGE_CODES[0]] = total - sum(counts.values())
    return counts


def all_matching_ids(user: User, filters: EnterpriseFilter, as_of: date, sort: str, descending: bool) -> list[int]:
    return list(db.session.scalars(ordered_ids(filtered_enterprises(user, filters, as_of), sort, descending)))


# --- The firm's story ----------------------------------------------------------------------

@dataclass
class TimelineEntry:
    designation: Designation
    state: str  # "valid", "past", "future"


def designation_timeline(enterprise: Enterprise, as_of: date) -> list[TimelineEntry]:
    """Designations newest first, each marked valid, past or future on `as_of`."""
    entries = []
    for d in sorted(enterprise.designations, key=lambda d: (d.valid_from, d.id), reverse=True):
        if d.is_valid_on(as_of):
            state = "valid"
        elif d.valid_from > as_of:
            state = "future"
        else:
            state = "past"
        entries.append(TimelineEntry(d, state))
    return entries


def rule_results(enterprise: Enterprise, as_of: date) -> dict[str, Any] | None:
    """Every rule's result for the firm today, or None while the rules engine is unavailable.

    Hook: uses crm.eligibility.facts.load_facts and crm.rules.evaluate_all when both exist.
    """
    try:
        from crm.eligibility.facts import load_facts
        from crm.rules import evaluate_all
    except ImportError:
        return None
    try:
        from crm.eligibility.parameters import params_for

        params = params_for(as_of)
    except ImportError:
        params = None
    facts = load_facts([enterprise.id], as_of).get(enterprise.id)
    if facts is None:
        return None
    return evaluate_all(facts, as_of, params)


# The rung above each stage that a rule decides, and that rule. A firm without a stage, or
# only incubated, aims at the tech SME list; gazelles and little giants prepare a listing
# (the golden seed pool is the listing reserve).
NEXT_RUNGS: dict[str, tuple[str, str]] = {
    "none": ("tech_sme", "tech_sme_candidate"),
    "incubated": ("tech_sme", "tech_sme_candidate"),
    "tech_sme": ("hitech", "hitech_candidate"),
    "hitech": ("gazelle", "gazelle_candidate"),
    "gazelle": ("listed", "golden_seed_candidate"),
    "little_giant": ("listed", "golden_seed_candidate"),
}


@dataclass
class NextRung:
    stage: str
    rule: str
    result: Any  # crm.rules.Eligibility, or None while the rules engine is unavailable

    @property
    def lacking(self) -> list[Any]:  # noqa: ANN401 - crm.rules.Condition
        """The conditions that fail or cannot be decided (nothing when the rule passes)."""
        if self.result is None or self.result.passed:
            return []
        return [c for c in self.result.conditions if c.passed is not True]


def next_rung(stage: str, rules: dict[str, Any] | None) -> NextRung | None:
    """The next rung for a firm at `stage` and what it lacks, from the rules' own conditions."""
    if stage not in NEXT_RUNGS:
        return None
    target, rule = NEXT_RUNGS[stage]
    return NextRung(target, rule, (rules or {}).get(rule))


def sparkline_points(values: list[Decimal | int | None], width: int = 120, height: int = 32) -> str:
    """SVG polyline points for a small chart; missing years break nothing, they are skipped."""
    present = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if len(present) < 2:
        return ""
    low = min(v for _code, v in present)
    high = max(v for _code, v in present)
    span = (high - low) or 1.0
    step = (width - 4) / max(1, len(values) - 1)
    return " ".join(
        f"{2 + i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in present
    )


def report_series(reports: list[AnnualReport]) -> dict[str, list[Any]]:
    """Per year: revenue, R&D, R&D ratio, staff — for the small charts."""
    ordered = sorted(reports, key=lambda r: r.year)
    ratio = [
        (Decimal(r.rd_expense) / Decimal(r.revenue)) if r.revenue and r.rd_expense is not None else None
        for r in ordered
    ]
    return {
        "years": [r.year for r in ordered],
        "revenue": [r.revenue for r in ordered],
        "rd_expense": [r.rd_expense for r in ordered],
        "rd_ratio": ratio,
        "employees": [r.employees for r in ordered],
    }


def firm_story(enterprise: Enterprise, as_of: date, audit_limit: int = 200) -> dict[str, Any]:
    """Everything the firm page shows."""
    flags = list(
        db.session.scalars(
            select(Flag).where(Flag.enterprise_id == enterprise.id).order_by(desc(Flag.raised_on), desc(Flag.id))
        )
    )
    notes = list(
        db.session.scalars(
            select(ContactNote)
            .where(ContactNote.enterprise_id == enterprise.id)
            .order_by(desc(ContactNote.happened_on), desc(ContactNote.id))
        )
    )
    audit = list(
        db.session.scalars(
            select(AuditLog)
            .where(AuditLog.enterprise_id == enterprise.id)
            .order_by(desc(AuditLog.at), desc(AuditLog.id))
            .limit(audit_limit)
        )
    )
    reports = list(enterprise.annual_reports)
    series = report_series(reports)
    stage = stage_of(enterprise.designations, as_of)
    rules = rule_results(enterprise, as_of)
    return {
        "stage": stage,
        "next": next_rung(stage, rules),
        "timeline": designation_timeline(enterprise, as_of),
        "reports": sorted(reports, key=lambda r: r.year, reverse=True),
        "series": series,
        "sparklines": {k: sparkline_points(v) for k, v in series.items() if k != "years"},
        "open_flags": [f for f in flags if f.cleared_on is None],
        "flags": flags,
        "rules": rules,
        "notes": notes,
        "audit": audit,
    }


# --- Editing with optimistic locking ------------------------------------------------------

class EditConflict(Exception):
    """Someone saved the record after this form was read; nothing was written."""


def version_token(record: Any) -> str:  # noqa: ANN401 - any edited model (VersionedMixin)
    """What a form carries to detect an edit saved since it was read: the record's version.
    A save the moment another one commits is caught by the UPDATE's ``version_id`` condition
    (StaleDataError) instead."""
    return str(record.version_id) if record.version_id is not None else ""


def check_version(record: Any, submitted: str | None) -> None:  # noqa: ANN401
    if record is not None and getattr(record, "id", None) is not None and version_token(record) != (submitted or ""):
        raise EditConflict()


def commit_edit() -> None:
    """Commit, turning a lost race (StaleDataError) into EditConflict; other errors propagate."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict() from None
    except IntegrityError:
        db.session.rollback()
        raise


def set_district(enterprise: Enterprise, district_code: str, user: User, town: str | None = None) -> None:
    """Only bureau staff and administrators move a firm between districts; its officer stays only if they may.

    Towns belong to districts, so a moved firm loses its town: it takes `town`, one of the new
    district's (:func:`misplaced_town`), or none until someone fills it in."""
    if district_code == enterprise.district_code:
        return
    if user.role not in (Role.bureau, Role.admin):
        raise ValidationFailed({"district_code": _("只有市科技局或系统管理员可以变更所属区（市）")})
    code, overridden = resolve_district(enterprise.uscc, district_code)
    town = (town or "").strip() or None
    problem = misplaced_town(town, enterprise.district_code, enterprise.town, code) if town else None
    if problem:
        raise ValidationFailed({"town": problem})
    enterprise.district_code = code
    enterprise.district_overridden = overridden
    enterprise.town = town
    officer = enterprise.assigned_officer
    if officer is not None and not may_be_assigned(officer, enterprise):
        # The old district's officer no longer sees the firm; the new district assigns its own.
        enterprise.assigned_officer_id = None


def listed_towns(district_code: str) -> list[str]:
    """The towns and parks the reference data lists for a district, by name."""
    return list(db.session.scalars(select(Town.name).where(Town.district_code == district_code).order_by(Town.name)))


def district_towns(district_code: str) -> list[str]:
    """The towns to offer for a district: the reference list's and those its firms record."""
    recorded = db.session.scalars(
        select(Enterprise.town).distinct().where(Enterprise.district_code == district_code, Enterprise.town.is_not(None))
    )
    return sorted(set(listed_towns(district_code)) | set(recorded))


def misplaced_town(town: str, from_district: str, old_town: str | None, to_district: str) -> str | None:
    """Why `town` cannot be the town of a firm moved from `from_district` (where it was in
    `old_town`) to `to_district`, or None. Where the reference data lists the new district's
    towns it must be one of them; otherwise it must not be the old district's."""
    new_name = DISTRICTS.get(to_district, to_district)
    listed = listed_towns(to_district)
    if listed:
        if town in listed:
            return None
        return _("镇街/园区：“%(town)s”不是%(district)s的镇街/园区；请选择%(district)s的镇街/园区，或留空",
                 town=town, district=new_name)
    if town == old_town or town in listed_towns(from_district):
        return _("镇街/园区：“%(town)s”是%(old)s的镇街/园区，企业迁至%(new)s后请填写%(new)s的镇街/园区，或留空",
                 town=town, old=DISTRICTS.get(from_district, from_district), new=new_name)
    return None


# --- Bulk actions ---------------------------------------------------------------------------

def certificate_number(pattern: str | None, n: int) -> str | None:
    """The first run of '#' in `pattern` becomes `n`, zero-padded to the run's length."""
    if not pattern:
        return None
    import re

    match = re.search(r"#+", pattern)
    if match is None:
        return pattern
    width = len(match.group(0))
    return pattern[: match.start()] + f"{n:0{width}d}" + pattern[match.end():]


@dataclass
class BulkResult:
    done: list[Enterprise] = field(default_factory=list)
    skipped: list[tuple[Enterprise, str]] = field(default_factory=list)


# Why a firm does not get a designation it already holds for (part of) the period.
ALREADY_HELD = _l("已持有该认定（有效期重叠）")


def overlapping_designation(
    enterprise: Enterprise, kind: DesignationKind, valid_from: date, valid_to: date | None,
    ignore: Designation | None = None,
) -> Designation | None:
    """The firm's designation of `kind` whose validity overlaps the period, if any.

    A blank end means the kind's default (crm.models.designation.default_valid_to);
    `ignore` is the designation being edited, which never overlaps itself.
    """
    end = valid_to or default_valid_to(kind, valid_from)
    for held in sorted(enterprise.designations, key=lambda d: (d.valid_from, d.id or 0)):
        if held is ignore or (ignore is not None and held.id == ignore.id) or held.kind is not kind:
            continue
        if (held.valid_to is None or valid_from <= held.valid_to) and (end is None or held.valid_from <= end):
            return held
    return None


def skipped_by_reason(result: BulkResult) -> dict[str, list[Enterprise]]:
    """The skipped firms grouped under each reason, in the order they were met."""
    grouped: dict[str, list[Enterprise]] = {}
    for enterprise, reason in result.skipped:
        grouped.setdefault(reason, []).append(enterprise)
    return grouped


def add_designation_to_all(
    enterprises: list[Enterprise], kind: DesignationKind, valid_from: date, valid_to: date | None,
    certificate_pattern: str | None, user: User,
) -> BulkResult:
    """Add one designation to each firm (e.g. this year's tech SME list).

    A firm that already holds one of the same kind for (part of) the period is skipped, and
    so is a firm whose number another firm holds under this kind (crm.enterprises.certificates,
    named when `user` may see it); that number is used up, so the next firm takes the next one.
    """
    from crm.enterprises.certificates import (
        NumberHolder, clash_message, normalise_certificate_no, number_holders, other_holder,
    )

    result = BulkResult()
    end = valid_to or default_valid_to(kind, valid_from)
    ordered = sorted(enterprises, key=lambda e: e.uscc)
    certificate_pattern = normalise_certificate_no(certificate_pattern)
    holders = number_holders(
        kind, (certificate_number(certificate_pattern, i) or "" for i in range(1, len(ordered) + 1)), user,
    ) if certificate_pattern else {}
    n = 0
    for enterprise in ordered:
        if overlapping_designation(enterprise, kind, valid_from, end) is not None:
            result.skipped.append((enterprise, str(ALREADY_HELD)))
            continue
        certificate_no = certificate_number(certificate_pattern, n + 1)
        problem = length_error(Designation, "certificate_no", certificate_no)
        if problem:  # the running number outgrew the pattern's '#'s at the column's limit
            result.skipped.append((enterprise, _("证书/入库编号%(problem)s", problem=problem)))
            continue
        holder = other_holder(holders, certificate_no, enterprise.id)
        if holder is not None and certificate_no is not None:
            n += 1
            result.skipped.append((enterprise, clash_message(certificate_no, kind, holder)))
            continue
        if certificate_no is not None:  # a pattern without '#' gives every firm the same number
            holders.setdefault(certificate_no, []).append(NumberHolder(enterprise.id, enterprise.name, enterprise.uscc))
        n += 1
        enterprise.designations.append(
            Designation(
                kind=kind, valid_from=valid_from, valid_to=end,
                certificate_no=certificate_no,
                source=DesignationSource.officer, updated_by_id=user.id,
            )
        )
        result.done.append(enterprise)
    return result


def assignable_colleagues(user: User, district_codes: Iterable[str] = ()) -> list[User]:
    """The active officers a firm in scope may be assigned to, by district then name.

    An officer sees the officers of their own district; bureau staff see the officers
    of `district_codes` (the districts of the firms they can select), or of every
    district when none is given. Bureau staff are never assignees.
    """
    condition = (User.role == Role.officer) & User.active.is_(True)
    if user.role is Role.officer:
        condition = condition & (User.district_code == user.district_code)
    elif district_codes:
        condition = condition & User.district_code.in_(sorted(set(district_codes)))
    return list(db.session.scalars(select(User).where(condition).order_by(User.district_code, User.username)))


def may_be_assigned(colleague: User, enterprise: Enterprise) -> bool:
    """Only an active officer of the firm's own district looks after it."""
    return colleague.active and colleague.role is Role.officer and colleague.district_code == enterprise.district_code


def assign_to(enterprises: list[Enterprise], colleague: User, user: User) -> BulkResult:
    """Make `colleague` the responsible officer of each firm of their district; refuse the rest."""
    if not colleague.active or colleague.role is not Role.officer:
        raise ValidationFailed({"officer_id": _("只能分配给在职的区（市）科技部门专员")})
    result = BulkResult()
    for enterprise in enterprises:
        if not may_be_assigned(colleague, enterprise):
            result.skipped.append((enterprise, _("该同事不负责此企业所在区（市）")))
            continue
        enterprise.assigned_officer_id = colleague.id
        enterprise.updated_by_id = user.id
        result.done.append(enterprise)
    return result


def stage_rank_of(stage: str) -> int:
    return STAGE_RANK[stage]


def awaiting_verification(user: User) -> Select:
    """select(AnnualReport): the submitted reports in `user`'s scope (unordered); the queue and its count."""
    from crm.scoping import scoped

    return scoped(
        select(AnnualReport)
        .join(Enterprise, Enterprise.id == AnnualReport.enterprise_id)
        .where(AnnualReport.status == ReportStatus.submitted),
        user,
    )


def submitted_reports(user: User) -> list[tuple[AnnualReport, Enterprise]]:
    """The verification queue: submitted reports in scope, oldest submission first."""
    stmt = awaiting_verification(user).add_columns(Enterprise).order_by(
        AnnualReport.submitted_at.asc().nulls_last(), AnnualReport.id
    )
    return [(r, e) for r, e in db.session.execute(stmt)]
