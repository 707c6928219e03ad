"""What is counted from the records and kept in this process while the records stay as they
were: the ladder's flows, the forecast's model. Each is kept under a fingerprint of the tables
it reads (a new state of the records is a new key), the least recently used dropped first."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class KeptByState(Generic[T]):
    """Up to ``size`` results by key; safe to share between a worker's threads (two threads
    asking for a missing key at once may both count it; the last one's result is kept)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, count: Callable[[], T]) -> T:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        counted = count()  # outside the lock: other keys are served meanwhile
        with self._lock:
            self._kept[key] = counted
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return counted

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
