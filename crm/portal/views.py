"""Pages of the enterprise portal (firms) and the officers' side of it (accounts, change requests).

A firm is always the signed-in user's own (`current_user.enterprise`); ids in
URLs are looked up within the user's scope, so another firm's record is a 404.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from crm.auth.sessions import start_session
from crm.clock import today
from crm.extensions import db
from crm.models import ChangeRequest, ChangeRequestStatus, Enterprise, Industry, Platform, Role, Talent, User
from crm.portal import attachments as files
from crm.portal import invitations
from crm.portal import services
from crm.portal.forms import (
    AnnualReportForm, AttachmentForm, CreateUserForm, DecisionForm, DeleteForm, ForgotForm, InviteForm,
    PlatformRequestForm, ProfileChangeForm, RemovalForm, ResetForm, SignupForm, TalentRequestForm, YearForm,
)
from crm.reports.services import ReportStateError
from crm.scoping import can_edit, enterprise_or_404, scoped

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: Exception) -> Any:
    """A file above the request limit: back to the report it was meant for, saying the limit."""
    flash(_("文件过大：单个附件不超过 %(mb)s MB，请压缩或拆分后再上传。", mb=files.max_bytes() // (1024 * 1024)),
          "danger")
    year = (request.view_args or {}).get("year") if request.endpoint == "portal.upload_attachment" else None
    target = url_for("portal.report_form", year=year) if year else url_for("portal.dashboard")
    return redirect(target), 303


def enterprise_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pages of a firm's own records: enterprise users only."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.role is not Role.enterprise or current_user.enterprise is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _firm() -> Enterprise:
    return current_user.enterprise


# --- Dashboard -----------------------------------------------------------------------------


@bp.route("/")
@enterprise_required
def dashboard() -> str:
    return render_dashboard()


def render_dashboard() -> str:
    """The firm's home: reminders and profile (also what main.home shows enterprise users)."""
    as_of = today()
    firm = _firm()
    from crm.ladder import stage_of

    return render_template(
        "portal/dashboard.html", firm=firm, stage=stage_of(firm.designations, as_of), as_of=as_of,
        reminders=services.reminders(firm, as_of), status_labels=services.STATUS_LABELS,
    )


# --- Annual reports ------------------------------------------------------------------------


@bp.route("/reports")
@enterprise_required
def reports() -> str:
    firm = _firm()
    year_form = YearForm(meta={"csrf": False})
    years = services.open_years(firm)
    year_form.year.choices = [(y, _("%(year)s年度", year=y)) for y in years]
    year_form.year.data = years[0] if years else None
    return render_template(
        "portal/reports.html", firm=firm, reports=services.firm_reports(firm), year_form=year_form,
        status_labels=services.STATUS_LABELS, last_year=services.last_fiscal_year(),
    )


@bp.route("/reports/open")
@enterprise_required
def open_report() -> Response:
    year = request.args.get("year", type=int)
    if year is None:
        abort(404)
    return redirect(url_for("portal.report_form", year=year))


def _render_report(report: Any, form: Any, check: services.FigureCheck | None = None,
                   status: int = 200) -> tuple[str, int]:
    if check is not None:
        for name, messages in check.errors.items():
            getattr(form, name).errors = list(messages)
    return render_template(
        "portal/report_form.html", report=report, form=form, sections=services.SECTIONS,
        editable=services.is_editable(report) if report.id else True,
        warnings=check.warnings if check else [], status_labels=services.STATUS_LABELS,
        attachments=files.report_attachments(report) if report.id else [],
        upload_form=AttachmentForm(), delete_form=DeleteForm(), required=services.REQUIRED_ON_SUBMIT,
        previous=services.previous_report(_firm(), report.year), max_mb=files.max_bytes() // (1024 * 1024),
    ), status


