"""A person signs in and sees their district's ladder; a wrong password is refused."""
from tests.browser.conftest import sign_in
from tests.factories import EnterpriseFactory, OfficerFactory


def test_officer_signs_in_and_sees_counts(app, page) -> None:
    EnterpriseFactory(district="440783")
    OfficerFactory(username="kp", district_code="440783")
    sign_in(page, "kp")
    assert page.title().startswith("首页")
    assert page.locator('[data-stage="none"]').inner_text() == "1"
    assert "开平市" in page.locator("h1").inner_text()


def test_wrong_password_shows_message(app, page) -> None:
    OfficerFactory(username="kp")
    page.goto("/login")
    page.get_by_label("用户名").fill("kp")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_text("用户名或密码错误").is_visible()


def test_the_role_filter_sends_itself_under_the_content_security_policy(app, page) -> None:
    """No inline handler: the select's data-autosubmit (static/js/actions.js) sends the form."""
    from crm.models import Role
    from tests.factories import UserFactory

    UserFactory(username="root", role=Role.admin)
    OfficerFactory(username="kp")
    sign_in(page, "root")
    page.goto("/admin/users")
    page.locator("#role-filter").select_option("officer")
    page.wait_for_url("**/admin/users?role=officer")
    assert page.locator("body").inner_text().count("kp") >= 1
