"""Parsing ahead while the database works: the same items in the same order, errors raised to
the consumer, the helper thread parked outside database calls and gone afterwards."""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import pytest

from crm.overlap import Ahead, database_call


def counting(n: int, seen: list[str] | None = None) -> Iterator[int]:
    for i in range(n):
        if seen is not None:
            seen.append(threading.current_thread().name)
        yield i


def test_items_come_in_order_whoever_advanced_them() -> None:
    seen: list[str] = []
    out = []
    with Ahead(counting(5000, seen), limit=300) as ahead:
        for item in ahead:
            out.append(item)
            if item % 500 == 0:
                with database_call():
                    time.sleep(0.01)  # the database working: the helper parses meanwhile
    assert out == list(range(5000))
    assert "crm-overlap" in seen and any(name != "crm-overlap" for name in seen)


def test_the_helper_runs_only_during_database_calls() -> None:
    seen: list[str] = []
    with Ahead(counting(1000, seen)) as ahead:
        assert [next(ahead) for _ in range(10)] == list(range(10))
        time.sleep(0.05)  # not in a database call: nothing is parsed ahead
        assert seen.count("crm-overlap") == 0 and len(seen) == 10
        with database_call():
            time.sleep(0.05)
        assert seen.count("crm-overlap") > 0
        assert list(ahead) == list(range(10, 1000))


def test_an_error_of_the_items_is_raised_to_the_consumer_where_it_happened() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("第3行出错")

    for wait in (False, True):
        got = []
        with pytest.raises(ValueError, match="第3行出错"), Ahead(failing()) as ahead:
            for item in ahead:
                got.append(item)
                if wait:
                    with database_call():
                        time.sleep(0.02)
        assert got == [1, 2]


def test_the_helper_thread_ends_and_the_switch_interval_is_restored() -> None:
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError), Ahead(counting(100)) as ahead:
        next(ahead)
        assert sys.getswitchinterval() <= before
        raise RuntimeError("the consumer failed")
    assert sys.getswitchinterval() == before
    assert not [t for t in threading.enumerate() if t.name == "crm-overlap"]


def test_database_call_without_an_ahead_does_nothing() -> None:
    with database_call():
        pass
