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
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select, update

from crm.audit import acting_as
from crm.clock import utcnow
from crm.eligibility.facts import YEARS_BACK, iter_facts
from crm.eligibility.parameters import params_for
from crm.extensions import db
from crm.models import Flag, HandledStatus, JobRun, JobStatus, User
from crm.rules import RULES, Eligibility, FirmFacts, defaults_for

log = logging.getLogger(__name__)

# A run keeps at most this many firm errors in JobRun.errors (the count is exact).
MAX_RECORDED_ERRORS = 500
COUNT_KEYS = ("evaluated", "raised", "cleared", "updated", "unchanged", "failed")
# Rules whose first condition is holding a valid high-tech certificate: a firm
# without one cannot pass them, so the nightly run does not evaluate them for it
# (most firms; tests/eligibility check the rules still agree).
NEEDS_VALID_HITECH = frozenset({"hitech_expiring", "gazelle_candidate", "golden_seed_candidate"})


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
    "unit", "gap_unit"}], "info": {...}}; ratios are fractions, money 万元.
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
            }
            for c in result.conditions
        ],
        "info": json_value(result.info),
    }


def digest(reasons: list[str], details: dict[str, Any]) -> str:
    """A stable digest of a flag's content, to tell whether a re-run changed anything."""
    text = json.dumps([reasons, details], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --- Job runs --------------------------------------------------------------------------


@contextlib.contextmanager
def recorded_run(job: str, as_of: date | None, trigger: str) -> Iterator[JobRun]:
    """Record a job run: started now, finished with its status, counts and errors.

    The body fills run.counts and run.errors; an exception marks it failed and propagates.
    """
    run = JobRun(job=job, as_of=as_of, trigger=trigger, started_at=utcnow(), status=JobStatus.running,
                 counts={}, errors=[])
    db.session.add(run)
    db.session.commit()
    try:
        yield run
    except BaseException as exc:
        db.session.rollback()
        run = db.session.get(JobRun, run.id)
        run.status = JobStatus.failed
        run.finished_at = utcnow()
        run.errors = [*(run.errors or []), {"enterprise": None, "message": f"{type(exc).__name__}: {exc}"}]
        db.session.commit()
        raise
    run.status = JobStatus.succeeded
    run.finished_at = utcnow()
    db.session.commit()


# --- The nightly evaluation ------------------------------------------------------------


@dataclass
class _Outcome:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    errors: list[dict[str, Any]] = field(default_factory=list)
    raised: list[tuple[int, str]] = field(default_factory=list)

    def fail(self, uscc: str, exc: BaseException) -> None:
        self.counts["failed"] += 1
        if len(self.errors) < MAX_RECORDED_ERRORS:
            where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            origin = f" ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})" if where else ""
            self.errors.append({"enterprise": uscc, "message": f"{type(exc).__name__}: {exc}{origin}"})


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
            from crm.notifications.services import notify_flags_raised

            notify_flags_raised(outcome.raised, as_of)
            db.session.commit()
    return dict(outcome.counts)


def evaluate_firms(as_of: date) -> _Outcome:
    """Evaluate and store, a chunk of firms at a time (one commit per chunk)."""
    params = params_for(as_of)
    years_back = max(YEARS_BACK, int(params["hitech_candidate"]["rd_years"]),
                     int(params["gazelle_candidate"]["growth_years"]))
    outcome = _Outcome()
    for facts in iter_facts(as_of, years_back=years_back):
        if facts:
            _evaluate_chunk(facts, as_of, params, outcome)
            db.session.commit()
    return outcome


def _overrides(rule: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Only the values that differ from the defaults (the rules fill in the rest)."""
    defaults = defaults_for(rule)
    return {name: value for name, value in params.items() if defaults.get(name) != value}


def _open_flags(first: int, last: int) -> dict[tuple[int, str], tuple[int, str]]:
    rows = db.session.execute(
        select(Flag.enterprise_id, Flag.rule, Flag.id, Flag.result_digest).where(
            Flag.cleared_on.is_(None), Flag.enterprise_id.between(first, last)
        )
    )
    return {(eid, rule): (flag_id, result_digest) for eid, rule, flag_id, result_digest in rows}


def _evaluate_chunk(facts: dict[int, FirmFacts], as_of: date, params: Mapping[str, Mapping[str, Any]],
                    outcome: _Outcome) -> None:
    open_flags = _open_flags(min(facts), max(facts))
    counts = outcome.counts
    inserts: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    clears: list[dict[str, Any]] = []
    rules = [(code, spec.evaluate, _overrides(code, params.get(code) or {}), code in NEEDS_VALID_HITECH)
             for code, spec in RULES.items()]
    for enterprise_id, firm in facts.items():
        try:
            firm_inserts, firm_changes, firm_clears, unchanged = [], [], [], 0
            hitech = None
            if any(d.kind == "hitech" for d in firm.designations):
                hitech = firm.holds("hitech", as_of)
            for code, evaluate, rule_params, needs_hitech in rules:
                current = open_flags.get((enterprise_id, code))
                if needs_hitech and hitech is None:
                    if current is not None:
                        firm_clears.append({"b_id": current[0], "b_cleared": as_of})
                    continue
                result = evaluate(firm, as_of, rule_params)
                if not result.passed:
                    if current is not None:
                        firm_clears.append({"b_id": current[0], "b_cleared": as_of})
                    continue
                reasons = result.reasons
                details = result_details(result)
                result_digest = digest(reasons, details)
                if current is None:
                    firm_inserts.append({
                        "enterprise_id": enterprise_id, "rule": code, "raised_on": as_of, "cleared_on": None,
                        "reasons": reasons, "gaps": details, "result_digest": result_digest,
                        "evaluated_on": as_of,
                    })
                elif current[1] != result_digest:
                    firm_changes.append({"b_id": current[0], "b_reasons": reasons, "b_gaps": details,
                                         "b_digest": result_digest, "b_evaluated": as_of})
                else:
                    unchanged += 1
        except Exception as exc:  # noqa: BLE001 - one bad firm must not stop the run
            log.exception("eligibility: firm %s failed", firm.uscc)
            outcome.fail(firm.uscc, exc)
            continue
        counts["evaluated"] += 1
        counts["unchanged"] += unchanged
        inserts.extend(firm_inserts)
        changes.extend(firm_changes)
        clears.extend(firm_clears)
        outcome.raised.extend((row["enterprise_id"], row["rule"]) for row in firm_inserts)

    table = Flag.__table__
    connection = db.session.connection()
    if clears:
        # Clear before inserting: a firm's open flag must be closed before a new one may open.
        connection.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(
                cleared_on=bindparam("b_cleared"), evaluated_on=bindparam("b_cleared")
            ),
            clears,
        )
        counts["cleared"] += len(clears)
    if changes:
        connection.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(
                reasons=bindparam("b_reasons"), gaps=bindparam("b_gaps"),
                result_digest=bindparam("b_digest"), evaluated_on=bindparam("b_evaluated"),
            ),
            changes,
        )
        counts["updated"] += len(changes)
    if inserts:
        connection.execute(table.insert(), inserts)
        counts["raised"] += len(inserts)


def evaluate_one(enterprise_id: int, as_of: date) -> dict[str, Eligibility]:
    """Every rule's result for one firm on `as_of` (no flags written), e.g. for a portal page."""
    from crm.eligibility.facts import load_facts
    from crm.rules import evaluate_all

    params = params_for(as_of)
    facts = load_facts([enterprise_id], as_of)
    if enterprise_id not in facts:
        raise LookupError(f"enterprise {enterprise_id} not found")
    return evaluate_all(facts[enterprise_id], as_of, params)


# --- Officers' follow-up ---------------------------------------------------------------


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
    flag.handled_status = status
    flag.handled_note = note or None
    flag.handled_by_id = user.id
    flag.handled_at = utcnow()
    db.session.flush()
    return flag