@bp.route("/reports/<int:year>", methods=["GET", "POST"])
@enterprise_required
def report_form(year: int) -> Any:
    firm = _firm()
    report = services.report_for(firm, year)
    # The version the form must carry: a form opened before the report was stored carries none.
    stored_version = str(report.version_id) if report is not None else ""
    if report is None:
        if year not in services.open_years(firm):
            abort(404)
        if request.method == "GET":
            # Not stored until the firm saves something.
            report = services.AnnualReport(enterprise_id=firm.id, year=year, status=services.ReportStatus.draft)
        else:
            report = services.get_or_start_report(firm, year)
            ours = report in db.session.new
            try:
                db.session.flush()
            except IntegrityError:  # a colleague's first save of the same year came first
                db.session.rollback()
                report, ours = services.report_for(firm, year), False
                if report is None:
                    raise
            if not ours:
                # Stored by a colleague since this request first looked (found again, or their
                # insert won): the form's empty version is stale.
                stored_version = str(report.version_id)
    form = AnnualReportForm()
    if request.method == "GET":
        form.version_id.data = str(report.version_id or "")
        form.change_explanation.data = report.change_explanation or ""
        # Figures left refused in the draft come back as typed, with their messages.
        typed, check = services.form_input(report)
        for name in services.FIGURES:
            getattr(form, name).data = typed[name]
        return _render_report(report, form, check if check.errors else None)[0]

    if not form.validate_on_submit():
        # Only the CSRF token or the explanation's length can fail here.
        flash(_("表单已失效，请重新提交。"), "danger")
        return _render_report(report, form, status=400)
    if not services.is_editable(report):
        flash(_("该年度报表已提交或已核实，不能修改。"), "warning")
        return redirect(url_for("portal.report_form", year=year))
    if (form.version_id.data or "") != stored_version:
        # Also when the form was opened before a colleague first saved this year's report:
        # an empty version must not overwrite what they stored meanwhile.
        flash(_("该报表已被本企业其他用户修改，请核对后重新提交（您填写的内容保留在下方）。"), "danger")
        form.version_id.data = stored_version
        return _render_report(report, form, status=409)

    raw = {name: getattr(form, name).data for name in services.FIGURES}
    submitting = request.form.get("action") == "submit"
    explanation = form.change_explanation.data or ""
    # Valid figures are stored, refused ones kept as typed in the draft (report.draft_input).
    check = services.save_report(report, raw, explanation, submitting, services.previous_report(firm, year))
    report.updated_by_id = current_user.id

    needs_explanation = submitting and check.ok and check.warnings and not explanation.strip()
    if submitting and check.ok and not needs_explanation:
        services.submit_report(report, current_user)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("该报表已被本企业其他用户修改，请刷新后重试。"), "danger")
        return _render_report(services.report_for(firm, year) or report, form, check, status=409)
    form.version_id.data = str(report.version_id)

    if check.errors:
        flash(_("有 %(n)s 项数据需要修改（见标红的字段）。其余内容已保存为草稿。", n=len(check.errors)), "danger")
        return _render_report(report, form, check, status=422)
    if needs_explanation:
        flash(_("部分数据与上一年度相比变动超过50%，请在“变动说明”中说明原因后再提交。内容已保存为草稿。"),
              "warning")
        form.change_explanation.errors = [_("请填写变动说明。")]
        return _render_report(report, form, check, status=422)
    if submitting:
        flash(_("%(year)s年度报表已提交，等待区（市）科技局审核。", year=year), "success")
    else:
        flash(_("草稿已保存。"), "success")
    return redirect(url_for("portal.report_form", year=year))


@bp.route("/reports/<int:year>/attachments", methods=["POST"])
@enterprise_required
def upload_attachment(year: int) -> Any:
    firm = _firm()
    report = services.report_for(firm, year)
    if report is None:
        if year not in services.open_years(firm):
            abort(404)
        report = services.get_or_start_report(firm, year)
        try:
            db.session.flush()
        except IntegrityError:  # a colleague's first save of the same year came first: attach to it
            db.session.rollback()
            report = services.report_for(firm, year)
            if report is None:
                raise
    form = AttachmentForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        flash(_("请选择要上传的文件。"), "danger")
        return redirect(url_for("portal.report_form", year=year))
    try:
        attachment = files.save_attachment(report, upload.stream, upload.filename, current_user)
        db.session.commit()
    except files.AttachmentError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("portal.report_form", year=year))
    flash(_("附件“%(name)s”已上传。", name=attachment.filename), "success")
    return redirect(url_for("portal.report_form", year=year))


