"""A refusal in words: which rule said no, on which case, in which state, citing its article.

Every :class:`~policyflow.errors.TransitionRefused` the runtime raises is made here, so
that the command line, the engine and the simulator all say a refusal the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policyflow.definition.expressions import CALENDAR, closest
from policyflow.definition.fields import format_value
from policyflow.definition.model import Field, basis_text
from policyflow.definition.relations import as_written
from policyflow.errors import (
    CalendarNotPublished,
    EventNotAllowed,
    InvalidInput,
    TransitionRefused,
    UnknownEvent,
)
from policyflow.runtime.compiled import CompiledProcess, GuardPlan
from policyflow.runtime.snapshot import CaseSnapshot

__all__ = ["guard_failure", "not_allowed", "refusal"]

# {field} or {payload.field} in a guard's English words
_WORDS = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\}")
# names in a scope that are not values a person gave: the payload as a whole, the calendar
_NOT_SHOWN = frozenset({"payload", CALENDAR})


def _judged(guard: GuardPlan) -> list[str]:
    """The values the guard reads: its payload fields, then the case's names, in order."""
    expression = guard.expression
    return [f"payload.{name}" for name in sorted(expression.payload_names)] + [
        name for name in expression.names if name not in _NOT_SHOWN
    ]


def _lookup(
    name: str, guard: GuardPlan, variables: Mapping[str, Any], fields: Mapping[str, Field]
) -> tuple[str, str]:
    """Where `{name}` in the guard's words takes its value, and that value in words.

    ``{payload.x}`` is the request's ``x``. ``{x}`` is the case's field ``x``, unless the
    guard judges the request's ``x`` and not the case's (``payload.officers >= 2`` worded
    "assigned {officers}"): then it is the request's, the value that was refused.
    """
    payload = variables.get("payload") or {}
    expression = guard.expression
    field = fields.get(name)
    kind = field.element_type if field is not None else None
    if name.startswith("payload."):
        key = name.split(".", 1)[1]
        return name, format_value(payload.get(key), kind)
    from_request = name in payload and (
        field is None or (name in expression.payload_names and name not in expression.names)
    )
    if from_request:
        return f"payload.{name}", format_value(payload[name], kind)
    return name, format_value(variables.get(name), kind)


def _words(guard: GuardPlan, variables: Mapping[str, Any], fields: Mapping[str, Field]) -> str:
    """The guard's English words with their values filled in, then any other value it judged.

    A refusal shows every value the guard read, from the request and the case together:
    those its words name in place, the others after them (``judged payload.is_written =
    false, today = 2023-10-12``).
    """
    shown: set[str] = set()

    def value(match: re.Match[str]) -> str:
        source, text = _lookup(match.group(1), guard, variables, fields)
        shown.add(source)
        return text

    words = _WORDS.sub(value, guard.en)
    rest = [name for name in _judged(guard) if name not in shown]
    if not rest:
        return words
    values = []
    for name in rest:
        _, text = _lookup(name, guard, variables, fields)
        values.append(f"{as_written(name)} = {text}")  # a read of others as written
    return f"{words} (judged {', '.join(values)})"


def guard_failure(
    guard: GuardPlan, variables: Mapping[str, Any], fields: Mapping[str, Field]
) -> str | None:
    """None if the guard holds, else its reason in words, with the values it judged."""
    try:
        if guard.expression.evaluate(variables) is True:
            return None
        detail = ""
    except CalendarNotPublished:
        raise  # not a false guard: the calendar cannot answer
    except InvalidInput as error:
        detail = f" (it could not be evaluated: {error})"
    return f"guard {guard.id!r} is false: {_words(guard, variables, fields)}{detail}"


def refusal(
    kind: type[TransitionRefused], snapshot: CaseSnapshot, event: str, rule: str, basis: str
) -> TransitionRefused:
    """The refusal of `event` on the case as it stands in `snapshot`, by `rule` [`basis`]."""
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


def not_allowed(compiled: CompiledProcess, snapshot: CaseSnapshot, event: str) -> TransitionRefused:
    """The refusal of an event no transition takes from the case's state.

    An event the process does not have at all is an :class:`UnknownEvent` (exit 2: the
    request is wrong in any state), naming the closest event it does have.
    """
    state = snapshot.state
    here = sorted({p.event for p in compiled.by_state.get(state, ())})
    basis = basis_text(compiled.states[state].basis) if state in compiled.states else ""
    if event not in compiled.events:
        rule = f"the process has no event {event!r}{closest(event, compiled.events)}"
        return refusal(UnknownEvent, snapshot, event, rule, "")  # no article: no such act
    if state in compiled.finals and not here:
        rule = f"state {state!r} is final: the case has ended"
    elif state in compiled.finals:  # a decision that may be reopened (reopens: true)
        reopening = ", ".join(repr(e) for e in here)
        rule = f"state {state!r} is final: only a reopening event leaves it ({reopening})"
    else:
        allowed_here = ", ".join(repr(e) for e in here) or "none"
        rule = f"no transition for {event!r} leaves state {state!r} (allowed here: {allowed_here})"
    return refusal(EventNotAllowed, snapshot, event, rule, basis)
