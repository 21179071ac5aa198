"""The checks that look across a process's elements, each finding placed at file:line:column.

A finding is *blocking* when the process cannot run with it (a transition to an unknown
state, CEL that does not compile, a duplicate id, a period legaltime cannot parse): the
loader refuses such a process. The others (an unreachable state, a dead end, an element
without a legal basis) do not stop a case from running, but the linter reports them as
errors too, so shipped processes have none. Walking files and printing is lint.py's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from policyflow.definition.checking import Path_
from policyflow.definition.expressions import (
    RESERVED,
    Expression,
    closest,
    compile_expression,
    expression_problems,
)
from policyflow.definition.fields import FieldSet
from policyflow.definition.history import check_history, return_states
from policyflow.definition.model import Extension, Field, FieldType, Process, Triggers
from policyflow.definition.offsets import locate_offset
from policyflow.definition.recurring_checks import check_recurring
from policyflow.definition.relation_checks import check_reads, check_relations
from policyflow.definition.role_checks import check_actor
from policyflow.definition.signal_checks import check_links
from policyflow.errors import InvalidInput, InvalidPeriod
from policyflow.legaltime import Period

__all__ = ["Problem", "check", "start_payload"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding in a process file.

    Attributes:
        path: the file.
        line: the line, from 1.
        column: the column, from 1.
        code: its kind: schema, yaml, duplicate, unknown, cel, money, period, unreachable,
            dead_end, basis, final, history, expiry, extension, unused; across files (lint.py),
            child_data and signal.
        message: what is wrong, naming the offender (and the closest name).
        blocking: the process cannot run with it (the loader refuses it).
        warning: advisory only; the linter prints it but does not fail.
    """

    path: str
    line: int
    column: int
    code: str
    message: str
    blocking: bool = False
    warning: bool = False

    @property
    def fatal(self) -> bool:
        """Whether loading must fail (alias of ``blocking``)."""
        return self.blocking

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "severity": "warning" if self.warning else "error",
        }


