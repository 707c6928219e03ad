"""Rule codes (CONTRACT.md) and their Chinese names, known without loading the rules engine."""
from __future__ import annotations

RULE_LABELS: dict[str, str] = {
    "hitech_candidate": "高新技术企业培育对象",
    "hitech_expiring": "高企证书即将到期",
    "tech_sme_candidate": "科技型中小企业入库对象",
    "gazelle_candidate": "瞪羚企业培育对象",
    "golden_seed_candidate": "金种子企业培育对象",
    "report_overdue": "年度报表逾期未报",
}
RULE_CODES: tuple[str, ...] = tuple(RULE_LABELS)
