"""Instructions per event of the hot paths, counted by valgrind's callgrind.

On a shared machine wall-clock rates move by a fifth from run to run; the number of
instructions a workload executes does not depend on the load. This script runs itself
under ``valgrind --tool=callgrind`` at two sizes and reports the difference per event,
so that start-up, imports and warm-up cancel out. Inside the counted process, each phase
of the workload ends with a call to ``os.getpgrp()`` (a libc call these workloads make
nowhere else), and callgrind writes the counts so far at every such call
(``--dump-before=getpgrp``): each phase is counted on its own.

Workloads, the cores of the other scripts here:

* ``engine``: on an SQLite file, one warm case started and fired, then N cases started
  (phase ``start``), then each fired once, ``accepted`` (phase ``fire``), on the
  tiny-permit process of bench_engine.py. Default sizes 300 and 900.
* ``runtime``: bench_runtime.py's policyflow loop, submit/withdraw in turn, N events with
  the same data (phase ``same data``), then N events with a new budget each event (phase
  ``new budget``). Default sizes 4,000 and 24,000.
* ``sim``: ``simulate("most-penalty", cases=N, seed=1, workers=1)`` with the shipped
  scenario, in this process (phase ``simulate``); per case. Default sizes 100 and 400.

Run against a tree of your choice (valgrind must be installed)::

    PYTHONPATH=<tree>/src .venv/bin/python benchmarks/count_instructions.py engine
    PYTHONPATH=<tree>/src .venv/bin/python benchmarks/count_instructions.py sim --sizes 100,400

With ``--keep FOLDER`` the callgrind files stay (``callgrind.<workload>.<size>.<n>``, n = 2
for the first phase) for ``callgrind_annotate``.

Results go to docs/benchmarks.md. Hash seeds are fixed (``PYTHONHASHSEED=0``); the engine's
random case ids and the wall clock in its journal rows still make its counts vary a little
from run to run.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

DEFAULT_SIZES = {"engine": (300, 900), "runtime": (4_000, 24_000), "sim": (100, 400)}
PHASES = {
    "engine": ("start", "fire"),
    "runtime": ("same data", "new budget"),
    "sim": ("simulate",),
}


def mark() -> None:
    """End a phase: callgrind dumps its counts before every call of getpgrp."""
    os.getpgrp()


def run_engine(size: int) -> None:
    """Start `size` cases of tiny-permit on an SQLite file, then fire each once."""
    from bench_engine import ACCEPTED, SUBMITTED, TINY

    from policyflow.engine import Engine

    with tempfile.TemporaryDirectory() as folder, Engine(Path(folder) / "count.db") as engine:
        warm = engine.start(TINY, {"applicant": "warm"}, at=SUBMITTED)
        engine.fire(warm.id, "accepted", at=ACCEPTED)
        mark()
        ids = [engine.start(TINY, {"applicant": f"甲{i}"}, at=SUBMITTED).id for i in range(size)]
        mark()
        for case_id in ids:
            engine.fire(case_id, "accepted", at=ACCEPTED)
        mark()
        print(f"engine: {size} starts, {size} fires")


def run_runtime(size: int) -> None:
    """bench_runtime.py's policyflow loop, `size` events with the same data, then varied."""
    import random

    from bench_runtime import PROCESS

    from policyflow.definition.loader import load_text
    from policyflow.runtime import apply, compile_process, start

    compiled = compile_process(load_text(PROCESS))
    t0 = datetime(2023, 3, 1, 9, 0)
    first = start(compiled, "b", {"party_type": "legal_person", "budget": "1500000"}, at=t0)
    snapshot = first.snapshot
    rng = random.Random(1)
    pool = [Decimal(rng.randint(100_000_000, 900_000_000)) / 100 for _ in range(50_000)]
    times = [t0 + timedelta(minutes=i) for i in range(size)]
    for datas in ([snapshot.data], [dict(snapshot.data, budget=b) for b in pool]):
        varied, count = len(datas) > 1, len(datas)
        mark()
        s = snapshot
        for i in range(0, size, 2):
            if varied:
                s = s._replace(data=datas[i % count])
            s = apply(compiled, s, "submit", at=times[i]).snapshot
            s = apply(compiled, s, "withdraw", at=times[i + 1]).snapshot
        assert s.state == "open" and len(s.timers) == 1
    mark()
    print(f"runtime: {size} events with the same data, {size} with a new budget each")


def run_sim(size: int) -> None:
    """Simulate `size` most-penalty cases in this process."""
    from policyflow.definition.catalog import load
    from policyflow.sim import simulate

    process = load("most-penalty")
    mark()
    result = simulate(process, cases=size, seed=1, workers=1)
    mark()
    print(f"sim: {len(result)} cases, {result.event_count} events")


WORKLOADS: dict[str, Callable[[int], None]] = {
    "engine": run_engine,
    "runtime": run_runtime,
    "sim": run_sim,
}


def count(workload: str, size: int, keep: Path | None = None) -> tuple[list[int], str]:
    """Instructions of each phase of `workload` at `size`, and what the workload printed.

    The callgrind files are written to `keep` (for ``callgrind_annotate``) if given, else
    to a temporary folder that is removed.
    """
    with tempfile.TemporaryDirectory() as folder:
        out = (keep or Path(folder)) / f"callgrind.{workload}.{size}"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--dump-before=getpgrp",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--inside",
            workload,
            "--sizes",
            str(size),
        ]
        env = dict(os.environ, PYTHONHASHSEED="0")
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        # .1 is everything up to the first mark, .2 the first phase, …
        dumps = sorted(out.parent.glob(f"{out.name}.*"), key=lambda p: int(p.suffix[1:]))
        totals = []
        for dump in dumps[1:]:
            found = re.search(r"^totals: (\d+)", dump.read_text(), re.MULTILINE)
            assert found, dump
            totals.append(int(found.group(1)))
    return totals, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--sizes", help="two sizes, e.g. 300,900 (one with --inside)")
    parser.add_argument("--keep", type=Path, help="a folder to keep the callgrind files in")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:  # the counted process
        WORKLOADS[args.workload](int(args.sizes))
        return
    import policyflow

    small, large = (
        (int(s) for s in args.sizes.split(",")) if args.sizes else DEFAULT_SIZES[args.workload]
    )
    print(f"policyflow from {Path(policyflow.__file__).parent}")
    counts = {}
    for size in (small, large):
        counts[size], printed = count(args.workload, size, args.keep)
        print(f"{printed}: " + ", ".join(f"{n:,}" for n in counts[size]))
    for phase, a, b in zip(PHASES[args.workload], counts[small], counts[large], strict=True):
        per = (b - a) / (large - small)
        print(f"{args.workload} {phase}: {per:,.0f} instructions each ({large} minus {small})")


if __name__ == "__main__":
    main()
