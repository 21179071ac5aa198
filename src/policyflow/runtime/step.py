"""start(), allowed(), apply() and expire(): the pure semantics of a process.

Business times are naive datetimes in China Standard Time; the legal day of an event is
``at.date()``. Nothing here reads a clock, a file or a database: the engine and the
simulator pass the time in and persist (or keep) what comes out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from policyflow.definition.expressions import CALENDAR, Expression, closest, from_cel
from policyflow.definition.fields import format_value
from policyflow.definition.model import Field, basis_text
from policyflow.errors import (
    CalendarNotPublished,
    EventNotAllowed,
    GuardFailed,
    InvalidCaseData,
    InvalidInput,
    InvalidPayload,
    TransitionRefused,
)
from policyflow.legaltime import Calendar, Period, china
from policyflow.runtime import deadlines
from policyflow.runtime.compiled import (
    VARIES,
    CompiledProcess,
    DeadlinePlan,
    Effects,
    GuardPlan,
    TransitionPlan,
)
from policyflow.runtime.deadlines import extension_refusal
from policyflow.runtime.journal import JournalEntry, TimerAction, TimerChange
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot, TimerStatus

__all__ = [
    "AllowedEvent",
    "ChildStart",
    "ParentSignal",
    "Step",
    "allowed",
    "apply",
    "due_timers",
    "enabled",
    "expire",
    "start",
]


@dataclass(frozen=True, slots=True)
class ChildStart:
    """A child case (a sub-procedure, a BPMN call activity) the event asks to start.

    Attributes:
        process_id: the child's process id, such as ``most-penalty.recusal``.
        data: the child's initial case data (already computed from the parent).
    """

    process_id: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ParentSignal:
    """An event a child case that reached a final state sends to its parent.

    Attributes:
        parent_id: the parent case.
        event: the parent's event to apply.
        payload: its payload.
    """

    parent_id: str
    event: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AllowedEvent:
    """One event leaving the current state, with its guard's outcome.

    Attributes:
        event: the event's id.
        to_state: where it would go.
        ok: whether its guard passes on the current data (payload not yet known).
        reason: why not, in words, when not ok.
        basis: the legal basis of the transition.
    """

    event: str
    to_state: str
    ok: bool
    reason: str | None
    basis: str


class Step(NamedTuple):
    """The outcome of one applied event: the new snapshot and what to record.

    Attributes:
        snapshot: the case after the event.
        entry: the journal entry of the event.
        spawn: child cases to start, in order.
        signal: an event for the parent case, when this case reached a final state.
    """

    snapshot: CaseSnapshot
    entry: JournalEntry
    spawn: tuple[ChildStart, ...] = ()
    signal: ParentSignal | None = None

    @property
    def changes(self) -> tuple[TimerChange, ...]:
        """The deadline changes the event made."""
        return self.entry.timer_changes


# --- the step functions -------------------------------------------------------------------

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_WORDS = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\}")
_MAX_EXPIRIES = 1000
_NOTHING: frozenset[str] = frozenset()
_MEMO_SIZE = 100_000  # answers of enabled() kept per process before the memo starts again
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
    actor: str | None = None,
    parent_id: str | None = None,
    calendar: Calendar | None = None,
) -> Step:
    """Start a case of `compiled` in its initial state.

    The journal entry has sequence 1, event ``start``, no from-state and the initial data
    (JSON-ready) as payload; deadlines started on entry of the initial state start, counted
    from the day of `at`.

    Raises:
        InvalidCaseData: `data` fail the process's fields (naming the field and its type).
        CalendarNotPublished: a deadline reaches a year the calendar does not cover.
    """
    cal = calendar if calendar is not None else china()
    typed = compiled.validate_data(data)
    state = compiled.initial
    timers: list[TimerSnapshot] = []
    changes: list[TimerChange] = []
    day = at.date()
    scope = _scope(typed, _EMPTY, day, state, cal)
    for plan in compiled.initial_effects.started:
        started = _start_timer(plan, scope, at, day, cal)
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
            actor,
            compiled.dump_data(typed),
            compiled.initial_basis,
            tuple(changes),
            False,
        ),
    )
    return _new(Step, (snapshot, entry, (), None))


def allowed(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    *,
    at: datetime | None = None,
    calendar: Calendar | None = None,
) -> tuple[AllowedEvent, ...]:
    """The events leaving the case's state, each with its guard's outcome on the data now.

    A guard that reads the payload cannot be decided before the payload is known: its
    event is listed as ok (the guard is checked again when the event is applied). An event
    that would extend a deadline beyond its limits is not ok. Guards that count legal time
    count on `calendar` (default: ``legaltime.china()``).
    """
    day = (at or snapshot.updated_at).date()
    scope = _scope(snapshot.data, None, day, snapshot.state, calendar)
    result: list[AllowedEvent] = []
    for plan in compiled.by_state.get(snapshot.state, ()):
        reason = None
        for guard in plan.guards:
            if guard.reads_payload:
                continue
            failed = _guard_failure(guard, scope, compiled.data_fields.fields)
            if failed is not None:
                reason = failed
                break
        if reason is None:
            for deadline in plan.effects.extended:
                reason = extension_refusal(deadline, snapshot.timer(deadline.id))
                if reason is not None:
                    break
        result.append(AllowedEvent(plan.event, plan.target, reason is None, reason, plan.basis))
    return tuple(result)


def enabled(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    *,
    at: datetime | None = None,
    calendar: Calendar | None = None,
) -> frozenset[str]:
    """The events :func:`allowed` lists as ok, without putting the refusals into words.

    For callers that only need the choice (the simulator asks this before every step).
    The answer is remembered by what decides it (:class:`~.compiled.Enabling`): the
    state, the case fields its guards read, the day and calendar if they read them, and
    the deadlines its events extend.
    """
    state = snapshot.state
    facts = compiled.enabling.get(state)
    if facts is None:
        return _NOTHING  # no transition leaves the state
    day = (at or snapshot.updated_at).date()
    data = snapshot.data
    key = (
        state,
        tuple([data.get(name) for name in facts.fields]),
        day if facts.reads_today else None,
        calendar if facts.reads_calendar else None,
        tuple([_extension_key(snapshot.timer(deadline)) for deadline in facts.extended]),
    )
    memo = compiled.enabled_memo
    try:
        found = memo.get(key)
    except TypeError:  # a value that cannot be hashed: answered, not remembered
        return _enabled(compiled, snapshot, day, calendar)
    if found is None:
        found = _enabled(compiled, snapshot, day, calendar)
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = found
    return found


def _extension_key(timer: TimerSnapshot | None) -> tuple[TimerStatus, tuple[str, ...]] | None:
    """What :func:`extension_refusal` reads of a deadline's timer."""
    return None if timer is None else (timer.status, timer.extensions)


