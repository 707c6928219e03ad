"""Pages of the imports area: upload, preview with mapping, import, batches, rollback, reports.

Only bureau staff and administrators import (see crm.imports.services.IMPORT_ROLES).
"""
from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

from flask import (
    Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from crm.districts import DISTRICTS
from crm.extensions import db
from crm.imports import services
from crm.imports.forms import UploadForm
from crm.models import ImportBatch
from importers import ParsedRow, SheetResult, SkippedRow, WorkbookError, parse_workbook
from importers.batches import RollbackRefused
from importers.fields import ALL_FIELDS, FIELD_LABELS
from importers.readers import SPREADSHEET_EXTENSIONS
from importers.report import error_report
from importers.template import blank_template

bp = Blueprint("imports", __name__, url_prefix="/imports")

PREVIEW_ROWS = 20
PREVIEW_ERRORS = 50
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


def _pending_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "pending_imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pending(token: str) -> tuple[Path, dict[str, Any]]:
    """The uploaded file kept for preview and import, and its details; 404 if unknown."""
    if not _TOKEN_RE.match(token):
        abort(404)
    meta_path = _pending_dir() / f"{token}.json"
    if not meta_path.exists():
        abort(404)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("user_id") != current_user.id:
        abort(404)
    return _pending_dir() / f"{token}.bin", meta


def _source_key(meta: dict[str, Any]) -> str | None:
    """Where a confirmed mapping is remembered: the source district, else the file-name
    pattern; None (not remembered) for a name of digits alone, such as "2023.xlsx", which
    would lend one office's mapping to every other office's file named the same way."""
    if meta.get("district"):
        return f"district:{meta['district']}"
    stem = re.sub(r"[\d\s_\-()（）.]+", "", Path(meta["filename"]).stem)
    return f"file:{stem[:80]}" if stem else None


@bp.route("/", methods=["GET", "POST"])
def index() -> Any:
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        filename = Path(upload.filename or "upload").name
        data = upload.read()
        try:
            services.check_readable(data, filename)
        except WorkbookError as error:
            form.file.errors.append(str(error))
        else:
            token = secrets.token_urlsafe(24)
            (_pending_dir() / f"{token}.bin").write_bytes(data)
            meta = {"filename": filename, "year": form.year.data, "district": form.district.data or None,
                    "user_id": current_user.id}
            (_pending_dir() / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            return redirect(url_for("imports.preview", token=token), 303)
    batches = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(50)).all()
    return render_template("imports/index.html", form=form, batches=batches, districts=DISTRICTS,
                           accepted=",".join(SPREADSHEET_EXTENSIONS))


def _mapping_from_form(sheets: list[SheetResult]) -> dict[str, str]:
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
            if chosen and chosen not in ALL_FIELDS:
                abort(400)
            if column.header_text not in mapping or chosen != (column.field or ""):
                mapping[column.header_text] = chosen
    return mapping


@bp.route("/preview/<token>", methods=["GET", "POST"])
def preview(token: str) -> Any:
    path, meta = _pending(token)
    data = path.read_bytes()
    source = _source_key(meta)
    mapping: dict[str, str] = meta.get("mapping") or services.remembered_mapping(source)
    if request.method == "POST":
        # CSRF is checked by CSRFProtect for every POST.
        mapping = {**mapping, **_mapping_from_form(_sheets(data, meta, mapping))}
        meta["mapping"] = mapping
        (_pending_dir() / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        if request.form.get("action") == "import":
            try:
                result = services.import_file(
                    data, meta["filename"], year=meta.get("year"), district=meta.get("district"),
                    user=current_user, mapping=mapping or None,
                )
            except WorkbookError as error:
                flash(str(error), "danger")
                return redirect(url_for("imports.index"), 303)
            if mapping and source:
                services.remember_mapping(source, mapping, current_user)
                db.session.commit()
            path.unlink(missing_ok=True)
            (_pending_dir() / f"{token}.json").unlink(missing_ok=True)
            flash(_("导入完成：新增 %(c)s，更新 %(u)s，未变 %(n)s，拒绝 %(r)s。",
                    c=result.created, u=result.updated, n=result.unchanged, r=result.rejected),
                  "success" if not result.rejected else "warning")
            return redirect(url_for("imports.batch", batch_id=result.batch_id), 303)
        return redirect(url_for("imports.preview", token=token), 303)
    try:
        sheets, rows = _first_rows(data, meta, mapping)
        result = services.import_file(
            data, meta["filename"], year=meta.get("year"), district=meta.get("district"),
            user=current_user, mapping=mapping or None, dry_run=True, keep_file=False,
        )
    except (WorkbookError, ValueError) as error:
        flash(str(error), "danger")
        return redirect(url_for("imports.index"), 303)
    choices = [("", _("（不导入此列）"))] + [(f, FIELD_LABELS[f]) for f in ALL_FIELDS]
    return render_template(
        "imports/preview.html", token=token, meta=meta, sheets=sheets, rows=rows, result=result,
        errors=result.errors[:PREVIEW_ERRORS], choices=choices, districts=DISTRICTS,
    )


def _sheets(data: bytes, meta: dict[str, Any], mapping: dict[str, str]) -> list[SheetResult]:
    """Every sheet of the file with its layout under ``mapping``, in the preview's order."""
    return [item for item in parse_workbook(data, meta["filename"], meta.get("year"), mapping or None,
                                            default_district=meta.get("district"))
            if isinstance(item, SheetResult)]


def _first_rows(data: bytes, meta: dict[str, Any], mapping: dict[str, str]) -> tuple[list[SheetResult], dict[str, list[Any]]]:
    sheets: list[SheetResult] = []
    rows: dict[str, list[Any]] = {}
    for item in parse_workbook(data, meta["filename"], meta.get("year"), mapping or None,
                               default_district=meta.get("district")):
        if isinstance(item, SheetResult):
            sheets.append(item)
            rows[item.name] = []
        elif isinstance(item, (ParsedRow, SkippedRow)) and len(rows[item.sheet]) < PREVIEW_ROWS:
            rows[item.sheet].append(item)
    return sheets, rows


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> Any:
    found = db.get_or_404(ImportBatch, batch_id)
    has_file = services.kept_file_path(found.file_sha256, found.filename).exists()
    return render_template("imports/batch.html", batch=found, has_file=has_file, districts=DISTRICTS)


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
    path = services.kept_file_path(found.file_sha256, found.filename)
    if not path.exists():
        abort(404)
    content = error_report(path.read_bytes(), found.filename, found.errors)
    name = f"{Path(found.filename).stem}_错误报告.xlsx"
    return send_file(_buffer(content), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/template.xlsx")
def template_file() -> Response:
    year = request.args.get("year", type=int)
    return send_file(_buffer(blank_template(year)), mimetype=XLSX, as_attachment=True,
                     download_name="科技型企业统计表_导入模板.xlsx")


def _buffer(content: bytes) -> Any:
    import io

    return io.BytesIO(content)
