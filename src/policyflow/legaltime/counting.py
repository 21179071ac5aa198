"""Counting periods on a calendar: ``due()`` forwards and ``before()`` backwards.

This module owns the counting rules of Chinese law and their result, :class:`DueDate`,
which counts on again when extended. It reads the day table's precomputed arrays
(``day_table.py``: for each day, the working days up to it; the list of working days), so a
due date is a lookup, not a walk over the days. Suspension intervals come from
``tolling.py``; a due date's day-by-day explanation is ``explain.py``'s. ``Calendar.due``
and ``Calendar.before`` are these functions.

The rules:

* the start day is not counted (民法典 第二百零一条);
* N working days end on the N-th working day after the start day; a working day is a day
  that is not a weekend, a statutory holiday or a shifted rest day, or is a make-up workday
  (科学技术部令第20号 第六十五条: 期限以工作日计算，不含法定节假日);
* N natural days, months or years end on the start day plus N; months and years land on
  the same day number, or on the last day of a shorter month (第二百零二条); if that day is
  not a working day, the period ends on the next working day (第二百零三条), unless
  ``rollover=False``;
* hours are exact clock arithmetic, nights and holidays included;
* ``before`` mirrors ``due``;
* suspended days do not count; extensions are counted on from the current due date.
"""

from __future__ import annotations

import calendar as _gregorian
import datetime as _dt
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from policyflow.errors import InvalidDate, InvalidPeriod
from policyflow.legaltime.day_table import DayTable
from policyflow.legaltime.explain import Explanation, Step, explain_count
from policyflow.legaltime.period import Period, PeriodLike, Unit
from policyflow.legaltime.tolling import (
    Interval,
    IntervalLike,
    merge_intervals,
    suspended_at,
    to_ordinals,
)

__all__ = ["DueDate", "add_months", "before", "due"]

_WD = Unit.WORKING_DAY
_HOUR = Unit.HOUR
_parse = Period.parse
Spans = tuple[tuple[int, int], ...]


