"""Every URL rule of the app, walked with hostile values in each path argument and in the
query arguments lists read (huge integers, past PostgreSQL's and SQLite's integers, negative,
NUL, text where a number goes), as every role: no answer may be a server error. The rules are
read from ``app.url_map``, so a route added later is covered without anyone remembering."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.routing import Rule

from crm.extensions import db
from crm.models import ApiToken, Role
from tests.conftest import csrf_token, login
from tests.factories import (
    AnnualReportFactory,
    DesignationFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    OfficerFactory,
    UserFactory,
)

HOSTILE = ("99999999999999999999", "2147483648", "9223372036854775808", "-1", "0", "%00", "a%00b", "abc",
           "1e9", "%E4%B8%AD")
QUERY_ARGS = ("page", "year", "as_of", "per_page", "district")
# Query arguments are parsed by the page, not matched by a converter: fewer values tell the same.
HOSTILE_QUERY = ("99999999999999999999", "-1", "%00", "abc")
# Rules that would end the walk's own session, or that are not the app's.
SKIPPED = {"auth.logout", "static", "bootstrap.static"}
PLACEHOLDER = re.compile(r"<(?:[^>]*:)?(\w+)>")


def _plausible(app: Flask, uscc: str) -> dict[str, str]:
    """A value each path argument can take that names something real, so the hostile one is
    the only thing wrong with the request."""
    return {"uscc": uscc, "kind_name": "designations", "kind": "platforms", "code": "en", "token": "x",
            "filename": "css/bootstrap.min.css", "year": "2025"}


def _urls(rule: Rule, plausible: dict[str, str]) -> Iterator[str]:
    names = PLACEHOLDER.findall(rule.rule)
    for hostile_name in names:
        for value in HOSTILE:
            yield PLACEHOLDER.sub(lambda m, h=hostile_name, v=value: v if m[1] == h else plausible.get(m[1], "1"),
                                  rule.rule)
    base = PLACEHOLDER.sub(lambda m: plausible.get(m[1], "1"), rule.rule)
    if "GET" in rule.methods:
        for name in QUERY_ARGS:
            for value in HOSTILE_QUERY:
                yield f"{base}?{name}={value}"


def _people() -> dict[str, tuple[str | None, str | None]]:
    """username and API secret of one person of each role (None: nobody signed in)."""
    firm = EnterpriseFactory(district="440783")
    DesignationFactory(enterprise=firm)
    AnnualReportFactory(enterprise=firm, year=2024)
    made = {
        "admin": UserFactory(username="walk_admin", role=Role.admin),
        "bureau": UserFactory(username="walk_bureau", role=Role.bureau),
        "officer": OfficerFactory(username="walk_officer"),
        "enterprise": EnterpriseUserFactory(username="walk_firm", enterprise=firm),
    }
    people: dict[str, tuple[str | None, str | None]] = {"anonymous": (None, None)}
    for role, user in made.items():
        token, secret = ApiToken.issue(user, "walk")
        db.session.add(token)
        people[role] = (user.username, secret)
    db.session.commit()
    people["_uscc"] = (firm.uscc, None)
    return people


@pytest.mark.parametrize("role", ["anonymous", "admin", "bureau", "officer", "enterprise"])
def test_no_url_of_any_rule_gives_a_server_error(app: Flask, client, role: str) -> None:
    people = _people()
    username, secret = people[role]
    plausible = _plausible(app, people["_uscc"][0] or "")
    token = None
    if username:
        login(client, username)
        token = csrf_token(client, "/account")
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    failures: list[str] = []
    walked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        post = "GET" not in rule.methods
        for url in _urls(rule, plausible):
            if post:
                response = client.post(url, data={"csrf_token": token or ""}, headers=headers)
            else:
                response = client.get(url, headers=headers)
            walked += 1
            if response.status_code >= 500:
                failures.append(f"{'POST' if post else 'GET'} {url}: {response.status_code}")
    assert walked > 1000
    assert failures == []
