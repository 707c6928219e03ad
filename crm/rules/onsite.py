"""tech_sme_onsite_check: which tech-SME applicants a county bureau must check on site.

Jiangmen's procedure (江科〔2025〕118号, as ../shared/DOMAIN.md gives it; the library held no
copy of the notice to check it against): among the firms applying for 科技型中小企业
registration this year, the county bureau checks on site every applicant with ≤ 5 staff,
with ≥ 90% tech staff and ≥ 50 staff, whose registration was revoked before, and every
first-time applicant. Registration runs in monthly batches from July to September.

"Applying this year": registered in the as-of year already, or passing the
tech_sme_candidate rule now. A registration that ended before 31 December of its own year
was cut short: revoked (a list import or an officer records it so).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from crm.rules import _conditions as cond
from crm.rules import _format as fmt
from crm.rules import season
from crm.rules import tech_sme
from crm.rules.facts import FirmFacts
from crm.rules.parameters import ONSITE_CHECK, REPORT_OVERDUE, TECH_SME, resolve
from crm.rules.result import Condition, Eligibility


def evaluate(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility:
    """Passes (the firm is flagged) when it applies this year and one ground for a check holds."""
    p = _own(params)
    applying = _applying(facts, as_of, params.get(TECH_SME) or {})
    basis = season.basis(facts, as_of, season.season_params(params))
    grounds = _grounds(facts, as_of, p, basis)
    reason = (cond.fact("grounds", "实地核查情形", True, "须实地核查：" + "；".join(grounds), actual="；".join(grounds))
              if grounds else cond.fact("grounds", "实地核查情形", False, "不属于须实地核查的情形（职工5人以下、"
                                                                       "科技人员占比90%以上且职工50人以上、曾被撤销入库、首次申报）"))
    return Eligibility(ONSITE_CHECK, applying.passed is True and bool(grounds), (applying, reason),
                       {"grounds": tuple(grounds), **basis.info()})


def evaluate_if_passing(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility | None:
    """Whether the firm applies first (a registration this year, else the tech-SME rule's own
    screen, which refuses most firms at its size limits), then the grounds."""
    if _applying(facts, as_of, params.get(TECH_SME) or {}).passed is not True:
        return None
    result = evaluate(facts, as_of, params)
    return result if result.passed else None


evaluate.if_passing = evaluate_if_passing  # type: ignore[attr-defined]  # see crm.rules.passing_evaluator


def _own(params: Mapping[str, Any]) -> dict[str, Any]:
    """This rule's thresholds (the tech-SME rule's come under its code: crm.rules.params_of)."""
    return resolve(ONSITE_CHECK, {name: value for name, value in params.items()
                                  if name not in (TECH_SME, REPORT_OVERDUE)})


def _applying(facts: FirmFacts, as_of: date, tech_sme_params: Mapping[str, Any]) -> Condition:
    label = "当年申报科技型中小企业"
    registered = [d for d in facts.designations if d.kind == "tech_sme" and d.valid_from.year == as_of.year]
    if registered:
        return cond.fact("applying", label, True, f"{as_of.year}年已申报入库科技型中小企业")
    if tech_sme.evaluate_if_passing(facts, as_of, tech_sme_params) is not None:
        return cond.fact("applying", label, True, f"符合{as_of.year}年科技型中小企业评价条件，预计申报")
    return cond.fact("applying", label, False, f"{as_of.year}年未申报，也不符合科技型中小企业评价条件")


def _grounds(facts: FirmFacts, as_of: date, p: Mapping[str, Any], basis: season.Basis) -> list[str]:
    found: list[str] = []
    latest = basis.year
    employees, tech = facts.figure(latest, "employees"), facts.figure(latest, "tech_staff")
    if employees is not None and employees <= p["max_small_staff"]:
        found.append(f"{latest}年度职工总数{employees}人，不超过{p['max_small_staff']}人")
    if (employees is not None and tech is not None and employees >= p["min_staff_for_share"]
            and Decimal(tech) >= Decimal(employees) * p["min_tech_share"]):
        found.append(f"{latest}年度科技人员占职工总数{fmt.percent(Decimal(tech) / Decimal(employees))}"
                     f"（不低于{fmt.threshold_percent(p['min_tech_share'])}），且职工{employees}人")
    earlier = [d for d in facts.designations if d.kind == "tech_sme" and d.valid_from.year < as_of.year]
    revoked = [d for d in earlier if d.valid_to is not None and d.valid_to < date(d.valid_from.year, 12, 31)]
    if revoked:
        found.append(f"{revoked[-1].valid_from.year}年的入库登记曾被撤销（{fmt.day(revoked[-1].valid_to)}终止）")  # type: ignore[arg-type]
    if not earlier:
        found.append("首次申报科技型中小企业")
    return found
