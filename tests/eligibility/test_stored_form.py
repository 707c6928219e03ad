"""Flags keep the rules' reasons and details as JSON serialised once, in the process that ran the rules."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from crm.eligibility.facts import load_facts
from crm.eligibility.services import digest, result_details, run_eligibility, stored_form
from crm.extensions import db
from crm.models import AnnualReport, Flag
from crm.rules import evaluate_all
from tests.eligibility.helpers import AS_OF, candidate


def test_stored_form_digest_is_the_digest_of_the_content() -> None:
    reasons = ["研发费用占比 6.00%，达到 5% 的要求", 'quote " and \\ backslash']
    details = {"info": {"b": 1.5, "a": None, "年": [2023, 2024]}, "conditions": [{"z": True, "code": "x"}]}
    reasons_text, details_text, text_digest = stored_form(reasons, details)
    assert json.loads(reasons_text) == reasons and json.loads(details_text) == details
    assert text_digest == digest(reasons, details)


def test_flags_hold_the_rules_results(app) -> None:
    firm = candidate()
    firm_id = firm.id
    run_eligibility(AS_OF)
    expected = evaluate_all(load_facts([firm_id], AS_OF)[firm_id], AS_OF)
    flags = {f.rule: f for f in db.session.scalars(select(Flag).where(Flag.enterprise_id == firm_id))}
    assert set(flags) == {"hitech_candidate", "tech_sme_candidate", "tech_sme_onsite_check"}
    for rule, flag in flags.items():
        result = expected[rule]
        assert flag.reasons == result.reasons
        assert flag.gaps == json.loads(json.dumps(result_details(result)))
        assert flag.result_digest == digest(result.reasons, result_details(result))


def test_rewritten_flag_holds_the_new_results(app) -> None:
    firm = candidate()
    firm_id = firm.id
    run_eligibility(AS_OF)
    # One more tech staff member keeps the firm a candidate with other figures: the flag is rewritten.
    report = db.session.scalars(select(AnnualReport).where(AnnualReport.enterprise_id == firm_id,
                                                           AnnualReport.year == 2025)).one()
    report.tech_staff += 1
    db.session.commit()
    later = date(2026, 6, 16)
    counts = run_eligibility(later)
    assert counts["updated"] == 2 and counts["raised"] == 0
    expected = evaluate_all(load_facts([firm_id], later)[firm_id], later)["hitech_candidate"]
    flag = db.session.scalars(select(Flag).where(Flag.enterprise_id == firm_id,
                                                 Flag.rule == "hitech_candidate")).one()
    db.session.refresh(flag)
    assert flag.reasons == expected.reasons
    assert flag.gaps == json.loads(json.dumps(result_details(expected)))
    assert flag.result_digest == digest(expected.reasons, result_details(expected))
