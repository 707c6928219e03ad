"""What every answer says to the browser: not to be framed, and a Content-Security-Policy that
the pages' own scripts satisfy (no inline script or handler in any template)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm.navigation import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.mark.parametrize("path", ["/login", "/portal/forgot", "/static/js/confirm.js", "/no-such-page", "/healthz",
                                  "/metrics"])
def test_no_answer_can_be_framed_and_pages_carry_the_policy(client, path: str) -> None:
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-eval" not in policy


def test_no_template_has_inline_script_or_handlers() -> None:
    """The policy refuses inline script: a template with one would silently stop working."""
    found = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text):
            found.append(f"{template.name}: {match[0]}")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            found.append(f"{template.name}: {match[0]}")
        if "javascript:" in text:
            found.append(f"{template.name}: javascript:")
    assert found == []
