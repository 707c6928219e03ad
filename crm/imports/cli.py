"""`flask --app crm import-workbook PATH [--kind KIND] [--designation DKIND] [--issued-on YYYY-MM-DD]
[--year YYYY] [--dry-run] [--json]` (CONTRACT.md)."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from crm.models.designation import DesignationKind
from importers.fields import KIND_CODES, field_set

DESIGNATION_CODES = tuple(kind.value for kind in DesignationKind)


def register(app: Flask) -> None:
    @app.cli.command("import-workbook")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--year", type=click.IntRange(1980, 2100), help="Fiscal year when the sheet names none.")
    @click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    @click.option("--district", help="Source district code (fills firms whose code names none).")
    @click.option("--user", "username", help="Attribute the batch to this user.")
    @click.option("--kind", type=click.Choice(KIND_CODES),
                  help="What the file is: a county figure sheet or a list (default: detected).")
    @click.option("--designation", type=click.Choice(DESIGNATION_CODES),
                  help="The designation kind of a designation list (default: from the title or numbers).")
    @click.option("--issued-on", "issued_on", help="The announcement's date (YYYY-MM-DD) for rows without one.")
    def import_workbook(
        path: str, year: int | None, dry_run: bool, as_json: bool, district: str | None, username: str | None,
        kind: str | None, designation: str | None, issued_on: str | None,
    ) -> None:
        """Import a county office's spreadsheet or a list the bureau received (.xlsx, .xls, .ods or .csv)."""
        from crm.cli import contract_date, emit_json, fail
        from crm.districts import DISTRICTS
        from crm.extensions import db
        from crm.imports.services import import_file, list_options
        from crm.models import User
        from importers import WorkbookError

        if district is not None and district not in DISTRICTS:
            fail(f"未知的区县代码：{district}")
        user = None
        if username:
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                fail(f"用户不存在：{username}")
        day = contract_date(issued_on, "--issued-on") if issued_on else None
        if designation and kind not in (None, "designations"):
            fail("--designation 只用于资质认定名单（--kind designations）")
        if designation:
            kind = "designations"  # naming a designation kind says what the file is
        try:
            result = import_file(path, year=year, district=district, user=user, dry_run=dry_run, kind=kind,
                                 options=list_options(designation, day))
        except WorkbookError as error:
            fail(f"无法导入 {path}：{error}")
        if as_json:
            emit_json(result.as_json())
            return
        counts = result.counts()
        prefix = "试导入（未写入）" if dry_run else f"已导入，批次 {result.batch_id}"
        click.echo(f"类型：{field_set(result.kind).label}")
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
        for notice in result.notices:
            click.echo(f"  提示：{notice.sheet} 第{notice.row}行 [{notice.column}] {notice.message}")
