"""start() and transition(): the pure semantics of one event on one case.

Business times are naive datetimes in China Standard Time; the legal day of an event is
``at.date()``. Nothing here reads a clock, a file or a database: the engine and the
simulator pass the time in and persist (or keep) what comes out. A transition is judged on
the case as it stands; bringing the case up to the event's instant first (the deadlines
that expired before it) is :func:`policyflow.runtime.expiry.apply`'s work, and the
children and parent an event touches are :mod:`policyflow.runtime.cascade`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from policyflow.definition.expressions import Expression, from_cel
from policyflow.errors import (
    CalendarNotPublished,
    EventNotAllowed,
    GuardFailed,
    InvalidCaseData,
    InvalidInput,
    InvalidPayload,
)
from policyflow.legaltime import Calendar, Period, china
from policyflow.runtime import deadlines, recurrence
from policyflow.runtime.compiled import (
    VARIES,
    CompiledProcess,
    DeadlinePlan,
    Effects,
    TransitionPlan,
)
from policyflow.runtime.deadlines import extension_refusal
from policyflow.runtime.journal import NO_READS, JournalEntry, TimerChange
from policyflow.runtime.overrides import checked_overrides, soft_note
from policyflow.runtime.reads import Reads, fill, needed
from policyflow.runtime.refusal import guard_failure, not_allowed, refusal
from policyflow.runtime.roles import (
    SYSTEM_ROLE,
    Actor,
    RoleMode,
    actor_id,
    held_roles,
    permitted,
    role_taken,
    start_role,
)
from policyflow.runtime.scope import guard_holds, holds, scope
from policyflow.runtime.signals import Broadcast, Signal, outgoing
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot, TimerStatus

__all__ = ["ChildStart", "Signal", "Step", "start", "transition"]


@dataclass(frozen=True, slots=True)
class ChildStart:
    """A child case (a sub-procedure, a BPMN call activity) the event asks to start.

    Attributes:
        process_id: the child's process id, such as ``most-penalty.recusal``.
        data: the child's initial case data (already computed from the parent).
    """

    process_id: str
    data: Mapping[str, Any]


class Step(NamedTuple):
    """The outcome of one applied event: the new snapshot and what to record.

    Attributes:
        snapshot: the case after the event.
        entry: the journal entry of the event.
        spawn: child cases to start, in order.
        signals: the events it sends other cases, in order (runtime/signals.py): a
            :class:`Signal` to one case, a ``Broadcast`` to children or members that the
            cascade resolves; on entering a final state, the parent's signal last.
        expired: the expiries the case went through before the event, oldest first
            (each a step of its own, to be recorded before this one).
    """

    snapshot: CaseSnapshot
    entry: JournalEntry
    spawn: tuple[ChildStart, ...] = ()
    signals: tuple[Signal | Broadcast, ...] = ()
    expired: tuple[Step, ...] = ()

    @property
    def changes(self) -> tuple[TimerChange, ...]:
        """The deadline changes the event made."""
        return self.entry.timer_changes


_EMPTY: Mapping[str, Any] = MappingProxyType({})
_OVERDUE = TimerStatus.OVERDUE
_ARMED = TimerStatus.ARMED
_SUSPENDED = TimerStatus.SUSPENDED
# The values made on every event are built by tuple.__new__: calling a named tuple class
# goes through its generated Python __new__ (keywords, defaults), several times the cost.
_new = tuple.__new__


def start(
    compiled: CompiledProcess,
    case_id: str,
    data: Mapping[str, Any],
    *,
    at: datetime,
    actor: Actor | str | None = None,
    parent_id: str | None = None,
    calendar: Calendar | None = None,
    roles: RoleMode = "check",
    by_law: bool = False,
) -> Step:
    """Start a case of `compiled` in its initial state.

    The journal entry has sequence 1, event ``start``, no from-state and the initial data
    (JSON-ready) as payload; deadlines started on entry of the initial state start, counted
    from the day of `at`. The entry records the role the case was started in
    (:func:`~.roles.start_role`; ``system`` when `by_law`: a child case an act started).

    Raises:
        RoleRefused: `roles` is ``required`` and `actor` carries no role, or the actor's
            roles are none the process declares (:mod:`policyflow.runtime.roles`).
        InvalidCaseData: `data` fail the process's fields (naming the field and its type).
        CalendarNotPublished: a deadline reaches a year the calendar does not cover.
    """
    role = SYSTEM_ROLE if by_law else start_role(compiled, case_id, held_roles(actor), roles)
    cal = calendar if calendar is not None else china()
    typed = compiled.validate_data(data)
    state = compiled.initial
    timers: list[TimerSnapshot] = []
    changes: list[TimerChange] = []
    day = at.date()
    variables = scope(typed, _EMPTY, day, state, cal)
    for plan in compiled.initial_effects.started:
        started = _start_timer(plan, variables, at, day, cal)
        if started is not None:
            timers.append(started[0])
            changes.append(started[1])
    snapshot = _new(
        CaseSnapshot,
        (
            case_id,
            compiled.id,
            compiled.version,
            state,
            typed,
            1,
            at,
            at,
            tuple(timers),
            parent_id,
            False,
            None,
        ),
    )
    entry = _new(
        JournalEntry,
        (
            1,
            "start",
            None,
            state,
            at,
            actor_id(actor),
            compiled.dump_data(typed),
            compiled.initial_basis,
            tuple(changes),
            False,
            (),
            role,
            NO_READS,
        ),
    )
    return _new(Step, (snapshot, entry, (), (), ()))


def transition(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    event: str,
    payload: Mapping[str, Any] | None,
    *,
    at: datetime,
    actor: Actor | str | None = None,
    calendar: Calendar | None = None,
    fired: TimerSnapshot | None = None,
    overrides: Mapping[str, str] | None = None,
    roles: RoleMode = "check",
    by_law: bool = False,
    relations: Reads | None = None,
) -> Step:
    """Take the first transition for (state, `event`) whose guards hold, on the case as it is.

    `overrides` (guard id → reason) passes the soft guards it names when they are false
    (:mod:`policyflow.runtime.overrides`); the entry records those it passed. A
    ``to_previous`` transition goes to the case's previous state, with that state's
    entering deadline effects; every change of state sets the previous state to the one
    left. A case that enters a final state signals its parent, each time it does (one
    reopened and decided again signals again).

    The payload is validated, fields are assigned, deadlines are met, cancelled,
    suspended, resumed, extended and started (in that order), child cases are requested,
    and a case that reaches a final state signals its parent. `fired` is the timer whose
    expiry applies the event (it becomes ``fired``). Nothing expires first: that is
    :func:`policyflow.runtime.expiry.apply`'s work.

    Who may act (:mod:`policyflow.runtime.roles`): in `roles` mode ``check`` an
    :class:`~.roles.Actor` carrying roles must hold one the transition allows, in
    ``required`` every act must carry one; among several transitions for the state and
    event, the first whose roles allow the actor and whose guards hold is taken. The entry
    records the role the act was taken in. An expiry (`fired`) or another act of the law
    (`by_law`: a child's signal) is taken as ``system``, unchecked.

    Reads of other cases (``children('p')``, ``parent``, ``lookup('id')`` …) that the
    candidate transitions' expressions make are read once from `relations` before the
    guards (:mod:`policyflow.runtime.reads`) and recorded in the entry's ``reads``.

    Raises:
        EventNotAllowed: no transition for `event` leaves the case's state.
        RoleRefused: the actor holds no role a transition for the event allows here (or,
            in ``required`` mode, carries none).
        InvalidPayload: the payload fails the event's declared fields.
        GuardFailed: a guard is false (its words and legal basis; a soft one says how to
            pass it), or an extension is beyond its limits.
        InvalidPayload: also an override naming a guard of no candidate transition, or a
            hard guard.
        EventNotAllowed: also a ``to_previous`` transition on a case with no previous state.
        CalendarNotPublished: a deadline reaches a year the calendar does not cover.
        InvalidInput: the expressions read other cases and `relations` is None.
    """
    state = snapshot.state
    candidates = compiled.table.get((state, event))
    if candidates is None:
        raise not_allowed(compiled, snapshot, event)
    held = None
    if by_law or fired is not None:
        by_law = True
    elif actor is not None and not isinstance(actor, str):
        held = frozenset(actor.roles)
        candidates = permitted(compiled, snapshot, event, candidates, held, roles)
    elif roles == "required":
        candidates = permitted(compiled, snapshot, event, candidates, None, roles)
    reasons = checked_overrides(snapshot, event, candidates, overrides) if overrides else _EMPTY
    first = candidates[0]
    # payload
    fields = first.payload
    if fields is not None:
        try:
            typed_payload: Mapping[str, Any] = fields.validate(payload or {})
        except InvalidCaseData as error:
            rule = str(error).replace(f"invalid {fields.name}: ", "")
            raise refusal(
                InvalidPayload, snapshot, event, f"invalid payload: {rule}", first.basis
            ) from None
    elif payload:
        raise refusal(
            InvalidPayload,
            snapshot,
            event,
            f"event {event!r} takes no payload (got {', '.join(sorted(payload))})",
            first.basis,
        )
    else:
        typed_payload = _EMPTY
    day = at.date()
    data = snapshot.data
    variables = scope(data, typed_payload, day, state, calendar)
    hidden: Mapping[str, Any] | None = None
    reads = NO_READS
    others = needed(compiled, state, event)
    if others:  # other cases, read once for every scope below (and for a replay)
        hidden, reads = fill(others, relations, compiled, snapshot, variables)
        variables.update(hidden)
    # guards: the first candidate whose guards all hold
    chosen: TransitionPlan | None = None
    failures: list[tuple[str, str]] = []
    passed: list[tuple[str, str]] | None = None  # the soft guards passed with a reason
    for plan in candidates:
        passed = None
        for guard in plan.guards:
            if guard_holds(guard, variables):
                continue
            if reasons and guard.soft and guard.id in reasons:
                passed = [] if passed is None else passed
                passed.append((guard.id, reasons[guard.id]))
                continue
            reason = guard_failure(guard, variables, compiled.data_fields.fields)
            note = soft_note(guard) if guard.soft else ""
            failures.append(((reason or "") + note, guard.basis))
            break
        else:
            chosen = plan
            break
    if chosen is None:
        rule = "; ".join(reason for reason, _ in failures)
        basis = "; ".join(dict.fromkeys(b for _, b in failures if b))
        raise refusal(GuardFailed, snapshot, event, rule, basis)
    effects = chosen.effects
    target = chosen.target
    if chosen.to_previous:
        back = snapshot.previous_state
        if back is None:
            raise refusal(
                EventNotAllowed,
                snapshot,
                event,
                f"transition {chosen.transition.id!r} returns to the previous state, and the "
                f"case has been in no other state before {state!r}",
                chosen.basis,
            )
        target = back
        effects = compiled.effects_to(chosen, back)
    # extensions are checked before anything changes
    asked: dict[str, Period] | None = None
    for deadline in effects.extended:
        wanted = deadlines.extension_asked(deadline, variables)
        if isinstance(wanted, str):
            raise refusal(GuardFailed, snapshot, event, wanted, deadline.extension_basis)
        refused = extension_refusal(deadline, snapshot.timer(deadline.id), wanted)
        if refused is not None:
            raise refusal(GuardFailed, snapshot, event, refused, deadline.extension_basis)
        if asked is None:
            asked = {}
        asked[deadline.id] = wanted
    # assignments, computed on the data before the event
    if chosen.assigns:
        updated = dict(data)
        for name, expression, kind, copies, constant in chosen.assigns:
            if constant is not VARIES:  # typed when the process was compiled
                updated[name] = constant
                continue
            if copies:  # a bare reference to a value of this field's type: already valid
                updated[name] = expression.value(variables)
                continue
            try:
                value = from_cel(expression.evaluate(variables), kind)
                updated[name] = compiled.data_fields.validate_one(name, value)
            except CalendarNotPublished:
                raise
            except InvalidInput as error:
                raise refusal(
                    InvalidPayload, snapshot, event, f"cannot set {name!r}: {error}", chosen.basis
                ) from None
        data = updated
    # deadlines
    timers = snapshot.timers
    changes: list[TimerChange] = []
    has_effects = bool(effects) if chosen.to_previous else chosen.has_effects
    if fired is not None or has_effects:
        cal = calendar if calendar is not None else china()
        timer_list = list(timers)
        if fired is not None:
            plan_f = compiled.deadlines.get(fired.deadline)
            index = index_of(timer_list, fired)
            if plan_f is not None and index is not None:
                timer_list[index], change = deadlines.expire(plan_f, fired, on=day, fired=True)
                changes.append(change)
        if has_effects:
            scope_after = (
                variables
                if data is snapshot.data
                else scope(data, typed_payload, day, target, calendar, hidden)
            )
            _effects(effects, timer_list, changes, at, day, scope_after, cal, asked)
        timers = tuple(timer_list)
    # Only expire() marks a case overdue; an event can only end that (by meeting the
    # deadline late, cancelling it, or firing it).
    overdue = snapshot.overdue and any(t.status is _OVERDUE for t in timers)
    version = snapshot.version + 1
    new = _new(
        CaseSnapshot,
        (
            snapshot.case_id,
            snapshot.process_id,
            snapshot.process_version,
            target,
            data,
            version,
            snapshot.started_at,
            at if at > snapshot.updated_at else snapshot.updated_at,
            timers,
            snapshot.parent_id,
            overdue,
            state if target != state else snapshot.previous_state,
        ),
    )
    spawn: tuple[ChildStart, ...] = ()
    if chosen.children:
        spawn = _children(chosen, scope(data, typed_payload, day, target, calendar, hidden))
    signals: tuple[Signal | Broadcast, ...] = ()
    finishes = target in compiled.finals and target != state
    if chosen.signals or (finishes and compiled.signal is not None):
        after = scope(data, typed_payload, day, target, calendar, hidden)
        signals = outgoing(compiled, chosen, new, after, finishes)
    entry = _new(
        JournalEntry,
        (
            version,
            event,
            state,
            target,
            at,
            actor_id(actor),
            fields.dump(typed_payload) if fields is not None else {},
            chosen.basis,
            tuple(changes),
            fired is not None,
            tuple(passed) if passed else (),
            SYSTEM_ROLE if by_law else role_taken(compiled, chosen, held),
            reads,
        ),
    )
    return _new(Step, (new, entry, spawn, signals, ()))


def _children(chosen: TransitionPlan, variables: dict[str, Any]) -> tuple[ChildStart, ...]:
    """The children a transition starts: each of its children, once per item with for_each."""
    spawn = []
    for child in chosen.children:
        items: Any = [None]
        if child.for_each is not None:
            items = child.for_each.evaluate(variables)
            if items is None:  # an optional list not given: no item, no child
                items = []
            if not isinstance(items, list):
                raise InvalidInput(f"child {child.process!r}: for_each gives no list: {items!r}")
        for item in items:
            if child.for_each is not None:
                variables["item"] = item
            what = f"child {child.process!r}"
            if child.when is None or holds(child.when, variables, what):
                data = {k: e.value(variables) for k, e in child.data}
                spawn.append(ChildStart(child.process, data))
    return tuple(spawn)


def index_of(timers: list[TimerSnapshot], timer: TimerSnapshot) -> int | None:
    """The index of `timer` (the same run of its deadline) in `timers`, or None."""
    for index in range(len(timers) - 1, -1, -1):
        if timers[index] is timer or timers[index] == timer:
            return index
    return None


def _running(timers: list[TimerSnapshot], deadline: str) -> int | None:
    """The index of the running timer of `deadline`, or None."""
    for index in range(len(timers) - 1, -1, -1):
        timer = timers[index]
        if timer.deadline == deadline:
            status = timer.status  # by identity: hashing an enum member is a Python call
            running = status is _ARMED or status is _SUSPENDED or status is _OVERDUE
            return index if running else None
    return None


def _latest(timers: list[TimerSnapshot], deadline: str) -> int | None:
    for index in range(len(timers) - 1, -1, -1):
        if timers[index].deadline == deadline:
            return index
    return None


def _effects(
    effects: Effects,
    timers: list[TimerSnapshot],
    changes: list[TimerChange],
    at: datetime,
    day: date,
    variables: Mapping[str, Any],
    cal: Calendar,
    asked: Mapping[str, Period] | None = None,
) -> None:
    for plan in effects.met:
        if plan.recurring:
            recurrence.meet(plan, timers, changes, on=day, variables=variables, calendar=cal)
            continue
        index = _running(timers, plan.id)
        if index is not None:
            timers[index], change = deadlines.meet(plan, timers[index], on=day)
            changes.append(change)
    for plan in effects.cancelled:
        if plan.recurring:
            recurrence.cancel(plan, timers, changes, on=day)
            continue
        index = _running(timers, plan.id)
        if index is not None:
            timers[index], change = deadlines.cancel(plan, timers[index], on=day)
            changes.append(change)
    if effects.only_ends:
        return
    for plan in effects.suspended:
        index = _running(timers, plan.id)
        if index is not None and timers[index].status is _ARMED:
            timers[index], change = deadlines.suspend(plan, timers[index], at=at, calendar=cal)
            changes.append(change)
    for plan in effects.resumed:
        index = _running(timers, plan.id)
        if index is not None and timers[index].status is _SUSPENDED:
            timers[index], change = deadlines.resume(plan, timers[index], at=at, calendar=cal)
            changes.append(change)
    for plan in effects.extended:
        index = _running(timers, plan.id)
        if index is not None:
            timers[index], change = deadlines.extend(
                plan, timers[index], on=day, calendar=cal, added=(asked or {}).get(plan.id)
            )
            changes.append(change)
    for plan in effects.started:
        started = _start_timer(plan, variables, at, day, cal)
        if started is None:  # its start condition is false: nothing starts or stops
            continue
        if plan.recurring:  # started again: the open occurrences end, a new series begins
            recurrence.cancel(plan, timers, changes, on=day)
            timers.append(started[0])
            changes.append(started[1])
            continue
        index = _running(timers, plan.id)
        if index is not None:  # started again while running: the old run is cancelled
            timers[index], change = deadlines.cancel(plan, timers[index], on=day)
            changes.append(change)
        timer, change = started
        # A snapshot keeps the latest run of each deadline (the journal keeps them all), so
        # a deadline started again takes its previous run's place.
        last = _latest(timers, plan.id)
        if last is None:
            timers.append(timer)
        else:
            timers[last] = timer
        changes.append(change)


def _anchor(
    plan: DeadlinePlan,
    variables: Mapping[str, Any],
    at: datetime,
    expression: Expression | None = None,
    what: str = "anchor",
) -> date | datetime:
    """The day (or instant) `expression` (default: the anchor) gives."""
    expression = plan.anchor if expression is None else expression
    if expression is None:
        return at if plan.is_hours else at.date()
    value = from_cel(expression.evaluate(variables), None)
    if isinstance(value, datetime):
        return value if plan.is_hours else value.date()
    if isinstance(value, date):
        return value
    raise InvalidInput(
        f"deadline {plan.id!r}: {what} {expression.source!r} gave {value!r}, not a date"
    )


def _start_timer(
    plan: DeadlinePlan, variables: Mapping[str, Any], at: datetime, day: date, cal: Calendar
) -> tuple[TimerSnapshot, TimerChange] | None:
    """Start `plan`'s deadline, or None when its start condition (``when``) is false."""
    when = plan.start_when
    if when is not None and not holds(when, variables, f"deadline {plan.id!r}"):
        return None
    if plan.recurring:
        after = day if plan.anchor is None else _anchor(plan, variables, at)
        after_day = after.date() if isinstance(after, datetime) else after
        return recurrence.start(plan, on=day, after=after_day, variables=variables, calendar=cal)
    if plan.ends_on is not None:
        until = _anchor(plan, variables, at, plan.ends_on, "ends_on")
        day_until = until.date() if isinstance(until, datetime) else until
        return deadlines.start_until(plan, on=day, until=day_until, calendar=cal)
    anchor = day if plan.anchor is None and not plan.is_hours else _anchor(plan, variables, at)
    return deadlines.start(plan, on=day, anchor=anchor, calendar=cal)
