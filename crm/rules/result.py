"""What a rule returns: pass or not, and one explained condition per threshold."""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


class Bound(enum.Enum):
    """What a condition's threshold is, which decides how it reads (crm.rules._format.requirement).

    A ratio is a minimum in "%"; the unit, not the bound, says how its number reads.
    """

    minimum = "minimum"                    # at least: 要求 5%
    maximum = "maximum"                    # at most: 上限 500 人
    founded_at_least = "founded_at_least"  # the firm's age, at least: 成立满 1 年
    founded_at_most = "founded_at_most"    # the firm's age, at most: 成立不超过 10 年


@dataclass(frozen=True)
class Condition:
    """One checked condition of a rule.

    `actual` and `threshold` are in `unit`; "%" means a fraction (0.05 is 5%),
    as everywhere in the API. `gap` is what is missing to pass, in `gap_unit`:
    for a ratio that is the numerator's unit (万元 of R&D expense, persons),
    which the message states. `passed` is None when data needed is missing.
    `bound` says whether the threshold is a minimum, a limit or an age.
    """

    code: str
    label: str
    passed: bool | None
    actual: Decimal | int | str | None
    threshold: Decimal | int | str | None
    gap: Decimal | int | None
    unit: str
    message: str
    gap_unit: str = ""
    bound: Bound = Bound.minimum

    @property
    def undecided(self) -> bool:
        """True when the condition could not be decided for lack of data."""
        return self.passed is None


@dataclass(frozen=True)
class Eligibility:
    """The result of one rule for one firm on one date."""

    rule: str
    passed: bool
    conditions: tuple[Condition, ...]
    info: Mapping[str, object] = field(default_factory=dict, hash=False)  # a dict cannot be hashed

    @property
    def reasons(self) -> list[str]:
        """Sentences a person can act on.

        Not passed: what fails or cannot be decided. Passed: why it passes.
        A result judged on an earlier year in the reporting season (crm.rules.season)
        says so first.
        """
        note = self.info.get("basis_note")
        first = [note] if isinstance(note, str) else []
        if self.passed:
            return [*first, *(c.message for c in self.conditions if c.passed)]
        return [*first, *(c.message for c in self.conditions if c.passed is not True)]

    @property
    def gaps(self) -> dict[str, Decimal | int]:
        """Condition code → what is missing, for failed conditions; empty when passed.

        A rule with alternatives (tech SME: score or direct qualification) can
        pass with a failed alternative; nothing is lacking then.
        """
        if self.passed:
            return {}
        return {c.code: c.gap for c in self.conditions if c.passed is False and c.gap is not None}

    def condition(self, code: str) -> Condition:
        """The condition with that code (KeyError if the rule has none)."""
        for c in self.conditions:
            if c.code == code:
                return c
        raise KeyError(code)
