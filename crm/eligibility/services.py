"""Operations of the eligibility area: evaluate the rules, keep the flags, record job runs.

A flag is one period during which a rule passed for a firm: raised on the
first as-of date it passes, cleared on the first one it no longer does. An
open flag's reasons are rewritten only when they changed, so a re-run over
unchanged facts writes nothing. Flags are written with Core statements in
bulk: the nightly run covers every firm.
"""
from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import logging
import multiprocessing as mp
import os
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ColumnElement, Connection, Select, Text, bindparam, cast, select, update

from crm.audit import acting_as, record_changes
from crm.clock import utcnow
from crm.eligibility.facts import enterprise_id_chunks, load_facts_range, years_needed
from crm.eligibility.parameters import params_for
from crm.extensions import db
from crm.models import AuditAction, Flag, HandledStatus, JobRun, JobStatus, User
from crm.rules import RULES, Eligibility, FirmFacts, defaults_for, passing_evaluator

log = logging.getLogger(__name__)

# A run keeps at most this many firm errors in JobRun.errors (the count is exact).
MAX_RECORDED_ERRORS = 500
# Below this many firms, forking workers costs more than it saves.
PARALLEL_MIN_FIRMS = 20_000
COUNT_KEYS = ("evaluated", "raised", "cleared", "updated", "unchanged", "failed")


def _holds_valid_hitech(firm: FirmFacts, as_of: date) -> bool:
    return any(d.kind == "hitech" for d in firm.designations) and firm.holds("hitech", as_of) is not None


def _latest_report_filed(firm: FirmFacts, as_of: date) -> bool:
    return firm.filed_report(as_of.year - 1) is not None


def _basis_report_filed(firm: FirmFacts, as_of: date) -> bool:
    """A report filed for either year a rule may take as its basis (crm.rules.season): last
    year's, or in the reporting season the year before; the deadline decides which."""
    return firm.filed_report(as_of.year - 1) is not None or firm.filed_report(as_of.year - 2) is not None


# Conditions without which a rule cannot pass (the rules check them too, among
# others): the nightly run skips a rule whose precondition fails, since only
# passing results are stored. Most firms hold no certificate and have either
# filed last year's report or not, so this halves the work.
# tests/eligibility/test_preconditions.py checks the rules agree.
PRECONDITIONS: dict[str, Callable[[FirmFacts, date], bool]] = {
    "hitech_candidate": _basis_report_filed,
    "tech_sme_candidate": _basis_report_filed,
    "hitech_expiring": _holds_valid_hitech,
    "gazelle_candidate": lambda firm, as_of: _holds_valid_hitech(firm, as_of) and _basis_report_filed(firm, as_of),
    "golden_seed_candidate":
        lambda firm, as_of: _holds_valid_hitech(firm, as_of) and _basis_report_filed(firm, as_of),
    "report_overdue": lambda firm, as_of: not _latest_report_filed(firm, as_of),
    # The MIIT ladder: a firm is a candidate for the rung above the one it holds, never below.
    "innovative_sme_candidate":
        lambda firm, as_of: not any(firm.holds(kind, as_of) for kind in ("innovative_sme", "srdi_sme", "little_giant")),
    "srdi_sme_candidate": lambda firm, as_of: firm.holds("innovative_sme", as_of) is not None,
    "little_giant_candidate": lambda firm, as_of: firm.holds("srdi_sme", as_of) is not None,
}


class HandleError(ValueError):
    """A mark-handled request that cannot be applied (message for people)."""


# --- JSON form of a result -------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A JSON-friendly value: Decimal → int or float, dates → ISO text, tuples → lists."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_value(v) for v in value]
    return str(value)


