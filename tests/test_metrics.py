"""/metrics: Prometheus' text format, requests counted by Flask endpoint (never the path),
job runs by job and outcome, readable only from the addresses of CRM_METRICS_ALLOW."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from config import BASE_DIR, ConfigurationError
from crm import create_app
from crm.eligibility.scheduler import run_scheduled

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(client, **extra: object) -> Samples:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/plain; version=")
    return _samples(response.get_data(as_text=True))


def _samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_request_is_counted_by_its_endpoint_method_and_status(client) -> None:
    before = _scrape(client)

    assert client.get("/login").status_code == 200
    assert client.get("/no-such-page/12345").status_code == 404
    after = _scrape(client)

    login = {"endpoint": "auth.login", "method": "GET"}
    assert _value(after, "crm_http_requests_total", **login, status="200") == \
        _value(before, "crm_http_requests_total", **login, status="200") + 1
    assert _value(after, "crm_http_request_duration_seconds_count", **login) == \
        _value(before, "crm_http_request_duration_seconds_count", **login) + 1
    assert _value(after, "crm_http_request_duration_seconds_sum", **login) > \
        _value(before, "crm_http_request_duration_seconds_sum", **login)
    # A path no rule matches is counted under one label: anyone can vary a path.
    unmatched = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    assert _value(after, "crm_http_requests_total", **unmatched) == \
        _value(before, "crm_http_requests_total", **unmatched) + 1
    assert not any("/" in value for _name, labels in after for _label, value in labels)
    # The scrape before this one was counted too, under its own endpoint.
    assert _value(after, "crm_http_requests_total", endpoint="monitoring.prometheus_metrics",
                  method="GET", status="200") >= 1


def test_unusual_methods_share_one_label(client) -> None:
    before = _scrape(client)
    client.open("/login", method="BREW")
    after = _scrape(client)
    labels = {"endpoint": "unmatched", "method": "other", "status": "405"}
    assert _value(after, "crm_http_requests_total", **labels) == _value(before, "crm_http_requests_total", **labels) + 1


def test_job_runs_are_counted_by_job_trigger_and_outcome(app: Flask, client, runner, monkeypatch) -> None:
    before = _scrape(client)

    # The scheduler's own path (the lease, then the job), and the command's.
    assert run_scheduled("report_reminder", app) is True
    result = runner.invoke(args=["run-job", "report_reminder", "--as-of", "2025-01-15", "--json"])
    assert result.exit_code == 0, result.output
    # A run that fails is recorded as failed, and counted so.
    import crm.eligibility.jobs as jobs

    def broken(_as_of: date) -> dict:
        raise RuntimeError("parameters unreadable")

    monkeypatch.setattr(jobs, "params_for", broken)
    assert run_scheduled("expiry_reminder", app) is True  # ran here, failed, logged
    after = _scrape(client)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("crm_job_runs_total", job="report_reminder", trigger="schedule", status="succeeded") == 1
    assert grew("crm_job_runs_total", job="report_reminder", trigger="cli", status="succeeded") == 1
    assert grew("crm_job_runs_total", job="expiry_reminder", trigger="schedule", status="failed") == 1
    assert grew("crm_job_duration_seconds_count", job="report_reminder", status="succeeded") == 2
    assert grew("crm_job_duration_seconds_count", job="expiry_reminder", status="failed") == 1
    assert grew("crm_job_duration_seconds_bucket", job="report_reminder", status="succeeded", le="+Inf") == 2


def test_database_connections_in_use_are_gauged(client) -> None:
    samples = _scrape(client)
    assert ("crm_db_connections_checked_out", frozenset()) in samples
    assert _value(samples, "crm_db_connections_open") >= 0


def _without_csrf(page: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", page)


def _app_with(app: Flask, **config: object) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "UPLOAD_DIR": app.config["UPLOAD_DIR"], **config})


@pytest.mark.parametrize(("address", "allowed"), [
    ("127.0.0.1", True),
    ("::1", True),
    ("10.20.30.40", True),
    ("::ffff:10.0.0.7", True),  # an IPv4 client on a dual-stack socket
    ("192.0.2.15", True),  # a single address
    ("192.0.2.16", False),
    ("11.0.0.1", False),
    ("172.16.0.1", False),
    ("2001:db8::1", False),
    ("not-an-address", False),
])
def test_only_configured_addresses_read_metrics(app: Flask, address: str, allowed: bool) -> None:
    client = _app_with(app, METRICS_ALLOW="127.0.0.1, ::1, 10.0.0.0/8 192.0.2.15").test_client()

    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})

    if allowed:
        assert response.status_code == 200
        assert b"# TYPE crm_http_requests_total counter" in response.data
    else:
        # Refused like a page that does not exist: the same 404 page, nothing said about metrics.
        missing = client.get("/no-such-page", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 404
        page = response.get_data(as_text=True).replace("/metrics", "/no-such-page")
        assert _without_csrf(page) == _without_csrf(missing.get_data(as_text=True))


def test_loopback_only_by_default_and_nobody_when_empty(app: Flask, client) -> None:
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    nobody = _app_with(app, METRICS_ALLOW="").test_client()
    assert nobody.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


def test_behind_a_trusted_proxy_the_forwarded_client_address_decides(app: Flask) -> None:
    """nginx on 127.0.0.1 forwards a visitor from outside: the visitor's address is checked."""
    client = _app_with(app, TRUSTED_PROXIES=1, METRICS_ALLOW="127.0.0.1,10.0.0.0/8").test_client()
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}

    outsider = client.get("/metrics", environ_base=via_proxy, headers={"X-Forwarded-For": "203.0.113.9"})
    insider = client.get("/metrics", environ_base=via_proxy, headers={"X-Forwarded-For": "10.1.1.1"})
    scraper = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.9.9.9"})  # straight to gunicorn

    assert outsider.status_code == 404
    assert insider.status_code == 200
    assert scraper.status_code == 200