def add_months(day: date, months: int) -> date:
    """Return `day` moved by `months` (may be negative), clamped to the target month's end.

    Legal basis:
        民法典 第二百零二条: 按照年、月计算期间的，到期月的对应日为期间的最后一日；
        没有对应日的，月末日为期间的最后一日.

    Raises:
        InvalidPeriod: the result would fall outside years 1–9999.
    """
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise InvalidPeriod(f"a period of {months} months from {day} ends outside years 1–9999")
    last = _gregorian.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def due(
    cal: DayTable,
    start: date | datetime,
    period: PeriodLike,
    *,
    suspensions: Iterable[IntervalLike] = (),
    extensions: Sequence[PeriodLike] = (),
    rollover: bool = True,
) -> DueDate:
    """Return the last day of `period` counted from `start`.

    The start day is not counted. N working days end on the N-th working day after it.
    Natural days, months and years end on the start day plus N (a month end if the day
    number does not exist); if that day is not a working day, the period ends on the next
    working day, unless ``rollover=False``. Hours are exact clock arithmetic from `start`
    (a date is taken at 00:00). Days inside a suspension interval do not count, so the due
    date moves later by exactly the days that no longer count. Each extension is counted
    on from the due date reached so far; suspended days still do not count.

    Args:
        cal: the calendar to count on.
        start: the day of the triggering event (立案之日, 登记之日 …), or its instant.
        period: a Period or its text (``"15wd"``, ``"九十日"``).
        suspensions: inclusive day intervals that do not count (merged when overlapping).
        extensions: periods added one after another (延长).
        rollover: move a last day that is not a working day to the next working day.

    Returns:
        The due date, with ``.provisional`` set if any day used came from the provisional
        rule, and ``.explain()``.

    Raises:
        InvalidPeriod: a period cannot be parsed, or is zero or negative.
        InvalidInterval: a suspension interval is malformed or reversed.
        InvalidDate: `start` is not a date.
        CalendarNotPublished: the count reaches a year the calendar does not cover.

    Legal basis:
        民法典 第二百零一条 (start day not counted), 第二百零二条 (month ends),
        第二百零三条 (rollover); 科学技术部令第20号 第六十五条 (working days exclude
        statutory holidays), 第五十一条 (suspended time not counted).
    """
    p = period if type(period) is Period else _parse(period)  # type: ignore[arg-type]
    if type(start) is date:
        day = start
    elif isinstance(start, date):
        day = start.date() if isinstance(start, datetime) else start
    else:
        raise InvalidDate(f"invalid start {start!r}: expected a date or datetime")
    if not suspensions and not extensions and p.unit is _WD:
        # The fast path: one lookup in each array.
        ordinal = day.toordinal()
        index = ordinal - cal._first
        if index < 0 or ordinal > cal._last:
            raise cal.not_published(day.year)
        k = cal._cum[index] + p.amount - 1
        work = cal._work
        if k >= len(work):
            raise cal.not_published(cal.last_year + 1)
        end = work[k]
        if cal._gaps:
            cal._check_span(ordinal, end)
        provisional = bool(cal._provisional_years) and cal._is_provisional_span(ordinal, end)
        # Built in place (no __init__ frame): this line is most of the fast path's cost.
        result: DueDate = _new(DueDate)
        _set_values(
            result,
            (
                cal._work_dates[k], None, start, p, (), (), rollover, provisional, None, "after",
                cal, ((ordinal, end, end),),
            ),
        )  # fmt: skip
        return result
    merged = merge_intervals(suspensions) if suspensions else ()
    spans = to_ordinals(merged)
    ext = tuple(Period.coerce(e) for e in extensions)
    at = start if isinstance(start, datetime) else None
    ordinal = day.toordinal()
    steps: list[Step] = []
    provisional = False
    rolled_from: date | None = None
    for step_period in (p, *ext):
        counted_end, final, at, used_calendar = _forward(
            cal, ordinal, at, step_period, spans, rollover
        )
        if used_calendar:
            provisional = provisional or cal._is_provisional_span(ordinal, final)
        steps.append((ordinal, counted_end, final))
        rolled_from = date.fromordinal(counted_end) if final != counted_end else None
        ordinal = final
    return DueDate(
        date.fromordinal(ordinal), at, start, p, merged, ext, rollover, provisional, rolled_from,
        "after", cal, tuple(steps),
    )  # fmt: skip


def _forward(
    cal: DayTable, ordinal: int, at: datetime | None, p: Period, spans: Spans, rollover: bool
) -> tuple[int, int, datetime | None, bool]:
    """Count one period forward from day `ordinal`.

    Returns:
        (last counted day, last day after rollover, exact instant for hours, whether the
        calendar was consulted).
    """
    if p.unit is _HOUR:
        instant = _hours_forward(
            at or datetime.combine(date.fromordinal(ordinal), time()), p.amount, spans
        )
        end = instant.date().toordinal()
        return end, end, instant, False
    if p.unit is _WD:
        end = _working_forward(cal, ordinal, p.amount, spans)
        cal._check_span(ordinal, end)
        return end, end, None, True
    if p.unit is Unit.DAY:
        days = p.amount
    else:
        months = p.amount * (12 if p.unit is Unit.YEAR else 1)
        days = add_months(date.fromordinal(ordinal), months).toordinal() - ordinal
    end = _natural_forward(ordinal, days, spans)
    if end > date.max.toordinal():
        raise InvalidPeriod(
            f"a period of {p} from {date.fromordinal(ordinal)} ends after 9999-12-31"
        )
    if not rollover:
        return end, end, None, False
    return end, _roll_forward(cal, end, spans), None, True


def _natural_forward(ordinal: int, days: int, spans: Spans) -> int:
    """The `days`-th day after `ordinal` that is not suspended."""
    remaining, pos = days, ordinal
    for first, last in spans:
        if last <= pos:
            continue
        available = max(first, pos + 1) - 1 - pos
        if remaining <= available:
            break
        remaining -= available
        pos = last
    return pos + remaining