def _attachment_or_404(attachment_id: int) -> Any:
    attachment = files.attachment_in_scope(current_user, attachment_id)
    if attachment is None:
        abort(404)
    return attachment


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download_attachment(attachment_id: int) -> Response:
    """Enterprise users of the firm, officers of its district, bureau and admins."""
    attachment = _attachment_or_404(attachment_id)
    response = files.download(attachment, request)
    if response is None:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, the file runs no script and reaches no session.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
@enterprise_required
def delete_attachment(attachment_id: int) -> Response:
    attachment = _attachment_or_404(attachment_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    report = db.session.get(services.AnnualReport, attachment.annual_report_id) if attachment.annual_report_id else None
    year = report.year if report else services.last_fiscal_year()
    back = (url_for("portal.declaration") if attachment.declaration_id is not None
            else url_for("portal.report_form", year=year))
    try:
        name = attachment.filename
        files.delete_attachment(attachment)
        db.session.commit()
        flash(_("附件“%(name)s”已删除。", name=name), "success")
    except files.AttachmentError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(back)


# --- Declarations of facts (the MIIT ladder) ------------------------------------------------


@bp.route("/declaration", methods=["GET", "POST"])
@enterprise_required
def declaration() -> Any:
    """The firm declares the facts no figure gives (niche, leading product, digital level,
    quality…), with evidence; its officer verifies them (crm.reports.declarations)."""
    from crm.enterprises.forms import FactDeclarationForm
    from crm.reports import declarations as service

    firm = _firm()
    history = service.declarations_of(firm)
    current = next((d for d in history if d.status in service.EDITABLE), None)
    status = 200
    if request.method == "POST":
        form = FactDeclarationForm()
        if form.validate_on_submit():
            target = current or service.open_declaration(firm, today())
            stored = str(target.version_id) if target.id is not None else ""
            if (form.version_id.data or "") != stored:
                flash(_("该申报已被本企业其他用户修改，请核对后重新提交（您填写的内容保留在下方）。"), "danger")
                db.session.rollback()
                status = 409
            else:
                values = {name: form[name].data for name in ("declared_on", *service.DECLARED_FIELDS)}
                for name in ("product_field", "ip_grade"):
                    values[name] = _declared_code(name, values[name])
                values["leading_product"] = (values["leading_product"] or "").strip() or None
                try:
                    service.store(target, values, current_user)
                    submitting = request.form.get("action") == "submit"
                    if submitting:
                        service.submit(target, current_user)
                    db.session.commit()
                except StaleDataError:
                    db.session.rollback()
                    flash(_("该申报已被本企业其他用户修改，请刷新后重试。"), "danger")
                    return redirect(url_for("portal.declaration"))
                except (ReportStateError, IntegrityError) as exc:
                    db.session.rollback()
                    flash(str(exc) if isinstance(exc, ReportStateError) else _("保存失败，请重试。"), "danger")
                    return redirect(url_for("portal.declaration"))
                flash(_("申报已提交，等待区（市）科技局核实。") if submitting else _("草稿已保存。"), "success")
                return redirect(url_for("portal.declaration"))
        else:
            status = 422
    else:
        shown = current or (history[0] if history else None)
        data: dict[str, Any] = {"declared_on": today(), "version_id": str(current.version_id) if current else ""}
        if shown is not None:
            for name in service.DECLARED_FIELDS:
                value = getattr(shown, name)
                data[name] = value.value if hasattr(value, "value") else value
            if current is not None:
                data["declared_on"] = current.declared_on
        form = FactDeclarationForm(data=data)
    evidence = files.declaration_attachments(current) if current is not None and current.id else []
    return render_template("portal/declaration.html", form=form, history=history, current=current, evidence=evidence,
                           in_force=service.in_force(history, today()), labels=service.declaration_labels(),
                           upload_form=AttachmentForm(), delete_form=DeleteForm(),
                           max_mb=files.max_bytes() // (1024 * 1024)), status


def _declared_code(name: str, value: str | None) -> Any:  # noqa: ANN401 - an enum member
    from crm.models.declaration import IpGrade, ProductField

    kinds = {"product_field": ProductField, "ip_grade": IpGrade}
    return kinds[name](value) if value else None


@bp.route("/declaration/attachments", methods=["POST"])
@enterprise_required
def upload_declaration_evidence() -> Any:
    from crm.reports import declarations as service

    firm = _firm()
    form = AttachmentForm()
    if not form.validate_on_submit():
        abort(400)
    target = service.open_declaration(firm, today())
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        db.session.rollback()
        flash(_("请选择要上传的文件。"), "danger")
        return redirect(url_for("portal.declaration"))
    try:
        db.session.flush()
        attachment = files.save_attachment(target, upload.stream, upload.filename, current_user)
        db.session.commit()
    except files.AttachmentError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("portal.declaration"))
    flash(_("附件“%(name)s”已上传。", name=attachment.filename), "success")
    return redirect(url_for("portal.declaration"))


# --- Standing ------------------------------------------------------------------------------


@bp.route("/standing")
@enterprise_required
def standing() -> str:
    from crm.eligibility.display import condition_figures, estimate_lines
    from crm.ladder import stage_of
    from crm.rules_catalogue import RULE_LABELS

    as_of = today()
    firm = _firm()
    params = services.rule_parameters(as_of)
    window_end = services.expiry_window_end(as_of, params)
    return render_template(
        "portal/standing.html", firm=firm, as_of=as_of, stage=stage_of(firm.designations, as_of),
        designations=services.designations_with_expiry(firm, as_of, window_end), window_end=window_end,
        rungs=services.next_rungs(firm, as_of), flags=services.open_flags(firm, as_of), rule_labels=RULE_LABELS,
        condition_figures=condition_figures, estimate_lines=estimate_lines,
    )


@bp.route("/innovation")
@enterprise_required
def innovation() -> str:
    """The firm's innovation points in the published rounds (its portrait): its own firm only,
    and no URL argument names a round or a firm, so nothing unpublished or another's is reachable."""
    from crm.innovation.display import firm_portrait

    firm = _firm()
    return render_template("portal/innovation.html", firm=firm,
                           innovation=firm_portrait(firm.id, published_only=True))


# --- Profile change requests (firm) ----------------------------------------------------------


def _industry_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Industry.code, Industry.name).order_by(Industry.code)).all()
    return [("", "—")] + [(code, f"{code} {name}") for code, name in rows]