@pytest.mark.parametrize("setting", ["10.0.0.0/33", "localhost", "127.0.0.1;10.0.0.1"])
def test_an_invalid_allow_list_stops_the_app_with_one_line(app: Flask, setting: str) -> None:
    with pytest.raises(ConfigurationError, match="CRM_METRICS_ALLOW"):
        _app_with(app, METRICS_ALLOW=setting)


# One gunicorn worker's life, in a process of its own: requests, then the scrape's answer.
_WORKER = """
import json, os, sys
from crm import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "UPLOAD_DIR": sys.argv[2]})
client = app.test_client()
for _ in range(int(sys.argv[3])):
    client.get("/healthz")
print(json.dumps({"pid": os.getpid(), "metrics": client.get("/metrics").get_data(as_text=True)}))
"""


def _worker(tmp_path: Path, multiproc_dir: Path, requests: int) -> dict:
    env = {**os.environ, "CRM_ENV": "test", "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
           "SERVER_SOFTWARE": "gunicorn/test"}
    done = subprocess.run(
        [sys.executable, "-c", _WORKER, f"sqlite:///{tmp_path / 'none' / 'crm.sqlite3'}", str(tmp_path / "up"),
         str(requests)],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _gunicorn_hooks() -> SimpleNamespace:
    spec = importlib.util.spec_from_file_location("gunicorn_conf", BASE_DIR / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_multiprocess_mode_adds_up_every_workers_counts(tmp_path: Path, monkeypatch) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, a scrape served by one worker counts the other's requests;
    gunicorn's child_exit (gunicorn.conf.py) forgets a dead worker's gauges, not its counts."""
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    (multiproc_dir / "counter_1.db").write_bytes(b"left by a previous run")
    hooks = _gunicorn_hooks()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(multiproc_dir))
    hooks.on_starting(None)
    assert list(multiproc_dir.iterdir()) == []

    first = _worker(tmp_path, multiproc_dir, requests=2)
    hooks.child_exit(None, SimpleNamespace(pid=first["pid"]))
    second = _worker(tmp_path, multiproc_dir, requests=1)

    samples = _samples(second["metrics"])
    healthz = {"endpoint": "monitoring.healthz", "method": "GET", "status": "503"}  # no database there
    assert _value(samples, "crm_http_requests_total", **healthz) == 3
    assert _value(samples, "crm_http_request_duration_seconds_count", endpoint="monitoring.healthz",
                  method="GET") == 3
    files = {path.name for path in multiproc_dir.iterdir()}
    assert f"counter_{first['pid']}.db" in files
    assert not any(name.startswith("gauge_live") and name.endswith(f"_{first['pid']}.db") for name in files)


def test_a_missing_multiprocess_directory_stops_the_app(tmp_path: Path) -> None:
    env = {**os.environ, "CRM_ENV": "test", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "absent")}
    done = subprocess.run([sys.executable, "-c", "from crm import create_app; create_app()"], cwd=BASE_DIR,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "PROMETHEUS_MULTIPROC_DIR" in done.stderr.strip().splitlines()[-1]
