"""The names a scenario uses, checked against its process before anything is drawn."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from policyflow.definition.expressions import closest
from policyflow.errors import InvalidInput
from policyflow.sim.scenario import WAIT, Scenario

if TYPE_CHECKING:
    from policyflow.sim.compiled import ProcessFacts

__all__ = ["check_names"]


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
