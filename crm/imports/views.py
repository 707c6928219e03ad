"""Pages of the imports area: upload, preview with mapping, import, batches, rollback, reports.

Only bureau staff and administrators import (see crm.imports.services.IMPORT_ROLES). A file
is a county figure sheet or one of the lists a bureau receives (its kind is detected and
can be changed in the preview); a list row whose firm the names do not find can be given
one by hand in the preview, for that batch only.
"""
from __future__ import annotations

import copy
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from flask import (
    Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from crm import stored_files
from crm.districts import DISTRICTS
from crm.extensions import db
from crm.imports import services
from crm.imports.forms import KIND_NAMES, ListOptionsForm, UploadForm
from crm.ladder import DESIGNATION_LABELS
from crm.models import ImportBatch, IssueKind, PendingImport
from crm.models.platform import PLATFORM_KIND_LABELS, PLATFORM_LEVEL_LABELS
from crm.models.talent import TALENT_PROGRAMME_LABELS
from crm.paging import page_arg
from crm.uploads import upload_name
from importers import ParsedRow, SheetResult, SkippedRow, WorkbookError, parse_workbook
from importers.batches import RollbackRefused
from importers.fields import KIND_CODES, field_set
from importers.list_writers import load_firm_index
from importers.matching import Suggestions, picks_from
from importers.readers import SPREADSHEET_EXTENSIONS
from importers.report import error_report
from importers.template import blank_template

bp = Blueprint("imports", __name__, url_prefix="/imports")

PREVIEW_ROWS = 20
PREVIEW_ERRORS = 50
# The batch page: rejected rows a page, and notices or skipped rows listed (their count is shown).
ISSUES_PER_PAGE = 100
ISSUES_LISTED = 500
# Unmatched list rows offered close names to pick from (each costs a search of every name).
PREVIEW_SUGGESTIONS = 30
# How a list's designation kind was decided (importers.lists.SheetContext.designation_from).
CONTEXT_SOURCES = {"chosen": _l("导入时选择"), "title": _l("按标题识别"), "numbers": _l("按编号识别")}
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@login_required
def _importers_only() -> None:
    if not services.can_import(current_user):
        abort(403)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: Exception) -> Any:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    flash(_("文件过大：上传上限为 %(mb)s MB，请拆分后分别导入。", mb=limit // (1024 * 1024)), "danger")
    return redirect(url_for("imports.index")), 303


def _pending(token: str) -> PendingImport:
    """The uploaded file kept for preview and import, with its details; 404 if unknown or
    another user's. Kept in the database: any app server shows and confirms any preview."""
    if not _TOKEN_RE.match(token):
        abort(404)
    pending = db.session.scalar(select(PendingImport).where(PendingImport.token == token))
    if pending is None or pending.user_id != current_user.id:
        abort(404)
    return pending


def _source_key(meta: dict[str, Any]) -> str | None:
    """Where a confirmed mapping is remembered: the source district, else the file-name
    pattern; None (not remembered) for a name of digits alone, such as "2023.xlsx", which
    would lend one office's mapping to every other office's file named the same way.
    A list's mapping is remembered apart from a figure sheet's (its fields are others)."""
    kind = meta.get("kind") or "figures"
    prefix = "" if kind == "figures" else f"{kind}:"
    if meta.get("district"):
        return f"{prefix}district:{meta['district']}"
    stem = re.sub(r"[\d\s_\-()（）.]+", "", Path(meta["filename"]).stem)
    return f"{prefix}file:{stem[:80]}" if stem else None


def _options(meta: dict[str, Any]) -> Any:  # noqa: ANN401 - importers.lists.ListOptions
    issued = meta.get("issued_on")
    return services.list_options(meta.get("designation"), date.fromisoformat(issued) if issued else None)


@bp.route("/", methods=["GET", "POST"])
def index() -> Any:
    form = UploadForm()
    if form.validate_on_submit():
        services.expire_previews()
        upload = form.file.data
        filename = upload_name(upload.filename)
        data = upload.read()
        meta = {"filename": filename, "year": form.year.data, "district": form.district.data or None,
                "designation": form.designation.data or None,
                "issued_on": form.issued_on.data.isoformat() if form.issued_on.data else None}
        try:
            # Naming a designation kind says the file is a designation list.
            kind = form.kind.data or ("designations" if form.designation.data else None)
            meta["kind"] = services.check_readable(data, filename, kind, _options(meta))
        except WorkbookError as error:
            form.file.errors.append(str(error))
        else:
            pending = services.start_preview(data, meta, current_user)
            return redirect(url_for("imports.preview", token=pending.token), 303)
    batches = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(50)).all()
    return render_template("imports/index.html", form=form, batches=batches, districts=DISTRICTS,
                           accepted=",".join(SPREADSHEET_EXTENSIONS), kinds=KIND_NAMES)


def _mapping_from_form(sheets: list[SheetResult], kind: str) -> dict[str, str]:
    """The user's choices, {header text: field or ""}. Selects are named per sheet and
    column (``col_<sheet>_<column>``): sheets of one workbook put different headers in
    the same column. A header shown on several sheets takes the choice the user changed."""
    mapping: dict[str, str] = {}
    for position, sheet in enumerate(sheets):
        if sheet.layout is None:
            continue
        for column in sheet.layout.columns:
            chosen = request.form.get(f"col_{position}_{column.index}")
            if chosen is None:
                continue
            if chosen and chosen not in field_set(kind).kinds:
                abort(400)
            if column.header_text not in mapping or chosen != (column.field or ""):
                mapping[column.header_text] = chosen
    return mapping


@bp.route("/preview/<token>", methods=["GET", "POST"])
def preview(token: str) -> Any:
    pending = _pending(token)
    meta = copy.deepcopy(pending.details)  # changed below, saved as a whole
    data = stored_files.read_bytes(pending.file_id)
    mapping: dict[str, str] = meta.get("mapping") or services.remembered_mapping(_source_key(meta))
    if request.method == "POST":
        # CSRF is checked by CSRFProtect for every POST.
        options = ListOptionsForm(request.form)
        if not options.validate():
            for messages in options.errors.values():
                for message in messages:
                    flash(str(message), "danger")
            return redirect(url_for("imports.preview", token=token), 303)
        chosen = options.kind.data or meta.get("kind") or "figures"
        if chosen != meta.get("kind"):
            # Another kind has other fields: its mapping starts afresh, from its own remembered one.
            meta.update(kind=chosen, picks={})
            mapping = services.remembered_mapping(_source_key(meta))
        else:
            mapping = {**mapping, **_mapping_from_form(_sheets(data, meta, mapping), chosen)}
            meta["picks"] = _picks_from_form(meta.get("picks") or {})
        meta.update(mapping=mapping, designation=options.designation.data or None,
                    issued_on=options.issued_on.data.isoformat() if options.issued_on.data else None)
        services.save_preview(pending, meta)
        if request.form.get("action") == "import":
            try:
                result = services.import_file(
                    data, meta["filename"], year=meta.get("year"), district=meta.get("district"),
                    user=current_user, mapping=mapping or None, kind=meta.get("kind"), options=_options(meta),
                    picks=picks_from(meta.get("picks")), stored=pending.file,
                )
            except (WorkbookError, ValueError) as error:
                flash(str(error), "danger")
                return redirect(url_for("imports.index"), 303)
            source = _source_key(meta)
            if mapping and source:
                services.remember_mapping(source, mapping, current_user)
                db.session.commit()
            services.end_preview(pending)
            flash(_("导入完成：新增 %(c)s，更新 %(u)s，未变 %(n)s，拒绝 %(r)s。",
                    c=result.created, u=result.updated, n=result.unchanged, r=result.rejected),
                  "success" if not result.rejected else "warning")
            return redirect(url_for("imports.batch", batch_id=result.batch_id), 303)
        return redirect(url_for("imports.preview", token=token), 303)
    try:
        sheets, rows = _first_rows(data, meta, mapping)
        result = services.import_file(
            data, meta["filename"], year=meta.get("year"), district=meta.get("district"),
            user=current_user, mapping=mapping or None, dry_run=True, keep_file=False, kind=meta.get("kind"),
            options=_options(meta), picks=picks_from(meta.get("picks")),
        )
    except (WorkbookError, ValueError) as error:
        flash(str(error), "danger")
        if meta.get("kind") or meta.get("designation"):
            # The kind chosen does not fit the file: back to what the file itself says, so the
            # preview opens again (and another kind can be chosen) instead of failing for good.
            meta.update(kind=None, designation=None, picks={}, mapping=services.remembered_mapping(_source_key(meta)))
            services.save_preview(pending, meta)
            flash(_("已改回按文件内容自动识别表格类型。"), "info")
            return redirect(url_for("imports.preview", token=token), 303)
        return redirect(url_for("imports.index"), 303)
    fields = field_set(result.kind)
    choices = [("", _("（不导入此列）"))] + [(f, fields.labels[f]) for f in fields.names]
    issued = meta.get("issued_on")
    options = ListOptionsForm(data={"kind": result.kind, "designation": meta.get("designation") or "",
                                    "issued_on": date.fromisoformat(issued) if issued else None})
    # Every row's result, as the import would give it (matching and duplicates included).
    by_row: dict[tuple[str, int], dict[str, list[str]]] = {}
    for what, found in (("errors", result.errors), ("notices", result.notices)):
        for item in found:
            by_row.setdefault((item.sheet, item.row), {"errors": [], "notices": []})[what].append(item.message)
    return render_template(
        "imports/preview.html", token=token, meta=meta, sheets=sheets, rows=rows, result=result,
        errors=result.errors[:PREVIEW_ERRORS], notices=result.notices[:PREVIEW_ERRORS], choices=choices,
        districts=DISTRICTS, options=options, kind_names=KIND_NAMES, by_row=by_row,
        suggestions=_suggestions(result), picks=meta.get("picks") or {}, designation_labels=DESIGNATION_LABELS,
        context_sources=CONTEXT_SOURCES, level_labels=PLATFORM_LEVEL_LABELS, platform_labels=PLATFORM_KIND_LABELS,
        programme_labels=TALENT_PROGRAMME_LABELS,
    )


def _picks_from_form(picks: dict[str, int]) -> dict[str, int]:
    """``picks`` with the preview's choices of a firm for unmatched rows applied: a field
    ``pick|<sheet>|<row>`` holds a firm id, or "" to take a choice back."""
    picks = dict(picks)
    for name, value in request.form.items():
        if not name.startswith("pick|"):
            continue
        key = name.removeprefix("pick|")
        if not value:
            picks.pop(key, None)
        elif value.isdigit() and len(value) < 12:
            picks[key] = int(value)
        else:
            abort(400)
    return picks


def _suggestions(result: Any) -> list[dict[str, Any]]:  # noqa: ANN401 - an ImportResult
    """For the first list rows whose firm the names did not find: the name the list gives
    and close names of the system's firms (of the row's district when the list says which),
    for a person to pick from; nothing is picked for them."""
    if not result.unmatched:
        return []
    suggest = Suggestions(load_firm_index(db.session.connection()))
    return [
        {"sheet": sheet, "row": row, "name": name, "key": f"{sheet}|{row}", "firms": suggest.close_to(name, district)}
        for sheet, row, name, district in result.unmatched[:PREVIEW_SUGGESTIONS]
    ]


def _parsed(data: bytes, meta: dict[str, Any], mapping: dict[str, str]) -> Any:  # noqa: ANN401 - the stream
    return parse_workbook(data, meta["filename"], meta.get("year"), mapping or None,
                          default_district=meta.get("district"), kind=meta.get("kind") or "figures",
                          options=_options(meta))


def _sheets(data: bytes, meta: dict[str, Any], mapping: dict[str, str]) -> list[SheetResult]:
    """Every sheet of the file with its layout under ``mapping``, in the preview's order."""
    return [item for item in _parsed(data, meta, mapping) if isinstance(item, SheetResult)]


def _first_rows(data: bytes, meta: dict[str, Any], mapping: dict[str, str]) -> tuple[list[SheetResult], dict[str, list[Any]]]:
    sheets: list[SheetResult] = []
    rows: dict[str, list[Any]] = {}
    for item in _parsed(data, meta, mapping):
        if isinstance(item, SheetResult):
            sheets.append(item)
            rows[item.name] = []
        elif isinstance(item, (ParsedRow, SkippedRow)) and len(rows[item.sheet]) < PREVIEW_ROWS:
            rows[item.sheet].append(item)
    return sheets, rows


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> Any:
    found = db.get_or_404(ImportBatch, batch_id)
    has_file = services.kept_file(found) is not None
    # A page of the rejected rows' problems; notices and skipped rows up to a limit, with their counts.
    counts = {kind: services.issue_count(found, kind) for kind in IssueKind}
    pages = max(1, -(-counts[IssueKind.error] // ISSUES_PER_PAGE))
    page = min(page_arg(request.args), pages)
    shown = {IssueKind.error: services.issues_of(found, IssueKind.error, page, ISSUES_PER_PAGE),
             IssueKind.notice: services.issues_of(found, IssueKind.notice, 1, ISSUES_LISTED),
             IssueKind.skipped: services.issues_of(found, IssueKind.skipped, 1, ISSUES_LISTED)}
    return render_template("imports/batch.html", batch=found, has_file=has_file, districts=DISTRICTS,
                           kinds=KIND_NAMES, designation_labels={k.value: v for k, v in DESIGNATION_LABELS.items()},
                           issues=shown, issue_counts=counts, page=page, pages=pages,
                           listed=ISSUES_LISTED, IssueKind=IssueKind)


@bp.post("/batches/<int:batch_id>/rollback")
def rollback(batch_id: int) -> Any:
    found = db.get_or_404(ImportBatch, batch_id)
    try:
        summary = services.rollback_batch(found, current_user)
    except RollbackRefused as refused:
        flash(str(refused), "danger")
    else:
        flash(_("已撤销本批次：删除 %(d)s 条新增记录，恢复 %(r)s 条记录。", d=summary["deleted"], r=summary["restored"]),
              "success")
    return redirect(url_for("imports.batch", batch_id=batch_id), 303)


@bp.get("/batches/<int:batch_id>/errors.xlsx")
def error_file(batch_id: int) -> Response:
    found = db.get_or_404(ImportBatch, batch_id)
    kept = services.kept_file(found)
    if kept is None:
        abort(404)
    source = stored_files.read_bytes(kept.id)
    # Written to a temporary file and sent from it: a big batch's report is never in memory whole.
    out = tempfile.TemporaryFile()
    try:
        error_report(source, found.filename, services.BatchErrors(found.id), field_set(found.kind), out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    name = f"{Path(found.filename).stem}_错误报告.xlsx"
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/template.xlsx")
def template_file() -> Response:
    year = request.args.get("year", type=int)
    kind = request.args.get("kind") or "figures"
    if kind not in KIND_CODES:
        abort(404)
    return send_file(_buffer(blank_template(year, kind)), mimetype=XLSX, as_attachment=True,
                     download_name=f"{field_set(kind).label}_导入模板.xlsx")


def _buffer(content: bytes) -> Any:
    import io

    return io.BytesIO(content)
