"""The home page's to-do panel: counts in the user's scope, each linking to where the work is done."""
from __future__ import annotations

import re
from datetime import date, datetime

from crm.clock import today
from crm.main.services import RECENT_IMPORTS, work_list
from crm.models import BatchStatus, ChangeRequestStatus, HandledStatus, JobStatus, ReportStatus, Role
from crm.rules_catalogue import RULE_CODES
from tests.conftest import login
from tests.factories import (
    AnnualReportFactory,
    ChangeRequestFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    FlagFactory,
    ImportBatchFactory,
    JobRunFactory,
    NotificationFactory,
    OfficerFactory,
    UserFactory,
)

KP, HS = "440783", "440784"  # 开平市, 鹤山市


def _world(officer, bureau) -> None:
    """Work in Kaiping (the officer's district) and in Heshan, plus things that are no work."""
    kp1, kp2, kp3 = (EnterpriseFactory(district=KP) for _ in range(3))
    hs1 = EnterpriseFactory(district=HS)
    # Reports: two submitted in Kaiping (submitted_at is naive UTC), one in Heshan; verified and drafts are not work.
    AnnualReportFactory(enterprise=kp1, year=2025, status=ReportStatus.submitted, submitted_at=datetime(2026, 2, 1, 8))
    AnnualReportFactory(enterprise=kp2, year=2025, status=ReportStatus.submitted, submitted_at=datetime(2026, 1, 4, 20))
    AnnualReportFactory(enterprise=hs1, year=2025, status=ReportStatus.submitted, submitted_at=datetime(2025, 12, 1, 8))
    AnnualReportFactory(enterprise=kp3, year=2025, status=ReportStatus.verified)
    AnnualReportFactory(enterprise=kp1, year=2024, status=ReportStatus.draft)
    # Change requests: one pending per district, one decided.
    ChangeRequestFactory(enterprise=kp1)
    ChangeRequestFactory(enterprise=hs1)
    ChangeRequestFactory(enterprise=kp2, status=ChangeRequestStatus.approved)
    # Flags: open ones (handled or not), a cleared one, and Heshan's.
    FlagFactory(enterprise=kp1, rule="hitech_candidate")
    FlagFactory(enterprise=kp2, rule="hitech_candidate", handled_status=HandledStatus.contacted)
    FlagFactory(enterprise=kp3, rule="hitech_candidate", cleared_on=date(2026, 1, 20))
    FlagFactory(enterprise=hs1, rule="hitech_candidate")
    FlagFactory(enterprise=kp3, rule="hitech_expiring")
    FlagFactory(enterprise=hs1, rule="hitech_expiring", handled_status=HandledStatus.applied)
    FlagFactory(enterprise=kp2, rule="report_overdue", handled_status=HandledStatus.contacted)
    FlagFactory(enterprise=hs1, rule="report_overdue")
    # Messages: two unread for the officer, one read, one about a firm out of the officer's scope,
    # one unread for somebody else.
    NotificationFactory(user_id=officer.id)
    NotificationFactory(user_id=officer.id, enterprise_id=kp1.id)
    NotificationFactory(user_id=officer.id, read_at=datetime(2026, 1, 3))
    NotificationFactory(user_id=officer.id, enterprise_id=hs1.id)
    NotificationFactory(user_id=bureau.id)


def _flags(work) -> dict[str, tuple[int, int]]:
    return {rule: (item.open, item.unhandled) for rule, item in work.flags.items() if item.open or item.unhandled}


def test_officer_counts_are_a_hand_count_of_the_own_district(app) -> None:
    officer, bureau = OfficerFactory(district_code=KP), UserFactory(role=Role.bureau)
    _world(officer, bureau)
    work = work_list(officer, today())
    assert work.reports_to_verify == 2
    # 2026-01-04 20:00 UTC is 2026-01-05 in Jiangmen; Heshan's older report is not the officer's.
    assert work.oldest_submitted_on == date(2026, 1, 5)
    assert work.change_requests == 1
    assert _flags(work) == {"hitech_candidate": (2, 1), "hitech_expiring": (1, 1), "report_overdue": (1, 0)}
    assert set(work.flags) == set(RULE_CODES)
    assert work.unread_messages == 2
    assert work.expiry_window_months == 6
    assert not work.shows_city_work and work.recent_imports == [] and work.last_eligibility_run is None


def test_bureau_counts_cover_the_city(app) -> None:
    officer, bureau = OfficerFactory(district_code=KP), UserFactory(role=Role.bureau)
    _world(officer, bureau)
    work = work_list(bureau, today())
    assert (work.reports_to_verify, work.oldest_submitted_on) == (3, date(2025, 12, 1))
    assert work.change_requests == 2
    assert _flags(work) == {"hitech_candidate": (3, 2), "hitech_expiring": (2, 1), "report_overdue": (2, 1)}
    assert work.unread_messages == 1
    assert work.shows_city_work


def test_nothing_to_do_is_zero_not_missing(app) -> None:
    work = work_list(OfficerFactory(district_code=KP), today())
    assert (work.reports_to_verify, work.oldest_submitted_on, work.change_requests, work.unread_messages) == (0, None, 0, 0)
    assert all((item.open, item.unhandled) == (0, 0) for item in work.flags.values())


