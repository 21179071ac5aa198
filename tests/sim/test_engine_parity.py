"""The simulator and the persisted engine write the same journals for the same cases.

The simulator's cases are replayed through a real Engine on a temporary SQLite file: each
case is started at its arrival with its drawn data, each event a person did is fired at its
time with its payload and actor, and tick runs before every one of them (and at the end),
so that deadlines expire when the engine's tick finds them due (test_tick_invariance.py
replays them with tick run never, or at random instants). The journals must agree
entry by entry: event, states, business time, actor, payload, basis, deadline changes,
whether the entry was automatic, the soft guards it passed with a reason, the role it was
taken in and what it read of other cases (children, members, parent, cohort, lookups).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from policyflow.definition.catalog import discover, load
from policyflow.definition.model import Process
from policyflow.engine import Engine
from policyflow.errors import UnknownProcess
from policyflow.runtime.journal import JournalEntry
from policyflow.runtime.roles import Actor
from policyflow.sim import simulate
from policyflow.sim.record import CaseRecord


def _comparable(entry: JournalEntry) -> tuple:
    return (
        entry.sequence,
        entry.event,
        entry.from_state,
        entry.to_state,
        entry.at,
        entry.actor,
        dict(entry.payload),
        entry.basis,
        entry.timer_changes,
        entry.automatic,
        entry.overrides,
        entry.role,
        dict(entry.reads),  # the other cases it read: children, members, lookups …
    )


def _actor(entry: JournalEntry) -> Actor | str | None:
    """The simulated actor, given to the engine in the role the simulator recorded."""
    if entry.role is None:
        return entry.actor
    return Actor(entry.actor or "", frozenset({entry.role}))


def _signals_received(record: CaseRecord, engine: Engine) -> set[tuple[str, datetime]]:
    """(event, instant) of each signal a finished child of `record` sent it.

    The engine applies a signal itself when the child finishes; it is not fired again.
    """
    received = set()
    for child in record.children:
        signal = engine.definitions.resolve(child.process_id).on_final
        if signal is not None and signal.signal_parent is not None and child.status == "final":
            received.add((signal.signal_parent.event, child.journal[-1].at))
    return received


def _definition(engine: Engine, process, process_id: str) -> Process:
    """The definition of `process_id`: the one replayed when given as such, else the engine's."""
    if isinstance(process, Process) and process.id == process_id:
        return process
    try:
        return engine.definitions.resolve(process_id)
    except UnknownProcess:
        return load(process)  # the replayed process, given as a file


def _sent_at_steps(
    engine: Engine, process, records: Sequence[CaseRecord]
) -> set[tuple[str, str, datetime]]:
    """(receiver, event, instant) of each signal a transition sent (``signal:``).

    A child's signal to its parent, a parent's to its children, a member's to its cohort
    and a cohort's to its members: the engine applies them with the step that sends them;
    they are not fired again.
    """
    sent = set()
    for record in records:
        for member in record.family():
            definition = _definition(engine, process, member.process_id)
            for entry in member.journal[1:]:
                for transition in definition.transitions:
                    if transition.event != entry.event or entry.from_state not in transition.from_:
                        continue
                    for spec in transition.signal or ():
                        if spec.to == "parent" and member.parent_id is not None:
                            sent.add((member.parent_id, spec.event, entry.at))
                        cohort = definition.cohort
                        if spec.to == "cohort" and cohort is not None:
                            sent.add((member.data.get(cohort.field), spec.event, entry.at))
                        for other in records if spec.to == "members" else ():
                            of = _definition(engine, process, other.process_id).cohort
                            if of is None:
                                continue
                            named = other.data.get(of.field)
                            # a member that joins later (its cohort field set by an act,
                            # as henan-demo's evaluation_listed) is not named at its start:
                            # its entry of the event at the sending instant is the signal
                            joined = named is None and any(
                                (e.event, e.at) == (spec.event, entry.at) for e in other.journal
                            )
                            if named == member.case_id or joined:
                                sent.add((other.case_id, spec.event, entry.at))
                        for child in member.children if spec.to == "children" else ():
                            if child.process_id == spec.process:
                                sent.add((child.case_id, spec.event, entry.at))
    return sent


