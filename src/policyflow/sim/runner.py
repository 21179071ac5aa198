"""simulate(): many cases of one process on a virtual clock, through the pure runtime.

This module is the simulation's API and scheduler: it resolves the process and its
scenario, draws the arrivals, splits them into batches and runs the batches here and in
worker processes. Each batch is simulated by :class:`~policyflow.sim.batch.BatchRunner`,
which moves cases with :func:`policyflow.runtime.act` and expires their deadlines with
:func:`policyflow.runtime.catch_up`, the very functions the engine calls, so a simulated
case obeys exactly the rules of a real one. There is no database and no wall clock.

Reproducibility: the arrivals are drawn once from the seed, and every case draws from its
own random stream seeded by (seed, case index). Cases do not interact, so the result does
not depend on how the cases are split into batches or over how many worker processes.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import pickle
import random
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from policyflow.definition.catalog import Finder, ProcessSources, process_id_for
from policyflow.definition.catalog import load as load_process
from policyflow.definition.model import Process
from policyflow.errors import InvalidInput, PolicyflowError, UnknownProcess
from policyflow.legaltime import Calendar, china, require_business_year
from policyflow.runtime import compile_process
from policyflow.sim.batch import Batch, BatchRunner, stream_seed
from policyflow.sim.compiled import MAX_CASES, CompiledScenario
from policyflow.sim.record import CaseRecord
from policyflow.sim.results import SimulationResult
from policyflow.sim.scenario import Scenario, ScenarioLike, default_scenario

__all__ = ["DEFAULT_START", "ProgressCallback", "simulate"]

#: The first arrival day when neither the call nor the scenario names one: a fixed day,
#: so that a run is reproducible whatever the date it is run on.
DEFAULT_START = date(2024, 1, 2)

#: Called with (cases finished, cases in all) as batches finish.
ProgressCallback = Callable[[int, int], None]

# Below this many cases one process is faster than starting workers.
_PARALLEL_FROM = 2_000


def simulate(
    process: Process | str | Path,
    scenario: ScenarioLike | None = None,
    *,
    cases: int | None = None,
    seed: int = 0,
    start: date | None = None,
    workers: int | None = None,
    calendar: Calendar | None = None,
    progress: ProgressCallback | None = None,
    processes: ProcessSources = None,
) -> SimulationResult:
    """Run a population of cases of `process` in simulated time.

    Args:
        process: a loaded process, a built-in process id or a path to a process file.
        scenario: a :class:`Scenario`, a mapping, or a path to a scenario YAML file; None
            uses the scenario shipped beside a built-in process, or a generic one (uniform
            choices, steps of 1 to 5 working days).
        cases: exactly this many cases (overrides the scenario's count or rate).
        seed: the random seed; the same seed gives the same result.
        start: the first arrival day. It moves the scenario's arrival window: an end day
            the scenario gives moves with it, by as many days.
        workers: processes that simulate, this one among them (so 2 starts one more);
            None uses every core for large runs, 1 runs in this process only. The result
            is the same whatever the number.
        calendar: the legal calendar (default: the shipped official calendar of China).
        progress: called with (cases finished, cases in all) as the run goes.
        processes: where process ids are looked up, `process` given by id and the
            child processes its cases start, as ``Engine(processes=…)`` does: a folder
            laid out like ``processes/`` or a list of process files. None: the built-in
            processes, and for a `process` given as a file, the folder it is in first.

    Returns:
        The cases, their journals and deadline outcomes, with tables and KPIs.

    Raises:
        InvalidInput: a bad scenario (naming the field), a negative seed, a case count
            below 1, or scenario data that fail the process's fields.
        UnknownProcess: no built-in process has that id and no file is at that path.
    """
    root = _finder(process, processes)
    if not isinstance(process, Process):
        ref = process if isinstance(process, Path) else str(process)
        process = Finder(processes).load(ref)
    if seed < 0:
        raise InvalidInput(f"invalid seed {seed}: expected a whole number >= 0")
    if cases is not None and not 1 <= cases <= MAX_CASES:
        raise InvalidInput(f"invalid case count {cases}: expected 1 to {MAX_CASES:,}")
    if workers is not None and workers < 1:
        raise InvalidInput(f"invalid worker count {workers}: expected at least 1")
    if start is not None:
        require_business_year(start, "the first arrival day", calendar)
    resolved = _moved(_resolve_scenario(process, scenario), start)
    compiled = compile_process(process)
    plan = CompiledScenario(compiled, resolved)  # checks the scenario against the process
    cal = calendar if calendar is not None else china()
    arrivals = plan.arrivals(
        random.Random(stream_seed(seed, -1)),
        cal,
        cases=cases,
        start=resolved.arrivals.start or DEFAULT_START,
    )
    total = len(arrivals)
    together = _acts_together(process, functools.partial(_resolve_child, root))
    if workers is None:
        workers = (os.cpu_count() or 1) if total >= _PARALLEL_FROM else 1
    workers = 1 if together else max(1, min(workers, total))
    # cases that look each other up share one clock: one batch, the whole population
    batches = [list(enumerate(arrivals))] if together else _batches(arrivals, workers)
    runner = BatchRunner(plan, cal, seed, functools.partial(_resolve_child, root))
    records: list[CaseRecord] = []
    if workers == 1:
        done = 0
        for batch in batches:
            with _collector_paused():
                records.extend(runner.run(batch))
            done += len(batch)
            if progress is not None:
                progress(done, total)
    else:
        records = _run_parallel(
            runner, process, resolved, calendar, batches, workers, progress, root
        )
    return SimulationResult(
        process=process,
        scenario=resolved,
        seed=seed,
        records=tuple(records),
        calendar=cal,
        cohorts=tuple(runner.cohort_records),  # a scenario's cohorts: one batch, this process
    )


_FILES = (".yaml", ".yml")


def _finder(process: Process | str | Path, processes: ProcessSources) -> Finder | None:
    """Where child ids are looked up: the sources given, else the folder of a process file.

    For a file, that is the folder under which the file's own id follows the id rule
    (``audit.yaml`` in it, or ``audit/main.yaml``), so that its children (``audit.expert``:
    ``audit/expert.yaml``) are found beside it.
    """
    if processes is not None:
        return Finder(processes)
    if isinstance(process, Process):
        return None
    if isinstance(process, str) and "/" not in process and not process.endswith(_FILES):
        return None  # a process id
    path = Path(process).resolve()
    try:
        own_id = load_process(path).id
    except PolicyflowError:
        return None  # reported when the process itself is loaded
    for folder in (path.parent, path.parent.parent):
        if process_id_for(path, folder) == own_id:
            return Finder(folder)
    return Finder(path.parent)


def _resolve_child(finder: Finder | None, process_id: str) -> Process:
    """A child process by id: in the sources if it is there, else a built-in one."""
    if finder is None:
        return load_process(process_id)
    try:
        return finder.load(process_id)
    except UnknownProcess:
        return load_process(process_id)


def _resolve_scenario(process: Process, scenario: ScenarioLike | None) -> Scenario:
    if scenario is None:
        return default_scenario(process)
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | Path):
        return Scenario.from_yaml(scenario)
    return Scenario.from_data(scenario)


def _moved(scenario: Scenario, start: date | None) -> Scenario:
    """`scenario` with its arrival window moved to begin on `start`, its length kept.

    A window with an end but no start has no length to keep: its end stays.
    """
    window = scenario.arrivals
    if start is None or start == window.start:
        return scenario
    end = window.end
    if end is not None and window.start is not None:
        end += start - window.start
    moved = window.model_copy(update={"start": start, "end": end})
    return scenario.model_copy(update={"arrivals": moved})


def _acts_together(process: Process, resolve: Callable[[str], Process]) -> bool:
    """Whether a case of `process`, or of a child process it starts, reads cases beyond its family.

    A lookup or a cohort reaches any case of the population, so such a run is simulated
    in one batch in one process, every case on one clock; parents and children are always
    in one batch already.
    """
    seen: set[str] = set()
    waiting = [process]
    while waiting:
        current = waiting.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        if current.lookups or current.cohort is not None or current.keys:
            return True
        for transition in current.transitions:
            for child in transition.start_child:
                if child.process not in seen:
                    try:
                        waiting.append(resolve(child.process))
                    except PolicyflowError:
                        continue  # a child found nowhere fails where it is started
    return False


def _batches(arrivals: Sequence[datetime], workers: int) -> list[Batch]:
    """Split the cases into batches: a few per worker, so that progress moves smoothly."""
    indexed = list(enumerate(arrivals))
    # Many small batches per worker: they finish close together. In the parallel run a
    # worker holds up to two batches (one running, one queued) when this process has none
    # left to take, so a batch is kept to a fraction of a second's work.
    per_batch = (
        max(500, len(indexed) // 20) if workers == 1 else max(100, len(indexed) // (workers * 256))
    )
    size = per_batch
    return [indexed[i : i + size] for i in range(0, len(indexed), size)]


# --- worker processes -------------------------------------------------------------------

_WORKER: BatchRunner | None = None


def _init_worker(
    process_json: str,
    scenario_json: str,
    calendar: Calendar | None,
    seed: int,
    root: Finder | None,
) -> None:
    global _WORKER
    process = Process.model_validate_json(process_json)
    compiled = compile_process(process)
    scenario = Scenario.model_validate_json(scenario_json)
    _WORKER = BatchRunner(
        CompiledScenario(compiled, scenario),
        calendar or china(),
        seed,
        functools.partial(_resolve_child, root),
    )


def _run_in_worker(batch: Batch, folder: str) -> str:
    """Simulate `batch`; return the file in `folder` that holds its pickled records.

    The records go back through a file rather than the executor's result pipe: the parent,
    busy simulating, holds the interpreter lock, and its thread that drains the pipe got
    it only once per switch interval, 64 KiB at a time, while this worker waited to send
    (a tenth of a worker's time, measured).
    """
    assert _WORKER is not None, "worker not initialised"
    with _collector_paused():
        # the records die with the call, before the collector resumes (see _unlink)
        data = pickle.dumps(_WORKER.run(batch), protocol=pickle.HIGHEST_PROTOCOL)
    path = Path(folder, f"batch-{batch[0][0]}.pickle")
    path.write_bytes(data)
    return str(path)


def _take_records(path: str) -> list[CaseRecord]:
    """The records a worker left in `path`; the file is removed."""
    file = Path(path)
    records: list[CaseRecord] = pickle.loads(file.read_bytes())
    file.unlink()
    return records


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch is simulated, pickled or unpickled.

    A batch makes hundreds of thousands of snapshots, journal entries and records that all
    live until the batch is done, none of them garbage, yet every 700 allocations wake the
    collector, and its ever longer full scans took a fifth of a simulation's time (and
    two thirds of unpickling's). The collector runs again as soon as the batch is done.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_parallel(
    runner: BatchRunner,
    process: Process,
    scenario: Scenario,
    calendar: Calendar | None,
    batches: list[Batch],
    workers: int,
    progress: ProgressCallback | None,
    root: Finder | None,
) -> list[CaseRecord]:
    """Run `batches` in `workers` processes: this one and ``workers - 1`` started for it.

    The batches are queued for the other processes in order, and this process takes them
    from the end, one at a time, while one is left that no other process has started.
    Its own records need no pickling, which was a tenth of a worker's time and, unpickled
    here, another process competing for the cores; and the tail of the run is balanced
    as the two ends meet. Between its own batches it takes in the others' records.
    """
    # fork is quick and safe here on Linux (no threads of ours); elsewhere, and when the
    # interpreter warns about fork, spawn a fresh interpreter per worker.
    method = "fork" if sys.platform == "linux" and sys.version_info < (3, 12) else "spawn"
    context = multiprocessing.get_context(method)
    total = sum(len(batch) for batch in batches)
    results: dict[int, list[CaseRecord]] = {}
    done = 0
    sweeps: list[tuple[int, int]] = []

    def keep(number: int, records: list[CaseRecord]) -> None:
        nonlocal done
        results[number] = records
        done += len(batches[number])
        if sweeps and done >= sweeps[0][0]:
            gc.collect(sweeps[0][1])  # see _sweeps
            while sweeps and done >= sweeps[0][0]:
                sweeps.pop(0)
        if progress is not None:
            progress(done, total)

    with (
        tempfile.TemporaryDirectory(prefix="policyflow-sim-") as folder,
        ProcessPoolExecutor(
            max_workers=workers - 1,
            mp_context=context,
            initializer=_init_worker,
            initargs=(
                process.model_dump_json(),
                scenario.model_dump_json(),
                calendar,
                runner.seed,
                root,
            ),
        ) as pool,
    ):
        pending: dict[Future[str], int] = {
            pool.submit(_run_in_worker, batch, folder): number
            for number, batch in enumerate(batches)
        }
        unstarted = list(pending)  # this process takes from the end
        # All records are kept, none is garbage: the collector would only scan them.
        with _collector_paused():
            sweeps.extend(_sweeps(total))  # counted from here, where the collector stops
            try:
                while pending:
                    for future in [f for f in pending if f.done()]:
                        keep(pending.pop(future), _take_records(future.result()))
                    own = _take_unstarted(unstarted)
                    if own is not None:
                        number = pending.pop(own)
                        keep(number, runner.run(batches[number]))
                    elif pending:
                        wait(pending, return_when=FIRST_COMPLETED)
            finally:
                for future in pending:
                    future.cancel()  # after an error, do not wait for the rest of the run
            return [record for number in range(len(batches)) for record in results[number]]


def _sweeps(total: int) -> list[tuple[int, int]]:
    """When, and how deep, to collect garbage in a parallel run: at 1/2, 3/4, 7/8 … done.

    Returns (cases done, generation) pairs. The collector must pass over each record
    once before it leaves it alone; each sweep passes over the records received since
    the one before, while the other processes work, so that its first pass after the run
    meets only the last few rather than every record at once (a twentieth of the run).

    A sweep counts towards the collector's own next collections, and none must be one
    over every record again: a generation-1 sweep counts towards a full collection
    (due after threshold 2 of them), a generation-0 sweep towards a generation-1
    collection (due after threshold 1). The first sweep is of generation 1 when that
    leaves room below the full collection's threshold, which makes room for nine
    generation-0 sweeps after it; otherwise every sweep is of generation 0, as many as
    the room left below threshold 1.
    """
    _, threshold1, threshold2 = gc.get_threshold()
    _, count1, count2 = gc.get_count()
    if count2 < threshold2 - 1:
        depths = [1] + [0] * (threshold1 - 1)
    else:
        depths = [0] * max(0, threshold1 - count1 - 1)
    return [(total - total // 2**k, depth) for k, depth in enumerate(depths[:6], start=1)]


def _take_unstarted(futures: list[Future[str]]) -> Future[str] | None:
    """Withdraw the last of `futures` that no worker has started, or None if all have."""
    while futures:
        future = futures.pop()
        if future.cancel():
            return future
    return None
