"""The CLI of CONTRACT.md: exit codes, one-line reasons on stderr, idempotent init-db."""
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import ApiToken, District, Role, User
from crm.models.user import hash_token
from tests.factories import EnterpriseFactory, UserFactory


def invoke(runner, args, input=None):
    return runner.invoke(args=args, input=input, catch_exceptions=False)


def test_init_db_is_idempotent(runner, app) -> None:
    first = invoke(runner, ["init-db"])
    second = invoke(runner, ["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(District)) == 7
    assert "新增区（市）0 个" in second.output


def test_create_officer_reads_password_from_stdin(runner, app) -> None:
    result = invoke(runner, ["create-user", "kp1", "--role", "officer", "--district", "440783"], input="s3cret-pass\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "kp1"))
    assert user.role is Role.officer and user.district_code == "440783"
    assert user.check_password("s3cret-pass") and not user.check_password("s3cret-pass\n")


def test_create_enterprise_user_binds_firm(runner, app) -> None:
    firm = EnterpriseFactory()
    result = invoke(runner, ["create-user", "f1", "--role", "enterprise", "--enterprise", firm.uscc.lower()], input="s3cret-pass\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "f1")).enterprise_id == firm.id


def test_create_user_failures_exit_1_with_one_line_reason(runner, app) -> None:
    UserFactory(username="taken")
    cases = [
        (["create-user", "a", "--role", "officer"], "s3cret-pass\n", "--district：区（市）科员必须指定所属区（市）"),
        (["create-user", "a", "--role", "officer", "--district", "999999"], "s3cret-pass\n", "未知的区"),
        (["create-user", "a", "--role", "enterprise"], "s3cret-pass\n", "--enterprise"),
        (["create-user", "a", "--role", "enterprise", "--enterprise", "91440783MA4X000010"], "s3cret-pass\n", "统一社会信用代码"),
        (["create-user", "a", "--role", "bureau"], "short\n", "至少需要8个字符"),
        (["create-user", "a", "--role", "bureau"], "        \n", "密码太简单"),
        (["create-user", "a", "--role", "bureau"], "password\n", "密码太简单"),
        (["create-user", "a", "--role", "bureau"], "12345678\n", "密码太简单"),
        (["create-user", "a", "--role", "bureau"], "aaaaaaaaaa\n", "密码太简单"),
        (["create-user", "a", "--role", "bureau"], "Password123\n", "密码太简单"),
        (["create-user", "taken", "--role", "bureau"], "s3cret-pass\n", "已存在"),
        (["create-user", "a", "--role", "bureau", "--district", "440783"], "s3cret-pass\n", "只有区（市）科员"),
        (["create-user", "a", "--role", "bureau", "--email", "notanemail"], "s3cret-pass\n",
         "--email：电子邮箱格式不正确：notanemail"),
    ]
    for args, stdin, reason in cases:
        result = runner.invoke(args=args, input=stdin)
        assert result.exit_code == 1, (args, result.output)
        assert reason in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_unknown_role_is_refused(runner, app) -> None:
    result = runner.invoke(args=["create-user", "a", "--role", "king"], input="s3cret-pass\n")
    assert result.exit_code != 0


def test_create_token_prints_usable_token(runner, app, client) -> None:
    UserFactory(username="city", role=Role.bureau)
    result = invoke(runner, ["create-token", "city"])
    assert result.exit_code == 0
    secret = result.output.strip()
    assert db.session.scalar(select(ApiToken.token_hash)) == hash_token(secret)
    assert client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_create_token_for_unknown_user_fails(runner, app) -> None:
    result = runner.invoke(args=["create-token", "nobody"])
    assert result.exit_code == 1 and "用户不存在" in result.stderr


def test_usage_errors_are_one_line_on_stderr(runner, app) -> None:
    cases = [
        (["create-user", "a", "--role", "king"], "--role"),
        (["create-user", "a"], "--role"),  # click lists the choices on several lines by itself
        (["create-token"], "USERNAME"),
        (["demo-data", "--enterprises", "0"], "--enterprises"),
    ]
    for args, reason in cases:
        result = runner.invoke(args=args, input="s3cret-pass\n")
        assert result.exit_code == 2, (args, result.output)
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
        assert reason in result.stderr


def test_unexpected_failure_is_one_line_not_a_traceback(runner, app, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused\nIs the server running?"))

    monkeypatch.setattr("flask_migrate.upgrade", unreachable)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "init-db" in result.stderr and "connection refused" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_without_a_secret_key_is_one_line_not_a_traceback(tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "CRM_SECRET_KEY"}
    env.update(CRM_ENV="production", CRM_DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}",
               CRM_INSTANCE_DIR=str(tmp_path))
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run([str(flask), "--app", "crm", "init-db"], capture_output=True, text=True, env=env,
                            cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["配置错误：生产环境必须设置 CRM_SECRET_KEY（会话签名密钥）/ CRM_SECRET_KEY must be set"]
