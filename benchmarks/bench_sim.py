"""Benchmark: simulated penalty cases per second, beside python-statemachine 3.2.2.

Goal (issue 8): >= 100,000 simulated penalty cases in <= 60 s on this 2-core machine.

policyflow: ``policyflow.sim.simulate(PROCESS, cases=N, seed=1)`` with the process's
shipped scenario, on every core, on the official calendar: each case is started,
moved and has its deadlines expired by the pure runtime (guards in CEL, working-day due
dates, suspensions), on a virtual clock. Events are journal entries: starts, applied events
and expiries, over main and child cases.

python-statemachine: the same workload, the event sequences the simulator produced for the
same cases, replayed through a StateMachine class generated from the same process (one
psm state per state, one psm event per event, each transition's target checked by a Python
condition, as a guard would be), one machine instance per case, on the same number of
worker processes. psm has no legal time: deadline expiries are replayed as ordinary
events, so psm does strictly less work per event. It is too slow to replay every case in
a minute, so it replays the first ``--psm-cases`` cases and its rates are reported.

Run:  .venv/bin/python benchmarks/bench_sim.py [--cases 100000] [--psm-cases 10000]
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from machine import describe
from statemachine import State, StateMachine

from policyflow.definition.catalog import load
from policyflow.definition.model import Process
from policyflow.sim import simulate


def psm_class(process: Process) -> type[StateMachine]:
    """A python-statemachine class with the states and transitions of `process`."""
    states = {
        s.id: State(s.id, value=s.id, initial=s.initial, final=s.final) for s in process.states
    }
    attrs: dict[str, Any] = {f"s_{sid}": state for sid, state in states.items()}
    events: dict[str, Any] = {}
    for transition in process.transitions:
        for source in transition.from_:
            target = transition.target(source)
            wanted = target

            def cond(to_state: str | None = None, wanted: str = wanted) -> bool:
                return to_state is None or to_state == wanted

            if target == source:
                edge = states[source].to.itself(internal=True, cond=cond)
            else:
                edge = states[source].to(states[target], cond=cond)
            events[transition.event] = (
                edge if transition.event not in events else events[transition.event] | edge
            )
    for name, edges in events.items():
        attrs[f"e_{name}"] = edges
    return type(
        f"Psm_{process.id.replace('-', '_').replace('.', '_')}",
        (StateMachine,),
        {**attrs, "__module__": __name__},
    )


_MACHINE: type[StateMachine] | None = None


def _init_psm(process_json: str) -> None:
    global _MACHINE
    _MACHINE = psm_class(Process.model_validate_json(process_json))


def _replay_psm(sequences: list[list[tuple[str, str]]]) -> int:
    assert _MACHINE is not None
    events = 0
    for sequence in sequences:
        machine = _MACHINE()
        for event, target in sequence:
            machine.send(f"e_{event}", to_state=target)
            events += 1
    return events


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--process", default="most-penalty")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--psm-cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    process = load(args.process)
    workers = os.cpu_count() or 1

    began = time.perf_counter()
    result = simulate(process, cases=args.cases, seed=args.seed, workers=workers)
    elapsed = time.perf_counter() - began
    events = result.event_count
    main_events = sum(len(r.journal) for r in result.records)
    finals = sum(1 for r in result.records if r.status == "final")
    print(
        f"policyflow.sim  {process.id}: {len(result):,} cases, {events:,} events "
        f"({main_events:,} in main cases), {finals:,} reached a final state, "
        f"in {elapsed:.1f} s on {workers} processes (this one and {workers - 1} started)"
    )
    print(f"  {len(result) / elapsed:,.0f} cases/s   {events / elapsed:,.0f} events/s")

    # the same cases' event sequences (main cases), for python-statemachine
    sample = result.records[: args.psm_cases]
    sequences = [
        [(e.event, e.to_state) for e in record.journal[1:] if e.event != "deadline_expired"]
        for record in sample
    ]
    chunks = [sequences[i::workers] for i in range(workers)]
    began = time.perf_counter()
    with ProcessPoolExecutor(
        workers, initializer=_init_psm, initargs=(process.model_dump_json(),)
    ) as pool:
        psm_events = sum(pool.map(_replay_psm, chunks))
    psm_elapsed = time.perf_counter() - began
    print(
        f"python-statemachine 3.2.2: {len(sample):,} of the same cases, {psm_events:,} events "
        f"in {psm_elapsed:.1f} s on {workers} worker processes"
    )
    print(f"  {len(sample) / psm_elapsed:,.0f} cases/s   {psm_events / psm_elapsed:,.0f} events/s")
    print(f"machine: {describe()}")


if __name__ == "__main__":
    main()
