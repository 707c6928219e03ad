"""Pages of the officer workspace: the firm list, a firm's page, editing, verification, bulk actions."""
from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from crm.clock import today, utcnow
from crm.districts import DISTRICTS
from crm.enterprises import forms as f
from crm.enterprises.audit_trail import actor_labels, readable_changes, record_names, shown_entries
from crm.enterprises.export import export_rows, write_workbook
from crm.enterprises.queries import SORTS, EnterpriseFilter, FilterError
from crm.enterprises.services import (
    EditConflict,
    ValidationFailed,
    add_designation_to_all,
    all_matching_ids,
    assign_to,
    assignable_colleagues,
    check_version,
    commit_edit,
    district_towns,
    firm_story,
    list_page,
    set_district,
    skipped_by_reason,
    stage_counts_matching,
    submitted_reports,
    version_token,
)
from crm.extensions import db
from crm.forms import PLEASE_CHOOSE
from crm.innovation.display import firm_portrait
from crm.ladder import STAGE_CODES
from crm.models import (
    AnnualReport,
    Attachment,
    ContactNote,
    Designation,
    DesignationKind,
    Enterprise,
    FactDeclaration,
    HitechField,
    Honour,
    Industry,
    IpGrade,
    Platform,
    ProductField,
    ReportStatus,
    Role,
    SupportRecord,
    Talent,
    Town,
    User,
)
from crm.models.annual_report import FIGURE_FIELDS
from crm.models.contact import CONTACT_KIND_LABELS, ContactKind
from crm.models.designation import default_valid_to
from crm.models.platform import PLATFORM_KIND_LABELS, PLATFORM_LEVEL_LABELS, PlatformKind, PlatformLevel
from crm.models.support import HONOUR_KIND_LABELS, SUPPORT_KIND_LABELS, HonourKind, SupportKind
from crm.models.talent import TALENT_CATEGORY_LABELS, TALENT_PROGRAMME_LABELS, TalentCategory, TalentProgramme
from crm.paging import page_arg
from crm.models.annual_report import REPORT_STATUS_LABELS
from crm.reports import declarations
from crm.reports.declarations import declaration_labels
from crm.reports.services import (
    ReportStateError,
    compare_reports,
    previous_report,
    return_report,
    update_report,
    verify_report,
)
from crm.rules_catalogue import RULE_LABELS
from crm.scoping import can_see_district, enterprise_or_404, scoped

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises")

PER_PAGE = 50
CONFLICT_MESSAGE = _l("该记录已被他人修改，您的修改未保存。您填写的内容保留在下方；请重新打开此页查看最新数据后再修改。")


@bp.before_request
@login_required
def _staff_only() -> None:
    g.workspace_started = time.perf_counter()
    if current_user.role is Role.enterprise:
        abort(404)  # firm users: another firm's data does not exist for them, whatever the URL


@bp.after_request
def _server_timing(response: Response) -> Response:
    started = g.get("workspace_started")
    if started is not None:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


# --- The firm list ----------------------------------------------------------------------------

def _tristate(value: str | None) -> bool | None:
    return True if value == "1" else False if value == "0" else None


def filters_from_args(args: Any) -> EnterpriseFilter:  # noqa: ANN401 - a MultiDict
    return EnterpriseFilter(
        district=args.get("district") or None,
        stage=args.get("stage") or None,
        flag=args.get("flag") or None,
        q=(args.get("q") or "").strip() or None,
        designation=args.get("designation") or None,
        town=(args.get("town") or "").strip() or None,
        industry=args.get("industry") or None,
        above_size=_tristate(args.get("above_size")),
        has_rd_institution=_tristate(args.get("has_rd")),
    )


def _sort_args(args: Any = None) -> tuple[str, bool]:  # noqa: ANN401 - a MultiDict
    args = request.args if args is None else args
    sort = args.get("sort", "name")
    return (sort if sort in SORTS else "name"), args.get("dir") == "desc"


def _scope_districts() -> dict[str, str]:
    if current_user.role is Role.officer:
        return {current_user.district_code: DISTRICTS[current_user.district_code]}
    return dict(DISTRICTS)