def _enabled(
    compiled: CompiledProcess, snapshot: CaseSnapshot, day: date, calendar: Calendar | None
) -> frozenset[str]:
    scope = _scope(snapshot.data, None, day, snapshot.state, calendar)
    found: set[str] = set()
    for plan in compiled.by_state.get(snapshot.state, ()):
        if plan.event in found:
            continue
        for guard in plan.guards:
            if not guard.reads_payload and not _guard_holds(guard, scope):
                break
        else:
            extended = plan.effects.extended
            if not extended or not any(
                extension_refusal(deadline, snapshot.timer(deadline.id)) is not None
                for deadline in extended
            ):
                found.add(plan.event)
    return frozenset(found)


def apply(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    event: str,
    payload: Mapping[str, Any] | None = None,
    *,
    at: datetime,
    actor: str | None = None,
    calendar: Calendar | None = None,
) -> Step:
    """Apply `event` to the case at business time `at`; return the new snapshot and record.

    The first transition for (state, event) whose guards all hold is taken: the payload is
    validated, fields are assigned, deadlines are met, cancelled, suspended, resumed,
    extended and started (in that order), child cases are requested, and a case that
    reaches a final state signals its parent.

    Raises:
        EventNotAllowed: no transition for `event` leaves the case's state.
        InvalidPayload: the payload fails the event's declared fields.
        GuardFailed: a guard is false (its words and legal basis), or an extension is
            beyond its limits.
        InvalidInput: `at` is earlier than the case's last event.
        CalendarNotPublished: a deadline reaches a year the calendar does not cover.
    """
    if at < snapshot.updated_at:
        raise InvalidInput(
            f"refused {event!r} on case {snapshot.case_id}: business time {at.isoformat(sep=' ')} "
            f"is earlier than the case's last event at {snapshot.updated_at.isoformat(sep=' ')}"
        )
    return _apply(compiled, snapshot, event, payload, at, actor, calendar, None)


