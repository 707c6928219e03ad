"""`GET /healthz` (anyone: the load balancer) and `GET /metrics` (configured addresses only).

Neither needs a sign-in, a CSRF token or a session: a probe that sends no cookie gets none
back (nothing here touches the session) and costs no user lookup.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState

from crm.extensions import csrf
from crm.monitoring import metrics
from crm.monitoring.health import health_report

bp = Blueprint("monitoring", __name__)
csrf.exempt(bp)


@bp.record_once
def _init(state: BlueprintSetupState) -> None:
    """As the app registers the blueprint: read the allow-list, start timing its requests."""
    metrics.init_app(state.app)


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when this process can serve (database answers, schema at head), else 503."""
    report, healthy = health_report(current_app._get_current_object())  # type: ignore[attr-defined]
    response = jsonify(report)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503


@bp.route("/metrics")
def prometheus_metrics() -> Response:
    """Prometheus' text format, for the addresses of CRM_METRICS_ALLOW; 404 to anyone else."""
    if not metrics.address_allowed(request.remote_addr, current_app.extensions["crm.metrics_allow"]):
        abort(404)  # as if there were no such page
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