def _profile_form(firm: Enterprise, formdata: Any = None) -> ProfileChangeForm:
    form = ProfileChangeForm(formdata=formdata, prefix="profile")
    form.industry_code.choices = _industry_choices()
    if formdata is None:
        for name in services.PROFILE_FIELDS:
            value = getattr(firm, name)
            getattr(form, name).data = value.value if hasattr(value, "value") else value
    return form


def _render_change_requests(firm: Enterprise, profile_form: Any = None, platform_form: Any = None,
                            talent_form: Any = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "portal/change_requests.html", firm=firm,
        profile_form=profile_form or _profile_form(firm),
        platform_form=platform_form or PlatformRequestForm(prefix="platform"),
        talent_form=talent_form or TalentRequestForm(prefix="talent"),
        requests=services.firm_change_requests(firm), describe=services.describe_request,
        kind_labels=services.KIND_LABELS, status_labels=services.CR_STATUS_LABELS,
        platforms=services.firm_platforms(firm), talents=services.firm_talents(firm),
        pending_removals=services.pending_removals(firm), removal_form=RemovalForm(), labels=_record_labels(),
    ), status


def _record_labels() -> dict[str, Any]:
    from crm.models.platform import PLATFORM_KIND_LABELS, PLATFORM_LEVEL_LABELS
    from crm.models.talent import TALENT_CATEGORY_LABELS, TALENT_PROGRAMME_LABELS

    return {"platform_kind": PLATFORM_KIND_LABELS, "platform_level": PLATFORM_LEVEL_LABELS,
            "talent_category": TALENT_CATEGORY_LABELS, "talent_programme": TALENT_PROGRAMME_LABELS}


@bp.route("/change-requests")
@enterprise_required
def change_requests() -> Any:
    return _render_change_requests(_firm())


@bp.route("/change-requests/profile", methods=["POST"])
@enterprise_required
def request_profile() -> Any:
    firm = _firm()
    form = _profile_form(firm, request.form)
    if form.validate_on_submit():
        proposed = {}
        for name in services.PROFILE_FIELDS:
            value = getattr(form, name).data
            proposed[name] = value.isoformat() if hasattr(value, "isoformat") else (value or "")
        try:
            services.request_profile_change(firm, current_user, proposed)
            db.session.commit()
            flash(_("变更申请已提交，待区（市）科技局审核。"), "success")
            return redirect(url_for("portal.change_requests"))
        except services.ChangeRequestError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
    return _render_change_requests(firm, profile_form=form, status=422)


