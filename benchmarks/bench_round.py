"""Benchmark a round that ranks and closes: 1,000 applications on SQLite, under 1 s.

A ``bench-round`` case (benchmarks/processes) has N ``bench-application`` cases as its
cohort (their ``round_id``). Each application is scored (a random whole score 0–110,
seeded, so ties are many). Then one ``engine.fire(round, "closed")`` is timed: its guard
reads ``members('bench-application')`` (journaled in the round's entry), and its signal
ranks the scored members by score (competition ranking) and sends each its grade (优秀+良好
at most 30 % and at most 10, a tie that would cross the cap left out whole), every member
brought up to the instant, locked, moved and journaled, in one transaction. The store
finds the members through the keys index (``@cohort``).

After the timing, the run checks what it timed: every member graded, at most
min(30 %, 10) graded ``good``, and ``verify`` clean for the round and its members.

Usage: .venv/bin/python benchmarks/bench_round.py [--sizes 200,1000,5000] [--repeat 3]
Results go to docs/benchmarks.md (section "2026-12: cases that act together").
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from machine import describe

from policyflow.engine import Engine
from policyflow.runtime.roles import Actor

HERE = Path(__file__).parent / "processes"
DEPARTMENT = Actor("dept.officer", frozenset({"department"}))


def one_round(size: int, seed: int) -> tuple[float, int]:
    """Seconds the close of a round of `size` scored applications takes; the number graded good."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(
            f"sqlite:///{folder}/round.db",
            processes=[HERE / "bench-round.yaml", HERE / "bench-application.yaml"],
        )
        at = datetime(2023, 9, 1, 9, 0)
        engine.start("bench-round", {"year": 2023}, at=at, case_id="round-2023")
        for number in range(size):
            case_id = f"app-{number:05d}"
            engine.start(
                "bench-application",
                {"round_id": "round-2023", "unit": f"unit-{number}"},
                at=at,
                case_id=case_id,
            )
            engine.fire(
                case_id,
                "scored",
                {"score": rng.randint(0, 110)},
                at=at + timedelta(days=1),
                actor=DEPARTMENT,
            )
        began = time.perf_counter()
        engine.fire("round-2023", "closed", at=at + timedelta(days=2), actor=DEPARTMENT)
        took = time.perf_counter() - began
        members = [engine.get(f"app-{number:05d}") for number in range(size)]
        assert all(case.state == "graded" for case in members)
        good = sum(1 for case in members if case.data["grade"] == "good")
        assert good <= min(size * 3 // 10, 10), good
        engine.verify()  # raises on the first difference
        engine.close()
        return took, good


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(describe())
    print("| applications | close (median of runs) | graded good |")
    print("|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        runs = [one_round(size, seed) for seed in range(args.repeat)]
        median = statistics.median(took for took, _ in runs)
        goods = sorted({good for _, good in runs})
        print(f"| {size:,} | {median * 1000:,.0f} ms | {', '.join(map(str, goods))} |")


if __name__ == "__main__":
    main()
