"""The engine's clock: the Clock protocol and SystemClock (China Standard Time).

Business times in policyflow are naive datetimes in China Standard Time (UTC+8, no
daylight saving). The engine asks its clock for "now" when an event is given no time and
when :meth:`~policyflow.engine.Engine.tick` is given none. Anything with a ``now()``
method fits, such as the simulator's ``VirtualClock``; tests freeze time with freezegun.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

__all__ = ["CHINA_STANDARD_TIME", "Clock", "SystemClock"]

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the current business time."""

    def now(self) -> datetime:
        """Return the current time as a naive datetime in China Standard Time."""
        ...


class SystemClock:
    """The computer's clock, read in China Standard Time whatever the local zone is."""

    __slots__ = ()

    def now(self) -> datetime:
        """Return the current wall-clock time in China Standard Time, without tzinfo."""
        return datetime.now(CHINA_STANDARD_TIME).replace(tzinfo=None)

    def __repr__(self) -> str:
        return "SystemClock()"
