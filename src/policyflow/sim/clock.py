"""VirtualClock and EventQueue: simulated business time, and what happens next in it.

The simulator never reads the wall clock. A :class:`VirtualClock` holds the simulated
"now" (a naive datetime in China Standard Time, like every business time in policyflow)
and only moves forward; an :class:`EventQueue` is a heap of future happenings ordered by
time. It has the ``now()`` method of the engine's clock, so anything that takes a clock
can run on simulated time.

What a happening *does* is not decided here: the runner (runner.py) pops happenings and
hands each to the pure runtime. In particular a deadline's expiry is queued at its
:attr:`~policyflow.runtime.snapshot.TimerSnapshot.expires_at` and, when it comes up,
applied through :func:`policyflow.runtime.expire` with ``now`` set to that instant, which
is exactly what the engine's ``tick(now)`` does for a timer that has passed.
"""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Generic, NamedTuple, TypeVar

from policyflow.errors import InvalidInput

__all__ = ["EventQueue", "Happening", "Priority", "VirtualClock"]

T = TypeVar("T")


class VirtualClock:
    """Simulated business time that moves forward only.

    Args:
        start: the first instant of the simulation.
    """

    __slots__ = ("_now",)

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        """Return the simulated current time."""
        return self._now

    def advance_to(self, at: datetime) -> None:
        """Move the clock to `at`; staying put is allowed, going back is not.

        Raises:
            InvalidInput: if `at` is earlier than the current simulated time.
        """
        if at < self._now:
            raise InvalidInput(
                f"the virtual clock cannot go back from {self._now.isoformat()} to {at.isoformat()}"
            )
        self._now = at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta` (which must not be negative)."""
        self.advance_to(self._now + delta)

    def __repr__(self) -> str:
        return f"VirtualClock({self._now.isoformat()})"


class Priority(IntEnum):
    """The order of happenings due at the same instant.

    A deadline that has passed at an instant is expired before anything else happens at
    that instant: the engine's tick runs before the event it precedes, and the first
    instant at which a deadline has passed is already too late to meet it.
    """

    EXPIRY = 0
    ACTION = 1
    ARRIVAL = 2


class Happening(NamedTuple, Generic[T]):
    """One queued happening: its time, its priority at that time, and its payload.

    A plain tuple, so the heap compares happenings at C speed; ``sequence`` is unique,
    so ``item`` is never compared.

    Attributes:
        at: when it happens.
        priority: its order among happenings at the same instant.
        sequence: the order in which it was queued (ties broken first come, first served).
        item: what happens.
    """

    at: datetime
    priority: Priority
    sequence: int
    item: T


_new = tuple.__new__


class EventQueue(Generic[T]):
    """A heap of future happenings, popped in order of time, priority and queueing order.

    The order is a total order that depends only on what was queued, so a simulation that
    queues the same things pops them in the same order: runs are reproducible.
    """

    __slots__ = ("_heap", "_sequence")

    def __init__(self) -> None:
        self._heap: list[Happening[T]] = []
        self._sequence = 0

    def push(self, at: datetime, item: T, priority: Priority = Priority.ACTION) -> None:
        """Queue `item` to happen at `at`."""
        self._sequence += 1
        # tuple.__new__: calling the named tuple class runs its generated Python __new__
        heapq.heappush(self._heap, _new(Happening, (at, priority, self._sequence, item)))

    def pop(self) -> Happening[T]:
        """Remove and return the next happening.

        Raises:
            IndexError: if the queue is empty.
        """
        return heapq.heappop(self._heap)

    def peek(self) -> Happening[T] | None:
        """Return the next happening without removing it, or None if the queue is empty."""
        return self._heap[0] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)

    def __bool__(self) -> bool:
        return bool(self._heap)