def test_bureau_sees_the_latest_imports_and_the_last_eligibility_run(app) -> None:
    batches = [ImportBatchFactory() for _ in range(RECENT_IMPORTS + 2)]
    JobRunFactory(started_at=datetime(2026, 1, 2, 18))
    latest = JobRunFactory(started_at=datetime(2026, 1, 3, 18), status=JobStatus.failed)
    JobRunFactory(job="expiry_reminder", started_at=datetime(2026, 1, 4, 1))  # another job
    for role in (Role.bureau, Role.admin):
        work = work_list(UserFactory(role=role), today())
        assert [b.id for b in work.recent_imports] == [b.id for b in reversed(batches)][:RECENT_IMPORTS]
        assert work.last_eligibility_run.id == latest.id


# --- The page ---------------------------------------------------------------------------------


def _todo(page: str) -> dict[str, tuple[str, int]]:
    """{item: (link, count shown)} of the to-do panel."""
    items = re.findall(r'<a class="list-group-item[^"]*" href="([^"]+)" data-todo="(\w+)">.*?data-count="(\d+)"',
                       page, re.S)
    return {key: (href.replace("&amp;", "&"), int(n)) for href, key, n in items}


def test_officer_page_links_each_count_to_its_work_and_the_work_is_there(app, client) -> None:
    officer = OfficerFactory(username="kp", district_code=KP)
    _world(officer, UserFactory(role=Role.bureau))
    login(client, "kp")
    page = client.get("/").get_data(as_text=True)
    todo = _todo(page)
    assert todo == {
        "verification": ("/enterprises/verification", 2),
        "change_requests": ("/portal/review", 1),
        "hitech_expiring": ("/eligibility/?rule=hitech_expiring", 1),
        "report_overdue": ("/eligibility/?rule=report_overdue", 1),
        "unread": ("/notifications/?unread=1", 2),
    }
    waited = (today() - date(2026, 1, 5)).days
    assert f"最早提交于 2026-01-05，已等待 {waited} 天" in page
    # Each link's page lists as many items as the count says.
    rows = {
        "verification": r'/enterprises/reports/\d+/review',
        "change_requests": r'data-request="\d+"',
        "hitech_expiring": r'<tr data-uscc=',
        "report_overdue": r'<tr data-uscc=',
        "unread": r'data-notification="\d+"',
    }
    for key, (href, n) in todo.items():
        response = client.get(href)
        assert response.status_code == 200, href
        assert len(set(re.findall(rows[key], response.get_data(as_text=True)))) == n, key
    # The per-rule table: open and not-yet-handled counts, linking to the candidate lists.
    row = re.search(r'<tr data-rule="hitech_candidate">.*?</tr>', page, re.S).group(0)
    assert 'data-open="2"' in row and 'data-unhandled="1"' in row
    assert 'href="/eligibility/?rule=hitech_candidate"' in row
    assert 'href="/eligibility/?rule=hitech_candidate&amp;handled=open"' in row
    unhandled = client.get("/eligibility/?rule=hitech_candidate&handled=open").get_data(as_text=True)
    assert len(re.findall(r"<tr data-uscc=", unhandled)) == 1
    # Officers do not import, and the evaluation job is the city's: neither is shown.
    assert 'id="recent-imports"' not in page and 'id="last-run"' not in page
    # The ladder cards stay.
    assert 'data-stage="none"' in page


def test_bureau_page_shows_imports_and_the_run_escaped(app, client) -> None:
    UserFactory(username="city", role=Role.bureau)
    batch = ImportBatchFactory(filename="<script>alert(1)</script>.xlsx", status=BatchStatus.rolled_back)
    run = JobRunFactory(started_at=datetime(2026, 1, 3, 18), finished_at=datetime(2026, 1, 3, 18, 5))
    login(client, "city")
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.xlsx" in page
    imports = re.search(r'<tr data-batch="%d">.*?</tr>' % batch.id, page, re.S).group(0)
    assert f'href="/imports/batches/{batch.id}"' in imports and "已撤销" in imports
    assert [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', imports)][:3] == [10, 6, 3]
    assert 'href="/imports/"' in page
    last = re.search(r'<section class="card h-100" id="last-run".*?</section>', page, re.S).group(0)
    assert f'href="/eligibility/runs/{run.id}"' in last and 'data-status="succeeded"' in last
    assert "2026-01-04 02:00" in last  # 18:00 UTC, shown in Jiangmen time
    assert "评估企业" in last and "100" in last
    assert client.get(f"/imports/batches/{batch.id}").status_code == 200


def test_a_report_submitted_today_has_not_waited(app, client) -> None:
    from crm.clock import utcnow

    AnnualReportFactory(enterprise=EnterpriseFactory(district=KP), status=ReportStatus.submitted, submitted_at=utcnow())
    OfficerFactory(username="kp", district_code=KP)
    login(client, "kp")
    page = client.get("/").get_data(as_text=True)
    assert f"最早提交于 {today().isoformat()}<" in page and "已等待" not in page


def test_enterprise_user_still_lands_on_the_portal(app, client) -> None:
    EnterpriseUserFactory(username="firm")
    login(client, "firm")
    page = client.get("/").get_data(as_text=True)
    assert 'id="todo"' not in page