def _working_forward(cal: DayTable, ordinal: int, n: int, spans: Spans) -> int:
    """The `n`-th working day after `ordinal` that is not suspended."""
    base, cum, work = cal._first, cal._cum, cal._work
    if ordinal < base or ordinal > cal._last:
        raise cal.not_published(date.fromordinal(ordinal).year)
    remaining, pos = n, ordinal
    for first, last in spans:
        if last <= pos:
            continue
        edge = max(first, pos + 1) - 1
        available = cum[min(edge, cal._last) - base] - cum[pos - base]
        if remaining <= available:
            break
        if last > cal._last:
            raise cal.not_published(cal.last_year + 1)
        remaining -= available
        pos = last
    k = cum[pos - base] + remaining - 1
    if k >= len(work):
        raise cal.not_published(cal.last_year + 1)
    return work[k]


def _roll_forward(cal: DayTable, ordinal: int, spans: Spans) -> int:
    """The first working day on or after `ordinal` that is not suspended."""
    base, cum, work = cal._first, cal._cum, cal._work
    while True:
        if ordinal < base or ordinal > cal._last:
            raise cal.not_published(date.fromordinal(ordinal).year)
        cal._check_span(ordinal, ordinal)
        if cal._kinds[ordinal - base].is_working:
            span = suspended_at(spans, ordinal) if spans else None
            if span is None:
                return ordinal
            ordinal = span[1] + 1
            continue
        k = cum[ordinal - base]
        if k >= len(work):
            raise cal.not_published(cal.last_year + 1)
        ordinal = work[k]


def _hours_forward(start: datetime, hours: int, spans: Spans) -> datetime:
    """`start` plus `hours`, not counting the whole days inside suspension spans."""
    remaining, pos = timedelta(hours=hours), start
    zone = start.tzinfo
    for first, last in spans:
        begin = datetime.combine(date.fromordinal(first), time(), zone)
        finish = datetime.combine(date.fromordinal(last + 1), time(), zone)
        if finish <= pos:
            continue
        available = max(begin, pos) - pos
        if remaining <= available:
            break
        remaining -= available
        pos = finish
    return pos + remaining


def before(
    cal: DayTable,
    reference: date | datetime,
    period: PeriodLike,
    *,
    rollover: bool = True,
    extensions: Sequence[PeriodLike] = (),
) -> DueDate:
    """Return the day that lies `period` before `reference`, mirroring :func:`due`.

    For "届满三十个工作日前提出" or "举行听证七个工作日前送达": N working days before R
    is the N-th working day before R, R itself not counted. N natural days, months or
    years before R is R minus N, moved back to the previous working day if it is not a
    working day (unless ``rollover=False``). Hours are exact clock arithmetic. So for any
    working day S, ``before(due(S, "Nwd").date, "Nwd").date == S``.

    Args:
        cal: the calendar to count on.
        reference: the day the period ends on (有效期限届满之日, 听证之日 …).
        period: a Period or its text.
        rollover: move a day that is not a working day back to the previous working day.
        extensions: further periods, each counted back from the day reached so far.

    Raises:
        InvalidPeriod: a period cannot be parsed, or is zero or negative.
        InvalidDate: `reference` is not a date.
        CalendarNotPublished: the count reaches a year the calendar does not cover.

    Legal basis:
        民法典 第二百零一条 to 第二百零三条, applied in mirror; 科学技术部令第20号
        第六十五条 (working days exclude statutory holidays).
    """
    p = period if type(period) is Period else _parse(period)  # type: ignore[arg-type]
    if not isinstance(reference, date):
        raise InvalidDate(f"invalid reference {reference!r}: expected a date or datetime")
    day = reference.date() if isinstance(reference, datetime) else reference
    ext = tuple(Period.coerce(e) for e in extensions)
    at = reference if isinstance(reference, datetime) else None
    ordinal = day.toordinal()
    steps: list[Step] = []
    provisional = False
    rolled_from: date | None = None
    for step_period in (p, *ext):
        counted_end, final, at, used_calendar = _backward(cal, ordinal, at, step_period, rollover)
        if used_calendar:
            provisional = provisional or cal._is_provisional_span(final, ordinal)
        steps.append((ordinal, counted_end, final))
        rolled_from = date.fromordinal(counted_end) if final != counted_end else None
        ordinal = final
    return DueDate(
        date.fromordinal(ordinal), at, reference, p, (), ext, rollover, provisional, rolled_from,
        "before", cal, tuple(steps),
    )  # fmt: skip


