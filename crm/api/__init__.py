"""JSON API (/api/v1), authenticated by bearer tokens; see CONTRACT.md."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from crm.api import auth, enterprises, flags, flows, indicators, innovation  # noqa: E402,F401  (routes register on import)
