"""Benchmark: a round of 200 applicants simulated, for each built-in process that runs in rounds.

Goal (issue 20): a round of 200 applicants simulates in under 2 s on this 2-core machine.

A process "runs in rounds" when its shipped scenario starts cohort cases (``cohorts:``): the
applicants arrive as members of a round case that the same simulation starts, and the round
ranks, caps, samples or grades them together, by signals to its members, on one clock. Each
is simulated with exactly ``--cases`` applicants (200) with its shipped scenario, in this
process (``workers=1``: a run with cohorts is one batch anyway), best of ``--repeat`` runs,
then once as a user runs it, ``policyflow simulate <id> --cases 200`` in a fresh
interpreter (imports and process loading included).

Beside it, in the same run, python-statemachine 3.2.2 replays the applicants' event
sequences from the same simulation (a StateMachine class generated from the member process,
as in bench_sim.py). It has no rounds: it cannot rank, cap or signal, so it replays each
applicant's events one by one and does strictly less work.

Run:  .venv/bin/python benchmarks/bench_henan_rounds.py [--cases 200] [--repeat 3] [ID ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml
from bench_sim import psm_class
from machine import describe
from statemachine.exceptions import StateMachineError

from policyflow.definition.catalog import discover, load
from policyflow.sim import simulate
from policyflow.sim.scenario import shipped_scenario_path


def round_processes() -> list[str]:
    """The built-in processes whose shipped scenario starts the rounds its cases belong to."""
    found = []
    for process_id in sorted(discover()):
        path = shipped_scenario_path(load(process_id))
        if path is not None and path.exists():
            scenario = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if scenario.get("cohorts"):
                found.append(process_id)
    return found


def psm_seconds(process_id: str, journals: list[list[tuple[str, str]]]) -> tuple[float, int]:
    """The time python-statemachine takes to replay `journals`, and the events replayed."""
    machine = psm_class(load(process_id))
    began = time.perf_counter()
    events = 0
    for sequence in journals:
        instance = machine()
        for event, target in sequence:
            instance.send(f"e_{event}", to_state=target)
            events += 1
    return time.perf_counter() - began, events


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("ids", nargs="*", help="process ids (default: every round process)")
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    ids = args.ids or round_processes()
    print(f"machine: {describe()}; load average {os.getloadavg()[0]:.2f}")
    print(
        f"{'process':<28} {'in process':>10} {'CLI':>7} {'events':>7} {'cohort events':>13} "
        f"{'psm replay':>10}"
    )
    cli = [sys.executable, "-m", "policyflow", "simulate"]
    for process_id in ids:
        best = float("inf")
        for _ in range(args.repeat):
            began = time.perf_counter()
            result = simulate(process_id, cases=args.cases, seed=args.seed, workers=1)
            best = min(best, time.perf_counter() - began)
        cohort_events = sum(len(record.journal) for record in result.cohorts)
        began = time.perf_counter()
        subprocess.run(
            [*cli, process_id, "--cases", str(args.cases), "--seed", str(args.seed)],
            check=True,
            stdout=subprocess.DEVNULL,
            env=os.environ | {"PYTHONPATH": str(Path(__file__).parents[1] / "src")},
        )
        whole = time.perf_counter() - began
        journals = [
            [(e.event, e.to_state) for e in record.journal[1:] if e.event != "deadline_expired"]
            for record in result.records
        ]
        try:
            psm = f"{psm_seconds(process_id, journals)[0]:>9.3f}s"
        except StateMachineError as error:  # a construct psm has no counterpart for
            psm = f"cannot: {error}"
        print(
            f"{process_id:<28} {best:>9.3f}s {whole:>6.2f}s {result.event_count:>7,} "
            f"{cohort_events:>13,} {psm}"
        )


if __name__ == "__main__":
    main()
