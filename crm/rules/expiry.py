"""hitech_expiring: a valid high-tech certificate ends within the reminder window.

The window runs from the as-of date to `window_months` later, both inclusive,
so a monthly reminder catches every certificate at least once before it ends.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from crm.rules import _conditions as cond
from crm.rules import _format as fmt
from crm.rules.facts import FirmFacts, add_months
from crm.rules.parameters import EXPIRING as RULE
from crm.rules.parameters import resolve
from crm.rules.result import Eligibility


def evaluate(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility:
    """Whether the firm's high-tech certificate ends within the next `window_months`."""
    p = resolve(RULE, params)
    months = p["window_months"]
    window_end = add_months(as_of, months)
    held = facts.holds("hitech", as_of)
    if held is None:
        conditions = (cond.fact("holds_hitech", "持有有效高企证书", False, "未持有有效的高新技术企业证书"),)
        return Eligibility(RULE, False, conditions, {})

    number = f"（证书编号 {held.certificate_no}）" if held.certificate_no else ""
    holds = cond.fact("holds_hitech", "持有有效高企证书", True, f"持有有效的高企证书{number}",
                      actual=held.certificate_no)
    label = f"证书在{months}个月内到期"
    renewal = facts.upcoming("hitech", as_of)
    if renewal is not None:
        expiring = cond.fact("expires_within", label, False,
                             f"已取得新的高企证书（自{fmt.day(renewal.valid_from)}起有效），无需提醒",
                             actual=held.valid_to.isoformat() if held.valid_to else None, threshold=months, unit="月")
    elif held.valid_to is None:
        expiring = cond.fact("expires_within", label, False, "高企证书长期有效，无到期日",
                             threshold=months, unit="月")
    else:
        ends = fmt.day(held.valid_to)
        # The end date, not a day count: a stored flag would be re-worded every night.
        if held.valid_to <= window_end:
            expiring = cond.fact("expires_within", label, True,
                                 f"高企证书将于{ends}到期，请于{held.valid_to.year}年申请重新认定",
                                 actual=held.valid_to.isoformat(), threshold=months, unit="月")
        else:
            expiring = cond.fact("expires_within", label, False,
                                 f"高企证书有效期至{ends}，未进入{months}个月的到期提醒期",
                                 actual=held.valid_to.isoformat(), threshold=months, unit="月")
    conditions = (holds, expiring)
    return Eligibility(RULE, cond.all_passed(conditions), conditions,
                       # No window end here: it moves with the as-of date, and a stored flag would change daily.
                       {"valid_to": held.valid_to,
                        "certificate_no": held.certificate_no})
