"""Prometheus instruments: requests per Flask endpoint, job runs per job, database connections.

Labels are bounded: a request is labelled by the endpoint that served it (the rule's name,
never the path, which anyone can vary), its method (unusual ones as `other`) and status.

Under gunicorn every worker is its own process with its own counters. With
PROMETHEUS_MULTIPROC_DIR set (before the app is imported), prometheus_client keeps each
process's values in files there and `/metrics` adds them up over every worker (and every
`flask run-job` process given the same directory); without it, the answer is the counters
of the process that served the scrape.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask, request, request_finished, request_started
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from sqlalchemy import event
from sqlalchemy.pool import Pool

from config import ConfigurationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Pages answer in milliseconds; imports and exports may take tens of seconds.
REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# The reminders take seconds; a city-wide evaluation or scoring round minutes.
JOB_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no URL rule matched (404, 405): one label for every such path


def multiprocess_dir() -> str | None:
    """The directory prometheus_client's multiprocess mode shares between processes, if set."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _check_multiprocess_dir() -> None:
    """Refuse to start when the multiprocess directory cannot be written: the gauges below open
    their files there as they are made, and every request would fail writing its counter."""
    directory = multiprocess_dir()
    if directory and not (Path(directory).is_dir() and os.access(directory, os.W_OK)):
        raise ConfigurationError(f"配置错误：PROMETHEUS_MULTIPROC_DIR={directory!r} 不是可写的目录"
                                 " / PROMETHEUS_MULTIPROC_DIR must be a writable directory")


_check_multiprocess_dir()

# A `_created` series beside every counter and histogram would double what is scraped, for a
# start time Prometheus reads from the counters' resets anyway.
disable_created_metrics()

HTTP_REQUESTS = Counter(
    "crm_http_requests", "HTTP requests answered, by Flask endpoint, method and status.",
    ("endpoint", "method", "status"),
)
HTTP_REQUEST_DURATION = Histogram(
    "crm_http_request_duration_seconds", "Time to answer an HTTP request (body streaming excluded).",
    ("endpoint", "method"), buckets=REQUEST_BUCKETS,
)
JOB_RUNS = Counter(
    "crm_job_runs", "Job runs finished, by job, trigger (schedule, cli, web) and status (succeeded, failed).",
    ("job", "trigger", "status"),
)
JOB_DURATION = Histogram(
    "crm_job_duration_seconds", "Time a job run took, by job and status.", ("job", "status"), buckets=JOB_BUCKETS,
)
DB_CONNECTIONS_CHECKED_OUT = Gauge(
    "crm_db_connections_checked_out", "Database connections taken from the pool and not yet returned.",
    multiprocess_mode="livesum",
)
DB_CONNECTIONS_OPEN = Gauge(
    "crm_db_connections_open", "Database connections open (in the pool or in use).", multiprocess_mode="livesum",
)

_STARTED = "crm.metrics.started"  # where a request's start time is kept (its WSGI environ)
# The process whose pool the connection gauges follow: the server process that built the app.
# Not the rule runner's forked children nor, in multiprocess mode, a `flask` command: their
# gauge files would outlive them (gunicorn's child_exit forgets its workers' files only).
_pool_pid: int | None = None
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Read the address allow-list and time every request of `app`."""
    global _pool_pid
    app.extensions["crm.metrics_allow"] = parse_allow_list(app.config.get("METRICS_ALLOW", ""))
    if not multiprocess_dir() or os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
        _pool_pid = os.getpid()
    request_started.connect(_request_started, app)
    request_finished.connect(_request_finished, app)


def parse_allow_list(setting: str) -> tuple[Network, ...]:
    """CRM_METRICS_ALLOW: addresses or networks, comma- or space-separated; empty allows nobody."""
    networks = []
    for item in setting.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigurationError(f"配置错误：CRM_METRICS_ALLOW 中的 {item!r} 不是 IP 地址或网段"
                                     f" / {item!r} in CRM_METRICS_ALLOW is not an address or network") from None
    return tuple(networks)


def address_allowed(address: str | None, networks: Iterable[Network]) -> bool:
    """Whether a client address (request.remote_addr) lies in one of the networks."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # a dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d
    return any(ip in network for network in networks)


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def observe_job(job: str, trigger: str, status: str, seconds: float) -> None:
    """Count a finished job run (crm.eligibility.services.recorded_run calls this)."""
    try:
        JOB_RUNS.labels(job=job, trigger=trigger, status=status).inc()
        JOB_DURATION.labels(job=job, status=status).observe(seconds)
    except Exception:  # noqa: BLE001 - a metrics file must never fail a job that ran
        log.warning("could not count the %s run in the metrics", job, exc_info=True)


def _request_started(_app: Flask, **_extra: Any) -> None:
    request.environ[_STARTED] = time.perf_counter()


def _request_finished(_app: Flask, response: Any, **_extra: Any) -> None:
    started = request.environ.get(_STARTED)
    endpoint = request.endpoint or UNMATCHED
    method = request.method if request.method in METHODS else "other"
    HTTP_REQUESTS.labels(endpoint=endpoint, method=method, status=str(response.status_code)).inc()
    if started is not None:
        HTTP_REQUEST_DURATION.labels(endpoint=endpoint, method=method).observe(time.perf_counter() - started)


# Every pool of the process (the app's engine; the scheduler's job store shares it).
@event.listens_for(Pool, "connect")
def _connection_opened(_dbapi_connection: Any, _record: Any) -> None:
    if os.getpid() == _pool_pid:
        DB_CONNECTIONS_OPEN.inc()


@event.listens_for(Pool, "close")
def _connection_closed(_dbapi_connection: Any, _record: Any) -> None:
    if os.getpid() == _pool_pid:
        DB_CONNECTIONS_OPEN.dec()


@event.listens_for(Pool, "checkout")
def _connection_checked_out(_dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    if os.getpid() == _pool_pid:
        DB_CONNECTIONS_CHECKED_OUT.inc()


@event.listens_for(Pool, "checkin")
def _connection_checked_in(_dbapi_connection: Any, _record: Any) -> None:
    if os.getpid() == _pool_pid:
        DB_CONNECTIONS_CHECKED_OUT.dec()