def _list_url_for(args: Any) -> Any:  # noqa: ANN401
    """The list's URL with some arguments changed (None drops one), for links on the page."""

    def list_url(**changes: Any) -> str:  # noqa: ANN401
        merged = {k: v for k, v in args.items() if v not in ("", None)}
        merged.update(changes)
        merged = {k: v for k, v in merged.items() if v not in ("", None)}
        return url_for("enterprises.index") + ("?" + urlencode(merged) if merged else "")

    return list_url


def _list_path(back: str | None) -> str:
    """Where a bulk form goes back to: the page it came from (the list with its filters), never another site."""
    from crm.navigation import local_path

    return local_path(back) or url_for("enterprises.index")


@bp.get("/")
def index() -> str | tuple[str, int]:
    return _render_list(request.args, request.full_path)


def _render_list(
    args: Any, path: str, bulk: f.BulkForm | None = None, checked: frozenset[int] = frozenset(),  # noqa: ANN401
    status: int = 200,
) -> tuple[str, int]:
    """The firm list for these query arguments; `bulk` is a bulk form sent back with its errors,
    shown with what was chosen and the firms still ticked."""
    as_of = today()
    filters = filters_from_args(args)
    sort, descending = _sort_args(args)
    page_number = page_arg(args)
    try:
        result = list_page(current_user, filters, as_of, sort, descending, page_number, PER_PAGE)
    except FilterError as exc:
        flash(str(exc), "danger")
        filters, status = EnterpriseFilter(), 400
        result = list_page(current_user, filters, as_of, sort, descending, 1, PER_PAGE)
    counts = stage_counts_matching(current_user, filters, as_of)
    bulk = bulk if bulk is not None else f.BulkForm(formdata=None)
    bulk.officer_id.choices = [(0, PLEASE_CHOOSE)] + [
        (u.id, f"{u.label}（{u.district.name if u.district else _('市科技局')}）")
        for u in assignable_colleagues(
            current_user, [filters.district] if filters.district else {row.enterprise.district_code for row in result.rows}
        )
    ]
    return render_template(
        "enterprises/index.html", result=result, filters=filters, sort=sort, descending=descending,
        counts=counts, stages=STAGE_CODES, districts=_scope_districts(), sorts=SORTS, bulk=bulk, checked=checked,
        industries=db.session.scalars(select(Industry).order_by(Industry.code)).all(),
        towns=db.session.scalars(
            select(Town.name).where(Town.district_code.in_(list(_scope_districts()))).order_by(Town.name)
        ).all(),
        designation_kinds=list(DesignationKind), rule_labels=RULE_LABELS, list_url=_list_url_for(args), as_of=as_of,
        export_url=url_for("enterprises.export", **{k: v for k, v in args.items() if k != "page"}), list_path=path,
    ), status


def url_parse_args(path: str) -> Any:  # noqa: ANN401 - a MultiDict
    """The query arguments of a path, as request.args holds them."""
    from urllib.parse import parse_qsl, urlsplit

    from werkzeug.datastructures import MultiDict

    return MultiDict(parse_qsl(urlsplit(path).query, keep_blank_values=True))


def _xlsx_response(content: bytes, stem: str) -> Response:
    from io import BytesIO

    return send_file(
        BytesIO(content),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{stem}-{today().isoformat()}.xlsx",
    )


@bp.get("/export.xlsx")
def export() -> Response:
    """The current filter and sort, every matching firm, as .xlsx."""
    as_of = today()
    sort, descending = _sort_args()
    try:
        ids = all_matching_ids(current_user, filters_from_args(request.args), as_of, sort, descending)
    except FilterError as exc:
        abort(400, str(exc))
    return _xlsx_response(write_workbook(export_rows(ids, as_of)), _("企业名单"))


# --- Bulk actions ------------------------------------------------------------------------------

