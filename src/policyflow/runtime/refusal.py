"""A refusal in words: which rule said no, on which case, in which state, citing its article.

Every :class:`~policyflow.errors.TransitionRefused` the runtime raises is made here, so
that the command line, the engine and the simulator all say a refusal the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policyflow.definition.expressions import closest
from policyflow.definition.fields import format_value
from policyflow.definition.model import Field, basis_text
from policyflow.errors import CalendarNotPublished, EventNotAllowed, InvalidInput, TransitionRefused
from policyflow.runtime.compiled import CompiledProcess, GuardPlan
from policyflow.runtime.snapshot import CaseSnapshot

__all__ = ["guard_failure", "not_allowed", "refusal"]

# {field} or {payload.field} in a guard's English words
_WORDS = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\}")


def _words(guard: GuardPlan, variables: Mapping[str, Any], fields: Mapping[str, Field]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("payload."):
            payload = variables.get("payload") or {}
            return format_value(payload.get(name.split(".", 1)[1]))
        field = fields.get(name)
        return format_value(variables.get(name), field.element_type if field else None)

    return _WORDS.sub(value, guard.en)


def guard_failure(
    guard: GuardPlan, variables: Mapping[str, Any], fields: Mapping[str, Field]
) -> str | None:
    """None if the guard holds, else its reason in words, its values filled in."""
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
    """The refusal of an event no transition takes from the case's state."""
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
    return refusal(EventNotAllowed, snapshot, event, rule, basis)