def due_timers(snapshot: CaseSnapshot, now: datetime) -> tuple[TimerSnapshot, ...]:
    """The armed timers that have expired at `now` (``expires_at <= now``), oldest first."""
    found = [
        t
        for t in snapshot.timers
        if t.status is _ARMED and (e := t.expires_at) is not None and e <= now
    ]
    found.sort(key=_expiry_key)
    return tuple(found)


def expire(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    *,
    now: datetime,
    calendar: Calendar | None = None,
) -> tuple[Step, ...]:
    """Expire every armed deadline that has passed at `now`, oldest first: one Step each.

    Deadlines that expire at the same instant expire in the order the process declares
    them, so that a process can say which of two simultaneous legal facts comes first
    (a renewal that was timely before the validity it renews ends). Each entry is
    automatic and recorded at the timer's ``expires_at`` (the legal moment, not `now`).
    A deadline whose definition names an expiry event has that event applied (its
    transition, guards and deadline effects) and becomes ``fired``; if the event is not
    allowed in the case's state by then, or its guard is false, or the deadline names no
    event, the entry's event is ``deadline_expired``, the state does not change, the
    timer becomes ``overdue`` and the case is marked overdue.
    """
    steps: list[Step] = []
    current = snapshot
    for _ in range(_MAX_EXPIRIES):
        due = due_timers(current, now)
        if not due:
            break
        order = compiled.deadline_order
        timer = min(due, key=lambda t: (_expiry_key(t), order.get(t.deadline, len(order))))
        plan = compiled.deadlines.get(timer.deadline)
        expires_at = timer.expires_at
        assert expires_at is not None
        step: Step | None = None
        if plan is not None and plan.expiry_event is not None:
            try:
                step = _apply(
                    compiled, current, plan.expiry_event, None, expires_at, None, calendar, timer
                )
            except TransitionRefused:
                step = None
        if step is None:
            step = _overdue(compiled, current, timer, plan, expires_at)
        steps.append(step)
        current = step.snapshot
    return tuple(steps)


# --- inside ---------------------------------------------------------------------------


def _expiry_key(timer: TimerSnapshot) -> datetime:
    expires_at = timer.expires_at
    assert expires_at is not None
    return expires_at


def _scope(
    data: Mapping[str, Any],
    payload: Mapping[str, Any] | None,
    day: date,
    state: str,
    calendar: Calendar | None = None,
) -> dict[str, Any]:
    scope = dict(data)
    scope["payload"] = payload
    scope["today"] = day
    scope["state"] = state
    if calendar is not None:  # for the legal-time functions (absent: legaltime.china())
        scope[CALENDAR] = calendar
    return scope


def _anchor(
    plan: DeadlinePlan,
    scope: Mapping[str, Any],
    at: datetime,
    expression: Expression | None = None,
    what: str = "anchor",
) -> date | datetime:
    """The day (or instant) `expression` (default: the anchor) gives."""
    expression = plan.anchor if expression is None else expression
    if expression is None:
        return at if plan.is_hours else at.date()
    value = from_cel(expression.evaluate(scope), None)
    if isinstance(value, datetime):
        return value if plan.is_hours else value.date()
    if isinstance(value, date):
        return value
    raise InvalidInput(
        f"deadline {plan.id!r}: {what} {expression.source!r} gave {value!r}, not a date"
    )


def _holds(expression: Expression, scope: Mapping[str, Any], what: str) -> bool:
    """Evaluate a start condition (of a deadline or a child case).

    Raises:
        CalendarNotPublished: it counts on a year the calendar does not cover.
        InvalidInput: it cannot be evaluated on these values, naming `what`.
    """
    try:
        return expression.evaluate(scope) is True
    except CalendarNotPublished:
        raise
    except InvalidInput as error:
        raise InvalidInput(f"{what}: start condition cannot be evaluated: {error}") from None


def _start_timer(
    plan: DeadlinePlan, scope: Mapping[str, Any], at: datetime, day: date, cal: Calendar
) -> tuple[TimerSnapshot, TimerChange] | None:
    """Start `plan`'s deadline, or None when its start condition (``when``) is false."""
    when = plan.start_when
    if when is not None and not _holds(when, scope, f"deadline {plan.id!r}"):
        return None
    if plan.ends_on is not None:
        until = _anchor(plan, scope, at, plan.ends_on, "ends_on")
        day_until = until.date() if isinstance(until, datetime) else until
        return deadlines.start_until(plan, on=day, until=day_until, calendar=cal)
    anchor = day if plan.anchor is None and not plan.is_hours else _anchor(plan, scope, at)
    return deadlines.start(plan, on=day, anchor=anchor, calendar=cal)


