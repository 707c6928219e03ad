"""The in-app inbox and the e-mails that mirror it.

Officers hear about flags raised in their district (one message per rule per
run, listing the firms); an enterprise's users hear about their own flags,
phrased for them. Every message is also e-mailed when SMTP is configured and
the user has an address.

A message about a firm or a district stays with its scope: it is listed, counted
and marked read only while the reader may see that firm (wherever it is now) or,
for a digest of several firms, that district; an officer moved to another district
no longer sees the old one's digests.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from flask import current_app, url_for
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update

from crm.clock import utcnow
from crm.districts import DISTRICTS
from crm.extensions import db
from crm.models import Enterprise, Flag, Notification, Role, User
from crm.notifications.mail import build_message, mail_enabled, send_messages
from crm.rules import RULES
from crm.scoping import district_scope, enterprise_scope

# How many firm names an officer's digest lists before "等".
DIGEST_NAMES = 30
IN_CLAUSE_CHUNK = 5000



def _rule_name(rule: str) -> str:
    """The rule's Chinese name: notifications are stored and read later by others, so never translated."""
    return RULES[rule].label if rule in RULES else rule


# What an enterprise's own users read when a rule flags their firm.
ENTERPRISE_TITLES: dict[str, str] = {
    "hitech_candidate": "贵企业已符合高新技术企业认定的量化条件，可准备申报",
    "hitech_expiring": "贵企业的高新技术企业证书即将到期，请准备重新认定",
    "tech_sme_candidate": "贵企业符合科技型中小企业评价条件，可申请入库",
    "gazelle_candidate": "贵企业符合瞪羚企业培育条件",
    "golden_seed_candidate": "贵企业符合金种子企业入库条件",
    "report_overdue": "贵企业上一年度报表尚未提交，请尽快填报",
}


def site_link(endpoint: str, **values: Any) -> str | None:
    """A site-relative link, also from a scheduler thread (no request there)."""
    if endpoint not in current_app.view_functions:
        return None
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), IN_CLAUSE_CHUNK):
        yield values[start:start + IN_CLAUSE_CHUNK]


def notify(user: User, kind: str, title: str, body: str = "", link: str | None = None,
           enterprise_id: int | None = None, district_code: str | None = None) -> Notification:
    """Put a message in one user's inbox (the caller commits; e-mail via `deliver_email`).

    A message about a firm stores the firm's district (looked up when not given); a digest
    of several firms gives its district."""
    if district_code is None and enterprise_id is not None:
        district_code = db.session.scalar(select(Enterprise.district_code).where(Enterprise.id == enterprise_id))
    item = Notification(user_id=user.id, kind=kind, title=title[:200], body=body, link=link,
                        enterprise_id=enterprise_id, district_code=district_code, created_at=utcnow())
    db.session.add(item)
    return item


def officers_by_district(districts: Iterable[str]) -> dict[str, list[User]]:
    officers: dict[str, list[User]] = defaultdict(list)
    rows = db.session.scalars(
        select(User).where(User.role == Role.officer, User.active.is_(True), User.district_code.in_(set(districts)))
    )
    for user in rows:
        officers[user.district_code].append(user)
    return officers


def enterprise_users(enterprise_ids: Sequence[int]) -> dict[int, list[User]]:
    users: dict[int, list[User]] = defaultdict(list)
    for chunk in _chunks(list(enterprise_ids)):
        for user in db.session.scalars(
            select(User).where(User.role == Role.enterprise, User.active.is_(True), User.enterprise_id.in_(chunk))
        ):
            users[user.enterprise_id].append(user)
    return users


