"""allowed() and enabled(): which events leave a case's state, and whether their guards pass.

:func:`allowed` puts every refusal into words (for people: ``case show``, notebooks);
:func:`enabled` answers only the choice, remembered per process (the simulator asks it
before every step). Neither changes the case; neither knows the payload yet, so a guard
that reads it is left for the event itself.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from policyflow.legaltime import Calendar
from policyflow.runtime.compiled import CompiledProcess
from policyflow.runtime.deadlines import extension_refusal
from policyflow.runtime.overrides import soft_note
from policyflow.runtime.refusal import guard_failure
from policyflow.runtime.scope import guard_holds, scope
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot, TimerStatus

__all__ = ["AllowedEvent", "allowed", "enabled"]

_NOTHING: frozenset[str] = frozenset()
_MEMO_SIZE = 100_000  # answers of enabled() kept per process before the memo starts again


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
    that would extend a deadline beyond its limits is not ok. A false soft guard makes
    its event not ok, the reason saying it may be passed with a recorded reason. A
    ``to_previous`` transition's ``to_state`` is the case's previous state. Guards that
    count legal time count on `calendar` (default: ``legaltime.china()``).
    """
    day = (at or snapshot.updated_at).date()
    variables = scope(snapshot.data, None, day, snapshot.state, calendar)
    result: list[AllowedEvent] = []
    for plan in compiled.by_state.get(snapshot.state, ()):
        reason = None
        for guard in plan.guards:
            if guard.reads_payload:
                continue
            failed = guard_failure(guard, variables, compiled.data_fields.fields)
            if failed is not None:
                reason = failed + (soft_note(guard) if guard.soft else "")
                break
        if reason is None:
            for deadline in plan.effects.extended:
                reason = extension_refusal(deadline, snapshot.timer(deadline.id))
                if reason is not None:
                    break
        target = plan.target
        if plan.to_previous:
            target = snapshot.previous_state or target
        result.append(AllowedEvent(plan.event, target, reason is None, reason, plan.basis))
    return tuple(result)


def enabled(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    *,
    at: datetime | None = None,
    calendar: Calendar | None = None,
    overrides: Collection[str] = (),
) -> frozenset[str]:
    """The events :func:`allowed` lists as ok, without putting the refusals into words.

    `overrides` names soft guards the caller would pass with a reason (the simulator's
    scenario gives them): those count as holding.

    For callers that only need the choice (the simulator asks this before every step).
    The answer is remembered by what decides it (:class:`~.compiled.Enabling`): the
    state, the case fields its guards read, with their types (``True`` is not ``1``,
    ``1.0`` is not ``1``), the day and calendar if they read them, and the deadlines its
    events extend.
    """
    state = snapshot.state
    facts = compiled.enabling.get(state)
    if facts is None:
        return _NOTHING  # no transition leaves the state
    if facts.unconditional is facts.leaving or facts.unconditional == facts.leaving:
        return facts.leaving  # nothing here is ever refused before its payload is known
    day = (at or snapshot.updated_at).date()
    data = snapshot.data
    values = tuple([data.get(name) for name in facts.fields])
    key: tuple[Any, ...] = (
        state,
        values,
        tuple(map(type, values)),  # equal values of other types answer apart
        day if facts.reads_today else None,
        calendar if facts.reads_calendar else None,
        tuple([_extension_key(snapshot.timer(deadline)) for deadline in facts.extended]),
    )
    passed: frozenset[str] = frozenset(overrides) if overrides else _NOTHING
    if passed:
        key = (*key, passed)  # a longer key: never equal to one without overrides
    memo = compiled.enabled_memo
    try:
        found = memo.get(key)
    except TypeError:  # a value that cannot be hashed: answered, not remembered
        return _enabled(compiled, snapshot, day, calendar, passed)
    if found is None:
        found = _enabled(compiled, snapshot, day, calendar, passed)
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = found
    return found


def _extension_key(timer: TimerSnapshot | None) -> tuple[TimerStatus, tuple[str, ...]] | None:
    """What :func:`extension_refusal` reads of a deadline's timer."""
    return None if timer is None else (timer.status, timer.extensions)


def _enabled(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    day: date,
    calendar: Calendar | None,
    passed: frozenset[str] = _NOTHING,
) -> frozenset[str]:
    variables = scope(snapshot.data, None, day, snapshot.state, calendar)
    found: set[str] = set()
    for plan in compiled.by_state.get(snapshot.state, ()):
        if plan.event in found:
            continue
        for guard in plan.guards:
            if (
                not guard.reads_payload
                and not (guard.soft and guard.id in passed)
                and not guard_holds(guard, variables)
            ):
                break
        else:
            extended = plan.effects.extended
            if not extended or not any(
                extension_refusal(deadline, snapshot.timer(deadline.id)) is not None
                for deadline in extended
            ):
                found.add(plan.event)
    return frozenset(found)
