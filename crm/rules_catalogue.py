"""Rule codes (CONTRACT.md) and their names, as the rules engine defines them.

crm/rules stays free of Flask, so its labels (RULES[code].label) are plain Chinese: use them
for anything stored. RULE_LABELS holds the same names for display, translated.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.rules import RULES

RULE_LABELS: dict[str, str] = {
    "hitech_candidate": _l("高新技术企业认定候选"),
    "hitech_expiring": _l("高企证书即将到期"),
    "tech_sme_candidate": _l("科技型中小企业评价候选"),
    "gazelle_candidate": _l("瞪羚企业候选"),
    "golden_seed_candidate": _l("金种子企业候选"),
    "report_overdue": _l("年报逾期未报"),
    "innovative_sme_candidate": _l("创新型中小企业候选"),
    "srdi_sme_candidate": _l("专精特新中小企业候选"),
    "little_giant_candidate": _l("专精特新“小巨人”候选"),
    "tech_sme_onsite_check": _l("科技型中小企业须实地核查"),
}
RULE_CODES: tuple[str, ...] = tuple(RULES)
# A rule added to the engine without a display name here shows its own (Chinese) label.
RULE_LABELS.update({code: spec.label for code, spec in RULES.items() if code not in RULE_LABELS})
