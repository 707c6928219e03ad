"""Files in the database (crm.stored_files): attachments, import files and import previews are
written and read a chunk at a time, and any app server serves any of them."""
from __future__ import annotations

import hashlib
import io
import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from crm import create_app, stored_files
from crm.clock import utcnow
from crm.extensions import db
from crm.imports import services
from crm.models import (
    Attachment, FilePurpose, ImportBatch, PendingImport, ReportStatus, StoredFile, StoredFileChunk,
)
from tests.conftest import csrf_token, login
from tests.factories import AnnualReportFactory, EnterpriseUserFactory, OfficerFactory, UserFactory
from tests.imports.test_import_views import ROWS, upload
from tests.importers.helpers import xlsx_bytes
from tests.portal.helpers import LAST_YEAR

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _attach(client, content: bytes, name: str = "审计报告.pdf"):  # noqa: ANN001, ANN202
    token = csrf_token(client, f"/portal/reports/{LAST_YEAR}")
    return client.post(f"/portal/reports/{LAST_YEAR}/attachments",
                       data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def _chunk_sizes(file_id: int) -> list[int]:
    return list(db.session.scalars(select(func.length(StoredFileChunk.data)).where(StoredFileChunk.file_id == file_id)
                                   .order_by(StoredFileChunk.seq)))


def test_an_attachment_comes_back_as_uploaded_with_its_checksum_as_etag(app, client) -> None:
    EnterpriseUserFactory(username="firm")
    login(client, "firm")
    assert "附件“审计报告.pdf”已上传" in _attach(client, PDF).get_data(as_text=True)
    attachment = db.session.scalar(select(Attachment))
    stored = db.session.get(StoredFile, attachment.file_id)
    digest = hashlib.sha256(PDF).hexdigest()
    assert (stored.purpose, stored.sha256, stored.size, stored.content_type) == (
        FilePurpose.attachment, digest, len(PDF), "application/pdf")
    assert (attachment.sha256, attachment.size) == (digest, len(PDF))

    response = client.get(f"/portal/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Length"] == str(len(PDF))
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["ETag"] == f'"{digest}"'
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=.pdf; filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E6%8A%A5%E5%91%8A.pdf")
    assert response.headers["Cache-Control"] == "private, no-store"
    again = client.get(f"/portal/attachments/{attachment.id}", headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304 and again.data == b""


def test_a_20_mb_file_is_stored_in_chunks_and_downloaded_whole(app, client) -> None:
    app.config.update(PORTAL_MAX_ATTACHMENT_MB=25, MAX_CONTENT_LENGTH=30 * 1024 * 1024)
    EnterpriseUserFactory(username="firm")
    login(client, "firm")
    content = b"%PDF-1.7\n" + os.urandom(20 * 1024 * 1024)
    assert "已上传" in _attach(client, content, "扫描件.pdf").get_data(as_text=True)
    attachment = db.session.scalar(select(Attachment))
    assert _chunk_sizes(attachment.file_id) == [stored_files.CHUNK_BYTES] * 20 + [9]
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    response = client.get(f"/portal/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == content


class _OneWay(io.RawIOBase):
    """An upload stream that can only be read forward (no seek, no size)."""

    def __init__(self, content: bytes) -> None:
        self._inner = io.BytesIO(content)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001
        return self._inner.readinto(buffer)


def test_a_stream_that_cannot_seek_is_checked_and_stored_the_same(app) -> None:
    from crm.portal import attachments

    firm_user = EnterpriseUserFactory()
    report = AnnualReportFactory(enterprise=firm_user.enterprise, year=LAST_YEAR, status=ReportStatus.draft)
    with app.test_request_context():
        saved = attachments.save_attachment(report, _OneWay(PDF), "a.pdf", firm_user)
        db.session.commit()
        assert stored_files.read_bytes(saved.file_id) == PDF
        app.config["PORTAL_MAX_ATTACHMENT_MB"] = 1
        big = PDF + b"0" * (1024 * 1024)
        try:
            attachments.save_attachment(report, _OneWay(big), "b.pdf", firm_user)
        except attachments.AttachmentError as error:
            assert "超过 1 MB 的大小限制" in str(error)
        else:
            raise AssertionError("a file above the limit was stored")
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1


def test_an_attachment_whose_file_was_not_found_is_marked_and_not_served(app, client) -> None:
    user = EnterpriseUserFactory(username="firm")
    report = AnnualReportFactory(enterprise=user.enterprise, year=LAST_YEAR, status=ReportStatus.draft)
    missing = Attachment(enterprise_id=user.enterprise_id, annual_report_id=report.id, filename="旧.pdf",
                         file_id=None, content_type="application/pdf", size=10, sha256="0" * 64)
    db.session.add(missing)
    db.session.commit()
    OfficerFactory(username="kp", district_code=user.enterprise.district_code)
    login(client, "firm")
    assert "（文件缺失）" in client.get(f"/portal/reports/{LAST_YEAR}").get_data(as_text=True)
    assert client.get(f"/portal/attachments/{missing.id}").status_code == 404


def test_deleting_an_attachment_deletes_its_bytes(app, client) -> None:
    EnterpriseUserFactory(username="firm")
    login(client, "firm")
    _attach(client, PDF)
    attachment = db.session.scalar(select(Attachment))
    client.post(f"/portal/attachments/{attachment.id}/delete",
                data={"csrf_token": csrf_token(client, f"/portal/reports/{LAST_YEAR}")})
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert db.session.scalar(select(func.count()).select_from(StoredFileChunk)) == 0


def test_a_preview_made_on_one_server_is_shown_and_imported_on_another(app, client, tmp_path) -> None:
    """Two app instances, each with its own upload folder, against one database: what a load
    balancer does when the preview's next request reaches the other server."""
    UserFactory(username="city1")
    login(client, "city1")
    preview = upload(client, xlsx_bytes(ROWS), "开平2023.xlsx", district="440783").headers["Location"]

    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "UPLOAD_DIR": str(tmp_path / "server2" / "uploads"), "SERVER_NAME": "localhost"})
    second = other.test_client()
    try:
        login(second, "city1")
        page = second.get(preview).get_data(as_text=True)
        assert "江门甲科技有限公司" in page and 'data-count="rows">2<' in page
        response = second.post(preview, data={"csrf_token": csrf_token(second, preview), "action": "import",
                                              "kind": "figures"})
        assert response.status_code == 303 and "/imports/batches/" in response.headers["Location"]
        batch_url = response.headers["Location"]
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    # The first server has the batch, its kept file and its error report.
    db.session.expire_all()
    batch = db.session.scalar(select(ImportBatch))
    assert batch.counts["created"] == 1 and batch.counts["rejected"] == 1
    assert client.get(batch_url + "/errors.xlsx").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0
    # The preview's upload became the batch's file: taken over, not copied.
    [kept] = db.session.scalars(select(StoredFile)).all()
    assert kept.purpose is FilePurpose.import_source and kept.sha256 == batch.file_sha256
    assert not Path(app.config["UPLOAD_DIR"]).exists() and not (tmp_path / "server2").exists()


def test_batches_of_the_same_file_share_one_kept_copy(app) -> None:
    data = xlsx_bytes(ROWS)
    first = services.import_file(data, "开平2023.xlsx", district="440783")
    second = services.import_file(data, "开平2023（重传）.xlsx", district="440783")
    assert first.batch_id != second.batch_id
    [kept] = db.session.scalars(select(StoredFile)).all()
    assert (kept.purpose, kept.sha256, kept.size) == (FilePurpose.import_source, hashlib.sha256(data).hexdigest(),
                                                      len(data))
    assert kept.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    batch = db.session.get(ImportBatch, second.batch_id)
    assert stored_files.read_bytes(services.kept_file(batch).id) == data
    # A dry run keeps nothing.
    services.import_file(xlsx_bytes(ROWS[:3]), "试.xlsx", district="440783", dry_run=True)
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1


def test_expired_previews_are_deleted_from_the_database(app) -> None:
    user = UserFactory()
    data = xlsx_bytes(ROWS)
    old = services.start_preview(data, {"filename": "旧.xlsx"}, user)
    touched = services.start_preview(data, {"filename": "改过.xlsx"}, user)
    fresh = services.start_preview(data, {"filename": "新.xlsx"}, user)
    day_ago = utcnow() - timedelta(hours=25)
    for pending in (old, touched):
        pending.created_at = pending.updated_at = pending.file.created_at = day_ago
    # Left behind by an import that stopped half-way: a preview's file no preview names.
    stray = stored_files.store(data, FilePurpose.pending_import, "text/csv")
    stray.created_at = day_ago
    db.session.commit()
    services.save_preview(touched, {"filename": "改过.xlsx", "year": 2025})  # worked on just now

    assert services.expire_previews() == 1
    db.session.expire_all()
    assert sorted(db.session.scalars(select(PendingImport.token))) == sorted([touched.token, fresh.token])
    files = set(db.session.scalars(select(StoredFile.id)))
    assert files == {touched.file_id, fresh.file_id}
    assert set(db.session.scalars(select(StoredFileChunk.file_id))) == files
    # Within the limit nothing else goes.
    assert services.expire_previews() == 0
    assert services.expire_previews(now=utcnow() + timedelta(hours=25)) == 2
    assert db.session.scalar(select(func.count()).select_from(StoredFileChunk)) == 0