def _words(guard: GuardPlan, scope: Mapping[str, Any], fields: Mapping[str, Field]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("payload."):
            payload = scope.get("payload") or {}
            return format_value(payload.get(name.split(".", 1)[1]))
        field = fields.get(name)
        return format_value(scope.get(name), field.element_type if field else None)

    return _WORDS.sub(value, guard.en)


def _guard_holds(guard: GuardPlan, scope: Mapping[str, Any]) -> bool:
    """Whether the guard is true; a guard that cannot be evaluated is not.

    Raises:
        CalendarNotPublished: it counts on a year the calendar does not cover (that is
            not a false guard: the calendar cannot answer).
    """
    try:
        return guard.expression.evaluate(scope) is True
    except CalendarNotPublished:
        raise
    except InvalidInput:
        return False


def _guard_failure(
    guard: GuardPlan, scope: Mapping[str, Any], fields: Mapping[str, Field]
) -> str | None:
    """None if the guard holds, else its reason in words."""
    try:
        if guard.expression.evaluate(scope) is True:
            return None
        detail = ""
    except CalendarNotPublished:
        raise  # not a false guard: the calendar cannot answer
    except InvalidInput as error:
        detail = f" (it could not be evaluated: {error})"
    return f"guard {guard.id!r} is false: {_words(guard, scope, fields)}{detail}"


def _refusal(
    kind: type[TransitionRefused], snapshot: CaseSnapshot, event: str, rule: str, basis: str
) -> TransitionRefused:
    where = f"refused {event!r} on case {snapshot.case_id} in state {snapshot.state!r}"
    cited = f" [{basis}]" if basis else ""
    return kind(
        f"{where}: {rule}{cited}",
        case_id=snapshot.case_id,
        state=snapshot.state,
        event=event,
        rule=rule,
        basis=basis or None,
    )


def _apply(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    event: str,
    payload: Mapping[str, Any] | None,
    at: datetime,
    actor: str | None,
    calendar: Calendar | None,
    fired: TimerSnapshot | None,
) -> Step:
    state = snapshot.state
    candidates = compiled.table.get((state, event))
    if candidates is None:
        raise _not_allowed(compiled, snapshot, event)
    first = candidates[0]
    # payload
    fields = first.payload
    if fields is not None:
        try:
            typed_payload: Mapping[str, Any] = fields.validate(payload or {})
        except InvalidCaseData as error:
            rule = str(error).replace(f"invalid {fields.name}: ", "")
            raise _refusal(
                InvalidPayload, snapshot, event, f"invalid payload: {rule}", first.basis
            ) from None
    elif payload:
        raise _refusal(
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
    scope = _scope(data, typed_payload, day, state, calendar)
    # guards: the first candidate whose guards all hold
    chosen: TransitionPlan | None = None
    failures: list[tuple[str, str]] = []
    for plan in candidates:
        for guard in plan.guards:
            if _guard_holds(guard, scope):
                continue
            reason = _guard_failure(guard, scope, compiled.data_fields.fields)
            failures.append((reason or "", guard.basis))
            break
        else:
            chosen = plan
            break
    if chosen is None:
        rule = "; ".join(reason for reason, _ in failures)
        basis = "; ".join(dict.fromkeys(b for _, b in failures if b))
        raise _refusal(GuardFailed, snapshot, event, rule, basis)
    effects = chosen.effects
    # extensions are checked before anything changes
    asked: dict[str, Period] | None = None
    for deadline in effects.extended:
        wanted = deadlines.extension_asked(deadline, scope)
        if isinstance(wanted, str):
            raise _refusal(GuardFailed, snapshot, event, wanted, deadline.extension_basis)
        refusal = extension_refusal(deadline, snapshot.timer(deadline.id), wanted)
        if refusal is not None:
            raise _refusal(GuardFailed, snapshot, event, refusal, deadline.extension_basis)
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
                updated[name] = expression.value(scope)
                continue
            try:
                value = from_cel(expression.evaluate(scope), kind)
                updated[name] = compiled.data_fields.validate_one(name, value)
            except CalendarNotPublished:
                raise
            except InvalidInput as error:
                raise _refusal(
                    InvalidPayload, snapshot, event, f"cannot set {name!r}: {error}", chosen.basis
                ) from None
        data = updated
    target = chosen.target
    # deadlines
    timers = snapshot.timers
    changes: list[TimerChange] = []
    if fired is not None or chosen.has_effects:
        cal = calendar if calendar is not None else china()
        timer_list = list(timers)
        if fired is not None:
            plan_f = compiled.deadlines.get(fired.deadline)
            index = _index_of(timer_list, fired)
            if plan_f is not None and index is not None:
                timer_list[index], change = deadlines.expire(plan_f, fired, on=day, fired=True)
                changes.append(change)
        if chosen.has_effects:
            scope_after = (
                scope
                if data is snapshot.data
                else _scope(data, typed_payload, day, target, calendar)
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
        ),
    )
    spawn: tuple[ChildStart, ...] = ()
    if chosen.children:
        child_scope = _scope(data, typed_payload, day, target, calendar)
        spawn = tuple(
            ChildStart(child.process, {k: e.value(child_scope) for k, e in child.data})
            for child in chosen.children
            if child.when is None or _holds(child.when, child_scope, f"child {child.process!r}")
        )
    signal = None
    if (
        compiled.signal is not None
        and snapshot.parent_id is not None
        and target in compiled.finals
        and target != state
    ):
        signal_scope = _scope(data, None, day, target, calendar)
        signal = ParentSignal(
            snapshot.parent_id,
            compiled.signal.event,
            {k: e.value(signal_scope) for k, e in compiled.signal.payload},
        )
    entry = _new(
        JournalEntry,
        (
            version,
            event,
            state,
            target,
            at,
            actor,
            fields.dump(typed_payload) if fields is not None else {},
            chosen.basis,
            tuple(changes),
            fired is not None,
        ),
    )
    return _new(Step, (new, entry, spawn, signal))


def _index_of(timers: list[TimerSnapshot], timer: TimerSnapshot) -> int | None:
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
    scope: Mapping[str, Any],
    cal: Calendar,
    asked: Mapping[str, Period] | None = None,
) -> None:
    for plan in effects.met:
        index = _running(timers, plan.id)
        if index is not None:
            timers[index], change = deadlines.meet(plan, timers[index], on=day)
            changes.append(change)
    for plan in effects.cancelled:
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
        started = _start_timer(plan, scope, at, day, cal)
        if started is None:  # its start condition is false: nothing starts or stops
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


