"""Front-end libraries vendored under static/vendor/<name>-<version>/, as
static/vendor/manifest.json lists them (scripts/vendor_assets.py fetches and verifies them).
Templates name them through globals set here, so a version bump is an edit of the manifest."""
from __future__ import annotations

import json

from flask import Flask

from config import BASE_DIR

MANIFEST = BASE_DIR / "static" / "vendor" / "manifest.json"


def vendored(name: str, file: str) -> str:
    """A vendored file's path under static/, for ``url_for('static', filename=...)``."""
    entry = json.loads(MANIFEST.read_text(encoding="utf-8"))[name]
    if file not in entry["files"]:
        raise KeyError(f"{file} is not among {name}'s vendored files")
    return f"vendor/{name}-{entry['version']}/{file}"


def register(app: Flask) -> None:
    app.jinja_env.globals["ECHARTS_JS"] = vendored("echarts", "echarts.min.js")
