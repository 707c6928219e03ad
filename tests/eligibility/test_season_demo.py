"""The demo data evaluated in March, before last year's reports are due: full candidate lists
(issue 18: evaluated as of 1 March every high-tech and tech-SME candidate used to clear)."""
from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from crm.clock import today
from crm.demo import generate_demo_data
from crm.eligibility.services import run_eligibility
from crm.extensions import db
from crm.models import Flag


def _open_counts() -> Counter[str]:
    return Counter(db.session.scalars(select(Flag.rule).where(Flag.cleared_on.is_(None))))


def test_the_demo_run_in_march_keeps_full_candidate_lists(app) -> None:
    generate_demo_data(150, seed=7)
    # The demo's reports run to last year; next March the year after is not due yet.
    december, march = date(today().year, 12, 6), date(today().year + 1, 3, 1)
    run_eligibility(december, notify=False)
    before = _open_counts()
    counts = run_eligibility(march, notify=False)
    after = _open_counts()
    for rule in ("hitech_candidate", "tech_sme_candidate"):
        assert after[rule] > 0, after
        assert after[rule] >= before[rule] * 0.9, (rule, before[rule], after[rule])
    note = f"以{today().year - 1}年度数据评估：{today().year}年度年报尚未到报送截止日"
    flags = db.session.scalars(select(Flag).where(Flag.rule == "hitech_candidate", Flag.cleared_on.is_(None))).all()
    deferred = [f for f in flags if f.gaps["info"].get("basis_year") == today().year - 1]
    assert deferred and all(f.reasons[0] == note for f in deferred)
    # Moving into the season re-words flags; it clears almost none.
    assert counts["cleared"] < counts["updated"]
