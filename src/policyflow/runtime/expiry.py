"""The law acts at the instant: deadlines expire before anything later is judged.

A deemed waiver (视为放弃), a mandatory release or an overdue mark happens by itself when
its window ends, whether or not anybody looked. So before an event at instant T is judged,
every deadline of the case whose expiry instant is at or before T expires first, oldest
first, each with its consequence and recorded at its own instant; the event is then
judged on the case as the law has left it. :func:`apply` does this for one case;
:mod:`policyflow.runtime.cascade` does it for a case and the parent and children it
touches; the engine's tick and the simulator's expiries are the same catch-up, run when
nobody acts. A case's journal therefore does not depend on when anybody swept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from policyflow.errors import InvalidInput, TransitionRefused
from policyflow.legaltime import Calendar, china
from policyflow.runtime import deadlines, recurrence
from policyflow.runtime.compiled import CompiledProcess
from policyflow.runtime.journal import JournalEntry, TimerAction, TimerChange
from policyflow.runtime.reads import Reads
from policyflow.runtime.roles import SYSTEM_ROLE, Actor, RoleMode
from policyflow.runtime.scope import scope
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot, TimerStatus
from policyflow.runtime.step import Step, index_of, transition

__all__ = [
    "apply",
    "due_timers",
    "expire",
    "expire_timer",
    "expiry_instant",
    "has_due",
    "next_due",
    "not_before_last",
    "overdue",
]

_MAX_EXPIRIES = 1000  # a process whose expiries restart each other forever stops here
_ARMED = TimerStatus.ARMED


def apply(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    event: str,
    payload: Mapping[str, Any] | None = None,
    *,
    at: datetime,
    actor: Actor | str | None = None,
    calendar: Calendar | None = None,
    overrides: Mapping[str, str] | None = None,
    roles: RoleMode = "check",
) -> Step:
    """Apply `event` to the case at business time `at`, after the expiries due by then.

    Every deadline that expired at or before `at` expires first (:func:`expire`); the
    event is judged on the case as they left it (:func:`~.step.transition`, with the
    soft guards `overrides` passes with a reason). The
    returned step's ``expired`` holds their steps, to be recorded before the event's
    own entry; its snapshot is the case after all of them.

    Raises:
        EventNotAllowed: no transition for `event` leaves the case's state (after the
            expiries: the message names them).
        RoleRefused: the actor may not take the event (`roles`: :mod:`.roles`).
        InvalidPayload: the payload fails the event's declared fields.
        GuardFailed: a guard is false (its words and legal basis), or an extension is
            beyond its limits.
        InvalidInput: `at` is earlier than the case's last event.
        CalendarNotPublished: a deadline reaches a year the calendar does not cover.
    """
    if at < snapshot.updated_at:
        not_before_last(snapshot, event, at)
    if not has_due(snapshot, at):  # the common case, decided without expire()'s machinery
        return transition(
            compiled,
            snapshot,
            event,
            payload,
            at=at,
            actor=actor,
            calendar=calendar,
            overrides=overrides,
            roles=roles,
        )
    expired = expire(compiled, snapshot, now=at, calendar=calendar)
    try:
        step = transition(
            compiled,
            expired[-1].snapshot,
            event,
            payload,
            at=at,
            actor=actor,
            calendar=calendar,
            overrides=overrides,
            roles=roles,
        )
    except TransitionRefused as error:
        raise after_expiries(error, expired) from None
    return step._replace(expired=expired)


def not_before_last(snapshot: CaseSnapshot, event: str, at: datetime) -> None:
    """Refuse an act dated before the case's last event: a journal never goes back in time.

    Raises:
        InvalidInput: `at` is earlier than the case's last event.
    """
    if at < snapshot.updated_at:
        raise InvalidInput(
            f"refused {event!r} on case {snapshot.case_id}: business time {at.isoformat(sep=' ')} "
            f"is earlier than the case's last event at {snapshot.updated_at.isoformat(sep=' ')}"
        )


def after_expiries(error: TransitionRefused, expired: tuple[Step, ...]) -> TransitionRefused:
    """`error`, its message saying which expiries brought the case where it was refused."""
    ended = "; ".join(
        f"deadline {change.deadline!r} expired at {step.entry.at.isoformat(sep=' ')}"
        + (f" ({step.entry.event})" if step.entry.event != "deadline_expired" else "")
        for step in expired
        for change in step.entry.timer_changes
        if change.action is TimerAction.FIRED or change.action is TimerAction.OVERDUE
    )
    return type(error)(
        f"{error} (the case got there by itself: {ended})",
        case_id=error.case_id,
        state=error.state,
        event=error.event,
        rule=error.rule,
        basis=error.basis,
    )


def due_timers(snapshot: CaseSnapshot, now: datetime) -> tuple[TimerSnapshot, ...]:
    """The armed timers that have expired at `now` (``expires_at <= now``), oldest first."""
    found = [
        t
        for t in snapshot.timers
        if t.status is _ARMED and (e := t.expires_at) is not None and e <= now
    ]
    found.sort(key=_expires_at)
    return tuple(found)


def has_due(snapshot: CaseSnapshot, until: datetime) -> bool:
    """Whether an armed deadline of the case expires at or before `until`.

    ``next_due(...) is not None``, answered without building the order: a day period
    expires at the start of the day after its last day, so it has expired by `until`
    exactly when its last day is before ``until``'s day; an hour period, when its last
    instant is before `until` (tested against :func:`next_due`).
    Asked before every event, most often of a case with nothing due.
    """
    day = None
    for timer in snapshot.timers:
        if timer.status is not _ARMED:
            continue
        due_at = timer.due_at
        if due_at is not None:
            if due_at < until:  # its last instant is still within it
                return True
            continue
        due = timer.due
        if due is not None:
            if day is None:
                day = until.date()
            if due < day:
                return True
    return False


def next_due(
    compiled: CompiledProcess, snapshot: CaseSnapshot, until: datetime
) -> TimerSnapshot | None:
    """The armed deadline that expires first at or before `until`, or None.

    Deadlines that expire at the same instant go in the order the process declares them,
    so that a process can say which of two simultaneous legal facts comes first (a
    renewal that was timely before the validity it renews ends).
    """
    best: TimerSnapshot | None = None
    best_key: tuple[datetime, int] | None = None
    order = compiled.deadline_order
    for timer in snapshot.timers:
        if timer.status is not _ARMED:
            continue
        expires_at = timer.expires_at
        if expires_at is None or expires_at > until:
            continue
        key = (expires_at, order.get(timer.deadline, len(order)))
        if best_key is None or key < best_key:
            best, best_key = timer, key
    return best


def expiry_instant(snapshot: CaseSnapshot, timer: TimerSnapshot) -> datetime:
    """The business time an expiry is recorded at: its legal instant.

    A deadline the case learned of only after it had passed (one anchored on an earlier
    day) is recorded when the case learned of it, its last event: a journal never goes
    back in time. The due date it records is still the legal one.
    """
    expires_at = _expires_at(timer)
    return expires_at if expires_at > snapshot.updated_at else snapshot.updated_at


def expire_timer(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    timer: TimerSnapshot,
    *,
    calendar: Calendar | None = None,
    relations: Reads | None = None,
) -> Step:
    """Expire one deadline of the case, with its consequence; one step.

    A deadline whose definition names an expiry event has that event applied (its
    transition, guards and deadline effects) and becomes ``fired``. If the event is not
    allowed in the case's state by then, or its guard is false, or the deadline names
    no event, the step is :func:`overdue`. `relations` answers the reads of other cases
    the event's expressions make (:mod:`.reads`).
    """
    plan = compiled.deadlines.get(timer.deadline)
    at = expiry_instant(snapshot, timer)
    if plan is not None and plan.expiry_event is not None:
        try:
            return transition(
                compiled,
                snapshot,
                plan.expiry_event,
                None,
                at=at,
                calendar=calendar,
                fired=timer,
                relations=relations,
            )
        except TransitionRefused:
            pass
    return overdue(compiled, snapshot, timer, calendar=calendar)


def overdue(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    timer: TimerSnapshot,
    *,
    calendar: Calendar | None = None,
) -> Step:
    """The deadline expired without consequence: ``deadline_expired``, the case overdue.

    The state does not change; the timer becomes ``overdue`` and can still be met, late.
    An occurrence of a recurring deadline that falls on calendar days is followed, at
    the same instant, by the next occurrence (:mod:`.recurrence`): a missed year stays
    overdue for its own label while the next year falls due.

    Raises:
        CalendarNotPublished: the next occurrence needs a year the calendar does not cover.
    """
    at = expiry_instant(snapshot, timer)
    plan = compiled.deadlines.get(timer.deadline)
    timers = list(snapshot.timers)
    index = index_of(timers, timer)
    day = at.date()
    if plan is not None:
        changed, change = deadlines.expire(plan, timer, on=day, fired=False)
    else:  # a deadline no longer in the definition: mark it, citing nothing
        changed = timer._replace(status=TimerStatus.OVERDUE)
        change = TimerChange(timer.deadline, TimerAction.OVERDUE, day, timer.due, "")
    if index is not None:
        timers[index] = changed
    changes = [change]
    if plan is not None and plan.recurrence is not None:
        cal = calendar if calendar is not None else china()
        variables = scope(snapshot.data, None, day, snapshot.state, calendar)
        recurrence.after_expiry(
            plan, timer, timers, changes, on=day, variables=variables, calendar=cal
        )
    version = snapshot.version + 1
    new = snapshot._replace(version=version, updated_at=at, timers=tuple(timers), overdue=True)
    entry = JournalEntry(
        version,
        "deadline_expired",
        snapshot.state,
        snapshot.state,
        at,
        None,
        {"deadline": timer.deadline},
        change.basis,
        tuple(changes),
        True,
        (),
        SYSTEM_ROLE,
    )
    return Step(new, entry)


def expire(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    *,
    now: datetime,
    calendar: Calendar | None = None,
) -> tuple[Step, ...]:
    """Expire every armed deadline that has passed at `now`, oldest first: one Step each.

    Each step is :func:`expire_timer` on the case as the previous one left it (an expiry
    can start, stop or move other deadlines), at the instant :func:`expiry_instant`
    gives. The children and parent the steps touch are left to the caller
    (:mod:`policyflow.runtime.cascade` handles them).
    """
    steps: list[Step] = []
    current = snapshot
    for _ in range(_MAX_EXPIRIES):
        timer = next_due(compiled, current, now)
        if timer is None:
            break
        step = expire_timer(compiled, current, timer, calendar=calendar)
        steps.append(step)
        current = step.snapshot
    return tuple(steps)


def _expires_at(timer: TimerSnapshot) -> datetime:
    expires_at = timer.expires_at
    assert expires_at is not None
    return expires_at