def _same_start(engine: Engine, record: CaseRecord, started, taken: set[str]) -> str:
    """The engine's child begun as `record` was (instant and data), not yet matched.

    Children started by one step (for_each) share their instant; the engine orders them
    by random id, so each is matched by its start entry, first unmatched first.
    """
    first = record.journal[0]
    for child in started:
        begun = engine.history(child.id)[0].entry
        if child.id not in taken and (begun.at, begun.payload) == (first.at, first.payload):
            return str(child.id)
    raise AssertionError(f"{record.case_id}: no child of the engine was begun as it was")


def _replay(
    engine: Engine,
    process,
    records: Sequence[CaseRecord],
    *,
    tick_before_each: bool = True,
    ticks: Sequence[datetime] = (),
) -> dict[str, str]:
    """Drive the engine with the simulator's arrivals and actions, in time order.

    Each simulated child case is the engine's child started by the same step (children
    of one process, in the order they were started); signals are not fired again. Tick
    runs before each arrival and action if `tick_before_each`, at each of `ticks` (in
    order, between the actions around it), and once after the last entry.
    Returns the engine's case id of every simulated case.
    """
    timeline = []
    roots = {record.index: record for record in records}
    sent = _sent_at_steps(engine, process, records)
    for record in records:
        timeline.append((record.arrived_at, 0, 0, record.case_id, record, None))
        for member in record.family():
            signals = _signals_received(member, engine)
            for entry in member.journal[1:]:
                by_signal = (member.case_id, entry.event, entry.at) in sent
                if not entry.automatic and (entry.event, entry.at) not in signals and not by_signal:
                    timeline.append((entry.at, 1, entry.sequence, member.case_id, member, entry))
    timeline.sort(key=lambda item: item[:4])
    pending = sorted(ticks, reverse=True)
    ids: dict[str, str] = {}

    def engine_id(record: CaseRecord, at: datetime | None = None) -> str:
        if record.case_id not in ids:
            parent = next(r for r in roots[record.index].family() if record in r.children)
            siblings = [c for c in parent.children if c.process_id == record.process_id]
            started = [
                c for c in engine.children(engine_id(parent)) if c.process_id == record.process_id
            ]
            if len(started) <= siblings.index(record) and at is not None:
                # only an expiry of its parent starts it: nobody can act on a case before
                # it exists, so whoever acts on it has had the sweep run first
                engine.tick(now=at)
                started = [
                    c
                    for c in engine.children(engine_id(parent))
                    if c.process_id == record.process_id
                ]
            ids[record.case_id] = _same_start(engine, record, started, set(ids.values()))
        return ids[record.case_id]

    for at, _, _, case_id, record, entry in timeline:
        while pending and pending[-1] <= at:
            engine.tick(now=pending.pop())
        if tick_before_each:
            engine.tick(now=at)
        if entry is None:
            # a cohort case the scenario started (index < 0) is of its own process
            begun = process if record.index >= 0 else record.process_id
            engine.start(begun, record.data, at=at, case_id=case_id)
            ids[case_id] = case_id
        else:
            engine.fire(
                engine_id(record, at),
                entry.event,
                dict(entry.payload) or None,
                at=at,
                actor=_actor(entry),
                overrides=dict(entry.overrides) or None,
            )
    while pending:
        engine.tick(now=pending.pop())
    last = max(e.at for r in records for m in r.family() for e in m.journal)
    engine.tick(now=last + timedelta(seconds=1))
    for record in records:
        for member in record.family():
            engine_id(member)
    return ids


def _assert_same_journals(engine: Engine, ids: dict[str, str], records, why: object = "") -> int:
    """Every case's journal in the engine equals the simulator's, in time order; return how many.

    Child cases included (each engine case has as many children as its simulated one).
    """
    compared = 0
    for record in records:
        for member in record.family():
            stored = [row.entry for row in engine.history(ids[member.case_id])]
            assert [_comparable(e) for e in stored] == [_comparable(e) for e in member.journal], (
                member.case_id,
                why,
            )
            times = [entry.at for entry in stored]
            assert times == sorted(times), f"{member.case_id}: journal goes back in time"
            assert len(engine.children(ids[member.case_id])) == len(member.children)
            compared += 1
    return compared


