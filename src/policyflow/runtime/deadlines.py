"""A deadline's life: start, meet, suspend, resume, extend, cancel, expire.

Each function takes a timer (a frozen TimerSnapshot) and returns the new timer and the
TimerChange to journal; none changes anything in place, none reads a clock. Due dates
come from legaltime and are always recomputed from the original anchor, with every
suspension and extension so far, so that a resumed or extended deadline is exactly what
the calendar says and never drifts.

Suspension: the suspension interval's first day is the day of the suspending event and
its last day the day of the resuming event, both not counted (inclusive); the due date
moves later by exactly the days that no longer count. An hour period is paused between
the two instants instead (what remained is counted on from the resume).

A deadline that ends on a date (``ends_on``) falls due on that day (rolled over to the
next working day only with ``rollover``); an extension counts its period on from the
due date reached so far; it is never suspended (the linter refuses that).

An extension whose length the approving event gives (``period_from``) is refused beyond
the most one extension may add (its ``period``) and beyond the ``cap`` of all of them.

Legal basis:
    科学技术部令第20号 第五十一条第二款 (听证、公告等时间不计入期限);
    中华人民共和国行政许可法 第四十五条 (专家评审所需时间不计算在期限内).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from policyflow.definition.expressions import from_cel
from policyflow.errors import InvalidInput
from policyflow.legaltime import Calendar, DueDate, Period, Unit
from policyflow.runtime.compiled import DeadlinePlan
from policyflow.runtime.journal import TimerAction, TimerChange
from policyflow.runtime.snapshot import TimerSnapshot, TimerStatus

__all__ = [
    "cancel",
    "expire",
    "extend",
    "extension_asked",
    "extension_refusal",
    "meet",
    "recount",
    "resume",
    "start",
    "start_until",
    "suspend",
]

# Enum members as module names: reading one from its class is a Python-level lookup.
_ARMED = TimerStatus.ARMED
_SUSPENDED = TimerStatus.SUSPENDED
_MET = TimerStatus.MET
_CANCELLED = TimerStatus.CANCELLED
_FIRED = TimerStatus.FIRED
_OVERDUE = TimerStatus.OVERDUE
_STARTED = TimerAction.STARTED
# Named tuples built by tuple.__new__ where it counts: calling the class goes through its
# generated Python __new__ (keywords, defaults), several times the cost of the tuple.
_new = tuple.__new__


def start(
    plan: DeadlinePlan,
    *,
    on: date,
    anchor: date | datetime,
    calendar: Calendar,
    label: str | None = None,
) -> tuple[TimerSnapshot, TimerChange]:
    """Start the deadline of `plan` counted from `anchor` (the day itself not counted).

    Args:
        plan: the deadline.
        on: the day of the starting event.
        anchor: the day the period counts from (a datetime for an hour period).
        calendar: the legal calendar.
        label: the occurrence it is, for a recurring deadline counted by a period.

    Raises:
        CalendarNotPublished: the count reaches a year the calendar does not cover.
    """
    assert plan.period is not None, "a deadline with ends_on starts with start_until()"
    if plan.is_hours:
        due = calendar.due(anchor, plan.period)
        day = anchor.date() if isinstance(anchor, datetime) else anchor
    else:
        day = anchor.date() if isinstance(anchor, datetime) else anchor
        due = calendar.due(day, plan.period, rollover=plan.rollover)
    due_day = due.date
    timer = _new(
        TimerSnapshot,
        (
            plan.id,
            _ARMED,
            day,
            plan.period_text,
            due_day,
            due.at,
            (),
            (),
            due.provisional,
            None,
            plan.rollover,
            label,
        ),
    )
    return timer, _new(TimerChange, (plan.id, _STARTED, on, due_day, plan.basis, label))


_ONE_DAY = Period(1, Unit.DAY)


def start_until(
    plan: DeadlinePlan, *, on: date, until: date, calendar: Calendar
) -> tuple[TimerSnapshot, TimerChange]:
    """Start a deadline that ends on the day `until` (``ends_on``), started on day `on`.

    The deadline runs to the end of `until`; with ``rollover`` a `until` that is not a
    working day moves to the next working day. The timer's period reads
    ``until YYYY-MM-DD``.

    Raises:
        CalendarNotPublished: the rollover needs a year the calendar does not cover.
    """
    # One natural day after the day before: `until` itself, rolled over as declared.
    due = calendar.due(until - timedelta(days=1), _ONE_DAY, rollover=plan.rollover)
    timer = _new(
        TimerSnapshot,
        (
            plan.id,
            _ARMED,
            on,
            f"until {until.isoformat()}",
            due.date,
            None,
            (),
            (),
            due.provisional,
            None,
            plan.rollover,
            None,
        ),
    )
    return timer, TimerChange(plan.id, _STARTED, on, due.date, plan.basis)


def meet(
    plan: DeadlinePlan, timer: TimerSnapshot, *, on: date
) -> tuple[TimerSnapshot, TimerChange]:
    """The deadline is met (an overdue one is met late)."""
    return _end(plan, timer, _MET, TimerAction.MET, on)


def cancel(
    plan: DeadlinePlan, timer: TimerSnapshot, *, on: date
) -> tuple[TimerSnapshot, TimerChange]:
    """The deadline ends unmet and without consequence (a withdrawn application)."""
    return _end(plan, timer, _CANCELLED, TimerAction.CANCELLED, on)


def expire(
    plan: DeadlinePlan, timer: TimerSnapshot, *, on: date, fired: bool
) -> tuple[TimerSnapshot, TimerChange]:
    """The deadline passed: ``fired`` (its expiry event is applied) or only overdue."""
    if fired:
        return _end(plan, timer, _FIRED, TimerAction.FIRED, on)
    return _end(plan, timer, _OVERDUE, TimerAction.OVERDUE, on)


def _end(
    plan: DeadlinePlan, timer: TimerSnapshot, status: TimerStatus, action: TimerAction, on: date
) -> tuple[TimerSnapshot, TimerChange]:
    suspensions = timer.suspensions
    if timer.status is _SUSPENDED and suspensions and suspensions[-1][1] is None:
        # ended while suspended: the suspension ends the same day
        suspensions = (*suspensions[:-1], (suspensions[-1][0], max(on, suspensions[-1][0])))
    t = timer
    changed = _new(
        TimerSnapshot,
        (
            t.deadline,
            status,
            t.started_on,
            t.period,
            t.due,
            t.due_at,
            suspensions,
            t.extensions,
            t.provisional,
            t.remaining,
            t.rollover,
            t.label,
        ),
    )
    return changed, _new(TimerChange, (plan.id, action, on, timer.due, plan.basis, t.label))


def suspend(
    plan: DeadlinePlan, timer: TimerSnapshot, *, at: datetime, calendar: Calendar
) -> tuple[TimerSnapshot, TimerChange]:
    """Stop the count from the day of `at` (that day no longer counts) until resumed."""
    on = at.date()
    unit = plan.period.unit if plan.period is not None else Unit.DAY
    if unit is Unit.HOUR:
        left = (timer.due_at - at).total_seconds() / 3600 if timer.due_at is not None else 0.0
        remaining = max(0, math.ceil(left))
    elif timer.due is None or timer.due < on:
        remaining = 0
    elif unit is Unit.WORKING_DAY:
        remaining = calendar.working_days_between(on - timedelta(days=1), timer.due)
    else:
        remaining = (timer.due - on).days + 1
    changed = timer._replace(
        status=TimerStatus.SUSPENDED,
        due=None,
        due_at=None,
        suspensions=(*timer.suspensions, (on, None)),
        remaining=remaining,
    )
    return changed, TimerChange(plan.id, TimerAction.SUSPENDED, on, None, plan.basis)


def resume(
    plan: DeadlinePlan, timer: TimerSnapshot, *, at: datetime, calendar: Calendar
) -> tuple[TimerSnapshot, TimerChange]:
    """Count again; the resume day is the suspension's last day (not counted).

    Raises:
        CalendarNotPublished: the new due date falls in a year the calendar does not cover.
    """
    on = at.date()
    first = timer.suspensions[-1][0] if timer.suspensions else on
    suspensions = (*timer.suspensions[:-1], (first, max(on, first)))
    if plan.is_hours:
        due_at = at + timedelta(hours=timer.remaining or 0)
        changed = timer._replace(
            status=_ARMED,
            due=due_at.date(),
            due_at=due_at,
            suspensions=suspensions,
            remaining=None,
        )
    else:
        due = _recompute(plan, timer, suspensions, timer.extensions, calendar)
        changed = timer._replace(
            status=_ARMED,
            due=due.date,
            due_at=due.at,
            suspensions=suspensions,
            remaining=None,
            provisional=timer.provisional or due.provisional,
        )
    return changed, TimerChange(plan.id, TimerAction.RESUMED, on, changed.due, plan.basis)


def extension_asked(plan: DeadlinePlan, variables: Mapping[str, Any]) -> Period | str:
    """The period an extension whose length the approver gives asks for, or why not.

    `variables` is the scope of the approving event (the data before it and its payload).
    Returns the extension's own period when it has no ``period_from``.

    Raises:
        CalendarNotPublished: ``period_from`` counts on a year the calendar does not cover.
    """
    most = plan.extension_period
    if most is None:
        return f"deadline {plan.id!r} cannot be extended"
    expression = plan.extension_from
    if expression is None:
        return most
    unit = plan.extension_unit or most.unit
    try:
        amount = from_cel(expression.evaluate(variables), None)
    except InvalidInput as error:
        return f"the extension's length {expression.source!r} cannot be computed: {error}"
    if amount is None:
        return f"the extension's length {expression.source!r} is not given"
    if isinstance(amount, bool) or not isinstance(amount, int):
        return f"the extension's length {expression.source!r} gave {amount!r}, not a whole number"
    if amount < 1:
        return (
            f"deadline {plan.id!r}: an extension adds at least 1{unit.zh} ({amount}{unit.zh} asked)"
        )
    if amount > most.amount:
        return (
            f"deadline {plan.id!r}: one extension may add {most.zh} at most "
            f"({amount}{unit.zh} asked)"
        )
    return Period(amount, unit)


def extension_refusal(
    plan: DeadlinePlan, timer: TimerSnapshot | None, added: Period | None = None
) -> str | None:
    """Why the deadline cannot be extended now, in words; None if it can.

    An extension needs a running deadline that has not yet expired, fewer extensions than
    ``max_times``, and, with a cap, a total within the cap. `added` is the period asked
    (see :func:`extension_asked`); None: the extension's own period, or, when the
    approver gives the length and it is not known yet, the least one (one unit).
    """
    if plan.extension_period is None:
        return f"deadline {plan.id!r} cannot be extended"
    if timer is None or not timer.status.is_running:
        return f"deadline {plan.id!r} is not running, so it cannot be extended"
    if timer.status is _OVERDUE:
        return (
            f"deadline {plan.id!r} expired on {timer.due}: "
            "an extension must be approved before it expires"
        )
    used = len(timer.extensions)
    if used >= plan.extension_max:
        times = "once" if plan.extension_max == 1 else f"{plan.extension_max} times"
        return (
            f"deadline {plan.id!r} may be extended {times} at most, "
            f"and has been extended {used} time(s)"
        )
    cap = plan.extension_cap
    if cap is not None:
        if added is None:
            asked = 1 if plan.extension_from is not None else plan.extension_period.amount
        else:
            asked = added.amount
        total = sum(Period.parse(e).amount for e in timer.extensions) + asked
        if total > cap.amount:
            return (
                f"deadline {plan.id!r}: extensions may total {cap.zh} at most "
                f"({total}{cap.unit.zh} asked)"
            )
    return None


def extend(
    plan: DeadlinePlan,
    timer: TimerSnapshot,
    *,
    on: date,
    calendar: Calendar,
    added: Period | None = None,
) -> tuple[TimerSnapshot, TimerChange]:
    """Add `added` (default: the extension period), counted on from the current due date.

    The caller checks :func:`extension_refusal` first.

    Raises:
        CalendarNotPublished: the new due date falls in a year the calendar does not cover.
    """
    period = added if added is not None else plan.extension_period
    assert period is not None
    extensions = (*timer.extensions, str(period))
    if timer.status is _SUSPENDED:
        remaining = (timer.remaining or 0) + period.amount
        changed = timer._replace(extensions=extensions, remaining=remaining)
    elif plan.is_hours:
        due_at = (timer.due_at or datetime.combine(on, datetime.min.time())) + timedelta(
            hours=period.amount
        )
        changed = timer._replace(extensions=extensions, due=due_at.date(), due_at=due_at)
    elif plan.period is None:  # ends on a date: counted on from the date reached so far
        assert timer.due is not None
        due = calendar.due(timer.due, period, rollover=plan.rollover)
        changed = timer._replace(
            extensions=extensions,
            due=due.date,
            due_at=due.at,
            provisional=timer.provisional or due.provisional,
        )
    else:
        due = _recompute(plan, timer, timer.suspensions, extensions, calendar)
        changed = timer._replace(
            extensions=extensions,
            due=due.date,
            due_at=due.at,
            provisional=timer.provisional or due.provisional,
        )
    return changed, TimerChange(
        plan.id, TimerAction.EXTENDED, on, changed.due, plan.extension_basis
    )


def _recompute(
    plan: DeadlinePlan,
    timer: TimerSnapshot,
    suspensions: tuple[tuple[date, date | None], ...],
    extensions: tuple[str, ...],
    calendar: Calendar,
) -> DueDate:
    closed = [(first, last) for first, last in suspensions if last is not None]
    assert plan.period is not None  # a deadline ending on a date is never recomputed
    return calendar.due(
        timer.started_on,
        plan.period,
        suspensions=closed,
        extensions=extensions,
        rollover=plan.rollover,
    )


def recount(plan: DeadlinePlan, timer: TimerSnapshot, calendar: Calendar) -> DueDate | None:
    """The due date of a counting deadline counted again on `calendar`; None if it is not.

    Counted again as :func:`resume` and :func:`extend` count it: from the anchor, with every
    closed suspension and every extension. An hour period (counted in hours, not on the
    calendar), a suspended deadline (counted again when it resumes), a recurring one fixed
    by calendar days, and one ending on a date after an extension are not counted again.

    Raises:
        CalendarNotPublished: the count reaches a year `calendar` does not cover.
    """
    if plan.is_hours or timer.status is _SUSPENDED or plan.recurrence is not None:
        return None
    if plan.period is not None:
        return _recompute(plan, timer, timer.suspensions, timer.extensions, calendar)
    if timer.extensions or not timer.period.startswith("until "):
        return None
    until = date.fromisoformat(timer.period.removeprefix("until "))
    return calendar.due(until - timedelta(days=1), _ONE_DAY, rollover=plan.rollover)
