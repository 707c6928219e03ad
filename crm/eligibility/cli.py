"""`flask --app crm run-job NAME [--as-of YYYY-MM-DD] [--json]` (CONTRACT.md)."""
from __future__ import annotations

import click
from flask import Flask

# CONTRACT.md fixes the JSON of `run-job eligibility --json` to exactly these keys.
ELIGIBILITY_JSON_KEYS = ("evaluated", "raised", "cleared")
INNOVATION_POINTS_JSON_KEYS = ("round", "scored", "not_scored")


def register(app: Flask) -> None:
    @app.cli.command("run-job")
    @click.argument("name")
    @click.option("--as-of", "as_of_text", default=None, help="评估日期 YYYY-MM-DD（默认今天）。")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def run_job_command(name: str, as_of_text: str | None, as_json: bool) -> None:
        """Run one scheduled job now (eligibility | expiry_reminder | report_reminder | innovation_points)."""
        from crm.cli import contract_date, emit_json, fail
        from crm.clock import today
        from crm.eligibility.jobs import JOB_LABELS, JOBS, run_job

        if name not in JOBS:
            fail(f"未知的任务：{name}（可选：{', '.join(JOBS)}）")
        as_of = today() if as_of_text is None else contract_date(as_of_text, "--as-of")
        try:
            counts = run_job(name, as_of, trigger="cli")
        except Exception as exc:  # noqa: BLE001 - one line on stderr, not a traceback
            fail(f"任务 {name} 失败：{type(exc).__name__}: {exc}")
        if name == "eligibility":
            payload = {key: counts.get(key, 0) for key in ELIGIBILITY_JSON_KEYS}
        elif name == "innovation_points":
            payload = {key: counts[key] for key in INNOVATION_POINTS_JSON_KEYS}
        else:
            payload = dict(counts)
        if as_json:
            emit_json(payload)
        else:
            summary = "，".join(f"{key} {value}" for key, value in counts.items())
            click.echo(f"{JOB_LABELS[name]}（{as_of.isoformat()}）完成：{summary}")
