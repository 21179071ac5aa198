"""One case at one moment: CaseSnapshot and TimerSnapshot, immutable named tuples.

Named tuples, not frozen dataclasses: the runtime makes a new snapshot, timer and journal
entry for every event, and a frozen dataclass sets each field through
``object.__setattr__`` (several times the cost of building a tuple).

A snapshot names its process by id and content hash and holds no reference to the
definition, so the engine can persist it and the simulator can keep millions of them.
The runtime (step.py, deadlines.py) is the only code that makes new snapshots from old ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, NamedTuple


class TimerStatus(StrEnum):
    """Where one running deadline stands.

    ``overdue`` is an expired deadline whose text names no consequence: the case is only
    marked overdue, and the deadline can still be met (late). ``fired`` is an expired
    deadline whose expiry event was applied by itself (a deemed waiver, a mandatory release).
    """

    ARMED = "armed"
    SUSPENDED = "suspended"
    MET = "met"
    FIRED = "fired"
    CANCELLED = "cancelled"
    OVERDUE = "overdue"

    @property
    def is_running(self) -> bool:
        """True while the deadline still counts or waits (armed, suspended, overdue)."""
        return self is _ARMED or self is _SUSPENDED or self is _OVERDUE


# By identity: comparing or hashing an enum member is a Python-level call.
_ARMED = TimerStatus.ARMED
_SUSPENDED = TimerStatus.SUSPENDED
_OVERDUE = TimerStatus.OVERDUE


class TimerSnapshot(NamedTuple):
    """One deadline of one case.

    Attributes:
        deadline: the deadline's id in the process definition.
        status: where it stands.
        started_on: the anchor day (not itself counted, 民法典 第二百零一条).
        period: the period as written in canonical form ("15wd", "90d", "3mo", "72h").
        due: the last day of the period; None while suspended (the remaining part is
            known, its end is not).
        due_at: the exact instant for hour periods; None otherwise.
        suspensions: inclusive (first, last) day intervals that do not count; the last
            interval's end is None while the deadline is suspended.
        extensions: the periods added by approved extensions, in order.
        provisional: computed on a provisional calendar (a year not yet published).
        remaining: units of the period still to count when it was suspended.
        rollover: whether a last day that is not a working day moves to the next one.
        label: which occurrence of a recurring deadline this is (``2024年度``); None for
            a deadline that does not recur.
    """

    deadline: str
    status: TimerStatus
    started_on: date
    period: str
    due: date | None
    due_at: datetime | None = None
    suspensions: tuple[tuple[date, date | None], ...] = ()
    extensions: tuple[str, ...] = ()
    provisional: bool = False
    remaining: int | None = None
    rollover: bool = True
    label: str | None = None

    @property
    def expires_at(self) -> datetime | None:
        """The first instant at which the deadline has passed, or None while suspended.

        A day-based period runs to the end (24:00) of its last day, so it expires at the
        start of the next day; an hour period runs to its exact instant, which is still
        within it (内 includes the number itself: 科学技术部令第20号 第六十五条, 民法典
        第一千二百五十九条), so it expires one microsecond later, the next instant a
        business time can name.
        """
        if self.due_at is not None:
            return self.due_at + _NEXT_INSTANT
        due = self.due
        if due is None:
            return None
        found = _DAY_AFTER.get(due)
        if found is None:
            found = _DAY_AFTER[due] = datetime.combine(due + timedelta(days=1), time.min)
        return found


_NEXT_INSTANT = timedelta(microseconds=1)

# due day → the first instant after it. Asked for every armed timer whenever a simulator or
# a tick looks for expiries; a few thousand distinct days at most.
_DAY_AFTER: dict[date, datetime] = {}


class CaseSnapshot(NamedTuple):
    """One case of one process at one moment.

    Attributes:
        case_id: the case's id (assigned by whoever starts it: the engine or the simulator).
        process_id: the process id, such as ``most-penalty``.
        process_version: the content hash of the definition the case runs under.
        state: the current state's id.
        data: the typed case data, validated against the process's fields.
        version: how many events have been applied (1 after start); the optimistic lock.
        started_at: business time of the start.
        updated_at: business time of the last applied event.
        timers: every deadline the case has started, running or not.
        parent_id: the parent case, for a child (sub-procedure) case.
        overdue: whether a deadline of the case expired without consequence and still runs.
        previous_state: the state the case left when it entered its current one (None
            until it first changes state); where a ``to_previous`` transition returns it.
    """

    case_id: str
    process_id: str
    process_version: str
    state: str
    data: Mapping[str, Any]
    version: int
    started_at: datetime
    updated_at: datetime
    timers: tuple[TimerSnapshot, ...] = ()
    parent_id: str | None = None
    overdue: bool = False
    previous_state: str | None = None

    def timer(self, deadline: str) -> TimerSnapshot | None:
        """Return the latest timer of `deadline`, or None if it never started.

        For a recurring deadline, the latest occurrence (see :meth:`occurrences`).
        """
        for timer in reversed(self.timers):
            if timer.deadline == deadline:
                return timer
        return None

    def occurrences(self, deadline: str) -> tuple[TimerSnapshot, ...]:
        """Every timer of `deadline` the case holds, oldest first.

        A recurring deadline keeps one per occurrence (each met, overdue or cancelled on
        its own); a deadline that does not recur, its latest run only.
        """
        return tuple(t for t in self.timers if t.deadline == deadline)

    def occurrence(self, deadline: str, label: str) -> TimerSnapshot | None:
        """Return the occurrence of the recurring `deadline` named `label`, or None."""
        for timer in reversed(self.timers):
            if timer.deadline == deadline and timer.label == label:
                return timer
        return None

    @property
    def running_timers(self) -> tuple[TimerSnapshot, ...]:
        """The timers still armed, suspended or overdue."""
        return tuple(t for t in self.timers if t.status.is_running)