@bp.route("/change-requests/platform", methods=["POST"])
@enterprise_required
def request_platform() -> Any:
    firm = _firm()
    form = PlatformRequestForm(prefix="platform")
    if form.validate_on_submit():
        services.request_platform(firm, current_user, form.data)
        db.session.commit()
        flash(_("新增研发机构/载体的申请已提交，待审核。"), "success")
        return redirect(url_for("portal.change_requests"))
    return _render_change_requests(firm, platform_form=form, status=422)


@bp.route("/change-requests/talent", methods=["POST"])
@enterprise_required
def request_talent() -> Any:
    firm = _firm()
    form = TalentRequestForm(prefix="talent")
    if form.validate_on_submit():
        services.request_talent(firm, current_user, form.data)
        db.session.commit()
        flash(_("新增人才/团队的申请已提交，待审核。"), "success")
        return redirect(url_for("portal.change_requests"))
    return _render_change_requests(firm, talent_form=form, status=422)


@bp.route("/change-requests/<any(platforms, talents):kind>/<int:record_id>/remove", methods=["POST"])
@enterprise_required
def request_removal(kind: str, record_id: int) -> Any:
    firm = _firm()
    model = Platform if kind == "platforms" else Talent
    record = db.session.scalar(select(model).where(model.id == record_id, model.enterprise_id == firm.id))
    if record is None:
        abort(404)
    form = RemovalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.request_removal(firm, current_user, record, form.reason.data)
        db.session.commit()
        flash(_("删除申请已提交，待区（市）科技局审核。"), "success")
    except services.ChangeRequestError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    return redirect(url_for("portal.change_requests"))


# --- Officers: reviewing change requests -----------------------------------------------------


def _staff_required() -> None:
    if not can_edit(current_user):
        abort(403)


@bp.route("/review")
@login_required
def review_requests() -> str:
    _staff_required()
    stmt = services.pending_change_requests(current_user).order_by(ChangeRequest.requested_at, ChangeRequest.id)
    decided = scoped(
        select(ChangeRequest).join(Enterprise, Enterprise.id == ChangeRequest.enterprise_id)
        .where(ChangeRequest.status != ChangeRequestStatus.pending)
        .order_by(ChangeRequest.decided_at.desc()).limit(20),
        current_user,
    )
    return render_template(
        "portal/review_requests.html", pending=db.session.scalars(stmt).all(),
        decided=db.session.scalars(decided).all(), describe=services.describe_request,
        kind_labels=services.KIND_LABELS, status_labels=services.CR_STATUS_LABELS, form=DecisionForm(),
    )


@bp.route("/review/<int:request_id>", methods=["POST"])
@login_required
def decide_request(request_id: int) -> Response:
    stmt = scoped(
        select(ChangeRequest).join(Enterprise, Enterprise.id == ChangeRequest.enterprise_id)
        .where(ChangeRequest.id == request_id),
        current_user,
    )
    change = db.session.scalars(stmt).first()
    if change is None:
        abort(404)
    _staff_required()
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    try:
        services.decide_change_request(change, current_user, approve, form.note.data)
        db.session.commit()
        flash(_("已通过并更新企业信息。") if approve else _("已驳回。"), "success")
    except (services.ChangeRequestError, ValueError) as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for("portal.review_requests"))


# --- Officers: accounts of a firm ------------------------------------------------------------


def _managed_firm(uscc: str) -> Enterprise:
    firm = enterprise_or_404(current_user, uscc)
    _staff_required()
    return firm


def _render_accounts(firm: Enterprise, *, create_form: Any = None, invite_form: Any = None,
                     shown_password: tuple[User, str] | None = None, shown_link: tuple[str, str] | None = None,
                     status: int = 200) -> tuple[str, int]:
    return render_template(
        "portal/accounts.html", firm=firm, users=invitations.firm_users(firm),
        invitations=invitations.firm_invitations(firm), create_form=create_form or CreateUserForm(prefix="create"),
        invite_form=invite_form or InviteForm(prefix="invite"), reset_form=DeleteForm(),
        shown_password=shown_password, shown_link=shown_link, days=invitations.INVITATION_DAYS,
        mail=invitations.mail_configured(), now=services.utcnow(),
    ), status


