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

from crm.rules import expiry, gazelle, golden_seed, hitech, miit, onsite, reporting, tech_sme
from crm.rules.facts import FirmFacts, HeldDesignation, HeldPlatform, Honour, YearFigures
from crm.rules.parameters import DEFAULT_PARAMETERS, ParameterSpec, Parameters, defaults_for, resolve
from crm.rules.result import Condition, Eligibility

Evaluate = Callable[[FirmFacts, date, Mapping[str, Any]], Eligibility]
# The rules that read annual figures use report_overdue's deadline to pick their basis year (crm.rules.season).
SEASON = "report_overdue"


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the scheduler and the admin pages see it."""

    code: str
    label: str
    evaluate: Evaluate
    description: str
    # Other rules whose parameters this one reads, passed to it under their codes (params_of).
    uses: tuple[str, ...] = ()


RULES: dict[str, RuleSpec] = {
    spec.code: spec
    for spec in (
        RuleSpec("hitech_candidate", "高新技术企业认定候选", hitech.evaluate,
                 "满足高新技术企业认定的量化条件（注册满一年、知识产权、科技人员占比、近三年研发费用占比、"
                 "境内研发占比、高新技术产品收入占比），且未持有有效证书或证书在当年到期需重新认定。", uses=(SEASON,)),
        RuleSpec("hitech_expiring", "高企证书即将到期", expiry.evaluate,
                 "有效的高新技术企业证书将在提醒期（默认6个月）内到期，需准备重新认定。"),
        RuleSpec("tech_sme_candidate", "科技型中小企业评价候选", tech_sme.evaluate,
                 "符合科技型中小企业规模条件，评价得分不低于60分且科技人员得分不为0，或具备直接认定条件，"
                 "且当年尚未入库。", uses=(SEASON,)),
        RuleSpec("gazelle_candidate", "瞪羚企业候选", gazelle.evaluate,
                 "有效期内的高新技术企业，成立不超过10年，最近一年营业收入不低于1,000万元，"
                 "近三年营业收入年均复合增长率不低于20%（阈值可调整）。", uses=(SEASON,)),
        RuleSpec("golden_seed_candidate", "金种子企业候选", golden_seed.evaluate,
                 "有效期内的高新技术企业，最近一年营业收入不低于5,000万元、净利润不低于500万元、"
                 "营业收入增长率不低于15%，尚未入库且未上市（阈值可调整）。", uses=(SEASON,)),
        RuleSpec("report_overdue", "年报逾期未报", reporting.evaluate,
                 "已过报送截止日期（默认5月31日）仍未提交上一会计年度报表。"),
        RuleSpec("innovative_sme_candidate", "创新型中小企业候选", miit.evaluate_innovative_sme,
                 "尚未认定为创新型中小企业，六项指标评价得分不低于60分且创新能力、成长性、专业化三类得分分别达到"
                 "20、15、15分，或具备直通条件（有效高企证书、省级以上研发机构、近三年省级以上科技奖励、"
                 "近三年新增股权融资500万元以上）。", uses=(SEASON,)),
        RuleSpec("srdi_sme_candidate", "专精特新中小企业候选", miit.evaluate_srdi_sme,
                 "持有有效的创新型中小企业资格，从事细分市场满2年，上年度研发费用100万元以上且占营业收入3%以上，"
                 "营业收入1000万元以上（或近两年新增股权融资2000万元以上），十三项指标得分不低于60分或具备直通条件。"
                 "数字化水平、质量管理、主导产品领域等以企业申报并经核实的情况为准。", uses=(SEASON,)),
        RuleSpec("little_giant_candidate", "专精特新“小巨人”候选", miit.evaluate_little_giant,
                 "持有有效的专精特新中小企业资格，并满足专业化、精细化、特色化、创新能力、产业链配套与重点领域的"
                 "国家认定条件（阈值可调整）；全国细分市场占有率须另行核实。", uses=(SEASON,)),
        RuleSpec("tech_sme_onsite_check", "科技型中小企业须实地核查", onsite.evaluate,
                 "当年申报（或符合条件、预计申报）科技型中小企业的企业中，职工5人以下、科技人员占比90%以上且职工50人"
                 "以上、曾被撤销入库或首次申报的，区（市）科技局须实地核查。",
                 uses=("tech_sme_candidate", SEASON)),
    )
}


def params_of(code: str, params_by_rule: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The parameters to call rule `code` with: its own, and those of the rules it uses under
    their codes, with theirs in turn (the on-site check reads the tech-SME rule's; the rules
    reading annual figures report_overdue's deadline)."""
    own = dict(params_by_rule.get(code) or {})
    for other in RULES[code].uses:
        own[other] = params_of(other, params_by_rule)
    return own


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
    return {code: spec.evaluate(facts, as_of, params_of(code, params_by_rule)) for code, spec in RULES.items()}


__all__ = [
    "DEFAULT_PARAMETERS", "RULES", "Condition", "Eligibility", "FirmFacts", "HeldDesignation", "HeldPlatform",
    "Honour", "ParameterSpec", "Parameters", "RuleSpec", "YearFigures", "defaults_for", "evaluate_all",
    "params_of", "passing_evaluator", "resolve",
]
