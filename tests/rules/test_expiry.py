"""hitech_expiring: the window runs from the as-of date to N months later, both ends inclusive."""
from __future__ import annotations

from datetime import date

import pytest

from crm.rules import expiry
from tests.rules.builders import AS_OF, firm, hitech


@pytest.mark.parametrize(
    "valid_to, passed, text",
    [
        (date(2026, 12, 15), True, "高企证书将于2026年12月15日到期，请于2026年申请重新认定"),   # exactly six months
        (date(2026, 12, 16), False, "高企证书有效期至2026年12月16日，未进入6个月的到期提醒期"),
        (date(2026, 6, 15), True, "高企证书将于2026年6月15日到期"),                  # ends today: still valid, still a reminder
        (date(2026, 9, 30), True, "请于2026年申请重新认定"),
        (date(2028, 6, 30), False, "未进入6个月的到期提醒期"),
    ],
)
def test_window_edges(valid_to: date, passed: bool, text: str) -> None:
    result = expiry.evaluate(firm(designations=(hitech(valid_to),)), AS_OF, {})
    assert result.passed is passed
    assert text in result.condition("expires_within").message
    assert result.condition("holds_hitech").passed is True


def test_reasons_stay_the_same_from_day_to_day_so_a_stored_flag_is_not_re_worded() -> None:
    held = firm(designations=(hitech(date(2026, 9, 30)),))
    assert expiry.evaluate(held, AS_OF, {}).reasons == expiry.evaluate(held, date(2026, 7, 1), {}).reasons


def test_lapsed_or_absent_certificate_is_not_expiring() -> None:
    for designations in ((), (hitech(date(2026, 6, 14)),)):
        result = expiry.evaluate(firm(designations=designations), AS_OF, {})
        assert result.passed is False
        assert result.reasons == ["未持有有效的高新技术企业证书"]


def test_renewed_certificate_hides_the_old_one() -> None:
    both = (hitech(date(2026, 9, 30)), hitech(date(2029, 5, 31), date(2026, 6, 1)))
    assert expiry.evaluate(firm(designations=both), AS_OF, {}).passed is False


def test_renewal_granted_but_not_yet_in_force_is_not_expiring() -> None:
    both = (hitech(date(2026, 9, 30)), hitech(date(2029, 9, 30), date(2026, 10, 1)))
    result = expiry.evaluate(firm(designations=both), AS_OF, {})
    assert result.passed is False
    assert "已取得新的高企证书（自2026年10月1日起有效）" in result.reasons[0]


def test_open_ended_certificate() -> None:
    result = expiry.evaluate(firm(designations=(hitech(None),)), AS_OF, {})
    assert result.passed is False and "长期有效" in result.reasons[0]


def test_month_end_clamp_and_parameter() -> None:
    facts = firm(designations=(hitech(date(2027, 2, 28)),))
    result = expiry.evaluate(facts, date(2026, 8, 31), {})
    assert result.passed is True  # 31 August + 6 months is clamped to 28 February
    assert expiry.evaluate(firm(designations=(hitech(date(2027, 3, 1)),)), date(2026, 8, 31), {}).passed is False
    assert expiry.evaluate(facts, date(2026, 8, 31), {"window_months": 3}).passed is False


def test_certificate_number_in_reasons() -> None:
    result = expiry.evaluate(firm(designations=(hitech(date(2026, 10, 1)),)), AS_OF, {})
    assert "证书编号 GR202344000001" in result.reasons[0]