def _backward(
    cal: DayTable, ordinal: int, at: datetime | None, p: Period, rollover: bool
) -> tuple[int, int, datetime | None, bool]:
    """Count one period back from day `ordinal`; returns as :func:`_forward` does."""
    base, cum, work = cal._first, cal._cum, cal._work
    if p.unit is _HOUR:
        instant = (at or datetime.combine(date.fromordinal(ordinal), time())) - timedelta(
            hours=p.amount
        )
        end = instant.date().toordinal()
        return end, end, instant, False
    if p.unit is _WD:
        if ordinal < base or ordinal > cal._last:
            raise cal.not_published(date.fromordinal(ordinal).year)
        index = ordinal - base
        below = cum[index] - (1 if cal._kinds[index].is_working else 0)
        k = below - p.amount
        if k < 0:
            raise cal.not_published(cal.first_year - 1)
        end = work[k]
        cal._check_span(end, ordinal)
        return end, end, None, True
    if p.unit is Unit.DAY:
        if ordinal - p.amount < 1:
            raise InvalidPeriod(f"{p} before {date.fromordinal(ordinal)} is before year 1")
        end = ordinal - p.amount
    else:
        months = p.amount * (12 if p.unit is Unit.YEAR else 1)
        end = add_months(date.fromordinal(ordinal), -months).toordinal()
    if not rollover:
        return end, end, None, False
    if end < base or end > cal._last:
        raise cal.not_published(date.fromordinal(end).year)
    cal._check_span(end, end)
    if cal._kinds[end - base].is_working:
        return end, end, None, True
    k = cum[end - base] - 1
    if k < 0:
        raise cal.not_published(cal.first_year - 1)
    return end, work[k], None, True


