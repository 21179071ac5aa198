"""What an expression sees when the runtime evaluates it, and whether a guard holds.

A guard, an assignment, a deadline's anchor or start condition and a child's data are CEL
expressions over one scope: the case data, the event's payload, the legal day, the state
and (when the caller gave one) the calendar the legal-time functions count on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from policyflow.definition.expressions import CALENDAR, Expression
from policyflow.errors import CalendarNotPublished, InvalidInput
from policyflow.legaltime import Calendar
from policyflow.runtime.compiled import GuardPlan

__all__ = ["guard_holds", "holds", "scope"]


def scope(
    data: Mapping[str, Any],
    payload: Mapping[str, Any] | None,
    day: date,
    state: str,
    calendar: Calendar | None = None,
    hidden: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The variables of one evaluation: the data, ``payload``, ``today`` and ``state``.

    `hidden` holds the reads of other cases the expressions make, as their hidden
    variables (:mod:`policyflow.runtime.reads`).
    """
    variables = dict(data)
    variables["payload"] = payload
    variables["today"] = day
    variables["state"] = state
    if calendar is not None:  # for the legal-time functions (absent: legaltime.china())
        variables[CALENDAR] = calendar
    if hidden:
        variables.update(hidden)
    return variables


def guard_holds(guard: GuardPlan, variables: Mapping[str, Any]) -> bool:
    """Whether the guard is true; a guard that cannot be evaluated is not.

    Raises:
        CalendarNotPublished: it counts on a year the calendar does not cover (that is
            not a false guard: the calendar cannot answer).
    """
    try:
        return guard.expression.evaluate(variables) is True
    except CalendarNotPublished:
        raise
    except InvalidInput:
        return False


def holds(expression: Expression, variables: Mapping[str, Any], what: str) -> bool:
    """Evaluate a start condition (of a deadline or a child case).

    Raises:
        CalendarNotPublished: it counts on a year the calendar does not cover.
        InvalidInput: it cannot be evaluated on these values, naming `what`.
    """
    try:
        return expression.evaluate(variables) is True
    except CalendarNotPublished:
        raise
    except InvalidInput as error:
        raise InvalidInput(f"{what}: start condition cannot be evaluated: {error}") from None
