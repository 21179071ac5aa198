"""Reopening and history: where a ``to_previous`` transition can go, and their checks.

A transition with ``to_previous: true`` sends a case back to the state it was in before
it entered the current one (an appeal dismissed: back to the decision, 国科发监〔2023〕167号
第十八条; a change review that suspends a running status and returns to it). Where that is
depends on the case; the states it *can* be are known from the definition: the states a
transition leads from into the current one. :func:`return_states` computes them, so that
the linter, the diagrams and the compiled process (which prepares each return's deadline
effects) agree.

A transition out of a final state must say ``reopens: true``: a final state ends a case,
unless the law lets a decision be reopened (an appeal). The checks are here, run by
:mod:`policyflow.definition.checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from policyflow.definition.model import Process

__all__ = ["check_history", "return_states"]


def return_states(process: Process) -> dict[str, tuple[str, ...]]:
    """For each state, the states a case can have been in just before it, in file order.

    A case's previous state is the state it left when it entered its current one: the
    source of a transition into it from another state. A ``to_previous`` transition into
    it counts with each state it can return to from; a transition that stays (no ``to``,
    or ``to`` its own source) changes no state and counts for none. The answer is the
    least fixed point of these rules; a state no transition enters (the initial state
    of a case never moved) has none.
    """
    order = {state.id: index for index, state in enumerate(process.states)}
    found: dict[str, set[str]] = {state.id: set() for state in process.states}
    changed = True
    while changed:
        changed = False
        for transition in process.transitions:
            for source in transition.from_:
                if transition.to_previous:
                    targets = found.get(source, set())
                elif transition.to is not None:
                    targets = {transition.to}
                else:
                    continue
                for target in targets:
                    if target != source and target in found and source not in found[target]:
                        found[target].add(source)
                        changed = True
    return {
        state: tuple(sorted(sources, key=lambda s: order.get(s, len(order))))
        for state, sources in found.items()
    }


def targets(process: Process, returns: Mapping[str, tuple[str, ...]]) -> dict[int, set[str]]:
    """Transition index → every state it can lead to (a ``to_previous`` one: its returns)."""
    found: dict[int, set[str]] = {}
    for index, transition in enumerate(process.transitions):
        if transition.to_previous:
            found[index] = {t for s in transition.from_ for t in returns.get(s, ())}
        else:
            found[index] = {transition.target(s) for s in transition.from_}
    return found


Add = Callable[..., None]


def check_history(process: Process, add: Add) -> None:
    """Report the faults of ``reopens`` and ``to_previous``, each where it is written.

    `add` is the checker's ``add(where, code, message, blocking=...)``. A transition out of
    a final state without ``reopens`` is reported by the transition checks themselves.
    """
    finals = {state.id for state in process.states if state.final}
    returns = return_states(process)
    for index, transition in enumerate(process.transitions):
        where: tuple[Any, ...] = ("transitions", index)
        name = f"transition {transition.id!r}"
        if transition.reopens and not any(s in finals for s in transition.from_):
            add(
                (*where, "reopens"),
                "final",
                f"{name} says reopens: true but leaves no final state: only a transition "
                "out of a final state reopens a case (an appeal against a decision)",
            )
        if not transition.to_previous:
            continue
        if transition.to is not None:
            add(
                (*where, "to_previous"),
                "history",
                f"{name} has both 'to' and 'to_previous': give one (to_previous returns the "
                "case to the state it was in before)",
                blocking=True,
            )
            continue
        for number, source in enumerate(transition.from_):
            if source in returns and not returns[source]:
                add(
                    (*where, "from", number),
                    "history",
                    f"{name} returns to the previous state, but no transition leads into "
                    f"{source!r} from another state: there is none to return to",
                )
