"""`flask --app crm import-workbook PATH [--year YYYY] [--dry-run] [--json]` (CONTRACT.md)."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select


def register(app: Flask) -> None:
    @app.cli.command("import-workbook")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--year", type=click.IntRange(1980, 2100), help="Fiscal year when the sheet names none.")
    @click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    @click.option("--district", help="Source district code (fills firms whose code names none).")
    @click.option("--user", "username", help="Attribute the batch to this user.")
    def import_workbook(
        path: str, year: int | None, dry_run: bool, as_json: bool, district: str | None, username: str | None
    ) -> None:
        """Import a county office's spreadsheet (.xlsx, .xls or .csv)."""
        from crm.cli import emit_json, fail
        from crm.districts import DISTRICTS
        from crm.extensions import db
        from crm.imports.services import import_file
        from crm.models import User
        from importers import WorkbookError

        if district is not None and district not in DISTRICTS:
            fail(f"未知的区县代码：{district}")
        user = None
        if username:
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                fail(f"用户不存在：{username}")
        try:
            result = import_file(path, year=year, district=district, user=user, dry_run=dry_run)
        except WorkbookError as error:
            fail(f"无法导入 {path}：{error}")
        if as_json:
            emit_json(result.as_json())
            return
        counts = result.counts()
        prefix = "试导入（未写入）" if dry_run else f"已导入，批次 {result.batch_id}"
        click.echo(
            f"{prefix}：数据行 {counts['rows']}，新增 {counts['created']}，更新 {counts['updated']}，"
            f"未变 {counts['unchanged']}，拒绝 {counts['rejected']}，跳过 {counts['skipped']}"
        )
        for sheet in result.sheets:
            if sheet.layout is None and sheet.message:
                click.echo(f"  工作表「{sheet.name}」：{sheet.message}")
        if result.unknown_columns:
            click.echo(f"  未识别的列（未导入）：{'、'.join(result.unknown_columns)}")
        for error in result.errors:
            click.echo(f"  {error.sheet} 第{error.row}行 [{error.column}] {error.message}")
