"""Command line (`flask --app crm COMMAND`), as CONTRACT.md fixes it.

Every command exits 0 on success, otherwise non-zero with a one-line reason on stderr.
"""
from __future__ import annotations

import json
import os
import re
import sys
from datetime import date
from typing import Any

import click
from flask import Flask, current_app
from sqlalchemy import func, select


def fail(message: str) -> None:
    """Exit 1 with a one-line reason on stderr."""
    click.echo(message.replace("\n", " "), err=True)
    sys.exit(1)


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def contract_date(text: str, option: str) -> date:
    """A YYYY-MM-DD option value (CONTRACT.md); anything else exits 1 with the reason.

    date.fromisoformat alone also takes 20260601 or 2026-W23-1.
    """
    value = text.strip()
    if ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    fail(f"{option} 日期格式应为 YYYY-MM-DD：{text}")
    raise AssertionError("unreachable")  # fail() exits


def emit_json(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, default=str))


def one_line(text: str) -> str:
    """Collapse a message to one line (click's choices lists, driver errors span several)."""
    return " ".join(text.split())


class OneLineCommand(click.Command):
    """A command whose every failure is one line on stderr and a non-zero exit (CONTRACT.md).

    Click prints usage errors as usage, hint and message on three or more lines, and an
    unexpected exception (a database that cannot be reached) as a traceback; both become
    one line here. FLASK_DEBUG=1 keeps the traceback for developers.
    """

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise _one_line_usage_error(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line_usage_error(exc) from None
        except (click.exceptions.Exit, click.Abort, click.ClickException):
            raise
        except Exception as exc:
            if os.environ.get("FLASK_DEBUG", "").lower() in ("1", "true"):
                raise
            lines = [line for line in str(exc).splitlines() if line.strip()]
            # A driver's message starts with its own class, e.g. "(psycopg.OperationalError) ...".
            reason = lines[0] if lines else type(exc).__name__
            fail(f"{ctx.command_path} 失败：{reason if reason.startswith('(') else f'{type(exc).__name__}: {reason}'}")


def _one_line_usage_error(exc: click.UsageError) -> click.UsageError:
    """The same error without its context, so click prints only "Error: message"."""
    command = f"{exc.ctx.command_path}: " if exc.ctx is not None else ""
    error = click.UsageError(command + one_line(exc.format_message()))
    error.exit_code = exc.exit_code
    return error


# create-user's options, by the field a UserError names, so the reason says what to fix.
CREATE_USER_OPTIONS = {"role": "--role", "district_code": "--district", "enterprise_uscc": "--enterprise",
                       "email": "--email"}


# Areas that add their own commands (each module has register(app)).
AREA_COMMANDS = ("crm.imports.cli", "crm.eligibility.cli", "crm.backup.cli")


def register_commands(app: Flask) -> None:
    from importlib import import_module

    # Every command of every area, registered through app.cli.command, gets one-line failures.
    app.cli.command_class = OneLineCommand
    for module_name in AREA_COMMANDS:
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(app)

    @app.cli.command("init-db")
    def init_db() -> None:
        """Apply all migrations and load reference data (safe to run again)."""
        from flask_migrate import upgrade

        from crm.reference import load_reference_data

        upgrade()
        added = load_reference_data()
        click.echo(
            "数据库已就绪：新增区（市）{districts} 个、行业 {industries} 个、规划指标 {plan_targets} 项".format(**added)
        )

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", required=True, type=click.Choice(["admin", "bureau", "officer", "enterprise"]))
    @click.option("--district", "district_code", help="District code, for officers.")
    @click.option("--enterprise", "enterprise_uscc", help="统一社会信用代码, for enterprise users.")
    @click.option("--name", "display_name", default="", help="Display name.")
    @click.option("--email", default=None)
    def create_user_command(
        username: str, role: str, district_code: str | None, enterprise_uscc: str | None,
        display_name: str, email: str | None,
    ) -> None:
        """Create a user; the password is read from stdin."""
        from crm.auth.services import UserError, create_user
        from crm.extensions import db

        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        try:
            user = create_user(username, role, password, district_code, enterprise_uscc, display_name, email)
            db.session.commit()
        except UserError as exc:
            db.session.rollback()
            option = CREATE_USER_OPTIONS.get(exc.field)
            fail(f"{option}：{exc}" if option else str(exc))
        click.echo(f"已创建用户 {user.username}（{user.role.value}）")

    @app.cli.command("create-token")
    @click.argument("username")
    @click.option("--name", default="cli", help="A label for the token.")
    def create_token(username: str, name: str) -> None:
        """Print a new API token for USERNAME."""
        from crm.extensions import db
        from crm.models import ApiToken, User

        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            fail(f"用户不存在：{username}")
        if not user.active:
            fail(f"用户已停用：{username}")
        token, secret = ApiToken.issue(user, name)
        db.session.add(token)
        db.session.commit()
        click.echo(secret)

    @app.cli.command("demo-data")
    @click.option("--enterprises", "count", default=2000, show_default=True, type=click.IntRange(1, 200_000))
    @click.option("--seed", default=2025, show_default=True, type=int)
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds firms.")
    def demo_data(count: int, seed: int, if_empty: bool) -> None:
        """Fill the database with a realistic synthetic Jiangmen data set."""
        from crm.clock import today
        from crm.demo import generate_demo_data, past_evaluation_days
        from crm.extensions import db
        from crm.models import Enterprise, Flag, JobRun

        if not current_app.config.get("DEMO_DATA_ALLOWED", True):
            fail("生产环境（CRM_ENV=production）不能生成演示数据：演示账号的密码是公开的，虚构企业会混入真实记录")
        if if_empty and db.session.scalar(select(Enterprise.id).limit(1)) is not None:
            click.echo("数据库中已有企业数据，跳过演示数据。")
            return
        as_of = today()
        # The rules run as of 1 July of past years too, each seeing what was known then, so
        # conversion and the forecast's back-test have candidates of past years.
        past = past_evaluation_days(as_of)
        latest_run = db.session.scalar(select(func.max(JobRun.id))) or 0
        try:
            summary = generate_demo_data(count, seed, evaluate_on=past)
        except ValueError as exc:
            db.session.rollback()
            fail(str(exc))
        click.echo(
            "已生成演示数据：企业 {enterprises} 家、年报 {reports} 份、资质 {designations} 项（近十年），"
            "其中迁往其他区（市）{moved} 家、已注销 {closed} 家".format(**summary)
        )
        for run in db.session.scalars(select(JobRun).where(JobRun.job == "eligibility", JobRun.id > latest_run)
                                      .order_by(JobRun.id)):
            click.echo(f"已按 {run.as_of.isoformat()} 的情况评估培育对象：新列入 {run.counts['raised']} 项、"
                       f"移出 {run.counts['cleared']} 项")
        # Evaluated as of today, as the nightly job would, so the candidate lists are not empty
        # until the first night (the scheduler is off by default).
        from crm.eligibility.services import run_eligibility

        counts = run_eligibility(as_of, "cli")
        listed = db.session.scalar(select(func.count()).select_from(Flag).where(Flag.cleared_on.is_(None)))
        click.echo(f"已评估培育对象：{counts['evaluated']} 家企业，列入 {listed} 项（今日新列入 {counts['raised']} 项）")
        # And innovation points scored and published, so the pages show stars and portraits.
        from crm.demo import add_demo_plans, publish_demo_rounds

        for plan in add_demo_plans(as_of):
            click.echo(f"已添加演示规划：{plan.name}")

        for round_ in publish_demo_rounds(as_of):
            click.echo(f"已发布第 {round_.id} 轮企业创新积分（{round_.fiscal_year}年度）：参评 {round_.counts['scored']} 家，"
                       f"五星 {round_.counts['stars_5']} 家、四星 {round_.counts['stars_4']} 家、三星 {round_.counts['stars_3']} 家")
