"""Two people saving the same thing at the same moment, against a served app: one save wins,
the other is told of the conflict (409) and what it typed is not written over the winner's.
Each case runs several rounds: a race lost once in a while must still be caught every time."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import AnnualReport, ContactNote, Designation, Honour, Platform, SupportRecord, Talent
from crm.models.annual_report import ReportStatus
from crm.models.designation import DesignationKind
from tests.factories import (
    DEFAULT_PASSWORD,
    AnnualReportFactory,
    ContactNoteFactory,
    DesignationFactory,
    EnterpriseFactory,
    HonourFactory,
    OfficerFactory,
    PlatformFactory,
    SupportRecordFactory,
    TalentFactory,
)
from tests.live import Browser, at_once, form_values

ROUNDS = 5

# kind_name in the URL, how to make one, the model, and the text field each officer changes.
RECORDS: dict[str, tuple[Callable[..., Any], type, str]] = {
    "designations": (lambda firm: DesignationFactory(enterprise=firm, kind=DesignationKind.gazelle,
                                                     valid_from=dt.date(2025, 1, 1)), Designation, "certificate_no"),
    "platforms": (lambda firm: PlatformFactory(enterprise=firm), Platform, "name"),
    "talents": (lambda firm: TalentFactory(enterprise=firm), Talent, "name"),
    "support": (lambda firm: SupportRecordFactory(enterprise=firm), SupportRecord, "programme"),
    "honours": (lambda firm: HonourFactory(enterprise=firm), Honour, "title"),
    "notes": (lambda firm: ContactNoteFactory(enterprise=firm), ContactNote, "note"),
}


@pytest.fixture
def officers(app, live_server: str) -> tuple[Browser, Browser]:
    OfficerFactory(username="kp1")
    OfficerFactory(username="kp2")
    db.session.commit()
    browsers = Browser(live_server), Browser(live_server)
    for browser, name in zip(browsers, ("kp1", "kp2"), strict=True):
        browser.sign_in(name, DEFAULT_PASSWORD)
    return browsers


def fresh(model: type, record_id: int) -> Any:  # noqa: ANN401
    db.session.expire_all()
    return db.session.get(model, record_id)


@pytest.mark.parametrize("kind_name", list(RECORDS))
def test_two_officers_saving_one_record_at_once(app, officers, kind_name: str) -> None:
    make, model, field = RECORDS[kind_name]
    firm = EnterpriseFactory()
    record = make(firm)
    db.session.commit()
    path = f"/enterprises/{firm.uscc}/{kind_name}/{record.id}"
    for round_no in range(ROUNDS):
        forms = []
        for who, browser in enumerate(officers):
            values = form_values(browser.request(path)[1])
            values[field] = f"第{round_no}轮·{who}号修改"
            forms.append(values)
        results = at_once([lambda b=b, v=v: b.request(path, v) for b, v in zip(officers, forms, strict=True)])
        statuses = sorted(status for status, _page in results)
        assert statuses == [302, 409], (round_no, statuses)
        winner = next(i for i, (status, _page) in enumerate(results) if status == 302)
        loser_page = results[1 - winner][1]
        assert "该记录已被他人修改，您的修改未保存" in loser_page
        assert getattr(fresh(model, record.id), field) == f"第{round_no}轮·{winner}号修改"


def test_two_officers_verifying_and_returning_one_report_at_once(app, officers) -> None:
    firm = EnterpriseFactory()
    reports = [AnnualReportFactory(enterprise=firm, year=2020 + n, status=ReportStatus.submitted)
               for n in range(ROUNDS)]
    db.session.commit()
    for report in reports:
        path = f"/enterprises/reports/{report.id}/review"
        verify, give_back = (form_values(b.request(path)[1]) for b in officers)
        verify["decision"] = "verify"
        give_back.update(decision="return", reason="研发费用与税表不符")
        results = at_once([lambda: officers[0].request(path, verify), lambda: officers[1].request(path, give_back)])
        statuses = sorted(status for status, _page in results)
        # One decision stands; the other is a conflict, never a 500.
        assert statuses == [302, 409], statuses
        stored = fresh(AnnualReport, report.id)
        assert stored.status is (ReportStatus.verified if results[0][0] == 302 else ReportStatus.returned)


def test_two_people_of_one_firm_first_saving_a_year_at_once(app, live_server: str) -> None:
    from tests.factories import EnterpriseUserFactory
    from tests.portal.helpers import LAST_YEAR

    firm = EnterpriseFactory()
    for name in ("wang", "li"):
        EnterpriseUserFactory(username=name, enterprise=firm)
    db.session.commit()
    people = Browser(live_server), Browser(live_server)
    for browser, name in zip(people, ("wang", "li"), strict=True):
        browser.sign_in(name, DEFAULT_PASSWORD)
    path = f"/portal/reports/{LAST_YEAR}"
    for round_no in range(ROUNDS):
        db.session.execute(AnnualReport.__table__.delete())
        db.session.commit()
        forms = [form_values(b.request(path)[1]) for b in people]
        assert all(f["version_id"] == "" for f in forms)  # nothing stored yet
        for who, values in enumerate(forms):
            values.update(action="save", employees=str(10 + who))
        results = at_once([lambda b=b, v=v: b.request(path, v) for b, v in zip(people, forms, strict=True)])
        statuses = sorted(status for status, _page in results)
        # One draft is saved; the other person is told, sees the form again with what they
        # typed, and nothing of theirs overwrote the first.
        assert statuses == [302, 409], (round_no, statuses)
        winner = next(i for i, (status, _page) in enumerate(results) if status == 302)
        assert "该报表已被本企业其他用户修改" in results[1 - winner][1]
        db.session.expire_all()
        stored = db.session.scalar(select(AnnualReport).where(AnnualReport.enterprise_id == firm.id))
        assert stored.employees == 10 + winner