class _Checker:
    def __init__(
        self,
        process: Process,
        positions: Mapping[Path_, tuple[int, int]],
        path: str,
        text: str | None,
    ) -> None:
        self.process = process
        self.positions = positions
        self.path = path
        self.text = text
        self.problems: list[Problem] = []
        self.states = {s.id for s in process.states}
        self.events = {e.id: e for e in process.events}
        self.fields = {f.id: f for f in process.fields}
        self.roles = {r.id for r in process.roles}

    def add(
        self,
        where: Path_,
        code: str,
        message: str,
        *,
        blocking: bool = False,
        warning: bool = False,
        inside: tuple[str, int] | None = None,
    ) -> None:
        """Report a finding at `where`, or at a character of its value.

        `inside` is the value and the character's offset, located in the file's text when
        it can be (else the finding is at the value's start).
        """
        line, column = (1, 1)
        if inside is not None:
            # the value's own node; a list of one written as a bare mapping has no index 0
            single = tuple(p for i, p in enumerate(where) if not (p == 0 and i == len(where) - 2))
            found = self.positions.get(tuple(where)) or self.positions.get(single)
            if found is not None and self.text is not None:
                value, offset = inside
                line, column = locate_offset(self.text, *found, value, offset) or found
                self.problems.append(
                    Problem(self.path, line, column, code, message, blocking, warning)
                )
                return
        # a signal written as one mapping, not a list, has no index 0 in the file
        bare = tuple(p for i, p in enumerate(where) if not (p == 0 and where[i - 1] == "signal"))
        for end in range(len(where), -1, -1):
            found = self.positions.get(tuple(where[:end])) or self.positions.get(bare[:end])
            if found is not None:
                line, column = found
                break
        self.problems.append(Problem(self.path, line, column, code, message, blocking, warning))

    # --- names ---

    def duplicates(self, kind: str, key: str, ids: Iterable[str], where: Path_ = ()) -> None:
        seen: dict[str, int] = {}
        for index, name in enumerate(ids):
            if name in seen:
                self.add(
                    (*where, key, index, "id"),
                    "duplicate",
                    f"duplicate {kind} id {name!r} (first at {key}[{seen[name]}])",
                    blocking=True,
                )
            else:
                seen[name] = index

    def state(self, name: str, where: Path_, what: str) -> None:
        if name not in self.states:
            self.add(
                where,
                "unknown",
                f"{what} unknown state {name!r}{closest(name, self.states)}",
                blocking=True,
            )

    def event(self, name: str, where: Path_, what: str) -> None:
        if name not in self.events:
            self.add(
                where,
                "unknown",
                f"{what} unknown event {name!r}{closest(name, self.events)}",
                blocking=True,
            )

    def cel(
        self,
        source: str,
        where: Path_,
        what: str,
        *,
        payload: Mapping[str, Field] | None,
        expect: FieldType | str | None,
        extra: Iterable[str] = (),
    ) -> Expression | None:
        try:
            expression = compile_expression(
                source, self.fields, payload, expect=expect, extra=extra
            )
        except InvalidInput as error:
            self.add(where, "cel", f"{what}: {error}", blocking=True)
            return None
        check_reads(self, expression, where, what)
        for problem in expression_problems(expression):
            if problem.offset is None:
                self.add(where, "cel", f"{what}: CEL {source!r}: {problem.message}", blocking=True)
            else:  # money that cannot be exact: at its own line and column
                message = f"{what}: {problem.message}"
                self.add(where, "money", message, blocking=True, inside=(source, problem.offset))
        return expression

    def basis(self, basis: tuple[Any, ...], where: Path_, what: str) -> None:
        if not basis:
            self.add(where, "basis", f"{what} has no legal basis (add basis: '文号 第N条')")

    def triggers(self, triggers: Triggers, where: Path_, what: str) -> None:
        for index, name in enumerate(triggers.events):
            self.event(name, (*where, "events", index), f"{what}: names")
        for key in ("enter", "leave"):
            for index, name in enumerate(getattr(triggers, key)):
                self.state(name, (*where, key, index), f"{what}: names")

    def run(self) -> list[Problem]:
        process = self.process
        self.duplicates("state", "states", (s.id for s in process.states))
        self.duplicates("event", "events", (e.id for e in process.events))
        self.duplicates("transition", "transitions", (t.id for t in process.transitions))
        self.duplicates("deadline", "deadlines", (d.id for d in process.deadlines))
        self.duplicates("role", "roles", (r.id for r in process.roles))
        self.duplicates("field", "fields", (f.id for f in process.fields))
        for index, event in enumerate(process.events):
            self.duplicates(
                "payload field", "payload", (f.id for f in event.payload), ("events", index)
            )
        self.check_fields()
        self.check_states()
        self.check_transitions()
        self.check_deadlines()
        self.check_graph()
        self.check_signal()
        check_relations(self)
        check_history(process, self.add)
        return self.problems

    def check_fields(self) -> None:
        for index, field in enumerate(self.process.fields):
            if field.id in RESERVED:
                self.add(
                    ("fields", index, "id"),
                    "reserved",
                    f"field id {field.id!r} is reserved in expressions "
                    f"({', '.join(sorted(RESERVED))})",
                    blocking=True,
                )
        groups: list[tuple[Path_, tuple[Field, ...]]] = [(("fields",), self.process.fields)]
        groups += [(("events", i, "payload"), e.payload) for i, e in enumerate(self.process.events)]
        groups += [  # the sub-fields of each record list: their defaults as well
            ((*where, index, "fields"), field.fields)
            for where, fields in list(groups)
            for index, field in enumerate(fields)
            if field.fields
        ]
        for where, fields in groups:
            for index, field in enumerate(fields):
                if field.default is None:
                    continue
                try:
                    FieldSet([field], "default").validate_one(field.id, field.default)
                except InvalidInput as error:
                    self.add(
                        (*where, index, "default"),
                        "field",
                        f"field {field.id!r}: bad default: {error}",
                        blocking=True,
                    )

    def check_states(self) -> None:
        for index, state in enumerate(self.process.states):
            self.basis(state.basis, ("states", index, "id"), f"state {state.id!r}")
            if state.initial and state.final:
                self.add(
                    ("states", index, "id"),
                    "final",
                    f"state {state.id!r} is both initial and final",
                )
        if not self.process.final_states:
            self.add(("states",), "final", "the process has no final state", warning=True)

    def check_transitions(self) -> None:
        used: set[str] = set()
        for index, transition in enumerate(self.process.transitions):
            where: Path_ = ("transitions", index)
            name = f"transition {transition.id!r}"
            used.add(transition.event)
            self.event(transition.event, (*where, "event"), f"{name} has")
            for number, source in enumerate(transition.from_):
                self.state(source, (*where, "from", number), f"{name} comes from")
                found = self.process.find_state(source)
                if found is not None and found.final and not transition.reopens:
                    self.add(
                        (*where, "from", number),
                        "final",
                        f"{name} leaves final state {source!r}: a final state ends the case "
                        "(say reopens: true for an appeal against a decision)",
                    )
            if transition.to is not None:
                self.state(transition.to, (*where, "to"), f"{name} goes to")
            check_actor(self, transition, where)
            self.basis(transition.basis, (*where, "id"), name)
            event = self.events.get(transition.event)
            payload = {f.id: f for f in event.payload} if event else {}
            for number, guard in enumerate(transition.guard):
                gwhere = (*where, "guard", number)
                self.cel(
                    guard.when,
                    (*gwhere, "when"),
                    f"guard {guard.id!r} of {name}",
                    payload=payload,
                    expect="bool",
                )
                self.basis(guard.basis, (*gwhere, "id"), f"guard {guard.id!r} of {name}")
            for target, source in transition.assign.items():
                field = self.fields.get(target)
                if field is None:
                    self.add(
                        (*where, "assign", target),
                        "unknown",
                        f"{name} assigns unknown field {target!r}{closest(target, self.fields)}",
                        blocking=True,
                    )
                    continue
                self.cel(
                    source,
                    (*where, "assign", target),
                    f"{name} assigning {target!r}",
                    payload=payload,
                    expect=field.type,
                )
            check_links(self, self.process, transition, where, payload)
        for index, event in enumerate(self.process.events):
            if event.id not in used:
                self.add(
                    ("events", index, "id"),
                    "unused",
                    f"event {event.id!r} has no transition: it can never happen",
                    warning=True,
                )

    def check_deadlines(self) -> None:
        transitions_by_event: dict[str, list[int]] = {}
        for index, transition in enumerate(self.process.transitions):
            transitions_by_event.setdefault(transition.event, []).append(index)
        for index, deadline in enumerate(self.process.deadlines):
            where: Path_ = ("deadlines", index)
            name = f"deadline {deadline.id!r}"
            if deadline.every is not None:
                check_recurring(self, index, deadline)
            period = (
                None
                if deadline.period is None
                else self.period(deadline.period, (*where, "period"), name)
            )
            self.basis(deadline.basis, (*where, "id"), name)
            start_payload = self.start_payload(deadline.start_on)
            if deadline.start_on.when is not None:
                self.cel(
                    deadline.start_on.when,
                    (*where, "start_on", "when"),
                    f"{name} start condition",
                    payload=start_payload,
                    expect="bool",
                )
            if deadline.ends_on is not None:
                self.cel(
                    deadline.ends_on,
                    (*where, "ends_on"),
                    f"{name} ends_on",
                    payload=start_payload,
                    expect=FieldType.DATE,
                )
                if deadline.suspended_by or deadline.resumed_by:
                    self.add(
                        (*where, "suspended_by" if deadline.suspended_by else "resumed_by"),
                        "suspension",
                        f"{name} ends on a date (ends_on), which a suspension cannot move: "
                        "give it a period to suspend it",
                        blocking=True,
                    )
            if not deadline.start_on:
                self.add(
                    (*where, "start_on"),
                    "unknown",
                    f"{name}: start_on names no event and no state",
                    blocking=True,
                )
            for key in ("start_on", "met_by", "cancelled_by", "suspended_by", "resumed_by"):
                self.triggers(getattr(deadline, key), (*where, key), f"{name} {key}")
            if bool(deadline.suspended_by) != bool(deadline.resumed_by):
                self.add(
                    (*where, "suspended_by" if deadline.suspended_by else "resumed_by"),
                    "suspension",
                    f"{name}: suspended_by and resumed_by go together",
                )
            if deadline.anchor is not None:
                self.cel(
                    deadline.anchor,
                    (*where, "anchor"),
                    f"{name} anchor",
                    payload=start_payload,
                    expect=FieldType.DATE,
                )
            expiry = deadline.expiry_event
            if expiry is not None:
                ewhere = (*where, "on_expiry", "fire")
                if expiry not in self.events:
                    self.add(
                        ewhere,
                        "expiry",
                        f"{name} fires unknown event {expiry!r} on expiry"
                        f"{closest(expiry, self.events)}",
                        blocking=True,
                    )
                elif expiry not in transitions_by_event:
                    self.add(
                        ewhere,
                        "expiry",
                        f"{name} fires event {expiry!r} on expiry, but no transition takes it",
                        blocking=True,
                    )
                elif any(f.must_be_given for f in self.events[expiry].payload):
                    self.add(
                        ewhere,
                        "expiry",
                        f"{name} fires event {expiry!r}, whose payload has required "
                        "fields an expiry cannot give",
                        blocking=True,
                    )
            extension = deadline.extension
            if extension is not None:
                xwhere = (*where, "extension")
                self.basis(
                    extension.basis, (*xwhere, "id"), f"extension {extension.id!r} of {name}"
                )
                if extension.event not in self.events:
                    self.add(
                        (*xwhere, "event"),
                        "extension",
                        f"{name} is extended by unknown event {extension.event!r}"
                        f"{closest(extension.event, self.events)}",
                        blocking=True,
                    )
                elif extension.event not in transitions_by_event:
                    self.add(
                        (*xwhere, "event"),
                        "extension",
                        f"{name} is extended by event {extension.event!r}, "
                        "but no transition takes it",
                        blocking=True,
                    )
                added = self.period(extension.period, (*xwhere, "period"), f"extension of {name}")
                if extension.period_from is not None:
                    self.extension_from(extension, added, xwhere, name)
                if extension.cap is not None:
                    cap = self.period(extension.cap, (*xwhere, "cap"), f"extension cap of {name}")
                    if cap is not None and added is not None and cap.unit != added.unit:
                        self.add(
                            (*xwhere, "cap"),
                            "extension",
                            f"{name}: the cap {extension.cap!r} and the extension "
                            f"{extension.period!r} "
                            "must use the same unit",
                            blocking=True,
                        )
                if (
                    period is not None
                    and added is not None
                    and period.unit.value == "h" != added.unit.value
                ):
                    self.add(
                        (*xwhere, "period"),
                        "extension",
                        f"{name}: an hour period extends by hours",
                        blocking=True,
                    )

    def extension_from(
        self, extension: Extension, added: Period | None, where: Path_, name: str
    ) -> None:
        """An extension whose length the approving event's payload gives (period_from)."""
        assert extension.period_from is not None
        event = self.events.get(extension.event)
        self.cel(
            extension.period_from,
            (*where, "period_from"),
            f"{name} extension length (period_from)",
            payload={f.id: f for f in event.payload} if event is not None else {},
            expect=FieldType.INT,
        )
        if added is not None and extension.unit is not None and extension.unit != added.unit:
            self.add(
                (*where, "unit"),
                "extension",
                f"{name}: period_from counts in {extension.unit!r} but the most one "
                f"extension may add, {extension.period!r}, is in {added.unit.value!r}: "
                "use one unit",
                blocking=True,
            )

    def period(self, text: str, where: Path_, what: str) -> Period | None:
        try:
            return Period.parse(text)
        except InvalidPeriod as error:
            self.add(where, "period", f"{what}: {error}", blocking=True)
            return None

    def start_payload(self, triggers: Triggers) -> dict[str, Field]:
        return start_payload(self.process, triggers)

    def check_graph(self) -> None:
        process = self.process
        outgoing: dict[str, set[str]] = {s: set() for s in self.states}
        returns = return_states(process)
        for transition in process.transitions:
            for source in transition.from_:
                if source not in outgoing:
                    continue
                if transition.to_previous:
                    outgoing[source].update(returns.get(source, ()))
                else:
                    outgoing[source].add(transition.target(source))
        start = process.initial_state.id
        seen = {start}
        todo = [start]
        while todo:
            for target in outgoing.get(todo.pop(), ()):
                if target in self.states and target not in seen:
                    seen.add(target)
                    todo.append(target)
        unreachable = [s for s in process.states if s.id not in seen]
        for state in unreachable:
            index = process.states.index(state)
            self.add(
                ("states", index, "id"),
                "unreachable",
                f"state {state.id!r} is unreachable from the initial state {start!r}",
            )
        for index, state in enumerate(process.states):
            if not state.final and not (outgoing[state.id] - {state.id}):
                self.add(
                    ("states", index, "id"),
                    "dead_end",
                    f"state {state.id!r} is not final and has no transition out of it",
                )

    def check_signal(self) -> None:
        on_final = self.process.on_final
        if on_final is None or on_final.signal_parent is None:
            return
        for key, source in on_final.signal_parent.payload.items():
            self.cel(
                source,
                ("on_final", "signal_parent", "payload", key),
                f"signal to the parent ({key})",
                payload=None,
                expect=None,
                extra=("state",),
            )


def start_payload(process: Process, triggers: Triggers) -> dict[str, Field]:
    """The payload fields available where a deadline starts (from every starting event)."""
    names = set(triggers.events)
    for transition in process.transitions:
        if transition.to is not None and transition.to in triggers.enter:
            names.add(transition.event)
    payload: dict[str, Field] = {}
    for event in process.events:
        if event.id in names:
            payload.update({f.id: f for f in event.payload})
    return payload


def check(
    process: Process,
    positions: Mapping[Path_, tuple[int, int]],
    path: str,
    text: str | None = None,
) -> list[Problem]:
    """Run every check on `process`; return the findings in file order of discovery.

    With the file's `text`, a fault inside an expression is placed at its own character.
    """
    return _Checker(process, positions, path, text).run()
