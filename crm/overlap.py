"""Python work a second thread may do while this one waits on the database.

A bulk statement (a thousand rows inserted in one multi-row INSERT) runs in the database
driver with Python's lock released; an import's parsing needs that lock. :class:`Ahead`
advances an iterator (the rows being parsed) in a second thread *only* during such calls
(:func:`database_call`), so the two kinds of work overlap on two cores without contending:
outside those calls the second thread is parked, and the first parses for itself when it
runs out of parsed rows. Calls that hand rows back one at a time (a SELECT's fetch) are not
wrapped: each row would wait for the parsing thread to yield the lock.
"""
from __future__ import annotations

import contextlib
import contextvars
import sys
import threading
from collections import deque
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_ahead: contextvars.ContextVar[Ahead[Any] | None] = contextvars.ContextVar("crm_overlap_ahead", default=None)
# While an Ahead runs: the longest a thread holds Python's lock when the other wants it. The
# default (5 ms) would be waited after every bulk statement, hundreds of times an import.
SWITCH_INTERVAL = 0.0005


@contextlib.contextmanager
def database_call() -> Iterator[None]:
    """Around a call that waits on the database in one piece: the current :class:`Ahead`, if
    any, advances meanwhile."""
    ahead = _ahead.get()
    if ahead is None:
        yield
        return
    with ahead.meanwhile():
        yield


class Ahead(Generic[T]):
    """``items``, advanced by a second thread while this one is in :func:`database_call`
    (at most ``limit`` items ahead), else by whoever asks for the next item. The items and
    their order are those of ``items``; an error it raises is raised to the consumer."""

    def __init__(self, items: Iterator[T], limit: int = 4000) -> None:
        self._items = items
        self._limit = limit
        self._buffer: deque[T] = deque()
        self._state = threading.Condition()
        self._go = False  # the consumer is in a database call: the thread may advance
        self._busy = False  # the thread is inside next(items)
        self._done = False
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=contextvars.copy_context().run, args=(self._run,),
                                        name="crm-overlap", daemon=True)

    def __enter__(self) -> Ahead[T]:
        self._token = _ahead.set(self)
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._interval, SWITCH_INTERVAL))
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        with self._state:
            self._closed = True
            self._state.notify_all()
        self._thread.join()
        sys.setswitchinterval(self._interval)
        _ahead.reset(self._token)

    def _run(self) -> None:
        state = self._state
        while True:
            with state:
                while not self._closed and not (self._go and not self._done and len(self._buffer) < self._limit):
                    state.wait()
                if self._closed:
                    return
                self._busy = True
            try:
                item = next(self._items)
            except StopIteration:
                with state:
                    self._done, self._busy = True, False
                    state.notify_all()
                continue
            except BaseException as error:  # noqa: BLE001 - raised to the consumer
                with state:
                    self._error, self._done, self._busy = error, True, False
                    state.notify_all()
                continue
            with state:
                self._buffer.append(item)
                self._busy = False
                state.notify_all()

    @contextlib.contextmanager
    def meanwhile(self) -> Iterator[None]:
        with self._state:
            self._go = True
            self._state.notify_all()
        try:
            yield
        finally:
            with self._state:
                self._go = False
                while self._busy:
                    self._state.wait()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        with self._state:
            if self._buffer:
                return self._buffer.popleft()
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._done:
                raise StopIteration
        # Nothing parsed ahead and the thread parked (it only runs inside meanwhile()): parse here.
        try:
            return next(self._items)
        except StopIteration:
            self._done = True
            raise