def result_details(result: Eligibility) -> dict[str, Any]:
    """What Flag.gaps stores: every condition's figures (the deciding ones) and the rule's info.

    {"conditions": [{"code", "label", "passed", "actual", "threshold", "gap",
    "unit", "gap_unit", "bound"}], "info": {...}}; ratios are fractions, money 万元.
    """
    return {
        "conditions": [
            {
                "code": c.code,
                "label": c.label,
                "passed": c.passed,
                "actual": json_value(c.actual),
                "threshold": json_value(c.threshold),
                "gap": json_value(c.gap),
                "unit": c.unit,
                "gap_unit": c.gap_unit,
                "bound": c.bound.value,
            }
            for c in result.conditions
        ],
        "info": json_value(result.info),
    }


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(reasons: list[str], details: dict[str, Any]) -> str:
    """A stable digest of a flag's content, to tell whether a re-run changed anything."""
    return hashlib.sha256(_json_text([reasons, details]).encode()).hexdigest()


def stored_form(reasons: list[str], details: dict[str, Any]) -> tuple[str, str, str]:
    """Flag.reasons and Flag.gaps as the JSON text stored, and the flag's digest.

    Serialised once, where the rules ran (a worker), so the writing process
    only passes text on. A JSON list's text is its items' texts joined, so the
    digest is `digest(reasons, details)` without a second serialisation.
    """
    reasons_text, details_text = _json_text(reasons), _json_text(details)
    return reasons_text, details_text, hashlib.sha256(f"[{reasons_text},{details_text}]".encode()).hexdigest()


# --- Job runs --------------------------------------------------------------------------


@contextlib.contextmanager
def recorded_run(job: str, as_of: date | None, trigger: str) -> Iterator[JobRun]:
    """Record a job run: started now, finished with its status, counts and errors.

    The body fills run.counts and run.errors; an exception marks it failed and propagates.
    """
    from crm.monitoring.metrics import observe_job

    run = JobRun(job=job, as_of=as_of, trigger=trigger, started_at=utcnow(), status=JobStatus.running,
                 counts={}, errors=[])
    db.session.add(run)
    db.session.commit()
    started = time.perf_counter()
    try:
        yield run
    except BaseException as exc:
        db.session.rollback()
        run = db.session.get(JobRun, run.id)
        run.status = JobStatus.failed
        run.finished_at = utcnow()
        run.errors = [*(run.errors or []), {"enterprise": None, "message": f"{type(exc).__name__}: {exc}"}]
        db.session.commit()
        observe_job(job, trigger, JobStatus.failed.value, time.perf_counter() - started)
        raise
    run.status = JobStatus.succeeded
    run.finished_at = utcnow()
    db.session.commit()
    observe_job(job, trigger, JobStatus.succeeded.value, time.perf_counter() - started)


# --- The nightly evaluation ------------------------------------------------------------


@dataclass
class _Outcome:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    errors: list[dict[str, Any]] = field(default_factory=list)
    raised: list[tuple[int, str]] = field(default_factory=list)

    def fail(self, uscc: str, message: str) -> None:
        self.counts["failed"] += 1
        if len(self.errors) < MAX_RECORDED_ERRORS:
            self.errors.append({"enterprise": uscc, "message": message})


def run_eligibility(as_of: date, trigger: str = "cli", notify: bool = True) -> dict[str, int]:
    """Evaluate every rule for every firm on `as_of`, keep the flags, and record the run.

    Returns {"evaluated", "raised", "cleared", "updated", "unchanged", "failed"}:
    firms evaluated and failed (skipped, listed in the run's errors), flags
    raised, cleared and with reasons rewritten, open flags left as they were.
    """
    with recorded_run("eligibility", as_of, trigger) as run, acting_as("job:eligibility", job_run_id=run.id):
        outcome = evaluate_firms(as_of)
        run.counts = dict(outcome.counts)
        run.errors = outcome.errors
        db.session.commit()
        if notify and outcome.raised:
            from crm.notifications.services import deliver_email, notify_flags_raised

            created = notify_flags_raised(outcome.raised, as_of)
            db.session.commit()
            deliver_email(created)
            db.session.commit()
    return dict(outcome.counts)


