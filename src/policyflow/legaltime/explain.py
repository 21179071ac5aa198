"""Due dates and how they were reached: each day counted or skipped, with its kind and name.

This module owns :class:`DueDate` (the result of ``Calendar.due`` and ``Calendar.before``)
and :class:`Explanation`, which it builds lazily, only when asked: computing a due date
stays a table lookup. Printing an explanation as a table is the command line's business;
here it is plain data.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from policyflow.legaltime.day_table import DayKind
from policyflow.legaltime.period import Period, PeriodLike, Unit
from policyflow.legaltime.tolling import Interval

if TYPE_CHECKING:
    # Types only: calendar.py imports this module (through counting.py) at run time.
    from policyflow.legaltime.calendar import Calendar

__all__ = ["DayStatus", "DueDate", "ExplainedDay", "Explanation", "Run"]

BASIS_START = "民法典 第二百零一条 (开始的当日不计入)"
BASIS_MONTH_END = (
    "民法典 第二百零二条 (月、年的期间以到期月的对应日为最后一日；没有对应日的，为月末日)"
)
BASIS_ROLLOVER = (
    "民法典 第二百零三条 (期间的最后一日是法定休假日的，以法定休假日结束的次日为最后一日)"
)
BASIS_WORKING_DAY = "科学技术部令第20号 第六十五条 (注明为工作日的，不包含法定节假日)"
BASIS_SUSPENSION = (
    "科学技术部令第20号 第五十一条 (听证、公告、检测、检验、检疫、鉴定、审计、中止等时间不计入)"
)


class DayStatus(StrEnum):
    """What a day did to the count."""

    COUNTED = "counted"
    SKIPPED = "skipped"  # not a working day, in a working-day period
    SUSPENDED = "suspended"  # inside a suspension interval
    ROLLED_OVER = "rolled_over"  # passed over because the last day was not a working day


@dataclass(frozen=True, slots=True)
class ExplainedDay:
    """One day between the start and the due date, and what it did to the count.

    Attributes:
        date: the day.
        kind: its kind in the calendar, or None where the calendar was not needed and does
            not cover the year.
        name: the holiday or 调休 name, if any.
        status: counted, skipped, suspended or rolled over.
        number: the running count of the period (1 for the first counted day), or None.
        step: 0 for the period itself, 1 for the first extension, and so on.
    """

    date: date
    kind: DayKind | None
    name: str | None
    status: DayStatus
    number: int | None
    step: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "date": self.date.isoformat(),
            "kind": None if self.kind is None else self.kind.value,
            "name": self.name,
            "status": self.status.value,
            "number": self.number,
            "step": self.step,
        }


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive days with the same status, kind, name and step, for a compact table."""

    first: date
    last: date
    kind: DayKind | None
    name: str | None
    status: DayStatus
    first_number: int | None
    last_number: int | None
    step: int

    @property
    def days(self) -> int:
        """How many days the run spans."""
        return (self.last - self.first).days + 1


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a due date is what it is.

    Attributes:
        due: the due date.
        start: the day counting starts from (not counted), or the reference day for
            ``before``.
        direction: ``"after"`` for ``due``, ``"before"`` for ``before``.
        periods: the period and then each extension, in order.
        days: every day between start and due date (exclusive of the start), in date order.
        provisional: whether a day came from the provisional rule.
        basis: the rules applied, as the law states them.
        notes: anything else worth knowing (e.g. exact clock arithmetic for hours).
    """

    due: date
    start: date
    direction: str
    periods: tuple[Period, ...]
    days: tuple[ExplainedDay, ...]
    provisional: bool
    basis: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def counted(self) -> int:
        """How many days counted towards the periods."""
        return sum(1 for d in self.days if d.status is DayStatus.COUNTED)

    @property
    def skipped(self) -> tuple[ExplainedDay, ...]:
        """The days that did not count, with why."""
        return tuple(d for d in self.days if d.status is not DayStatus.COUNTED)

    def runs(self) -> list[Run]:
        """The days grouped into runs of equal status, kind, name and step."""
        runs: list[Run] = []
        for day in self.days:
            last = runs[-1] if runs else None
            if (
                last is not None
                and last.status is day.status
                and last.kind is day.kind
                and last.name == day.name
                and last.step == day.step
                and last.last.toordinal() + 1 == day.date.toordinal()
            ):
                runs[-1] = Run(
                    last.first,
                    day.date,
                    last.kind,
                    last.name,
                    last.status,
                    last.first_number,
                    day.number,
                    last.step,
                )
            else:
                runs.append(
                    Run(
                        day.date,
                        day.date,
                        day.kind,
                        day.name,
                        day.status,
                        day.number,
                        day.number,
                        day.step,
                    )
                )
        return runs

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "due": self.due.isoformat(),
            "start": self.start.isoformat(),
            "direction": self.direction,
            "periods": [str(p) for p in self.periods],
            "provisional": self.provisional,
            "counted": self.counted,
            "basis": list(self.basis),
            "notes": list(self.notes),
            "days": [d.to_dict() for d in self.days],
        }


# One step of a count: (start ordinal, last counted ordinal, final ordinal after rollover).
Step = tuple[int, int, int]


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
        Calendar,
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
        calendar: Calendar,
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
    def calendar(self) -> Calendar:
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
            return self.calendar.before(
                self.start, self.period, rollover=self.rollover, extensions=extensions
            )
        return self.calendar.due(
            self.start,
            self.period,
            suspensions=self.suspensions,
            extensions=extensions,
            rollover=self.rollover,
        )

    def explain(self) -> Explanation:
        """Every day from the start to the due date: counted or skipped, with kind and name."""
        return _explain(self)

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


def _explain(due: DueDate) -> Explanation:
    calendar = due.calendar
    periods = (due.period, *due.extensions)
    start_day = due.start.date() if isinstance(due.start, datetime) else due.start
    basis: list[str] = [BASIS_START]
    if any(p.unit is Unit.WORKING_DAY for p in periods):
        basis.append(BASIS_WORKING_DAY)
    if any(p.unit in (Unit.MONTH, Unit.YEAR) for p in periods):
        basis.append(BASIS_MONTH_END)
    if due.suspensions:
        basis.append(BASIS_SUSPENSION)
    days: list[ExplainedDay] = []
    notes: list[str] = []
    spans = [(i.first.toordinal(), i.last.toordinal()) for i in due.suspensions]

    def is_suspended(ordinal: int) -> bool:
        return any(a <= ordinal <= b for a, b in spans)

    def describe(ordinal: int, status: DayStatus, number: int | None, step: int) -> ExplainedDay:
        day = date.fromordinal(ordinal)
        kind = calendar.find_day_kind(day)
        name = calendar.find_holiday_name(day)
        return ExplainedDay(day, kind, name, status, number, step)

    rolled = False
    steps = zip(periods, due.steps, strict=True)
    for step_no, (period, (first, counted_end, final)) in enumerate(steps):
        if period.unit is Unit.HOUR:
            notes.append(f"{period}: exact clock arithmetic, nights and holidays included")
            continue
        working = period.unit is Unit.WORKING_DAY
        if due.direction == "before":
            # Count backwards from the day before the reference down to the result.
            number = 0
            rows: list[ExplainedDay] = []
            for ordinal in range(first - 1, final - 1, -1):
                in_count = ordinal >= counted_end
                if not in_count:
                    rows.append(describe(ordinal, DayStatus.ROLLED_OVER, None, step_no))
                    rolled = True
                    continue
                kind = calendar.find_day_kind(date.fromordinal(ordinal))
                if working and not (kind is not None and kind.is_working):
                    rows.append(describe(ordinal, DayStatus.SKIPPED, None, step_no))
                else:
                    number += 1
                    rows.append(describe(ordinal, DayStatus.COUNTED, number, step_no))
            days.extend(reversed(rows))
            continue
        number = 0
        for ordinal in range(first + 1, final + 1):
            if ordinal > counted_end:
                days.append(describe(ordinal, DayStatus.ROLLED_OVER, None, step_no))
                rolled = True
            elif is_suspended(ordinal):
                days.append(describe(ordinal, DayStatus.SUSPENDED, None, step_no))
            else:
                kind = calendar.find_day_kind(date.fromordinal(ordinal))
                if working and not (kind is not None and kind.is_working):
                    days.append(describe(ordinal, DayStatus.SKIPPED, None, step_no))
                else:
                    number += 1
                    days.append(describe(ordinal, DayStatus.COUNTED, number, step_no))
    if rolled:
        basis.append(BASIS_ROLLOVER)
    if due.direction == "before":
        days.sort(key=lambda d: d.date)
    return Explanation(
        due=due.date,
        start=start_day,
        direction=due.direction,
        periods=periods,
        days=tuple(days),
        provisional=due.provisional,
        basis=tuple(basis),
        notes=tuple(notes),
    )


# Sets the one slot directly, past the __setattr__ that keeps DueDate immutable.
_set_values = DueDate.__dict__["_values"].__set__
_new = object.__new__
