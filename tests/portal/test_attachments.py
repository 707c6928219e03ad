"""Supporting files: type checked by content, stored in the database, served only in scope."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import openpyxl
from sqlalchemy import select

from crm import stored_files
from crm.extensions import db
from crm.models import Attachment, ReportStatus, Role, StoredFile
from tests.conftest import csrf_token, login
from tests.factories import AnnualReportFactory, EnterpriseUserFactory, OfficerFactory, UserFactory
from tests.portal.helpers import LAST_YEAR

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "研发费用"
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, year: int, name: str, content: bytes):  # noqa: ANN202
    token = csrf_token(client, f"/portal/reports/{year}")
    return client.post(f"/portal/reports/{year}/attachments",
                       data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def _setup(client):  # noqa: ANN202
    user = EnterpriseUserFactory(username="firm")
    login(client, "firm")
    return user.enterprise


def test_valid_files_are_stored_in_the_database_and_served_as_uploaded(app, client) -> None:
    firm = _setup(client)
    for name, content in (("审计报告.pdf", PDF), ("证书.PNG", PNG), ("明细.xlsx", _xlsx()),
                          ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20)):
        response = _upload(client, LAST_YEAR, name, content)
        assert f"附件“{name}”已上传" in response.get_data(as_text=True)
    rows = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [r.content_type for r in rows] == ["application/pdf", "image/png",
                                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                              "image/jpeg"]
    assert stored_files.read_bytes(rows[0].file_id) == PDF
    assert rows[0].sha256 == hashlib.sha256(PDF).hexdigest() and rows[0].enterprise_id == firm.id
    assert not Path(app.config["UPLOAD_DIR"]).exists()  # nothing on this server's disk
    assert rows[0].annual_report_id is not None  # the draft was started for it
    response = client.get(f"/portal/attachments/{rows[0].id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("sandbox")


def test_file_that_is_not_what_its_name_says_is_refused(app, client) -> None:
    _setup(client)
    body = _upload(client, LAST_YEAR, "fake.pdf", b"MZ\x90\x00 this is an exe").get_data(as_text=True)
    assert "文件“fake.pdf”的内容不是有效的 PDF 文件" in body
    body = _upload(client, LAST_YEAR, "image.pdf", PNG).get_data(as_text=True)
    assert "实际为 PNG 文件" in body
    body = _upload(client, LAST_YEAR, "page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script>").get_data(
        as_text=True)
    assert "文件“page.pdf”的内容不是有效的 PDF 文件（内容无法识别）" in body
    body = _upload(client, LAST_YEAR, "photo.jpg", b"%PDF-1.4 not a photo").get_data(as_text=True)
    assert "实际为 PDF 文件" in body
    body = _upload(client, LAST_YEAR, "script.html", b"<script>").get_data(as_text=True)
    assert "类型不支持" in body
    body = _upload(client, LAST_YEAR, "zip.xlsx", b"PK\x03\x04garbage").get_data(as_text=True)
    assert "不是有效的 XLSX 文件" in body
    assert db.session.scalar(select(Attachment)) is None


def test_size_limit(app, client) -> None:
    _setup(client)
    app.config["PORTAL_MAX_ATTACHMENT_MB"] = 1
    body = _upload(client, LAST_YEAR, "big.pdf", PDF + b"0" * (1024 * 1024)).get_data(as_text=True)
    assert "超过 1 MB 的大小限制" in body
    assert db.session.scalar(select(Attachment)) is None


def test_delete_only_while_report_open(app, client) -> None:
    firm = _setup(client)
    _upload(client, LAST_YEAR, "a.pdf", PDF)
    attachment = db.session.scalar(select(Attachment))
    file_id = attachment.file_id
    token = csrf_token(client, f"/portal/reports/{LAST_YEAR}")
    client.post(f"/portal/attachments/{attachment.id}/delete", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.scalar(select(Attachment)) is None
    assert db.session.get(StoredFile, file_id) is None and stored_files.read_bytes(file_id) == b""

    report = AnnualReportFactory(enterprise=firm, year=LAST_YEAR - 1, status=ReportStatus.returned)
    _upload(client, LAST_YEAR - 1, "b.pdf", PDF)
    attachment = db.session.scalar(select(Attachment))
    report.status = ReportStatus.submitted
    db.session.commit()
    body = client.post(f"/portal/attachments/{attachment.id}/delete", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "附件不能删除" in body
    assert db.session.scalar(select(Attachment)) is not None
    body = _upload(client, LAST_YEAR - 1, "c.pdf", PDF).get_data(as_text=True)
    assert "不能再添加附件" in body


def test_download_scope(app, client) -> None:
    firm = _setup(client)
    _upload(client, LAST_YEAR, "a.pdf", PDF)
    attachment_id = db.session.scalar(select(Attachment.id))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    OfficerFactory(username="kp", district_code=firm.district_code)
    OfficerFactory(username="hs", district_code="440784")
    UserFactory(username="city", role=Role.bureau)
    EnterpriseUserFactory(username="other-firm")
    for username, status in (("kp", 200), ("city", 200), ("hs", 404), ("other-firm", 404)):
        login(client, username)
        assert client.get(f"/portal/attachments/{attachment_id}").status_code == status, username
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_file_above_the_request_limit_returns_to_the_report_saying_the_limit(app, client) -> None:
    firm = _setup(client)
    app.config.update(PORTAL_MAX_ATTACHMENT_MB=1, MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    token = csrf_token(client, f"/portal/reports/{LAST_YEAR}")
    response = client.post(f"/portal/reports/{LAST_YEAR}/attachments",
                           data={"csrf_token": token, "file": (io.BytesIO(PDF + b"0" * (3 * 1024 * 1024)), "扫描件.pdf")},
                           content_type="multipart/form-data")
    # Not the bare 413 page: back on the report, with the limit the firm must keep to.
    assert response.status_code == 303 and response.location.endswith(f"/portal/reports/{LAST_YEAR}")
    page = client.get(response.location).get_data(as_text=True)
    assert "文件过大：单个附件不超过 1 MB，请压缩或拆分后再上传。" in page
    assert db.session.scalar(select(Attachment).where(Attachment.enterprise_id == firm.id)) is None


def test_allowed_types_are_listed_in_the_readers_language(app, client, monkeypatch) -> None:
    from crm.portal import attachments

    _setup(client)
    monkeypatch.setattr(attachments, "_", lambda text, **values: "[en]" + text % values)
    page = _upload(client, LAST_YEAR, "说明.docx", b"PK\x03\x04").get_data(as_text=True)
    assert "[en]PDF、PNG、JPEG（.jpg/.jpeg）、Excel（.xlsx）" in page


def test_a_file_name_with_nul_and_control_characters_is_stored_without_them(app, client) -> None:
    _setup(client)
    response = _upload(client, LAST_YEAR, "审计\x00报告\x07.pdf", PDF)
    assert response.status_code == 200
    assert db.session.scalars(select(Attachment.filename)).all() == ["审计报告.pdf"]