def firms_by_id(enterprise_ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    """id → (uscc, name, district code)."""
    firms: dict[int, tuple[str, str, str]] = {}
    for chunk in _chunks(sorted(set(enterprise_ids))):
        rows = db.session.execute(
            select(Enterprise.id, Enterprise.uscc, Enterprise.name, Enterprise.district_code)
            .where(Enterprise.id.in_(chunk))
        )
        firms.update({eid: (uscc, name, district) for eid, uscc, name, district in rows})
    return firms


def _digest_body(names: list[str]) -> str:
    shown = "\n".join(f"· {name}" for name in names[:DIGEST_NAMES])
    more = f"\n……等共 {len(names)} 家" if len(names) > DIGEST_NAMES else ""
    return shown + more


def notify_flags_raised(raised: Sequence[tuple[int, str]], as_of: date) -> list[Notification]:
    """Tell officers of each firm's district and the firm's own users about newly raised flags.

    Returns the notifications, flushed; the caller commits, then e-mails them with
    :func:`deliver_email` (a mail is never sent for a notification that was rolled back)."""
    if not raised:
        return []
    firms = firms_by_id([eid for eid, _rule in raised])
    created: list[Notification] = []

    # Officers: one message per district and rule, naming the firms.
    by_district_rule: dict[tuple[str, str], list[int]] = defaultdict(list)
    for eid, rule in raised:
        if eid in firms:
            by_district_rule[(firms[eid][2], rule)].append(eid)
    officers = officers_by_district({district for district, _rule in by_district_rule})
    for (district, rule), ids in sorted(by_district_rule.items()):
        if not officers.get(district):
            continue
        label = _rule_name(rule)
        names = [f"{firms[eid][1]}（{firms[eid][0]}）" for eid in ids]
        title = f"{label}：{DISTRICTS.get(district, district)}新增 {len(ids)} 家企业（{as_of.isoformat()}）"
        link = site_link("eligibility.index", rule=rule, district=district)
        for officer in officers[district]:
            created.append(notify(officer, f"flag:{rule}", title, _digest_body(names), link,
                                  ids[0] if len(ids) == 1 else None, district))

    # Enterprise users: one message per flag, with the reasons.
    users = enterprise_users(sorted({eid for eid, _rule in raised}))
    if users:
        wanted = {(eid, rule) for eid, rule in raised if eid in users}
        reasons: dict[tuple[int, str], list[str]] = {}
        for chunk in _chunks(sorted({eid for eid, _rule in wanted})):
            for eid, rule, flag_reasons in db.session.execute(
                select(Flag.enterprise_id, Flag.rule, Flag.reasons)
                .where(Flag.cleared_on.is_(None), Flag.enterprise_id.in_(chunk))
            ):
                reasons[(eid, rule)] = list(flag_reasons or [])
        link = site_link("portal.standing")
        for eid, rule in sorted(wanted):
            title = ENTERPRISE_TITLES.get(rule, _rule_name(rule))
            body = "\n".join(f"· {reason}" for reason in reasons.get((eid, rule), []))
            for user in users[eid]:
                created.append(notify(user, f"flag:{rule}", title, body, link, eid, firms[eid][2]))
    db.session.flush()
    return created


def deliver_email(notifications: Sequence[Notification]) -> int:
    """E-mail the notifications whose users have an address; returns how many were sent.

    Call it after the notifications are committed, and commit again for their
    ``emailed_at``: mail cannot be taken back, so it goes out only for what is stored."""
    if not mail_enabled():
        return 0
    pending = [n for n in notifications if n.emailed_at is None]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({n.user_id for n in pending})))}
    outgoing = [(n, users[n.user_id].email) for n in pending if users.get(n.user_id) and users[n.user_id].email]
    messages = [build_message(address, n.title, n.body or n.title) for n, address in outgoing]
    results = send_messages(messages)
    now = utcnow()
    for (item, _address), accepted in zip(outgoing, results):
        if accepted:
            item.emailed_at = now
    db.session.flush()
    return sum(results)


# --- The inbox -------------------------------------------------------------------------


def visible_to(user: User) -> ColumnElement[bool]:
    """SQL condition on Notification: the user's own messages that their scope shows today.

    One about a firm follows the firm (its current district); a digest of several firms
    follows its district; a message about neither is always shown."""
    firm_in_scope = select(Enterprise.id).where(Enterprise.id == Notification.enterprise_id,
                                                enterprise_scope(user)).exists()
    return and_(
        Notification.user_id == user.id,
        or_(
            and_(Notification.enterprise_id.is_not(None), firm_in_scope),
            and_(Notification.enterprise_id.is_(None),
                 or_(Notification.district_code.is_(None), district_scope(user, Notification.district_code))),
        ),
    )


def inbox_query(user: User, unread_only: bool = False) -> Select:
    """The messages the user may read today (:func:`visible_to`), newest first."""
    stmt = (
        select(Notification)
        .where(visible_to(user))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt


def unread_count(user: User) -> int:
    """How many of the user's messages are unread (the badge in the menu)."""
    stmt = inbox_query(user, unread_only=True).order_by(None)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's visible messages read (all unread ones when no ids are given); returns how many.

    Messages out of the user's scope are left as they are."""
    stmt = update(Notification).where(visible_to(user), Notification.read_at.is_(None))
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(list(notification_ids)))
    result = db.session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0
