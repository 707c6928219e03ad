"""Counts kept per state of the records: reused for the same key, recounted for a new one,
the least recently used forgotten first."""
from __future__ import annotations

from crm.kept import KeptByState


def test_a_key_is_counted_once_and_the_least_recently_used_goes_first() -> None:
    counted: list[str] = []

    def count(key: str):  # noqa: ANN202
        return lambda: counted.append(key) or f"result of {key}"

    kept: KeptByState[str] = KeptByState(2)
    assert kept.get("a", count("a")) == "result of a"
    assert kept.get("a", count("a")) == "result of a"
    kept.get("b", count("b"))
    kept.get("a", count("a"))          # a is now the most recently used
    kept.get("c", count("c"))          # b goes
    kept.get("a", count("a"))
    kept.get("b", count("b"))
    assert counted == ["a", "b", "c", "b"]
    kept.clear()
    kept.get("a", count("a"))
    assert counted[-1] == "a"
