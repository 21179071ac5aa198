"""How a due date was reached: each day counted or skipped, with its kind and name.

This module owns :class:`Explanation` and its days and runs. ``DueDate.explain()`` builds
one lazily, only when asked, from the due date's facts: computing a due date stays a table
lookup. It reads day kinds and holiday names from the day table (``day_table.py``); the
count itself and :class:`~policyflow.legaltime.DueDate` are ``counting.py``'s. Printing an
explanation as a table is the command line's business; here it is plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from policyflow.legaltime.day_table import DayKind, DayTable
from policyflow.legaltime.period import Period, Unit
from policyflow.legaltime.tolling import Interval

__all__ = ["DayStatus", "ExplainedDay", "Explanation", "Run", "Step", "explain_count"]

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


def explain_count(
    calendar: DayTable,
    *,
    due: date,
    start: date | datetime,
    direction: str,
    periods: tuple[Period, ...],
    suspensions: tuple[Interval, ...],
    steps: tuple[Step, ...],
    provisional: bool,
) -> Explanation:
    """Explain a count day by day, from the facts of its due date.

    Args:
        calendar: the calendar counted on.
        due: the due date reached.
        start: the day (or instant) counting started from; for ``before``, the reference.
        direction: ``"after"`` for ``due``, ``"before"`` for ``before``.
        periods: the period and then each extension, in order.
        suspensions: the merged suspension intervals.
        steps: per period, the (start, last counted, last) day ordinals.
        provisional: whether a day came from the provisional rule.
    """
    start_day = start.date() if isinstance(start, datetime) else start
    basis: list[str] = [BASIS_START]
    if any(p.unit is Unit.WORKING_DAY for p in periods):
        basis.append(BASIS_WORKING_DAY)
    if any(p.unit in (Unit.MONTH, Unit.YEAR) for p in periods):
        basis.append(BASIS_MONTH_END)
    if suspensions:
        basis.append(BASIS_SUSPENSION)
    days: list[ExplainedDay] = []
    notes: list[str] = []
    spans = [(i.first.toordinal(), i.last.toordinal()) for i in suspensions]

    def is_suspended(ordinal: int) -> bool:
        return any(a <= ordinal <= b for a, b in spans)

    def describe(ordinal: int, status: DayStatus, number: int | None, step: int) -> ExplainedDay:
        day = date.fromordinal(ordinal)
        kind = calendar.find_day_kind(day)
        name = calendar.find_holiday_name(day)
        return ExplainedDay(day, kind, name, status, number, step)

    rolled = False
    counted = zip(periods, steps, strict=True)
    for step_no, (period, (first, counted_end, final)) in enumerate(counted):
        if period.unit is Unit.HOUR:
            notes.append(f"{period}: exact clock arithmetic, nights and holidays included")
            continue
        working = period.unit is Unit.WORKING_DAY
        if direction == "before":
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
    if direction == "before":
        days.sort(key=lambda d: d.date)
    return Explanation(
        due=due,
        start=start_day,
        direction=direction,
        periods=periods,
        days=tuple(days),
        provisional=provisional,
        basis=tuple(basis),
        notes=tuple(notes),
    )
