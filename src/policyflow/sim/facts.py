"""What a scenario may name in its process: the process's facts, and the check of the names.

:class:`ProcessFacts` are read once from the definition (states, events, fields, roles,
the events that happen by themselves, the soft guards of each event); a scenario is
checked against them before anything is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from policyflow.definition.catalog import load as load_process
from policyflow.definition.expressions import closest
from policyflow.definition.model import Field as FieldDefinition
from policyflow.definition.model import Process
from policyflow.errors import InvalidInput, UnknownProcess
from policyflow.sim.scenario import WAIT, Scenario

__all__ = ["FieldFacts", "ProcessFacts", "check_names"]


@dataclass(frozen=True, slots=True)
class FieldFacts:
    """One declared field of a process (case data or an event's payload)."""

    name: str
    type: str
    values: tuple[str, ...] = ()
    required: bool = True
    min: float | None = None
    max: float | None = None

    def bounded(self, number: float) -> float:
        """`number`, moved into the field's declared range (以上/以下: both ends included)."""
        if self.min is not None and number < self.min:
            number = self.min
        if self.max is not None and number > self.max:
            number = self.max
        return number


@dataclass(frozen=True, slots=True)
class ProcessFacts:
    """The names in a process that a scenario may use, read once from its definition."""

    process_id: str
    states: frozenset[str]
    finals: frozenset[str]
    events: tuple[str, ...]
    actors: Mapping[str, str | None]
    roles: frozenset[str]
    expiry_events: frozenset[str]
    signalled_events: frozenset[str]
    fields: Mapping[str, FieldFacts]
    payloads: Mapping[str, Mapping[str, FieldFacts]]
    soft_guards: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, process: Process) -> ProcessFacts:
        """Read the facts of `process`."""
        actors: dict[str, str | None] = {event.id: None for event in process.events}
        for transition in process.transitions:
            if actors.get(transition.event) is None:
                actors[transition.event] = transition.roles[0] if transition.roles else None
        return cls(
            process_id=process.id,
            states=frozenset(s.id for s in process.states),
            finals=frozenset(s.id for s in process.final_states),
            events=tuple(actors),
            actors=actors,
            roles=frozenset(r.id for r in process.roles),
            expiry_events=frozenset(
                d.expiry_event for d in process.deadlines if d.expiry_event is not None
            ),
            signalled_events=_signalled_events(process),
            fields={f.id: _field_facts(f) for f in process.fields},
            payloads={e.id: {f.id: _field_facts(f) for f in e.payload} for e in process.events},
            soft_guards={
                e.id: frozenset(
                    g.id for t in process.transitions if t.event == e.id for g in t.guard if g.soft
                )
                for e in process.events
            },
        )


def _signalled_events(process: Process) -> frozenset[str]:
    """The events of `process` that its child processes signal (finishing, or at a step).

    Such an event is a child's outcome arriving, not a person's choice: the generic
    choice leaves it to the child, as it leaves an expiry event to its deadline.
    """
    events: set[str] = set()
    for child_id in {c.process for t in process.transitions for c in t.start_child}:
        try:
            child = load_process(child_id)
        except UnknownProcess:
            continue  # the run reports it when the child is started
        if child.on_final is not None and child.on_final.signal_parent is not None:
            events.add(child.on_final.signal_parent.event)
        for transition in child.transitions:  # a child's signal to its parent at any step
            events.update(s.event for s in transition.signal or () if s.to == "parent")
    return frozenset(events)


def _field_facts(field: FieldDefinition) -> FieldFacts:
    # A field with a default needs no drawn value: the definition supplies one.
    return FieldFacts(
        field.id, str(field.type), tuple(field.values), field.must_be_given, field.min, field.max
    )


def check_names(scenario: Scenario, facts: ProcessFacts) -> None:
    """Refuse, naming every offender at once, names the process does not have."""
    problems: list[str] = []

    def check(kind: str, where: str, name: str, known: Iterable[str]) -> None:
        if name not in known:
            problems.append(f"{where}: unknown {kind} {name!r}{closest(name, known)}")

    if scenario.process is not None and scenario.process != facts.process_id:
        problems.append(
            f"process: the scenario is for {scenario.process!r}, not {facts.process_id!r}"
        )
    for name, dist in scenario.data.items():
        check("field", f"data.{name}", name, facts.fields)
        if dist.copy_of is not None:
            check("field", f"data.{name}.copy", dist.copy_of, facts.fields)
    for event, fields in scenario.payloads.items():
        check("event", f"payloads.{event}", event, facts.events)
        for name, dist in fields.items():
            check("payload field", f"payloads.{event}.{name}", name, facts.payloads.get(event, {}))
            if dist.copy_of is not None:
                check("field", f"payloads.{event}.{name}.copy", dist.copy_of, facts.fields)
    for state, rules in scenario.branches.items():
        check("state", f"branches.{state}", state, facts.states)
        for number, rule in enumerate(rules):
            for event in rule.weights:
                if event != WAIT:
                    check(
                        "event", f"branches.{state}.{number}.weights.{event}", event, facts.events
                    )
            for name in rule.match:
                check("field", f"branches.{state}.{number}.match.{name}", name, facts.fields)
    for role in scenario.durations.actors:
        check("role", f"durations.actors.{role}", role, facts.roles)
    for event in scenario.durations.events:
        check("event", f"durations.events.{event}", event, facts.events)
    for event, reasons in scenario.overrides.items():
        check("event", f"overrides.{event}", event, facts.events)
        soft = facts.soft_guards.get(event, frozenset())
        for guard, reason in reasons.items():
            check("soft guard", f"overrides.{event}.{guard}", guard, soft)
            if not reason.strip():
                problems.append(f"overrides.{event}.{guard}: give a reason, not blank text")
    if problems:
        raise InvalidInput("scenario does not fit the process: " + "; ".join(problems))