def test_simulator_and_engine_write_the_same_journals(tmp_path, notice, scenario):
    """Same cases, same choices and times: the engine's journals equal the simulator's."""
    result = simulate(notice, scenario, cases=40, seed=3, workers=1)
    # every case ended inside its horizon, so no deadline was left unexpired by the cut
    assert {record.status for record in result.records} == {"final"}
    automatic = sum(entry.automatic for record in result.records for entry in record.journal)
    assert automatic > 0, "the sample must include deadlines that expire by themselves"
    with Engine(f"sqlite:///{tmp_path / 'parity.db'}") as engine:
        ids = _replay(engine, notice, result.records)
        assert _assert_same_journals(engine, ids, result.records) == 40


def test_a_deadline_expires_in_simulation_exactly_when_tick_fires_it(tmp_path, notice, scenario):
    """The 5-working-day window from 2023-09-27 passes at 2023-10-11 00:00, in both.

    Derived by hand from the 2023 calendar (国务院办公厅 notice): the notice is served on
    Wednesday 2023-09-27; working days after it are 09-28 (1), then 09-29..10-06 are the
    Mid-Autumn and National Day holidays, 10-07 and 10-08 are make-up working days (2, 3),
    10-09 (4) and 10-10 (5). The window's last day is 2023-10-10; it has passed at the
    start of 2023-10-11.
    """
    scenario["arrivals"] = {"count": 1, "start": "2023-09-27", "end": "2023-09-27"}
    scenario["durations"]["default"] = {"unit": "wd", "constant": 0}
    scenario["branches"]["rights_window_open"] = [{"weights": {"wait": 1}}]
    result = simulate(notice, scenario, seed=0, workers=1)
    record = result.records[0]
    served = next(e for e in record.journal if e.event == "notice_served")
    assert served.at.date() == datetime(2023, 9, 27).date()
    waiver = next(e for e in record.journal if e.automatic)
    assert waiver.event == "rights_window_closed"
    assert waiver.at == datetime(2023, 10, 11, 0, 0)

    with Engine(f"sqlite:///{tmp_path / 'tick.db'}") as engine:
        engine.start(notice, record.data, at=record.arrived_at, case_id=record.case_id)
        engine.fire(record.case_id, "notice_served", at=served.at, actor=served.actor)
        early = engine.tick(now=datetime(2023, 10, 11) - timedelta(microseconds=1))
        assert early.fired == ()
        assert engine.get(record.case_id).state == "rights_window_open"
        report = engine.tick(now=datetime(2023, 10, 11, 0, 0))
        assert [(a.case_id, a.event) for a in report.fired] == [
            (record.case_id, "rights_window_closed")
        ]
        stored = engine.history(record.case_id)[-1].entry
        assert stored.automatic and stored.at == waiver.at
        assert stored.timer_changes == waiver.timer_changes


@pytest.mark.parametrize("process_id", sorted(discover()))
def test_every_built_in_process_runs_alike_in_the_simulator_and_the_engine(tmp_path, process_id):
    """Each shipped process, its child cases and their signals included: the same cases
    with the same choices and times give the same journals in the engine, entry by entry."""
    result = simulate(process_id, cases=60, seed=7, workers=1)
    assert "beyond_calendar" not in {r.status for r in result.records}
    cases = [*result.cohorts, *result.records]  # a nomination's round first: it is read
    with Engine(f"sqlite:///{tmp_path / 'parity.db'}") as engine:
        ids = _replay(engine, process_id, cases)
        compared = _assert_same_journals(engine, ids, cases)
    alone = 60 + len(result.cohorts)
    assert compared >= alone
    starts_children = any(t.start_child for t in load(process_id).transitions)
    assert (compared > alone) == starts_children  # child cases were compared where any


def _user_folder(tmp_path) -> Path:
    """A user's own folder laid out like processes/: tiny-audit and its child tiny-audit.expert."""
    folder = tmp_path / "mine"
    shutil.copytree(
        Path(__file__).parents[1] / "engine" / "processes" / "tiny-audit", folder / "tiny-audit"
    )
    return folder