def evaluate_firms(as_of: date) -> _Outcome:
    """Evaluate and store, a chunk of firms at a time, in one transaction (the caller
    commits): a run that fails part-way leaves the flags as they were, rather than some
    raised whose notifications a re-run would never send.

    Large runs evaluate chunks in forked worker processes (the rules are pure
    Python and CPU-bound); this process only compares and writes the flags.
    """
    params = params_for(as_of)
    years_back = years_needed(params)
    outcome = _Outcome()
    ranges = list(enterprise_id_chunks())
    firms = sum(size for _first, _last, size in ranges)
    workers = _worker_count(firms)
    if workers > 1:
        plans = _plan_in_workers(ranges, as_of, params, years_back, workers)
    else:
        plans = (plan_range(first, last, as_of, params, years_back) for first, last, _size in ranges)
    for plan in plans:
        _apply(plan, outcome)
    return outcome


# (enterprise id, uscc, error or None, {rule: (reasons, details, digest)} for the rules passed),
# reasons and details as JSON text (see stored_form)
FirmResult = tuple[int, str, str | None, dict[str, tuple[str, str, str]]]


def _overrides(rule: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Only the values that differ from the defaults (the rules fill in the rest)."""
    defaults = defaults_for(rule)
    return {name: value for name, value in params.items() if defaults.get(name) != value}


def _rule_params(params: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each rule's parameters as crm.rules.params_of gives them, overrides only, a used rule's
    under its code (left out when it has none, so a rule at its defaults resolves them once).

    A rule used by several gets the same dict in each: resolve() remembers its last overrides
    object, so the nightly run resolves each rule's parameters once per chunk.
    """
    built: dict[str, dict[str, Any]] = {}

    def build(code: str) -> dict[str, Any]:
        if code not in built:
            own = _overrides(code, params.get(code) or {})
            for used in RULES[code].uses:
                if build(used):
                    own[used] = build(used)
            built[code] = own
        return built[code]

    for code in RULES:
        build(code)
    return built


def _error_text(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    origin = f" ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{origin}"


def evaluate_chunk(facts: Mapping[int, FirmFacts], as_of: date,
                   params: Mapping[str, Mapping[str, Any]]) -> list[FirmResult]:
    """Every rule for every firm of a chunk: what passed, with reasons and digest (no database)."""
    # Only passing results are kept, so a rule that can tell a failure early does.
    rule_params = _rule_params(params)
    rules = [(code, passing_evaluator(spec.evaluate), rule_params[code], PRECONDITIONS.get(code))
             for code, spec in RULES.items()]
    results: list[FirmResult] = []
    for enterprise_id, firm in facts.items():
        passed: dict[str, tuple[str, str, str]] = {}
        if firm.closed(as_of):
            results.append((enterprise_id, firm.uscc, None, passed))  # a closed firm's flags clear
            continue
        try:
            for code, evaluate, rule_params, precondition in rules:
                if precondition is not None and not precondition(firm, as_of):
                    continue
                result = evaluate(firm, as_of, rule_params)
                if result is not None:
                    passed[code] = stored_form(result.reasons, result_details(result))
        except Exception as exc:  # noqa: BLE001 - one bad firm must not stop the run
            log.exception("eligibility: firm %s failed", firm.uscc)
            results.append((enterprise_id, firm.uscc, _error_text(exc), {}))
            continue
        results.append((enterprise_id, firm.uscc, None, passed))
    return results


def plan_range(first: int, last: int, as_of: date, params: Mapping[str, Mapping[str, Any]],
               years_back: int) -> dict[str, Any]:
    """Load, evaluate and compare with the open flags the firms with ids first..last.

    Returns the writes to make (run in a worker, so only changes travel back).
    """
    results = evaluate_chunk(load_facts_range(first, last, as_of, years_back), as_of, params)
    return _plan(results, as_of, _open_flags(first, last))


def _worker_count(firms: int) -> int:
    from flask import current_app

    configured = current_app.config.get("ELIGIBILITY_WORKERS")
    workers = int(configured) if configured is not None else min(4, os.cpu_count() or 1)
    url = str(db.engine.url)
    in_memory = url.startswith("sqlite") and (db.engine.url.database in (None, "", ":memory:"))
    if workers <= 1 or firms < PARALLEL_MIN_FIRMS or in_memory or "fork" not in mp.get_all_start_methods():
        return 1
    return workers


_worker_app: Any = None


def _init_worker() -> None:
    """In a forked worker: fresh database connections (never the parent's), an app context."""
    db.engine.dispose(close=False)
    _worker_app.app_context().push()


def _plan_in_worker(job: tuple[int, int, date, Mapping[str, Mapping[str, Any]], int]) -> dict[str, Any]:
    try:
        return plan_range(*job)
    finally:
        db.session.remove()


def _plan_in_workers(ranges: list[tuple[int, int, int]], as_of: date,
                     params: Mapping[str, Mapping[str, Any]], years_back: int,
                     workers: int) -> Iterator[dict[str, Any]]:
    from flask import current_app

    global _worker_app
    _worker_app = current_app._get_current_object()
    db.session.commit()  # nothing of ours may be pending while the workers fork
    jobs = [(first, last, as_of, params, years_back) for first, last, _size in ranges]
    with mp.get_context("fork").Pool(workers, initializer=_init_worker) as pool:
        yield from pool.imap(_plan_in_worker, jobs)


def _plan(results: list[FirmResult], as_of: date,
          open_flags: Mapping[tuple[int, str], tuple[int, str, date]]) -> dict[str, Any]:
    """Compare a chunk's results with its open flags: which to raise, rewrite and clear."""
    plan: dict[str, Any] = {"inserts": [], "changes": [], "clears": [], "errors": [], "evaluated": 0,
                            "unchanged": 0}
    for enterprise_id, uscc, error, passed in results:
        if error is not None:
            plan["errors"].append((uscc, error))
            continue
        plan["evaluated"] += 1
        for code in RULES:
            current = open_flags.get((enterprise_id, code))
            if code not in passed:
                if current is not None:
                    # A re-run for an earlier day never closes a period before it opened.
                    plan["clears"].append({"b_id": current[0], "b_cleared": max(as_of, current[2]),
                                           "enterprise_id": enterprise_id})
                continue
            reasons, details, result_digest = passed[code]
            if current is None:
                plan["inserts"].append({
                    "enterprise_id": enterprise_id, "rule": code, "raised_on": as_of, "cleared_on": None,
                    "b_reasons": reasons, "b_gaps": details, "result_digest": result_digest, "evaluated_on": as_of,
                })
            elif current[1] != result_digest:
                plan["changes"].append({"b_id": current[0], "b_reasons": reasons, "b_gaps": details,
                                        "b_digest": result_digest, "b_evaluated": as_of,
                                        "enterprise_id": enterprise_id})
            else:
                plan["unchanged"] += 1
    return plan


def _apply(plan: Mapping[str, Any], outcome: _Outcome) -> None:
    """Write a chunk's plan in bulk (clears first: a firm's open flag must close before a new one opens)."""
    counts = outcome.counts
    counts["evaluated"] += plan["evaluated"]
    counts["unchanged"] += plan["unchanged"]
    for uscc, error in plan["errors"]:
        outcome.fail(uscc, error)
    table = Flag.__table__
    connection = db.session.connection()
    reasons_json, gaps_json = _json_param("b_reasons", connection), _json_param("b_gaps", connection)
    audit: list[dict[str, Any]] = []
    if plan["clears"]:
        audit.extend(_flag_change(row["b_id"], row["enterprise_id"], {"cleared_on": [None, row["b_cleared"]]})
                     for row in plan["clears"])
        connection.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(
                cleared_on=bindparam("b_cleared"), evaluated_on=bindparam("b_cleared")
            ),
            plan["clears"],
        )
        counts["cleared"] += len(plan["clears"])
    if plan["changes"]:
        before = dict(connection.execute(
            select(table.c.id, table.c.reasons).where(table.c.id.in_([row["b_id"] for row in plan["changes"]]))
        ).all())
        audit.extend(
            _flag_change(row["b_id"], row["enterprise_id"],
                         {"reasons": [before.get(row["b_id"]), json.loads(row["b_reasons"])]})
            for row in plan["changes"]
        )
        connection.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(
                reasons=reasons_json, gaps=gaps_json,
                result_digest=bindparam("b_digest"), evaluated_on=bindparam("b_evaluated"),
            ),
            plan["changes"],
        )
        counts["updated"] += len(plan["changes"])
    if plan["inserts"]:
        ids = connection.execute(
            table.insert().values(reasons=reasons_json, gaps=gaps_json).returning(
                table.c.id, sort_by_parameter_order=True
            ),
            plan["inserts"],
        ).scalars().all()
        audit.extend(
            _flag_change(flag_id, row["enterprise_id"], {
                "rule": [None, row["rule"]], "raised_on": [None, row["raised_on"]],
                "reasons": [None, json.loads(row["b_reasons"])],
            }, AuditAction.create)
            for flag_id, row in zip(ids, plan["inserts"], strict=True)
        )
        counts["raised"] += len(plan["inserts"])
        outcome.raised.extend((row["enterprise_id"], row["rule"]) for row in plan["inserts"])
    record_changes(audit, connection)