class DueDate:
    """The last day of a period, as computed by ``Calendar.due`` or ``Calendar.before``.

    Immutable. Two due dates are equal when every attribute below is equal.

    Attributes:
        date: the last day of the period (the deadline is the end of that day).
        at: the exact instant, for hour periods; None otherwise.
        start: the day counting started from (for ``before``: the reference day).
        period: the period counted.
        suspensions: the suspension intervals, merged and sorted.
        extensions: the extensions counted on after the period, in order.
        rollover: whether a last day that is not a working day moves to the next one.
        provisional: whether any day used came from the provisional rule.
        rolled_over_from: the day the period would have ended on without rollover, if moved.
        direction: ``"after"`` (``due``) or ``"before"`` (``before``).
        calendar: the calendar counted on.
        steps: per period and extension, the (start, last counted, last) day ordinals.
    """

    # One slot holding a tuple: building a due date is one allocation, which keeps
    # Calendar.due a lookup (a frozen dataclass of twelve fields costs more than the count).
    __slots__ = ("_values",)
    _values: tuple[
        _dt.date,
        _dt.datetime | None,
        _dt.date | _dt.datetime,
        Period,
        tuple[Interval, ...],
        tuple[Period, ...],
        bool,
        bool,
        _dt.date | None,
        str,
        DayTable,
        tuple[Step, ...],
    ]

    def __init__(
        self,
        date: _dt.date,
        at: _dt.datetime | None,
        start: _dt.date | _dt.datetime,
        period: Period,
        suspensions: tuple[Interval, ...],
        extensions: tuple[Period, ...],
        rollover: bool,
        provisional: bool,
        rolled_over_from: _dt.date | None,
        direction: str,
        calendar: DayTable,
        steps: tuple[Step, ...],
    ) -> None:
        _set_values(
            self,
            (
                date, at, start, period, suspensions, extensions, rollover, provisional,
                rolled_over_from, direction, calendar, steps,
            ),
        )  # fmt: skip

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"DueDate is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"DueDate is immutable: cannot delete {name!r}")

    def _key(self) -> tuple[object, ...]:
        return self._values[:10]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DueDate):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"DueDate(date={self.date!r}, period='{self.period}', start={self.start!r}, "
            f"provisional={self.provisional!r}, direction={self.direction!r})"
        )

    def __reduce__(self) -> tuple[type[DueDate], tuple[object, ...]]:
        return (DueDate, self._values)

    @property
    def date(self) -> _dt.date:
        """The last day of the period (the deadline is the end of that day)."""
        return self._values[0]

    @property
    def at(self) -> _dt.datetime | None:
        """The exact instant, for hour periods; None otherwise."""
        return self._values[1]

    @property
    def start(self) -> _dt.date | _dt.datetime:
        """The day counting started from (for ``before``: the reference day)."""
        return self._values[2]

    @property
    def period(self) -> Period:
        """The period counted."""
        return self._values[3]

    @property
    def suspensions(self) -> tuple[Interval, ...]:
        """The suspension intervals, merged and sorted."""
        return self._values[4]

    @property
    def extensions(self) -> tuple[Period, ...]:
        """The extensions counted on after the period, in order."""
        return self._values[5]

    @property
    def rollover(self) -> bool:
        """Whether a last day that is not a working day moves to the next one."""
        return self._values[6]

    @property
    def provisional(self) -> bool:
        """Whether any day used came from the provisional rule."""
        return self._values[7]

    @property
    def rolled_over_from(self) -> _dt.date | None:
        """The day the period would have ended on without rollover, if it was moved."""
        return self._values[8]

    @property
    def direction(self) -> str:
        """``"after"`` for ``Calendar.due``, ``"before"`` for ``Calendar.before``."""
        return self._values[9]

    @property
    def calendar(self) -> DayTable:
        """The calendar counted on."""
        return self._values[10]

    @property
    def steps(self) -> tuple[Step, ...]:
        """Per period and extension: (start, last counted, last) day ordinals."""
        return self._values[11]

    def __str__(self) -> str:
        text = self.at.isoformat(sep=" ") if self.at is not None else self.date.isoformat()
        return text + (" (provisional)" if self.provisional else "")

    def extend(self, period: PeriodLike) -> DueDate:
        """Extend by a further period, counted on from the current due date.

        Suspended days still do not count; rollover applies as before.

        Raises:
            InvalidPeriod: `period` cannot be parsed.
            CalendarNotPublished: the count reaches a year the calendar does not cover.
        """
        extensions = (*self.extensions, Period.coerce(period))
        if self.direction == "before":
            return before(
                self.calendar,
                self.start,
                self.period,
                rollover=self.rollover,
                extensions=extensions,
            )
        return due(
            self.calendar,
            self.start,
            self.period,
            suspensions=self.suspensions,
            extensions=extensions,
            rollover=self.rollover,
        )

    def explain(self) -> Explanation:
        """Every day from the start to the due date: counted or skipped, with kind and name."""
        return explain_count(
            self.calendar,
            due=self.date,
            start=self.start,
            direction=self.direction,
            periods=(self.period, *self.extensions),
            suspensions=self.suspensions,
            steps=self.steps,
            provisional=self.provisional,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: ``due``, ``provisional``, ``start``, ``period`` and the rest."""
        return {
            "due": self.date.isoformat(),
            "at": None if self.at is None else self.at.isoformat(),
            "provisional": self.provisional,
            "start": self.start.isoformat(),
            "direction": self.direction,
            "period": str(self.period),
            "period_zh": self.period.zh,
            "suspensions": [str(i) for i in self.suspensions],
            "extensions": [str(p) for p in self.extensions],
            "rollover": self.rollover,
            "rolled_over_from": None
            if self.rolled_over_from is None
            else self.rolled_over_from.isoformat(),
            "calendar": self.calendar.name,
        }


# Sets the one slot directly, past the __setattr__ that keeps DueDate immutable.
_set_values = DueDate.__dict__["_values"].__set__
_new = object.__new__
