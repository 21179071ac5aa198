"""SCXML export: python-statemachine loads each file, and replays agree with policyflow's runtime.

Guards are CEL over typed data, which no SCXML datamodel evaluates; the export turns each
guard into a flag on the event's data (``cond="_event.data.<guard id>"``). The replay
computes each flag with policyflow's compiled guard on the same data and payload, sends
the event to both engines, and compares the states after every step. Expiries are
replayed too: the runtime's expire() decides which event a deadline fires, and that event
is sent to the statechart.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from statemachine.io import load as load_scxml

from policyflow import legaltime
from policyflow.definition.model import Field, FieldType, Process
from policyflow.errors import InvalidCaseData, InvalidInput, TransitionRefused
from policyflow.render.scxml import to_scxml
from policyflow.runtime import apply, compile_process, expire, start
from policyflow.runtime.compiled import CompiledProcess
from policyflow.runtime.reads import Recorded, decode, hidden_name, needed
from policyflow.runtime.snapshot import CaseSnapshot
from policyflow.runtime.step import transition

WALKS = 12


# The walks run years ahead: past the published schedule, count weekends and fixed days.
CALENDAR = legaltime.china(provisional=True)
STEPS = 25


def _records(fields: tuple[Field, ...], rng: random.Random, day: date) -> list[dict[str, Any]]:
    """A record list: random records, or half the time a typical one.

    A typical list is one the rules of a meeting or a panel can accept (each enum value
    once in order, then the last; a bool at its default or true; dates on the day), so that
    the walks get past a quorum.
    """
    count = rng.choice([0, 4, 5, 7, 8])
    if rng.random() < 0.5:
        return [{f.id: _value(f, rng, day) for f in fields} for _ in range(count)]

    def typical(field: Field, index: int) -> Any:
        if field.type is FieldType.ENUM:
            return field.values[min(index, len(field.values) - 1)]
        if field.type is FieldType.BOOL:
            return True if field.default is None else field.default
        if field.type is FieldType.DATE:
            return day
        return _value(field, rng, day)

    return [{f.id: typical(f, i) for f in fields} for i in range(count)]


def _value(field: Field, rng: random.Random, day: date) -> Any:
    kind = field.element_type
    if field.type is FieldType.LIST and field.items is FieldType.RECORD:
        return _records(field.fields or (), rng, day)
    if field.type is FieldType.LIST:
        pool = list(field.values) if kind is FieldType.ENUM else []
        return rng.sample(pool, rng.randint(0, len(pool)))
    if kind is FieldType.ENUM:
        return rng.choice(field.values)
    if kind is FieldType.BOOL:
        return rng.random() < 0.5
    low = int(field.min) if field.min is not None else 0
    high = int(field.max) if field.max is not None else low + 3_000_000
    if kind is FieldType.MONEY:
        # Thresholds in the sources are round numbers: hit them exactly now and then.
        return Decimal(rng.choice([low, high, 1_000_000, 100_000, rng.randint(low, high)]))
    if kind is FieldType.DECIMAL:
        # a score at the field's places; the bounds themselves now and then
        if rng.random() < 0.3:
            return Decimal(rng.choice([low, high]))
        places = field.decimal_places
        fraction = Decimal(rng.randint(0, 10**places - 1)).scaleb(-places)
        return min(Decimal(high), rng.randint(low, min(high, low + 100)) + fraction)
    if kind is FieldType.INT:
        return rng.randint(low, min(high, low + 5))
    if kind is FieldType.DATE:
        return day + timedelta(days=rng.choice([-30, -1, 0, 1, 30, 400]))
    if kind is FieldType.DATETIME:
        return datetime.combine(day, datetime.min.time())
    return f"X-{rng.randint(1, 99)}"


def _values(fields: tuple[Field, ...], rng: random.Random, day: date) -> dict[str, Any]:
    return {f.id: _value(f, rng, day) for f in fields if f.required or rng.random() < 0.5}


def _flags(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    event: str,
    payload: dict[str, Any] | None,
    day: date,
    reads: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Each guard of the transitions `event` may take now, evaluated by policyflow's CEL.

    With the case's previous state, which a ``to_previous`` transition's conditions read,
    and what it reads of other cases (`reads`, as a journal records them).
    """
    fields = compiled.payloads.get(event)
    typed = fields.validate(payload or {}) if fields else {}
    scope = {**snapshot.data, "payload": typed, "today": day, "state": snapshot.state}
    scope |= {hidden_name(key): decode(value) for key, value in (reads or {}).items()}
    flags: dict[str, Any] = {}
    for plan in compiled.table.get((snapshot.state, event), ()):
        for guard in plan.guards:
            try:
                flags[guard.id] = guard.expression.evaluate(scope) is True
            except InvalidInput:  # the runtime counts a guard it cannot evaluate as false
                flags[guard.id] = False
    flags["previous_state"] = snapshot.previous_state
    return flags