@bp.post("/bulk")
def bulk() -> Response | tuple[str, int]:
    form = f.BulkForm()
    back = _list_path(request.form.get("next"))

    def sent_back(status: int = 422) -> tuple[str, int]:
        # The list again, with each message at its field and the choices and ticks kept.
        checked = frozenset(i for i in (form.ids.data or []) if isinstance(i, int))
        return _render_list(url_parse_args(back), back, bulk=form, checked=checked, status=status)

    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return sent_back()
    firms = list(
        db.session.scalars(scoped(select(Enterprise).where(Enterprise.id.in_(form.ids.data)), current_user))
    )
    if len(firms) != len(set(form.ids.data)):
        abort(404)
    if form.action.data == "export":
        ids = sorted((e.id for e in firms), key=list(form.ids.data).index)
        return _xlsx_response(write_workbook(export_rows(ids, today())), _("所选企业"))
    if form.action.data == "designation":
        result = add_designation_to_all(
            firms, DesignationKind(form.kind.data), form.valid_from.data, form.valid_to.data,
            form.certificate_pattern.data, current_user,
        )
        db.session.commit()
        flash(_("已为 %(count)s 家企业添加认定“%(kind)s”。", count=len(result.done),
                kind=f.DESIGNATION_LABELS[DesignationKind(form.kind.data)]), "success")
    else:
        colleague = db.session.get(User, form.officer_id.data)
        if colleague is None or (colleague.role is Role.officer and not can_see_district(current_user,
                                                                                         colleague.district_code)):
            # Another district's officer is as unknown as a missing one: no name is shown.
            form.officer_id.errors = [_("未找到该同事")]
            return sent_back()
        try:
            result = assign_to(firms, colleague, current_user)
        except ValidationFailed as exc:
            form.officer_id.errors = [exc.errors["officer_id"]]
            return sent_back()
        db.session.commit()
        flash(_("已将 %(count)s 家企业分配给 %(name)s。", count=len(result.done), name=colleague.label), "success")
    for reason, firms in skipped_by_reason(result).items():
        flash(_("已跳过 %(count)s 家：%(reason)s——%(firms)s", count=len(firms), reason=reason,
                firms="、".join(e.name for e in firms)), "warning")
    return redirect(back)


# --- The firm page ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordKind:
    """One kind of record a firm has, edited through the same pages."""

    model: type
    form: type
    label: str
    enums: dict[str, type[Enum]]
    anchor: str


RECORD_KINDS: dict[str, RecordKind] = {
    "designations": RecordKind(Designation, f.DesignationForm, _l("认定"), {"kind": DesignationKind}, "ladder"),
    "reports": RecordKind(AnnualReport, f.AnnualReportForm, _l("年度报表"), {}, "reports"),
    "platforms": RecordKind(Platform, f.PlatformForm, _l("研发机构与载体"), {"kind": PlatformKind, "level": PlatformLevel}, "platforms"),
    "talents": RecordKind(Talent, f.TalentForm, _l("人才与团队"), {"category": TalentCategory, "programme": TalentProgramme}, "talents"),
    "support": RecordKind(SupportRecord, f.SupportRecordForm, _l("扶持记录"), {"kind": SupportKind}, "support"),
    "honours": RecordKind(Honour, f.HonourForm, _l("荣誉与奖励"), {"kind": HonourKind}, "support"),
    "notes": RecordKind(ContactNote, f.ContactNoteForm, _l("联系记录"), {"kind": ContactKind}, "notes"),
    "declarations": RecordKind(FactDeclaration, f.FactDeclarationForm, _l("企业情况申报"),
                               {"product_field": ProductField, "ip_grade": IpGrade}, "declarations"),
}

LABELS = {
    "platform_kind": PLATFORM_KIND_LABELS, "platform_level": PLATFORM_LEVEL_LABELS,
    "talent_category": TALENT_CATEGORY_LABELS, "talent_programme": TALENT_PROGRAMME_LABELS,
    "support_kind": SUPPORT_KIND_LABELS, "honour_kind": HONOUR_KIND_LABELS, "contact_kind": CONTACT_KIND_LABELS,
}


@bp.get("/<uscc>")
def detail(uscc: str) -> str:
    enterprise = enterprise_or_404(current_user, uscc)
    as_of = today()
    story = firm_story(enterprise, as_of)
    story["audit"] = shown_entries(story["audit"])
    return render_template(
        "enterprises/detail.html", firm=enterprise, story=story, as_of=as_of, labels=LABELS,
        rule_labels=RULE_LABELS, figure_labels=f.FIGURE_LABELS, figure_fields=FIGURE_FIELDS,
        version_token=version_token, audit_changes=readable_changes(story["audit"]),
        declarations=declarations.declarations_of(enterprise), declaration_labels=declaration_labels(),
        report_status_labels=REPORT_STATUS_LABELS,
        audit_actors=actor_labels(story["audit"]), audit_records=record_names(story["audit"]),
        # Staff see the latest round that has the firm, published or not (the page says which).
        innovation=firm_portrait(enterprise.id, published_only=False),
    )