def _flag_change(flag_id: int, enterprise_id: int, changes: dict[str, list[Any]],
                 action: AuditAction = AuditAction.update) -> dict[str, Any]:
    """An audit item for a flag the run raised, cleared or re-worded (written by record_changes)."""
    return {"entity": "flag", "entity_id": flag_id, "enterprise_id": enterprise_id, "action": action,
            "changes": changes}


def _json_param(name: str, connection: Connection) -> ColumnElement[Any]:
    """A parameter for a JSON column taking text already serialised (see stored_form)."""
    param = bindparam(name, type_=Text())
    # SQLite keeps JSON as text; elsewhere the text is cast to the column's type.
    return param if connection.dialect.name == "sqlite" else cast(param, JSON)


def _open_flags(first: int, last: int) -> dict[tuple[int, str], tuple[int, str, date]]:
    rows = db.session.execute(
        select(Flag.enterprise_id, Flag.rule, Flag.id, Flag.result_digest, Flag.raised_on).where(
            Flag.cleared_on.is_(None), Flag.enterprise_id.between(first, last)
        )
    )
    return {(eid, rule): (flag_id, result_digest, raised_on) for eid, rule, flag_id, result_digest, raised_on in rows}


def evaluate_one(enterprise_id: int, as_of: date) -> dict[str, Eligibility]:
    """Every rule's result for one firm on `as_of` (no flags written), e.g. for a portal page."""
    from crm.eligibility.facts import load_facts
    from crm.rules import evaluate_all

    params = params_for(as_of)
    facts = load_facts([enterprise_id], as_of, years_needed(params))
    if enterprise_id not in facts:
        raise LookupError(f"enterprise {enterprise_id} not found")
    return evaluate_all(facts[enterprise_id], as_of, params)


