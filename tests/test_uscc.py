import pytest

from crm.districts import district_from_name, district_from_uscc
from crm.uscc import InvalidUSCC, make_uscc, normalize_uscc

VALID = make_uscc("91440783MA4X12345")


@pytest.mark.parametrize(
    "raw",
    [VALID, VALID.lower(), f" {VALID[:6]} {VALID[6:]} ", "".join(chr(ord(c) + 0xFEE0) for c in VALID),
     # Invisible characters copied off web pages, and Excel's text prefix kept by a CSV export.
     f"{VALID[:9]}\u200b{VALID[9:]}", f"\ufeff{VALID}\u200e", f"'{VALID}", f" ‘{VALID}"],
)
def test_normalize_accepts_what_people_type(raw: str) -> None:
    assert normalize_uscc(raw) == VALID


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "不能为空"),
        ("\u200b'", "不能为空"),
        # The count is of the characters a person can see.
        (f"{VALID[:-1]}\u200b", "应为18位，实际为17位"),
        (VALID[:-1], "应为18位"),
        (VALID[:-1] + ("0" if VALID[-1] != "0" else "1"), "校验位错误"),
        ("91440783MA4X1234!" + "1", "格式错误"),
    ],
)
def test_normalize_rejects_with_reason(raw: str, message: str) -> None:
    with pytest.raises(InvalidUSCC, match=message):
        normalize_uscc(raw)


def test_check_digit_message_names_expected_digit() -> None:
    wrong = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
    with pytest.raises(InvalidUSCC) as info:
        normalize_uscc(wrong)
    assert f"第18位应为{VALID[-1]}" in str(info.value)


@pytest.mark.parametrize(
    ("code", "district"),
    [(make_uscc("91440703MA4X12345"), "440703"), (make_uscc("91440700MA4X12345"), None),
     (make_uscc("91440106MA4X12345"), None), (make_uscc("91440785MA4X12345"), "440785")],
)
def test_district_from_uscc(code: str, district: str | None) -> None:
    assert district_from_uscc(code) == district


@pytest.mark.parametrize(
    ("text", "code"), [("开平", "440783"), ("开平市", "440783"), ("蓬江区", "440703"), ("江门高新区", "440704"), ("广州", None), ("", None)]
)
def test_district_from_name(text: str, code: str | None) -> None:
    assert district_from_name(text) == code