def _form_data(record: Any, form_class: type) -> dict[str, Any]:  # noqa: ANN401
    data: dict[str, Any] = {}
    for name in _field_names(form_class):
        value = getattr(record, name, None)
        data[name] = value.value if isinstance(value, Enum) else value
    data["version_id"] = version_token(record)
    return data


def _field_names(form_class: type) -> list[str]:
    fields = form_class(formdata=None, meta={"csrf": False})._fields
    return [name for name in fields if name not in ("csrf_token", "version_id")]


def _values(form: Any, kind: RecordKind) -> dict[str, Any]:  # noqa: ANN401
    values: dict[str, Any] = {}
    for name in _field_names(type(form)):
        value = form[name].data
        if name in kind.enums:
            value = kind.enums[name](value) if value else None
        elif isinstance(value, str):
            value = value.strip() or None
        values[name] = value
    return values


def _record_or_404(kind: RecordKind, enterprise: Enterprise, record_id: int) -> Any:  # noqa: ANN401
    record = db.session.scalar(
        select(kind.model).where(kind.model.id == record_id, kind.model.enterprise_id == enterprise.id)
    )
    if record is None:
        abort(404)
    return record


@bp.route("/<uscc>/<kind_name>/new", methods=["GET", "POST"], endpoint="new_record")
@bp.route("/<uscc>/<kind_name>/<int:record_id>", methods=["GET", "POST"], endpoint="edit_record")
def edit_record(uscc: str, kind_name: str, record_id: int | None = None) -> Any:  # noqa: ANN401
    enterprise = enterprise_or_404(current_user, uscc)
    kind = RECORD_KINDS.get(kind_name) or abort(404)
    record = _record_or_404(kind, enterprise, record_id) if record_id is not None else None
    if request.method == "GET":
        defaults: dict[str, Any] = {}
        if record is None and kind.model is ContactNote:
            defaults = {"happened_on": today()}  # the channel is chosen, never assumed
        if record is None and kind.model is AnnualReport:
            defaults = {"year": today().year - 1}
        form = kind.form(data=_form_data(record, kind.form) if record is not None else defaults)
    else:
        form = kind.form()
    form.enterprise, form.record = enterprise, record
    status = 200
    if form.validate_on_submit():
        try:
            check_version(record, form.version_id.data)
            _save(kind, enterprise, record, _values(form, kind))
            flash(_("%(kind)s已保存。", kind=kind.label), "success")
            return redirect(url_for("enterprises.detail", uscc=enterprise.uscc, _anchor=kind.anchor))
        except (EditConflict, StaleDataError):
            db.session.rollback()
            flash(str(CONFLICT_MESSAGE), "danger")
            status = 409
        except IntegrityError:
            if kind.model is AnnualReport:
                form.year.errors = [*form.year.errors, _("该年度的报表已存在")]
            else:
                flash(_("保存失败：数据与已有记录冲突。"), "danger")
            status = 422
    elif request.method == "POST":
        status = 422
    title = _("编辑%(kind)s", kind=kind.label) if record is not None else _("新增%(kind)s", kind=kind.label)
    return render_template(
        "enterprises/record_form.html", firm=enterprise, form=form, title=title, kind=kind, kind_name=kind_name,
        record=record,
    ), status


def _save(kind: RecordKind, enterprise: Enterprise, record: Any, values: dict[str, Any]) -> None:  # noqa: ANN401
    if kind.model is Designation and values.get("valid_to") is None:
        values["valid_to"] = default_valid_to(values["kind"], values["valid_from"])
    if kind.model is ContactNote and record is None:
        values["officer_id"] = current_user.id
    if kind.model is FactDeclaration:
        # An officer enters facts from the firm's papers: verified, as an officer's report is.
        if record is None:
            record = FactDeclaration(enterprise_id=enterprise.id)
            db.session.add(record)
        declarations.store(record, values, current_user)
        if record.status is not ReportStatus.verified:
            record.status = ReportStatus.submitted
            declarations.verify(record, current_user)
        commit_edit()
        return
    if kind.model is AnnualReport:
        if record is None:
            # A report an officer enters from the firm's papers counts as verified by that officer.
            record = AnnualReport(
                enterprise_id=enterprise.id, status=ReportStatus.verified,
                verified_at=utcnow(), verified_by_id=current_user.id,
            )
            db.session.add(record)
        update_report(record, values, current_user)
    else:
        if record is None:
            record = kind.model(enterprise_id=enterprise.id)
            db.session.add(record)
        for name, value in values.items():
            setattr(record, name, value)
        record.updated_by_id = current_user.id
    commit_edit()


