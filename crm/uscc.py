"""统一社会信用代码 (USCC): the one place that normalises and validates codes."""
from __future__ import annotations

import unicodedata

from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as stdnum_uscc


class InvalidUSCC(ValueError):
    """A code that is not a valid 统一社会信用代码; the message is for people (Chinese)."""


def normalize_uscc(raw: str | None) -> str:
    """Return the canonical code (upper case, half-width, no spaces) or raise InvalidUSCC.

    Accepts what people type and what spreadsheets hold: lower case, spaces,
    hyphens, full-width characters.
    """
    if raw is None:
        raise InvalidUSCC("统一社会信用代码不能为空")
    text = unicodedata.normalize("NFKC", str(raw))
    # Invisible format characters (zero-width spaces, byte-order and direction marks, from
    # text copied off web pages) and Excel's text prefix "'" kept by some CSV exports.
    text = "".join(c for c in text if unicodedata.category(c) != "Cf").strip().lstrip("'‘’")
    code = stdnum_uscc.compact("".join(text.split())).upper()
    if not code:
        raise InvalidUSCC("统一社会信用代码不能为空")
    try:
        return stdnum_uscc.validate(code)
    except stdnum_errors.InvalidLength:
        raise InvalidUSCC(f"统一社会信用代码应为18位，实际为{len(code)}位：{code}") from None
    except stdnum_errors.InvalidChecksum:
        expected = stdnum_uscc.calc_check_digit(code[:17])
        raise InvalidUSCC(f"统一社会信用代码校验位错误：{code}（第18位应为{expected}）") from None
    except stdnum_errors.ValidationError:
        raise InvalidUSCC(f"统一社会信用代码格式错误：{code}") from None


def make_uscc(prefix17: str) -> str:
    """Complete a 17-character prefix with its check digit (demo data, tests)."""
    prefix17 = prefix17.upper()
    return prefix17 + stdnum_uscc.calc_check_digit(prefix17)
