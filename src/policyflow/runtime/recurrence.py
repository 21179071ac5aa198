"""A recurring deadline's occurrences: each falls due, is met or is overdue on its own.

A duty that recurs (年度报告 每年3月31日前: 国科发监〔2023〕167号 第四十五条; 每月2日前;
每季度末月25日前; a tracking review at most twelve months after the last one: 第十九条,
第三十三条) is one deadline with one timer per occurrence, each with a ``label`` saying
which one it is (``2024年度``). An occurrence that passes unmet is overdue for its own
label, and the next one still falls due: a missed year never becomes "fired", and a late
report meets the year it covers.

- Calendar forms (``every: {month, day}``, ``{day}``, ``{months, day}``): the first
  occurrence falls on the first recurring day strictly after the starting day (or the
  ``anchor``); when an occurrence is met, or passes and becomes overdue, the next one
  falls on the first recurring day after that occurrence's own (nominal) day. A timer's
  ``started_on`` is the day its occurrence counts from (the previous occurrence's nominal
  day, or the start), so its nominal day is ``next_after(started_on)``; its ``due`` is
  that day moved to the next working day with ``rollover``.
- The period form (``every: {period}``): each occurrence is counted from the day of the
  event that met the one before (the first from the start or the ``anchor``); the next
  exists only once the current one is met.

A label is ``label`` (CEL over ``due``, the occurrence's nominal day, before any rollover
moves it, so that a label never depends on the calendar) and the case data; by default
the nominal day as YYYY-MM-DD. A meeting event meets the open occurrence ``label_from``
names (CEL over its payload), or, when that gives nothing or names no open occurrence, the
oldest open one. ``cancelled_by`` cancels every open occurrence and ends the recurrence.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from policyflow.definition.expressions import from_cel
from policyflow.errors import CalendarNotPublished, InvalidInput
from policyflow.legaltime import Calendar, Period, Unit
from policyflow.runtime import deadlines
from policyflow.runtime.compiled import DeadlinePlan
from policyflow.runtime.journal import TimerAction, TimerChange
from policyflow.runtime.snapshot import TimerSnapshot, TimerStatus

__all__ = ["after_expiry", "cancel", "meet", "nominal_day", "start"]

_ARMED = TimerStatus.ARMED
_SUSPENDED = TimerStatus.SUSPENDED
_OVERDUE = TimerStatus.OVERDUE
_ONE_DAY = Period(1, Unit.DAY)
_new = tuple.__new__


def start(
    plan: DeadlinePlan,
    *,
    on: date,
    after: date,
    variables: Mapping[str, Any],
    calendar: Calendar,
) -> tuple[TimerSnapshot, TimerChange]:
    """The occurrence that follows the day `after`, started on the day `on`.

    Args:
        plan: the recurring deadline.
        on: the day of the event (or expiry) that starts it.
        after: the day it counts from: the start or anchor, the previous occurrence's
            nominal day (calendar forms) or the day that met it (the period form).
        variables: the scope its label is evaluated in (the case data, ``today`` …).
        calendar: the legal calendar.

    A duty that comes back every year reaches a year whose holiday notice is not out yet
    each time it is met or missed (the 2025 report starts the 2026 one, due in 2027). The
    act that met it must not be refused for that, so an occurrence the calendar cannot
    count is counted by the provisional rule beyond the calendar's years and marked
    provisional, like every result that uses such a year; the day it falls on by the rule
    (its nominal day, and its label) does not depend on the calendar at all.

    Raises:
        InvalidInput: the label cannot be computed.
    """
    try:
        return _start(plan, on=on, after=after, variables=variables, calendar=calendar)
    except CalendarNotPublished:
        beyond = calendar.with_provisional()
        return _start(plan, on=on, after=after, variables=variables, calendar=beyond)


def _start(
    plan: DeadlinePlan,
    *,
    on: date,
    after: date,
    variables: Mapping[str, Any],
    calendar: Calendar,
) -> tuple[TimerSnapshot, TimerChange]:
    recurrence = plan.recurrence
    if recurrence is None:  # the period form: a deadline counted from `after`
        assert plan.period is not None
        nominal = calendar.due(after, plan.period, rollover=False).date
        return deadlines.start(
            plan, on=on, anchor=after, calendar=calendar, label=_label(plan, nominal, variables)
        )
    nominal = recurrence.next_after(after)
    # One natural day after the day before: the nominal day, rolled over as declared.
    due = calendar.due(nominal - timedelta(days=1), _ONE_DAY, rollover=plan.rollover)
    label = _label(plan, nominal, variables)
    timer = _new(
        TimerSnapshot,
        (
            plan.id,
            _ARMED,
            after,
            plan.period_text,
            due.date,
            None,
            (),
            (),
            due.provisional,
            None,
            plan.rollover,
            label,
        ),
    )
    return timer, _new(TimerChange, (plan.id, TimerAction.STARTED, on, due.date, plan.basis, label))


def _label(plan: DeadlinePlan, nominal: date, variables: Mapping[str, Any]) -> str:
    expression = plan.label
    if expression is None:
        return nominal.isoformat()
    scope = dict(variables)
    scope["due"] = nominal
    try:
        value = from_cel(expression.evaluate(scope), None)
    except CalendarNotPublished:
        raise
    except InvalidInput as error:
        raise InvalidInput(
            f"deadline {plan.id!r}: label {expression.source!r} cannot be computed: {error}"
        ) from None
    if not isinstance(value, str) or not value:
        raise InvalidInput(
            f"deadline {plan.id!r}: label {expression.source!r} gave {value!r}, not a string"
        )
    return value


def _is_open(timer: TimerSnapshot) -> bool:
    status = timer.status
    return status is _ARMED or status is _OVERDUE or status is _SUSPENDED


def _chosen(
    plan: DeadlinePlan, timers: list[TimerSnapshot], variables: Mapping[str, Any]
) -> int | None:
    """The open occurrence a meeting event meets: the one `label_from` names, or the oldest."""
    oldest: int | None = None
    wanted: Any = None
    if plan.label_from is not None:
        try:
            wanted = from_cel(plan.label_from.evaluate(variables), None)
        except CalendarNotPublished:
            raise
        except InvalidInput as error:
            raise InvalidInput(
                f"deadline {plan.id!r}: label_from {plan.label_from.source!r} cannot be "
                f"computed: {error}"
            ) from None
    for index, timer in enumerate(timers):
        if timer.deadline != plan.id or not _is_open(timer):
            continue
        if wanted is not None and timer.label == wanted:
            return index
        if oldest is None:
            oldest = index
    return oldest


def meet(
    plan: DeadlinePlan,
    timers: list[TimerSnapshot],
    changes: list[TimerChange],
    *,
    on: date,
    variables: Mapping[str, Any],
    calendar: Calendar,
) -> None:
    """Meet one open occurrence (an overdue one late) and start the next where it is due.

    A calendar form starts the next occurrence when the one met was the current one
    (armed): an overdue one met late already has its successor. The period form starts
    the next, counted from `on`, whenever one is met.
    """
    index = _chosen(plan, timers, variables)
    if index is None:
        return
    met = timers[index]
    timers[index], change = deadlines.meet(plan, met, on=on)
    changes.append(change)
    if plan.recurrence is None:
        after = on
    elif met.status is _ARMED:
        after = nominal_day(plan, met)
    else:
        return
    timer, started = start(plan, on=on, after=after, variables=variables, calendar=calendar)
    timers.append(timer)
    changes.append(started)


def after_expiry(
    plan: DeadlinePlan,
    expired: TimerSnapshot,
    timers: list[TimerSnapshot],
    changes: list[TimerChange],
    *,
    on: date,
    variables: Mapping[str, Any],
    calendar: Calendar,
) -> None:
    """After an occurrence became overdue, start the next one (calendar forms only).

    The period form waits for the overdue occurrence to be met: the next is counted
    from that day.
    """
    if plan.recurrence is None:
        return
    timer, started = start(
        plan, on=on, after=nominal_day(plan, expired), variables=variables, calendar=calendar
    )
    timers.append(timer)
    changes.append(started)


def cancel(
    plan: DeadlinePlan, timers: list[TimerSnapshot], changes: list[TimerChange], *, on: date
) -> None:
    """End the recurrence: every open occurrence is cancelled, and no other follows."""
    for index, timer in enumerate(timers):
        if timer.deadline == plan.id and _is_open(timer):
            timers[index], change = deadlines.cancel(plan, timer, on=on)
            changes.append(change)


def nominal_day(plan: DeadlinePlan, timer: TimerSnapshot) -> date:
    """The day a calendar-form occurrence falls on by the rule, before any rollover."""
    recurrence = plan.recurrence
    assert recurrence is not None
    return recurrence.next_after(timer.started_on)
