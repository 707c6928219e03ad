"""Rounds in the database: stored as computed, frozen once published, scheme versions kept, the
CLI's JSON, a moved firm keeping its round, and a failed round leaving nothing behind."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.innovation import services
from crm.innovation.scheme import DEFAULT_SCHEME, SchemeError
from crm.models import AnnualReport, InnovationRound, InnovationScheme, InnovationScore, JobRun, JobStatus
from tests.factories import AnnualReportFactory, EnterpriseFactory, UserFactory

AS_OF = date(2026, 7, 1)


def cohort(size: int = 12, district: str = "440703") -> list:
    """Firms of one stage with R&D rising by firm; reports for 2024 and 2025."""
    firms = []
    for n in range(size):
        firm = EnterpriseFactory(district=district, founded_on=date(2015, 3, 1))
        AnnualReportFactory(enterprise=firm, year=2024, revenue=Decimal(1000), rd_expense=Decimal(40 + n))
        AnnualReportFactory(enterprise=firm, year=2025, revenue=Decimal(1200), rd_expense=Decimal(50 + 5 * n))
        firms.append(firm)
    db.session.commit()
    return firms


def scores(round_id: int) -> dict[int, tuple]:
    return {s.enterprise_id: (s.score, s.rank, s.stars, s.district_code, json.dumps(s.indicators, sort_keys=True))
            for s in db.session.scalars(select(InnovationScore).where(InnovationScore.round_id == round_id))}


def test_a_published_round_stays_as_computed_after_figures_and_scheme_change(app) -> None:
    firms = cohort()
    first = services.run_round(AS_OF, "cli")
    admin = UserFactory(role="admin")
    services.publish_round(first, admin)
    db.session.commit()
    before = scores(first.id)
    assert first.scheme.version == 1 and first.counts["scored"] == 12

    # The worst firm's R&D leaps; the scheme moves weight from R&D expense to R&D ratio; a firm moves.
    report = db.session.scalar(select(AnnualReport).where(AnnualReport.enterprise_id == firms[0].id,
                                                          AnnualReport.year == 2025))
    report.rd_expense = Decimal(900)
    firms[1].district_code = "440704"
    rd, ratio = DEFAULT_SCHEME.indicator("rd_expense"), DEFAULT_SCHEME.indicator("rd_ratio")
    moved = DEFAULT_SCHEME.with_indicator(replace(rd, weights={k: v - 2 for k, v in rd.weights.items()}))
    moved = moved.with_indicator(replace(ratio, weights={k: v + 2 for k, v in ratio.weights.items()}))
    services.save_scheme(moved, "研发强度加权", admin)
    db.session.commit()
    second = services.run_round(AS_OF, "cli")

    assert scores(first.id) == before                       # the published round is untouched
    assert db.session.get(InnovationRound, first.id).scheme.version == 1
    assert second.scheme.version == 2
    assert before[firms[0].id][1] == 12 and scores(second.id)[firms[0].id][1] == 1
    # A firm that moved keeps the district it was scored in; the new round has the new one.
    assert before[firms[1].id][3] == "440703" and scores(second.id)[firms[1].id][3] == "440704"
    stored = json.loads(scores(second.id)[firms[0].id][4])
    assert stored["rd_expense"][0] == "900"


def test_publishing_twice_is_refused(app) -> None:
    cohort(3)
    round_ = services.run_round(AS_OF)
    admin = UserFactory(role="admin")
    services.publish_round(round_, admin)
    with pytest.raises(services.RoundError, match="已于"):
        services.publish_round(round_, admin)


def test_scheme_versions_are_new_rows_and_a_bad_one_is_not_stored(app) -> None:
    first = services.latest_scheme()
    db.session.commit()
    bad = DEFAULT_SCHEME.with_indicator(replace(DEFAULT_SCHEME.indicator("talents"), enabled=False))
    with pytest.raises(SchemeError):
        services.save_scheme(bad, "关闭人才指标", None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(InnovationScheme)) == 1
    assert services.scheme_of(first) == DEFAULT_SCHEME


def test_run_job_prints_the_contracts_json_and_counts_the_unscored(app, runner) -> None:
    cohort(4)
    EnterpriseFactory()                     # no report at all
    db.session.commit()
    result = runner.invoke(args=["run-job", "innovation_points", "--as-of", "2026-07-01", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    round_id = db.session.scalar(select(func.max(InnovationRound.id)))
    assert payload == {"round": round_id, "scored": 4, "not_scored": 1}
    unscored = db.session.scalars(select(InnovationScore).where(InnovationScore.score.is_(None))).all()
    assert [(s.reason, s.rank, s.stars) for s in unscored] == [("没有2025年度报表", None, None)]
    run = db.session.scalar(select(JobRun).where(JobRun.job == "innovation_points"))
    assert run.status is JobStatus.succeeded and run.counts["round"] == round_id


def test_a_failed_round_leaves_the_database_as_it_was(app, monkeypatch) -> None:
    cohort(3)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_store_scores", broken)
    with pytest.raises(RuntimeError):
        services.run_round(AS_OF)
    assert db.session.scalar(select(func.count()).select_from(InnovationRound)) == 0
    assert db.session.scalar(select(func.count()).select_from(InnovationScore)) == 0
    run = db.session.scalar(select(JobRun).where(JobRun.job == "innovation_points"))
    assert run.status is JobStatus.failed and "disk full" in run.errors[-1]["message"]


def test_two_clicks_at_once_on_the_page_make_one_round(app, live_server, monkeypatch) -> None:
    """The second request arrives while the first round is still being computed (the scoring
    waits until the other request has been refused, at most 10 s): one scores, the other is
    told a round is under way, and one round is stored."""
    import threading

    from crm.eligibility import scheduler
    from tests.factories import DEFAULT_PASSWORD
    from tests.live import Browser, at_once

    cohort(3)
    UserFactory(username="bureau1", role="bureau")
    db.session.commit()
    refused = threading.Event()
    real_acquire, real_score = scheduler.acquire_lease, services.score_round

    def watched(*args: object, **kwargs: object) -> bool:
        taken = real_acquire(*args, **kwargs)
        if not taken:
            refused.set()
        return taken

    def slow(*args: object, **kwargs: object) -> object:
        refused.wait(timeout=10)
        return real_score(*args, **kwargs)

    monkeypatch.setattr(scheduler, "acquire_lease", watched)
    monkeypatch.setattr(services, "score_round", slow)
    browsers = [Browser(live_server) for _ in range(2)]
    for browser in browsers:
        browser.sign_in("bureau1", DEFAULT_PASSWORD)
    tokens = [browser.csrf("/innovation/") for browser in browsers]
    statuses = at_once([lambda b=b, t=t: b.request("/innovation/run", {"csrf_token": t})
                        for b, t in zip(browsers, tokens)])
    assert [status for status, _page in statuses] == [302, 302]
    assert refused.is_set()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(InnovationRound)) == 1
    pages = [browser.request("/innovation/")[1] for browser in browsers]
    assert sum("另一轮评分正在进行" in page for page in pages) == 1
    # The lease is given back: a later click scores again.
    assert services.run_round_once(AS_OF, "web") is not None
