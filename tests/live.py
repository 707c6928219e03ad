"""Requests to a served app (the ``live_server`` fixture) as browsers make them, and several at
the same moment: for claims about concurrency, which two calls in a row cannot test."""
from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """One browser: its own cookies, following no redirects (a response is what it is)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def csrf(self, path: str) -> str:
        status, page = self.request(path)
        match = CSRF_RE.search(page)
        assert match, f"no CSRF token on {path} ({status})"
        return match.group(1)

    def post(self, path: str, data: dict[str, str], form_page: str | None = None) -> tuple[int, str]:
        """POST ``data`` with the CSRF token of ``form_page`` (default: ``path``)."""
        return self.request(path, {**data, "csrf_token": self.csrf(form_page or path)})

    def sign_in(self, username: str, password: str) -> None:
        status, _page = self.post("/login", {"username": username, "password": password})
        assert status == 302, f"sign-in of {username}: {status}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


def at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run ``calls`` in threads released together (a barrier), so their requests overlap."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))
