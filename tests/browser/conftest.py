"""Browser tests: the real pages in headless Chromium (Debian's), driven by Playwright.

`live_server` (tests/conftest.py) serves the test's app (and so its fresh database) on a
free local port from a thread; `page` is a Playwright page whose relative URLs go there.
Data created through factories in the test is visible to the server once
committed; to read what the browser changed, call `db.session.rollback()` first
(the test's session otherwise keeps its own snapshot).

Without Chromium the tests skip locally with a message; in CI (CI=true) they fail,
because .ci/run installs it.
"""
from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CRM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 - playwright's Browser
    if not CHROMIUM:
        message = "Chromium not found (apt-get install chromium): browser tests skipped"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server: str):  # noqa: ANN201 - playwright's Page
    context = browser.new_context(base_url=live_server, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Anything the pages' Content-Security-Policy blocks fails the test that met it: every
    # browser test is also a check that the policy and the pages' own scripts agree.
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert blocked == [], blocked


def sign_in(page, username: str, password: str | None = None) -> None:  # noqa: ANN001
    """Sign in through the login form as a person would."""
    from tests.factories import DEFAULT_PASSWORD

    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
