"""The linter's checks of what a transition does to other cases: children and signals.

Beside checks.py (which runs them) because that module holds every other check. Within one
file: a child's ``for_each``, ``when`` and ``data`` (``item`` bound when it iterates), and
each ``signal``: its payload and ``where`` compile (with ``c`` and ``ranked`` for many
receivers). Across files (lint.py, where the receiving process can be known): the event is
the receiver's, its payload fits, ``rank_by`` names the receiver's fields, and ``where``
and the payload type-check on a typical receiver (:func:`receiver_fault`); and each payload
value has the type of the receiving event's field it fills, money exact
(:func:`payload_faults`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policyflow.definition.checking import Checking, Path_
from policyflow.definition.conversion import sample_value
from policyflow.definition.expressions import (
    SEED,
    closest,
    compile_expression,
    expression_problems,
)
from policyflow.definition.model import Event, Field, FieldType, Process, Transition
from policyflow.definition.signals import SignalSpec
from policyflow.errors import InvalidInput

__all__ = ["RANKABLE", "check_links", "payload_faults", "receiver_fault", "signal_names"]

#: The types a ranking compares exactly (money never reaches another case's item; a
#: decimal is read beside it, for the ranking only: runtime/signals.py).
RANKABLE = frozenset(
    {
        FieldType.INT,
        FieldType.DECIMAL,
        FieldType.STR,
        FieldType.ENUM,
        FieldType.DATE,
        FieldType.DATETIME,
    }
)
#: A message of the single-file dry run that only a typical receiver can settle.
_UNTYPED = "does not type-check"


def signal_names(spec: SignalSpec) -> tuple[str, ...]:
    """The names a signal's payload (and ``where``) may read besides the sender's fields."""
    return ("state", "c", "ranked") if spec.many else ("state",)


def check_links(
    checker: Checking,
    process: Process,
    transition: Transition,
    where: Path_,
    payload: Mapping[str, Field],
) -> None:
    """Check the children `transition` starts and the signals it sends (one file)."""
    name = f"transition {transition.id!r}"
    for number, child in enumerate(transition.start_child):
        cwhere = (*where, "start_child", number)
        what = f"{name} starting {child.process!r}"
        extra: tuple[str, ...] = ()
        if child.for_each is not None:
            checker.cel(
                child.for_each,
                (*cwhere, "for_each"),
                f"{what} (for_each)",
                payload=payload,
                expect=FieldType.LIST,
            )
            extra = ("item",)
        if child.when is not None:
            _cel(checker, child.when, (*cwhere, "when"), f"{what} (when)", payload, "bool", extra)
        for key, source in child.data.items():
            _cel(checker, source, (*cwhere, "data", key), f"{what} ({key})", payload, None, extra)
    for number, spec in enumerate(transition.signal or ()):
        swhere = (*where, "signal", number)
        what = f"{name} signalling {spec.event!r} to {spec.to}"
        names = signal_names(spec)
        if spec.where is not None:
            _cel(checker, spec.where, (*swhere, "where"), f"{what} (where)", payload, "bool", names)
        for key, source in spec.payload.items():
            _cel(
                checker, source, (*swhere, "payload", key), f"{what} ({key})", payload, None, names
            )
        if spec.sample is not None:
            checker.cel(
                spec.sample.seed,
                (*swhere, "sample", "seed"),
                f"{what} (sample seed)",
                payload=payload,
                expect=SEED,
            )
            if isinstance(spec.sample.at_least, str):
                checker.cel(
                    spec.sample.at_least,
                    (*swhere, "sample", "at_least"),
                    f"{what} (sample at_least)",
                    payload=payload,
                    expect=FieldType.INT,
                )
        if spec.to == "cohort" and process.cohort is None:
            checker.add(
                (*swhere, "to"),
                "signal",
                f"{what}: {process.id!r} declares no cohort (cohort: {{process, field}}), so "
                "there is no case to send it to",
            )
        if spec.to == "children" and not any(
            c.process == spec.process for t in process.transitions for c in t.start_child
        ):
            checker.add(
                (*swhere, "process"),
                "signal",
                f"{what}: no transition of {process.id!r} starts a {spec.process!r} child",
                warning=True,
            )


def _cel(
    checker: Checking,
    source: str,
    where: Path_,
    what: str,
    payload: Mapping[str, Field],
    expect: str | None,
    names: tuple[str, ...],
) -> None:
    """Compile one expression; what reads ``c`` or ``item`` is typed only where known.

    A dry run here would give ``c`` (a receiver) or ``item`` (an element of a for_each
    list) a string: its type errors are left to receiver_fault, or to the run.
    """
    if "c" not in names and "item" not in names:
        checker.cel(source, where, what, payload=payload, expect=expect, extra=names)
        return
    try:
        expression = compile_expression(source, checker.fields, payload, expect=expect, extra=names)
    except InvalidInput as error:
        checker.add(where, "cel", f"{what}: {error}", blocking=True)
        return
    for problem in expression_problems(expression):
        if _UNTYPED in problem.message:
            continue
        if problem.offset is None:
            checker.add(where, "cel", f"{what}: CEL {source!r}: {problem.message}", blocking=True)
        else:
            message = f"{what}: {problem.message}"
            checker.add(where, "money", message, blocking=True, inside=(source, problem.offset))


#: Why a receiver's field of these types cannot be read through ``c`` (items.py leaves them
#: out): CEL holds them as scaled ints only where it can tell their type.
_UNREADABLE = {
    FieldType.MONEY: "an amount of money, which another case cannot read (CEL reads an "
    "amount as fen only where it can tell it is one, and it cannot through a relation)",
    FieldType.DECIMAL: "a decimal, which another case cannot read (CEL reads a decimal "
    "exactly only where it can tell it is one, and it cannot through a relation): rank_by "
    "it, or let each receiver compare its own score and read the result (a bool or enum)",
}


def receiver_fault(sender: Process, spec: SignalSpec, receiver: Process) -> str | None:
    """What is wrong with a many-receiver signal on the receivers' process, or None.

    The event must be the receiver's; ``rank_by`` must name fields it has, of a type ranked
    exactly; ``where`` and the payload must evaluate on a typical receiver.
    """
    if receiver.find_event(spec.event) is None:
        known = [e.id for e in receiver.events]
        return (
            f"signals {spec.event!r} to {spec.to} of {receiver.id!r}, which has no such event"
            f"{closest(spec.event, known)}"
        )
    cohort = receiver.cohort
    if spec.to == "members" and (cohort is None or cohort.process != sender.id):
        return (
            f"signals {spec.event!r} to members of {receiver.id!r}, whose cohort is not "
            f"{sender.id!r} (declare cohort: {{process: {sender.id}, field: …}} in it)"
        )
    fields = {f.id: f for f in receiver.fields}
    for rank_key in spec.rank_by or ():
        ranked = fields.get(rank_key.field)
        if ranked is None:
            return (
                f"ranks by {rank_key.field!r}, which {receiver.id!r} does not have"
                f"{closest(rank_key.field, fields)}"
            )
        if ranked.type not in RANKABLE:
            return (
                f"ranks by {rank_key.field!r}, a {ranked.type.value} field: a ranking compares "
                "int, decimal, str, enum, date or datetime fields (money never reaches another "
                "case)"
            )
    if not spec.many:
        return None
    sources = [("where", spec.where)] if spec.where is not None else []
    sources += list(spec.payload.items())
    for name, source in sources:
        for field in receiver.fields:
            why = _UNREADABLE.get(field.element_type)
            if why is not None and re.search(rf"\bc\.{field.id}\b", source):
                return f"signals {spec.event!r}: {name} reads c.{field.id}, {why}"
    item: dict[str, Any] = {"id": "x", "state": receiver.initial_state.id, "rank": 1, "through": 1}
    for field in receiver.fields:
        if field.element_type not in (FieldType.MONEY, FieldType.DECIMAL):
            item[field.id] = sample_value(field)
    variables: dict[str, Any] = {f.id: sample_value(f) for f in sender.fields}
    variables.update(c=item, ranked=1, state=sender.initial_state.id)
    for name, source in sources:
        try:
            expression = compile_expression(
                source, {f.id: f for f in sender.fields}, None, extra=signal_names(spec)
            )
            expression.evaluate(variables)
        except InvalidInput as error:
            return (
                f"signals {spec.event!r}: {name} cannot be evaluated on a typical receiver: {error}"
            )
    return None


def payload_faults(
    sender: Process,
    payload: Mapping[str, str],
    scope: Mapping[str, Field] | None,
    receiving: Event,
    names: tuple[str, ...],
) -> list[tuple[str, str]]:
    """Each payload value against the receiving event's field it fills: ``(key, problem)``.

    A signal's payload is CEL over the sender after its step (its fields, the sending
    event's payload `scope`, and `names`), compiled here expecting the type of the field it
    fills, as an assignment to a field of that type is. So an amount sent to a ``money``
    field is exact (an amount, or a number CEL holds exactly: a binary double such as
    ``0.1 + 0.2`` is refused, as money.py refuses it anywhere), an amount is never sent to
    a field that is not money, and a string, a bool or a timestamp is not an amount. Without
    this the receiver refuses every such signal at run time (invalid payload), and the
    sending step with it. A value that reads the receiver (``c``) or the count of those
    ranked (``ranked``) is typed on a typical receiver (:func:`receiver_fault`), where those
    names have their values; here only its money is checked. Fields the event does not
    declare, and expressions that do not compile, are reported elsewhere.
    """
    fields = {f.id: f for f in sender.fields}
    declared = {f.id: f for f in receiving.payload}
    faults: list[tuple[str, str]] = []
    for key, source in payload.items():
        field = declared.get(key)
        if field is None:
            continue
        try:
            expression = compile_expression(source, fields, scope, expect=field.type, extra=names)
        except InvalidInput:
            continue
        problems = expression_problems(expression)
        if {"c", "ranked"} & set(expression.names):  # typed on a typical receiver
            problems = [p for p in problems if p.offset is not None]  # its money only
        faults.extend((key, problem.message) for problem in problems)
    return faults
