"""The rules that decide who is ready for the next rung: pure functions, no database.

Each rule maps a firm's facts, an as-of date and its parameters to an
`Eligibility`; `RULES` lists them in CONTRACT.md's order and `evaluate_all`
runs them all for one firm.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from crm.rules import expiry, gazelle, golden_seed, hitech, reporting, tech_sme
from crm.rules.facts import FirmFacts, HeldDesignation, HeldPlatform, Honour, YearFigures
from crm.rules.parameters import DEFAULT_PARAMETERS, ParameterSpec, Parameters, defaults_for, resolve
from crm.rules.result import Condition, Eligibility

Evaluate = Callable[[FirmFacts, date, Mapping[str, Any]], Eligibility]


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the scheduler and the admin pages see it."""

    code: str
    label: str
    evaluate: Evaluate
    description: str


RULES: dict[str, RuleSpec] = {
    spec.code: spec
    for spec in (
        RuleSpec("hitech_candidate", "高新技术企业认定候选", hitech.evaluate,
                 "满足高新技术企业认定的量化条件（注册满一年、知识产权、科技人员占比、近三年研发费用占比、"
                 "境内研发占比、高新技术产品收入占比），且未持有有效证书或证书在当年到期需重新认定。"),
        RuleSpec("hitech_expiring", "高企证书即将到期", expiry.evaluate,
                 "有效的高新技术企业证书将在提醒期（默认6个月）内到期，需准备重新认定。"),
        RuleSpec("tech_sme_candidate", "科技型中小企业评价候选", tech_sme.evaluate,
                 "符合科技型中小企业规模条件，评价得分不低于60分且科技人员得分不为0，或具备直接认定条件，"
                 "且当年尚未入库。"),
        RuleSpec("gazelle_candidate", "瞪羚企业候选", gazelle.evaluate,
                 "有效期内的高新技术企业，成立不超过10年，最近一年营业收入不低于1,000万元，"
                 "近三年营业收入年均复合增长率不低于20%（阈值可调整）。"),
        RuleSpec("golden_seed_candidate", "金种子企业候选", golden_seed.evaluate,
                 "有效期内的高新技术企业，最近一年营业收入不低于5,000万元、净利润不低于500万元、"
                 "营业收入增长率不低于15%，尚未入库且未上市（阈值可调整）。"),
        RuleSpec("report_overdue", "年报逾期未报", reporting.evaluate,
                 "已过报送截止日期（默认5月31日）仍未提交上一会计年度报表。"),
    )
}


def passing_evaluator(evaluate: Evaluate) -> Callable[[FirmFacts, date, Mapping[str, Any]], Eligibility | None]:
    """A function giving `evaluate`'s result when the firm passes and None otherwise, cheaply.

    Rules whose conditions must all pass provide one (`evaluate.if_passing`)
    that stops at the first failing condition; others run `evaluate`. For
    runs that keep passing results only.
    """
    screen = getattr(evaluate, "if_passing", None)
    if screen is not None:
        return screen

    def if_passing(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility | None:
        result = evaluate(facts, as_of, params)
        return result if result.passed else None

    return if_passing


def evaluate_all(facts: FirmFacts, as_of: date,
                 params_by_rule: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Eligibility]:
    """Run every rule for one firm; a rule without parameters given uses its defaults."""
    params_by_rule = params_by_rule or {}
    return {code: spec.evaluate(facts, as_of, params_by_rule.get(code) or {}) for code, spec in RULES.items()}


__all__ = [
    "DEFAULT_PARAMETERS", "RULES", "Condition", "Eligibility", "FirmFacts", "HeldDesignation", "HeldPlatform",
    "Honour", "ParameterSpec", "Parameters", "RuleSpec", "YearFigures", "defaults_for", "evaluate_all",
    "passing_evaluator", "resolve",
]
