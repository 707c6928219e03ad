"""Rule codes (CONTRACT.md) and their Chinese names, as the rules engine defines them."""
from __future__ import annotations

from crm.rules import RULES

RULE_LABELS: dict[str, str] = {code: spec.label for code, spec in RULES.items()}
RULE_CODES: tuple[str, ...] = tuple(RULES)
