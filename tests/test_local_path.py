"""Where a next= parameter or a stored link may send people: a path on this site only."""
from __future__ import annotations

import pytest

from crm.extensions import db
from crm.navigation import local_path
from tests.conftest import csrf_token, login
from tests.factories import NotificationFactory, OfficerFactory


@pytest.mark.parametrize("target", ["/", "/enterprises/?q=a", "/enterprises/9144#reports"])
def test_paths_of_this_site_are_kept(target: str) -> None:
    assert local_path(target) == target


@pytest.mark.parametrize(
    "target",
    [None, "", "http://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example", "enterprises/",
     "/\tevil", "javascript:alert(1)"],
)
def test_anything_else_is_refused(target: str | None) -> None:
    assert local_path(target) is None


def test_a_stored_link_to_another_site_is_not_followed(client, app) -> None:
    officer = OfficerFactory(username="kp")
    note = NotificationFactory(user_id=officer.id, link="//evil.example/phish")
    db.session.commit()
    login(client, "kp")
    response = client.post(f"/notifications/{note.id}/read",
                           data={"csrf_token": csrf_token(client, "/notifications/"), "open": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications/")
