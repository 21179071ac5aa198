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

Legal basis:
    科学技术部令第20号 第五十一条第二款 (听证、公告等时间不计入期限);
    中华人民共和国行政许可法 第四十五条 (专家评审所需时间不计算在期限内).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, timedelta

from policyflow.legaltime import Calendar, DueDate, Period, Unit
from policyflow.runtime.compiled import DeadlinePlan
from policyflow.runtime.construct import builder
from policyflow.runtime.journal import TimerAction, TimerChange
from policyflow.runtime.snapshot import TimerSnapshot, TimerStatus

__all__ = [
    "cancel",
    "expire",
    "extend",
    "extension_refusal",
    "meet",
    "resume",
    "start",
    "suspend",
]

_ARMED = TimerStatus.ARMED
_timer = builder(TimerSnapshot)
_change = builder(TimerChange)
_STARTED = TimerAction.STARTED


def start(
    plan: DeadlinePlan, *, on: date, anchor: date | datetime, calendar: Calendar
) -> tuple[TimerSnapshot, TimerChange]:
    """Start the deadline of `plan` counted from `anchor` (the day itself not counted).

    Args:
        plan: the deadline.
        on: the day of the starting event.
        anchor: the day the period counts from (a datetime for an hour period).
        calendar: the legal calendar.

    Raises:
        CalendarNotPublished: the count reaches a year the calendar does not cover.
    """
    if plan.is_hours:
        due = calendar.due(anchor, plan.period)
        day = anchor.date() if isinstance(anchor, datetime) else anchor
    else:
        day = anchor.date() if isinstance(anchor, datetime) else anchor
        due = calendar.due(day, plan.period, rollover=plan.rollover)
    due_day = due.date
    timer = _timer(
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
    )
    return timer, _change(plan.id, _STARTED, on, due_day, plan.basis)


def meet(
    plan: DeadlinePlan, timer: TimerSnapshot, *, on: date
) -> tuple[TimerSnapshot, TimerChange]:
    """The deadline is met (an overdue one is met late)."""
    return _end(plan, timer, TimerStatus.MET, TimerAction.MET, on)


def cancel(
    plan: DeadlinePlan, timer: TimerSnapshot, *, on: date
) -> tuple[TimerSnapshot, TimerChange]:
    """The deadline ends unmet and without consequence (a withdrawn application)."""
    return _end(plan, timer, TimerStatus.CANCELLED, TimerAction.CANCELLED, on)


def expire(
    plan: DeadlinePlan, timer: TimerSnapshot, *, on: date, fired: bool
) -> tuple[TimerSnapshot, TimerChange]:
    """The deadline passed: ``fired`` (its expiry event is applied) or only overdue."""
    if fired:
        return _end(plan, timer, TimerStatus.FIRED, TimerAction.FIRED, on)
    changed = replace(timer, status=TimerStatus.OVERDUE)
    return changed, TimerChange(plan.id, TimerAction.OVERDUE, on, timer.due, plan.basis)


def _end(
    plan: DeadlinePlan, timer: TimerSnapshot, status: TimerStatus, action: TimerAction, on: date
) -> tuple[TimerSnapshot, TimerChange]:
    suspensions = timer.suspensions
    if timer.status is TimerStatus.SUSPENDED and suspensions and suspensions[-1][1] is None:
        # ended while suspended: the suspension ends the same day
        suspensions = (*suspensions[:-1], (suspensions[-1][0], max(on, suspensions[-1][0])))
    t = timer
    changed = _timer(
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
    )
    return changed, _change(plan.id, action, on, timer.due, plan.basis)


def suspend(
    plan: DeadlinePlan, timer: TimerSnapshot, *, at: datetime, calendar: Calendar
) -> tuple[TimerSnapshot, TimerChange]:
    """Stop the count from the day of `at` (that day no longer counts) until resumed."""
    on = at.date()
    if plan.period.unit is Unit.HOUR:
        left = (timer.due_at - at).total_seconds() / 3600 if timer.due_at is not None else 0.0
        remaining = max(0, math.ceil(left))
    elif timer.due is None or timer.due < on:
        remaining = 0
    elif plan.period.unit is Unit.WORKING_DAY:
        remaining = calendar.working_days_between(on - timedelta(days=1), timer.due)
    else:
        remaining = (timer.due - on).days + 1
    changed = replace(
        timer,
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
    if plan.period.unit is Unit.HOUR:
        due_at = at + timedelta(hours=timer.remaining or 0)
        changed = replace(
            timer,
            status=_ARMED,
            due=due_at.date(),
            due_at=due_at,
            suspensions=suspensions,
            remaining=None,
        )
    else:
        due = _recompute(plan, timer, suspensions, timer.extensions, calendar)
        changed = replace(
            timer,
            status=_ARMED,
            due=due.date,
            due_at=due.at,
            suspensions=suspensions,
            remaining=None,
            provisional=timer.provisional or due.provisional,
        )
    return changed, TimerChange(plan.id, TimerAction.RESUMED, on, changed.due, plan.basis)


def extension_refusal(plan: DeadlinePlan, timer: TimerSnapshot | None) -> str | None:
    """Why the deadline cannot be extended now, in words; None if it can.

    An extension needs a running deadline that has not yet expired, fewer extensions than
    ``max_times``, and, with a cap, a total within the cap.
    """
    if plan.extension_period is None:
        return f"deadline {plan.id!r} cannot be extended"
    if timer is None or not timer.status.is_running:
        return f"deadline {plan.id!r} is not running, so it cannot be extended"
    if timer.status is TimerStatus.OVERDUE:
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
        total = sum(Period.parse(e).amount for e in timer.extensions) + plan.extension_period.amount
        if total > cap.amount:
            return (
                f"deadline {plan.id!r}: extensions may total {cap.zh} at most "
                f"({total}{cap.unit.zh} asked)"
            )
    return None


def extend(
    plan: DeadlinePlan, timer: TimerSnapshot, *, on: date, calendar: Calendar
) -> tuple[TimerSnapshot, TimerChange]:
    """Add the extension period, counted on from the current due date.

    The caller checks :func:`extension_refusal` first.

    Raises:
        CalendarNotPublished: the new due date falls in a year the calendar does not cover.
    """
    assert plan.extension_period is not None
    added = str(plan.extension_period)
    extensions = (*timer.extensions, added)
    if timer.status is TimerStatus.SUSPENDED:
        remaining = (timer.remaining or 0) + plan.extension_period.amount
        changed = replace(timer, extensions=extensions, remaining=remaining)
    elif plan.period.unit is Unit.HOUR:
        due_at = (timer.due_at or datetime.combine(on, datetime.min.time())) + timedelta(
            hours=plan.extension_period.amount
        )
        changed = replace(timer, extensions=extensions, due=due_at.date(), due_at=due_at)
    else:
        due = _recompute(plan, timer, timer.suspensions, extensions, calendar)
        changed = replace(
            timer,
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
    return calendar.due(
        timer.started_on,
        plan.period,
        suspensions=closed,
        extensions=extensions,
        rollover=plan.rollover,
    )
