"""A sign-up or reset link is spent once, also when ten requests bring it at the same moment."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Invitation, User, UserSession
from crm.portal.invitations import RESET, issue_invitation
from tests.factories import EnterpriseFactory, EnterpriseUserFactory
from tests.live import Browser, at_once


def post_all_at_once(live_server: str, path: str, forms: list[dict[str, str]]) -> list[int]:
    browsers = [Browser(live_server) for _ in forms]
    filled = [{**form, "csrf_token": browser.csrf(path)} for browser, form in zip(browsers, forms)]
    return [status for status, _page in at_once(
        [lambda b=b, f=f: b.request(path, f) for b, f in zip(browsers, filled)])]


def test_ten_sign_ups_on_one_invitation_at_once_create_one_account(app, live_server) -> None:
    firm = EnterpriseFactory()
    _invitation, token = issue_invitation(firm, None)
    db.session.commit()
    forms = [{"username": f"firm-user-{n}", "display_name": "", "email": "", "password": "a-good-password-1",
              "confirm": "a-good-password-1"} for n in range(10)]
    statuses = post_all_at_once(live_server, f"/portal/invite/{token}", forms)
    assert statuses.count(302) == 1, statuses
    assert all(status in (410, 422) for status in statuses if status != 302), statuses
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id)).where(User.enterprise_id == firm.id)) == 1
    assert db.session.scalar(select(Invitation.used_at)) is not None


def test_ten_uses_of_one_reset_link_at_once_sign_in_once(app, live_server) -> None:
    firm = EnterpriseFactory()
    user = EnterpriseUserFactory(enterprise=firm, username="firm-reset")
    _invitation, token = issue_invitation(firm, None, RESET, user)
    db.session.commit()
    forms = [{"password": f"new-password-{n}", "confirm": f"new-password-{n}"} for n in range(10)]
    statuses = post_all_at_once(live_server, f"/portal/invite/{token}", forms)
    assert statuses.count(302) == 1, statuses
    db.session.rollback()
    # One browser signed in with one of the new passwords: one session, the link spent.
    assert db.session.scalar(select(func.count(UserSession.id)).where(UserSession.user_id == user.id)) == 1
    assert db.session.scalar(select(Invitation.used_at)) is not None