AUDIT_SCENARIO = {
    "process": "tiny-audit",
    "arrivals": {"count": 30, "start": "2023-09-04"},
    "durations": {"default": {"unit": "wd", "uniform": [1, 6]}},
    "horizon_days": 3650,  # every deadline runs out inside it, as in the engine's last tick
}


@pytest.mark.parametrize("given", ["folder", "file", "files"])
def test_a_users_parent_and_child_simulate_and_run_in_the_engine_alike(tmp_path, given):
    """Parent and child from the user's folder or files (not built in): the same journals."""
    folder = _user_folder(tmp_path)
    files = [folder / "tiny-audit" / "main.yaml", folder / "tiny-audit" / "expert.yaml"]
    if given == "folder":
        result = simulate("tiny-audit", AUDIT_SCENARIO, seed=5, workers=1, processes=folder)
    elif given == "file":  # the parent's file: its child is found beside it
        result = simulate(files[0], AUDIT_SCENARIO, seed=5, workers=1)
    else:  # a list of files, each under the id it declares
        result = simulate("tiny-audit", AUDIT_SCENARIO, seed=5, workers=1, processes=files)
    children = [child for record in result.records for child in record.children]
    assert children and {c.process_id for c in children} == {"tiny-audit.expert"}
    sources = files if given == "files" else folder
    with Engine(f"sqlite:///{tmp_path / 'mine.db'}", processes=sources) as engine:
        ids = _replay(engine, "tiny-audit", result.records)
        assert _assert_same_journals(engine, ids, result.records) > len(result.records)


def test_a_child_process_found_nowhere_is_named(tmp_path):
    """Without the user's folder the child cannot be found: the error names it."""
    folder = _user_folder(tmp_path)
    (folder / "tiny-audit" / "expert.yaml").unlink()
    with pytest.raises(UnknownProcess, match=r"tiny-audit\.expert"):
        simulate("tiny-audit", AUDIT_SCENARIO, seed=5, workers=1, processes=folder)


PANEL_SCENARIO = {
    "process": "panel",
    "arrivals": {"count": 12, "start": "2023-09-04"},
    "data": {
        "topic": {"constant": "评审"},
        "cap": {"constant": 2},
        "reviewers": {
            "constant": [
                {"person_id": "A", "score": 7},
                {"person_id": "B", "score": 9},
                {"person_id": "C", "score": 9},
                {"person_id": "D"},
            ]
        },
    },
    "branches": {"reviewing": [{"weights": {"decided": 1}}]},  # conflicts come by signal
    "durations": {
        "default": {"unit": "wd", "uniform": [1, 8]},
        "events": {"decided": {"unit": "wd", "uniform": [3, 13]}},  # or the limit decides
    },
    "horizon_days": 3650,
    "children": {
        "panel.reviewer": {
            "branches": {
                "reviewing": [{"weights": {"conflict_found": 0.3, "withdrew": 0.1, "wait": 0.6}}],
                "recused": [{"weights": {"wait": 1}}],
            },
            "durations": {"default": {"unit": "wd", "uniform": [1, 4]}},
        }
    },
}


def test_signals_both_ways_simulate_and_run_in_the_engine_alike(tmp_path):
    """A panel broadcasting to its reviewers (where, rank_by) and reviewers signalling the
    panel from a non-final state: the same journals in the simulator and the engine."""
    folder = Path(__file__).parents[1] / "engine" / "processes" / "panel"
    result = simulate("panel", PANEL_SCENARIO, seed=11, workers=1, processes=folder.parent)
    children = [c for r in result.records for c in r.children]
    system = [e for c in children for e in c.journal if e.role == "system" and e.sequence > 1]
    assert any(e.event == "round_closed" for e in system), "no broadcast reached a reviewer"
    parents = [e for r in result.records for e in r.journal if e.role == "system"]
    assert any(e.event == "conflict_declared" for e in parents), "no reviewer signalled"
    with Engine(f"sqlite:///{tmp_path / 'panel.db'}", processes=folder.parent) as engine:
        ids = _replay(engine, "panel", result.records)
        assert _assert_same_journals(engine, ids, result.records) == 12 * 5
