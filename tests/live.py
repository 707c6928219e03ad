"""Requests to a served app (the ``live_server`` fixture) as browsers make them, and several at
the same moment: for claims about concurrency, which two calls in a row cannot test."""
from __future__ import annotations

import html.parser
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


def form_values(page: str, having: str = "version_id") -> dict[str, str]:
    """The fields of the page's first POST form with a field named ``having``, as a browser
    would submit them unchanged: inputs, checked boxes, textareas and selected options."""
    parser = _FormParser()
    parser.feed(page)
    return next(form for form in parser.forms if having in form)


class _FormParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.values = {}
            self.forms.append(self.values)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value") or "y"
            else:
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n") if not self.values[self._textarea] else data


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