@bp.post("/<uscc>/<kind_name>/<int:record_id>/delete")
def delete_record(uscc: str, kind_name: str, record_id: int) -> Response:
    enterprise = enterprise_or_404(current_user, uscc)
    kind = RECORD_KINDS.get(kind_name) or abort(404)
    record = _record_or_404(kind, enterprise, record_id)
    from flask_wtf import FlaskForm

    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        check_version(record, request.form.get("version_id"))
        db.session.delete(record)
        commit_edit()
        flash(_("%(kind)s已删除。", kind=kind.label), "success")
    except EditConflict:
        flash(_("该记录已被他人修改，您的修改未保存，未删除。"), "danger")
    return redirect(url_for("enterprises.detail", uscc=enterprise.uscc, _anchor=kind.anchor))


PROFILE_FIELDS = (
    "name", "district_code", "town", "founded_on", "closed_on", "industry_code", "hitech_field", "above_size",
    "address", "contact_person", "contact_phone", "contact_email", "notes",
)


@bp.route("/<uscc>/profile", methods=["GET", "POST"])
def edit_profile(uscc: str) -> Any:  # noqa: ANN401
    enterprise = enterprise_or_404(current_user, uscc)
    may_move = current_user.role in (Role.bureau, Role.admin)
    if request.method == "GET":
        data = {name: getattr(enterprise, name) for name in PROFILE_FIELDS}
        data["hitech_field"] = enterprise.hitech_field.value if enterprise.hitech_field else ""
        data["industry_code"] = enterprise.industry_code or ""
        data["version_id"] = version_token(enterprise)
        form = f.ProfileForm(data=data)
    else:
        form = f.ProfileForm()
    form.enterprise, form.record = enterprise, enterprise
    form.district_code.choices = list(DISTRICTS.items())
    form.industry_code.choices = [("", _("（未填写）"))] + [
        (i.code, f"{i.code} {i.name}") for i in db.session.scalars(select(Industry).order_by(Industry.code))
    ]
    if not may_move:
        # Officers see the district read-only; a posted value is ignored.
        form.district_code.render_kw = {"disabled": True}
        form.district_code.data = enterprise.district_code
    # The towns offered are those of the district on the form (after a refused move, the new one).
    form.town.render_kw = {"list": "town-choices"}
    towns = district_towns(form.district_code.data if form.district_code.data in DISTRICTS else enterprise.district_code)
    status = 200
    if form.validate_on_submit():
        try:
            check_version(enterprise, form.version_id.data)
            moving = may_move and form.district_code.data != enterprise.district_code
            had_town = enterprise.town
            if moving:
                # First, while the old town is known: a moved firm takes a town of its new district, or none.
                set_district(enterprise, form.district_code.data, current_user, town=form.town.data)
            for name in PROFILE_FIELDS:
                if name == "district_code" or (moving and name == "town"):
                    continue
                value = form[name].data
                if name == "hitech_field":
                    value = HitechField(value) if value else None
                elif isinstance(value, str) and name != "name":
                    value = value.strip() or None
                elif name == "name":
                    value = value.strip()
                setattr(enterprise, name, value)
            enterprise.updated_by_id = current_user.id
            commit_edit()
            flash(_("企业信息已保存。"), "success")
            if moving and had_town and enterprise.town is None:
                flash(_("企业已迁至%(district)s，原镇街/园区“%(town)s”已清除，请补填%(district)s的镇街/园区。",
                        district=DISTRICTS.get(enterprise.district_code, enterprise.district_code), town=had_town),
                      "warning")
            return redirect(url_for("enterprises.detail", uscc=enterprise.uscc))
        except EditConflict:
            flash(str(CONFLICT_MESSAGE), "danger")
            status = 409
        except ValidationFailed as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                form[name].errors = [*form[name].errors, message]
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "enterprises/record_form.html", firm=enterprise, form=form, title=_("编辑企业信息"), kind=None,
        kind_name="profile", record=enterprise, towns=towns,
    ), status


