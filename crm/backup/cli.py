"""`flask --app crm backup PATH [--json]` and `flask --app crm restore PATH [--json]` (CONTRACT.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("backup", short_help="Write one archive of the whole database.")
    @click.argument("path", type=click.Path(path_type=Path))
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def backup_command(path: Path, as_json: bool) -> None:
        """Write one consistent archive of the whole database to PATH.

        A tar holding manifest.json (format, schema revision, dialect, time, rows per table,
        sha256 of every member) and the database: pg_dump's custom format on PostgreSQL, a
        copy through the online backup API on SQLite. Written under a temporary name and
        renamed when complete.
        """
        from crm.backup.services import DIALECT_NAMES, BackupError, create_backup
        from crm.cli import emit_json, fail

        try:
            summary = create_backup(path)
        except BackupError as exc:
            fail(f"备份失败：{exc}")
        if as_json:
            emit_json(summary)
            return
        click.echo(
            f"已备份到 {summary['path']}：{DIALECT_NAMES[summary['dialect']]} 数据库，结构版本 {summary['schema_revision']}，"
            f"{len(summary['tables'])} 张表 {summary['rows']} 行，{_size(summary['size'])}，sha256 {summary['sha256']}")

    @app.cli.command("restore", short_help="Restore a backup archive into an empty database.")
    @click.argument("path", type=click.Path(path_type=Path))
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def restore_command(path: Path, as_json: bool) -> None:
        """Restore the archive PATH (written by `backup`) into the configured database.

        The archive is checked whole first (every checksum, the manifest); it is refused,
        changing nothing, when truncated or altered, of another database kind, of a schema
        newer than this code, or when the database holds data (anything besides what
        init-db loads). An older schema is upgraded to the code's after the restore.
        """
        from crm.backup.services import DIALECT_NAMES, BackupError, restore_backup
        from crm.cli import emit_json, fail
        from crm.extensions import db

        target = db.engine.url.render_as_string(hide_password=True)
        try:
            summary = restore_backup(path)
        except BackupError as exc:
            fail(f"恢复失败：{exc}")
        if as_json:
            emit_json(summary)
            return
        click.echo(
            f"已校验并恢复 {summary['path']}（{DIALECT_NAMES[summary['dialect']]} 数据库，结构版本 "
            f"{summary['schema_revision']}，备份于 {summary['created_at']}）到 {target}")
        click.echo(f"各表行数与备份清单一致：{len(summary['tables'])} 张表 {summary['rows']} 行（{_counts(summary['tables'])}）")
        if summary["upgraded_to"]:
            click.echo(f"备份的数据库结构较旧，已从 {summary['schema_revision']} 升级到 {summary['upgraded_to']}")


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _counts(tables: dict[str, Any]) -> str:
    return "、".join(f"{name} {rows}" for name, rows in tables.items())
