"""Small helpers for the workspace tests."""
from __future__ import annotations

from io import BytesIO

from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.conftest import csrf_token


def post_form(client: FlaskClient, url: str, data: dict, token_from: str | None = None):  # noqa: ANN201
    """POST `data` with the session's CSRF token (read from `token_from`, default the same URL)."""
    token = csrf_token(client, token_from or url)
    return client.post(url, data={**data, "csrf_token": token})


def xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]