# --- Officers' follow-up ---------------------------------------------------------------


def candidate_flags(user: User, rule: str | None = None, handled: str = "all") -> Select:
    """select(Flag) joined to Enterprise: open flags on firms in `user`'s scope (unordered).

    `handled` is "open" (not yet followed up), "handled" or "all"; the candidate lists
    and the home page's to-do counts read the same flags.
    """
    from crm.models import Enterprise
    from crm.scoping import scoped

    stmt = scoped(select(Flag).join(Enterprise, Flag.enterprise_id == Enterprise.id), user).where(
        Flag.cleared_on.is_(None)
    )
    if rule is not None:
        stmt = stmt.where(Flag.rule == rule)
    if handled == "open":
        stmt = stmt.where(Flag.handled_status.is_(None))
    elif handled == "handled":
        stmt = stmt.where(Flag.handled_status.is_not(None))
    return stmt


def mark_handled(flag: Flag, user: User, status: HandledStatus | str, note: str | None) -> Flag:
    """Record how an officer followed a flag up (contacted, applied, declined) with a note.

    The caller checks that the user may see the firm, and commits.
    """
    try:
        status = status if isinstance(status, HandledStatus) else HandledStatus(status)
    except ValueError:
        raise HandleError(f"处理状态：未知的状态“{status}”。") from None
    note = (note or "").strip()
    if len(note) > 2000:
        raise HandleError("处理说明：不能超过 2000 字。")
    user_id = user.id  # read first: loading it could autoflush half the change into its own audit entry
    flag.handled_status = status
    flag.handled_note = note or None
    flag.handled_by_id = user_id
    flag.handled_at = utcnow()
    db.session.flush()
    return flag
