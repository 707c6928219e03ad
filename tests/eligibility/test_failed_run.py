"""A nightly run that fails part-way leaves the flags as they were (a failed job changes
nothing), and is recorded as failed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

import crm.eligibility.services as services
from crm.eligibility.facts import enterprise_id_chunks
from crm.eligibility.services import run_eligibility
from crm.extensions import db
from crm.models import Flag, JobRun, JobStatus, Notification
from tests.eligibility.helpers import AS_OF, candidate
from tests.factories import OfficerFactory


def test_a_run_failing_in_its_second_chunk_writes_no_flag(app, monkeypatch) -> None:
    for _ in range(4):
        candidate("440783")
    OfficerFactory(username="kp", district_code="440783")
    db.session.commit()
    monkeypatch.setattr(services, "enterprise_id_chunks", lambda: enterprise_id_chunks(chunk_size=2))
    applied = services._apply
    calls = []

    def failing_second_chunk(plan, outcome) -> None:  # noqa: ANN001
        calls.append(plan)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        applied(plan, outcome)

    monkeypatch.setattr(services, "_apply", failing_second_chunk)
    with pytest.raises(RuntimeError, match="disk full"):
        run_eligibility(AS_OF)
    db.session.rollback()
    assert len(calls) == 2  # the first chunk was applied before the failure
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 0
    run = db.session.scalar(select(JobRun).where(JobRun.job == "eligibility"))
    assert run.status is JobStatus.failed and "disk full" in run.errors[-1]["message"]

    # Run again without the failure: every flag is raised, and the officer hears of them.
    monkeypatch.setattr(services, "_apply", applied)
    counts = run_eligibility(AS_OF)
    assert counts["raised"] == db.session.scalar(select(func.count()).select_from(Flag)) > 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) > 0