# --- Verification queue -------------------------------------------------------------------------

@bp.get("/verification")
def verification_queue() -> str:
    items = submitted_reports(current_user)
    return render_template("enterprises/queue.html", items=items,
                           declared=declarations.submitted_declarations(current_user))


def _report_in_scope(report_id: int) -> AnnualReport:
    report = db.session.get(AnnualReport, report_id)
    if report is None:
        abort(404)
    enterprise_or_404(current_user, report.enterprise.uscc)
    return report


@bp.route("/declarations/<int:declaration_id>/review", methods=["GET", "POST"])
def review_declaration(declaration_id: int) -> Any:  # noqa: ANN401
    """Verify a firm's submitted declaration of facts, or return it with a reason."""
    found = db.session.get(FactDeclaration, declaration_id) or abort(404)
    enterprise = enterprise_or_404(current_user, db.session.get(Enterprise, found.enterprise_id).uscc)
    form = f.ReviewForm(data={"version_id": version_token(found)}) if request.method == "GET" else f.ReviewForm()
    status = 200
    if form.validate_on_submit():
        decision = request.form.get("decision")
        try:
            check_version(found, form.version_id.data)
            if decision == "verify":
                declarations.verify(found, current_user)
                message = _("%(firm)s 的企业情况申报已核实。", firm=enterprise.name)
            elif decision == "return":
                declarations.give_back(found, current_user, form.reason.data)
                message = _("%(firm)s 的企业情况申报已退回。", firm=enterprise.name)
            else:
                abort(400)
            commit_edit()
            flash(message, "success")
            return redirect(url_for("enterprises.verification_queue"))
        except (EditConflict, StaleDataError):
            db.session.rollback()
            flash(str(CONFLICT_MESSAGE), "danger")
            status = 409
        except ReportStateError as exc:
            db.session.rollback()
            if decision == "return" and not (form.reason.data or "").strip():
                form.reason.errors = [*form.reason.errors, str(exc)]
            else:
                flash(str(exc), "danger")
            status = 422
    elif request.method == "POST":
        status = 422
    history = declarations.declarations_of(enterprise)
    previous = declarations.in_force([d for d in history if d.id != found.id], today())
    evidence = db.session.scalars(select(Attachment).where(Attachment.declaration_id == found.id)
                                  .order_by(Attachment.id)).all()
    return render_template("enterprises/review_declaration.html", declaration=found, previous=previous, firm=enterprise,
                           form=form, evidence=evidence, declaration_labels=declaration_labels()), status


@bp.route("/reports/<int:report_id>/review", methods=["GET", "POST"])
def review_report(report_id: int) -> Any:  # noqa: ANN401
    report = _report_in_scope(report_id)
    form = f.ReviewForm(data={"version_id": version_token(report)}) if request.method == "GET" else f.ReviewForm()
    status = 200
    if form.validate_on_submit():
        decision = request.form.get("decision")
        try:
            check_version(report, form.version_id.data)
            if decision == "verify":
                verify_report(report, current_user)
                message = _("%(firm)s %(year)s 年度报表已核实。", firm=report.enterprise.name, year=report.year)
            elif decision == "return":
                return_report(report, current_user, form.reason.data)
                message = _("%(firm)s %(year)s 年度报表已退回。", firm=report.enterprise.name, year=report.year)
            else:
                abort(400)
            commit_edit()
            flash(message, "success")
            return redirect(url_for("enterprises.verification_queue"))
        except (EditConflict, StaleDataError):  # the latter from an autoflush before the commit
            db.session.rollback()
            flash(str(CONFLICT_MESSAGE), "danger")
            status = 409
        except ReportStateError as exc:
            db.session.rollback()
            if decision == "return" and not (form.reason.data or "").strip():
                form.reason.errors = [*form.reason.errors, str(exc)]
            else:
                flash(str(exc), "danger")
            status = 422
    elif request.method == "POST":
        status = 422
    previous = previous_report(report)
    return render_template(
        "enterprises/review.html", report=report, previous=previous, firm=report.enterprise,
        changes=compare_reports(report, previous), form=form, figure_labels=f.FIGURE_LABELS,
        money_fields=set(f.MONEY_LABELS),
    ), status