def _alone(compiled: CompiledProcess, state: str, event: str) -> dict[str, Any]:
    """What a case alone reads of other cases for `event`: no hits, children or members."""
    return {
        key: None if key in ("parent", "cohort") else [] for key in needed(compiled, state, event)
    }


def _replay(process: Process, scxml_path: Path, seed: int) -> int:
    """One random walk through both engines; return how many events changed the state."""
    rng = random.Random(seed)
    compiled = compile_process(process)
    machine = load_scxml(scxml_path)()
    at = datetime(2023, 3, 1, 9, 0)
    for _ in range(20):
        try:
            snapshot = start(
                compiled,
                f"c{seed}",
                _values(process.fields, rng, at.date()),
                at=at,
                calendar=CALENDAR,
            ).snapshot
            break
        except InvalidCaseData:
            continue
    else:
        pytest.fail(f"could not make valid case data for {process.id}")
    assert set(machine.configuration_values) == {snapshot.state}
    moves = 0
    for _ in range(STEPS):
        if snapshot.state in compiled.finals:
            break
        at += timedelta(days=rng.randint(1, 12))
        if rng.random() < 0.15:
            at += timedelta(days=rng.choice([10, 40, 400, 1200]))  # let time run out
        # Every deadline expired by now fires its event (or marks overdue) first, as the
        # runtime's apply() has them do before it judges an event at this instant.
        for step in expire(compiled, snapshot, now=at, calendar=CALENDAR):
            flags = _flags(compiled, snapshot, step.entry.event, None, step.entry.at.date())
            machine.send(step.entry.event, **flags)
            moves += step.snapshot.state != snapshot.state
            snapshot = step.snapshot
            assert set(machine.configuration_values) == {snapshot.state}, step.entry.event
        if snapshot.state in compiled.finals:
            break
        events = sorted({plan.event for plan in compiled.by_state.get(snapshot.state, ())})
        if not events:
            break
        event = rng.choice(events)
        definition = process.find_event(event)
        payload = _values(definition.payload if definition else (), rng, at.date()) or None
        reads = _alone(compiled, snapshot.state, event)
        try:
            flags = _flags(compiled, snapshot, event, payload, at.date(), reads)
        except InvalidCaseData:
            continue  # a payload the event refuses reaches neither engine
        # half the time the walk passes the soft rules (原则上) with a reason: for the
        # statechart they then hold
        soft = {
            guard.id
            for plan in compiled.table.get((snapshot.state, event), ())
            for guard in plan.guards
            if guard.soft
        }
        overrides = dict.fromkeys(soft, "a walk passes it") if soft and rng.random() < 0.5 else {}
        flags |= dict.fromkeys(overrides, True)
        try:
            if reads:  # the case reads others: alone, it reads none (a journal's answers)
                step = transition(
                    compiled,
                    snapshot,
                    event,
                    payload,
                    at=at,
                    calendar=CALENDAR,
                    relations=Recorded(reads),
                    overrides=overrides,
                )
            else:
                step = apply(
                    compiled,
                    snapshot,
                    event,
                    payload,
                    at=at,
                    calendar=CALENDAR,
                    overrides=overrides,
                )
            assert step.expired == ()  # they expired above
        except TransitionRefused:
            machine.send(event, **flags)  # every guard false: the statechart stays too
            assert set(machine.configuration_values) == {snapshot.state}, event
            continue

        machine.send(event, **flags)
        moves += step.snapshot.state != snapshot.state
        snapshot = step.snapshot
        assert set(machine.configuration_values) == {snapshot.state}, event
    return moves


def test_scxml_replays_agree_with_the_runtime(process, tmp_path):
    """After every event and every expiry, both engines are in the same state."""
    path = tmp_path / f"{process.id}.scxml"
    path.write_text(to_scxml(process), encoding="utf-8")
    moves = sum(_replay(process, path, seed) for seed in range(WALKS))
    assert moves > 0  # the walks went somewhere


def test_guard_flags_choose_the_branch(permit, tmp_path):
    """A guarded transition is taken only when its flag is true: accepted needs is_complete."""
    path = tmp_path / "permit.scxml"
    path.write_text(to_scxml(permit), encoding="utf-8")
    cls = load_scxml(path)
    machine = cls()
    machine.send("accepted", is_complete=False)
    assert set(machine.configuration_values) == {"submitted"}
    machine.send("accepted", is_complete=True)
    assert set(machine.configuration_values) == {"under_review"}


def test_final_states_are_final(permit, tmp_path):
    """A final state of the process is an SCXML <final>: the machine terminates there."""
    path = tmp_path / "permit.scxml"
    path.write_text(to_scxml(permit), encoding="utf-8")
    machine = load_scxml(path)()
    machine.send("accepted", is_complete=True)
    machine.send("denied")
    assert set(machine.configuration_values) == {"refused"}
    assert machine.is_terminated