@bp.route("/manage/<uscc>")
@login_required
def manage_accounts(uscc: str) -> Any:
    return _render_accounts(_managed_firm(uscc))


@bp.route("/manage/<uscc>/users", methods=["POST"])
@login_required
def create_account(uscc: str) -> Any:
    firm = _managed_firm(uscc)
    form = CreateUserForm(prefix="create")
    if form.validate_on_submit():
        try:
            user, password = invitations.create_firm_user(
                firm, form.username.data, form.display_name.data, form.email.data
            )
            db.session.commit()
        except invitations.InvitationError as exc:
            db.session.rollback()
            target = getattr(form, exc.field, None) or form.username
            target.errors = [*target.errors, str(exc)]
            return _render_accounts(firm, create_form=form, status=422)
        # Rendered, not flashed: the temporary password must not travel in the session cookie.
        return _render_accounts(firm, shown_password=(user, password))
    return _render_accounts(firm, create_form=form, status=422)


@bp.route("/manage/<uscc>/invitations", methods=["POST"])
@login_required
def invite(uscc: str) -> Any:
    firm = _managed_firm(uscc)
    form = InviteForm(prefix="invite")
    if not form.validate_on_submit():
        return _render_accounts(firm, invite_form=form, status=422)
    _invitation, token = invitations.issue_invitation(firm, current_user, email=form.email.data or None)
    db.session.commit()
    link = invitations.link_for(token)
    if form.email.data and invitations.mail_configured():
        sent = invitations.mail_signup_link(firm, form.email.data, link)
        flash(_("邀请链接已发送至 %(email)s。", email=form.email.data) if sent
              else _("邮件发送失败，请将下方链接转交企业。"), "info" if sent else "warning")
    return _render_accounts(firm, shown_link=("signup", link))


@bp.route("/manage/<uscc>/users/<int:user_id>/reset", methods=["POST"])
@login_required
def reset_link(uscc: str, user_id: int) -> Any:
    firm = _managed_firm(uscc)
    user = db.session.get(User, user_id)
    if user is None or user.enterprise_id != firm.id:
        abort(404)
    if not DeleteForm().validate_on_submit():
        abort(400)
    _invitation, token = invitations.issue_invitation(firm, current_user, invitations.RESET, user=user)
    db.session.commit()
    link = invitations.link_for(token)
    if user.email and invitations.mail_configured():
        sent = invitations.mail_reset_link(user, link)
        if sent:
            flash(_("重置链接已发送至 %(email)s。", email=user.email), "info")
    return _render_accounts(firm, shown_link=("reset", link))


# --- Invitation links and password reset (no sign-in needed) -------------------------------


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Any:
    try:
        invitation = invitations.find_invitation(token)
    except invitations.InvitationError as exc:
        return render_template("portal/invitation_invalid.html", message=str(exc)), 410
    signup = invitation.purpose == invitations.SIGNUP
    form = SignupForm() if signup else ResetForm()
    if form.validate_on_submit():
        try:
            if signup:
                user = invitations.accept_signup(
                    invitation, form.username.data, form.password.data, form.confirm.data,
                    form.display_name.data, form.email.data,
                )
            else:
                user = invitations.accept_reset(invitation, form.password.data, form.confirm.data)
            db.session.commit()
        except invitations.InvitationError as exc:
            db.session.rollback()
            # The field at fault (a taken username, the confirmation); the password otherwise.
            target = getattr(form, exc.field, None) or form.password
            target.errors = [*target.errors, str(exc)]
        else:
            start_session(user)
            db.session.commit()
            flash(_("账号已创建，欢迎使用。") if signup else _("密码已重新设置。"), "success")
            return redirect(url_for("portal.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render_template("portal/accept_invitation.html", form=form, invitation=invitation,
                           signup=signup), status


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = ForgotForm()
    mail = invitations.mail_configured()
    if mail and form.validate_on_submit():
        invitations.reset_by_email(form.login.data)
        db.session.commit()
        flash(_("如果该账号存在且登记了电子邮箱，重置密码的链接已发送，请查收邮件。"), "info")
        return redirect(url_for("auth.login"))
    return render_template("portal/forgot.html", form=form, mail=mail)
