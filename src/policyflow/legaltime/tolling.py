"""Suspensions and extensions: the time that does not count, and the time added.

This module owns :class:`Interval` (an inclusive range of days that does not count: a
hearing, testing, appraisal, announcement), merging overlapping intervals, and walking a
count forward past them. Where a period starts and ends is ``counting.py``'s business.

Legal basis:
    科学技术部令第20号 第五十一条: 听证、检测、检验、鉴定、公告 time is not counted in
    the 90-day case limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeAlias

from policyflow.errors import InvalidInterval

__all__ = ["Interval", "IntervalLike", "merge_intervals"]


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """An inclusive range of days, ``first`` to ``last``, e.g. a hearing's days.

    Attributes:
        first: the first day of the interval.
        last: the last day of the interval (on or after `first`).
    """

    first: date
    last: date

    def __post_init__(self) -> None:
        """Refuse a reversed interval and values that are not dates."""
        for name in ("first", "last"):
            value = getattr(self, name)
            if isinstance(value, datetime):
                object.__setattr__(self, name, value.date())
            elif not isinstance(value, date):
                raise InvalidInterval(f"invalid interval: {name} {value!r} is not a date")
        if self.last < self.first:
            raise InvalidInterval(
                f"invalid interval {self.first}:{self.last}: it ends before it starts"
            )

    def __str__(self) -> str:
        return f"{self.first.isoformat()}:{self.last.isoformat()}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    @property
    def days(self) -> int:
        """The number of days in the interval, both ends included."""
        return (self.last - self.first).days + 1

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Read ``FIRST:LAST`` (ISO dates, e.g. ``2023-09-25:2023-10-10``); one date is one day.

        Raises:
            InvalidInterval: the text is not one or two ISO dates, or the interval is reversed.
        """
        parts = text.strip().split(":")
        if len(parts) > 2 or not all(p.strip() for p in parts):
            raise InvalidInterval(
                f"invalid interval {text!r}: expected FIRST:LAST, e.g. '2023-09-25:2023-10-10'"
            )
        try:
            days = [date.fromisoformat(p.strip()) for p in parts]
        except ValueError as error:
            raise InvalidInterval(
                f"invalid interval {text!r}: {error}; expected FIRST:LAST, e.g. "
                "'2023-09-25:2023-10-10'"
            ) from None
        return cls(days[0], days[-1])

    @classmethod
    def coerce(cls, value: IntervalLike) -> Interval:
        """Return `value` as an Interval (from an Interval, a pair of dates, or its text).

        Raises:
            InvalidInterval: `value` is none of those, or is reversed.
        """
        if isinstance(value, Interval):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        pair: object = value
        if isinstance(pair, tuple | list) and len(pair) == 2:
            return cls(pair[0], pair[1])
        raise InvalidInterval(f"invalid interval {value!r}: expected (first, last) dates")


IntervalLike: TypeAlias = Interval | tuple[date, date] | str


def merge_intervals(intervals: Iterable[IntervalLike]) -> tuple[Interval, ...]:
    """Sort intervals and merge those that overlap or touch, so each day counts once.

    Raises:
        InvalidInterval: an interval is malformed or reversed.
    """
    items = sorted(Interval.coerce(i) for i in intervals)
    merged: list[Interval] = []
    for item in items:
        if merged and item.first.toordinal() <= merged[-1].last.toordinal() + 1:
            if item.last > merged[-1].last:
                merged[-1] = Interval(merged[-1].first, item.last)
        else:
            merged.append(item)
    return tuple(merged)


def to_ordinals(intervals: tuple[Interval, ...]) -> tuple[tuple[int, int], ...]:
    """The intervals as (first, last) day ordinals, for the counting arrays."""
    return tuple((i.first.toordinal(), i.last.toordinal()) for i in intervals)


def suspended_at(spans: tuple[tuple[int, int], ...], ordinal: int) -> tuple[int, int] | None:
    """The span that contains the day `ordinal`, or None."""
    for first, last in spans:
        if first <= ordinal <= last:
            return first, last
        if first > ordinal:
            break
    return None