def _not_allowed(
    compiled: CompiledProcess, snapshot: CaseSnapshot, event: str
) -> TransitionRefused:
    state = snapshot.state
    here = sorted({p.event for p in compiled.by_state.get(state, ())})
    if event not in compiled.events:
        rule = f"the process has no event {event!r}{closest(event, compiled.events)}"
    elif state in compiled.finals:
        rule = f"state {state!r} is final: the case has ended"
    else:
        allowed_here = ", ".join(repr(e) for e in here) or "none"
        rule = f"no transition for {event!r} leaves state {state!r} (allowed here: {allowed_here})"
    basis = basis_text(compiled.states[state].basis) if state in compiled.states else ""
    return _refusal(EventNotAllowed, snapshot, event, rule, basis)


def _overdue(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    timer: TimerSnapshot,
    plan: DeadlinePlan | None,
    at: datetime,
) -> Step:
    timers = list(snapshot.timers)
    index = _index_of(timers, timer)
    day = at.date()
    if plan is not None:
        changed, change = deadlines.expire(plan, timer, on=day, fired=False)
    else:  # a deadline no longer in the definition: mark it, citing nothing
        changed = timer._replace(status=TimerStatus.OVERDUE)
        change = TimerChange(timer.deadline, TimerAction.OVERDUE, day, timer.due, "")
    if index is not None:
        timers[index] = changed
    version = snapshot.version + 1
    new = snapshot._replace(
        version=version,
        updated_at=at if at > snapshot.updated_at else snapshot.updated_at,
        timers=tuple(timers),
        overdue=True,
    )
    entry = JournalEntry(
        version,
        "deadline_expired",
        snapshot.state,
        snapshot.state,
        at,
        None,
        {"deadline": timer.deadline},
        change.basis,
        (change,),
        True,
    )
    return Step(new, entry)
