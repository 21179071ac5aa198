"""simulate(): many cases of one process on a virtual clock, through the pure runtime.

Each case is started with :func:`policyflow.runtime.start`, moved with
:func:`policyflow.runtime.apply` and has its deadlines expired by
:func:`policyflow.runtime.expire`, the very functions the engine calls, so a simulated case
obeys exactly the rules of a real one; this module only decides *which* event happens
*when* (from the scenario) and keeps the results. There is no database and no wall clock.

Reproducibility: the arrivals are drawn once from the seed, and every case draws from its
own random stream seeded by (seed, case index). Cases do not interact, so the result does
not depend on how the cases are split into batches or over how many worker processes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import random
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from policyflow.definition.catalog import load as load_process
from policyflow.definition.model import Process
from policyflow.errors import CalendarNotPublished, InvalidCaseData, InvalidInput, TransitionRefused
from policyflow.legaltime import Calendar, china
from policyflow.runtime import (
    apply,
    compile_process,
    expire,
    start,
)
from policyflow.runtime.journal import JournalEntry
from policyflow.runtime.snapshot import CaseSnapshot, TimerStatus
from policyflow.runtime.step import Step
from policyflow.sim.clock import EventQueue, Priority, VirtualClock
from policyflow.sim.compiled import CompiledScenario
from policyflow.sim.pickling import builder
from policyflow.sim.results import CaseRecord, SimulationResult
from policyflow.sim.scenario import WAIT, Scenario, ScenarioLike, default_scenario

__all__ = ["DEFAULT_START", "ProgressCallback", "simulate"]

#: The first arrival day when neither the call nor the scenario names one: a fixed day,
#: so that a run is reproducible whatever the date it is run on.
DEFAULT_START = date(2024, 1, 2)

#: Called with (cases finished, cases in all) as batches finish.
ProgressCallback = Callable[[int, int], None]

# Below this many cases one process is faster than starting workers.
_PARALLEL_FROM = 2_000
# A case whose chosen events are refused this many times in a row is no longer followed.
_MAX_REFUSALS = 5
# Enum members read once: reading one from its class is a Python-level lookup.
_ARRIVAL, _EXPIRY, _ACTION = Priority.ARRIVAL, Priority.EXPIRY, Priority.ACTION
_ARMED = TimerStatus.ARMED
# A frozen dataclass's __init__ sets each field through object.__setattr__; the builder
# sets its slots directly (the same record).
_new_record = builder(CaseRecord)


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

    Returns:
        The cases, their journals and deadline outcomes, with tables and KPIs.

    Raises:
        InvalidInput: a bad scenario (naming the field), a negative seed, a case count
            below 1, or scenario data that fail the process's fields.
        UnknownProcess: no built-in process has that id and no file is at that path.
    """
    if not isinstance(process, Process):
        process = load_process(str(process))
    if seed < 0:
        raise InvalidInput(f"invalid seed {seed}: expected a whole number >= 0")
    if cases is not None and cases < 1:
        raise InvalidInput(f"invalid case count {cases}: expected at least 1")
    if workers is not None and workers < 1:
        raise InvalidInput(f"invalid worker count {workers}: expected at least 1")
    resolved = _moved(_resolve_scenario(process, scenario), start)
    compiled = compile_process(process)
    plan = CompiledScenario(compiled, resolved)  # checks the scenario against the process
    cal = calendar if calendar is not None else china()
    arrivals = plan.arrivals(
        random.Random(_stream_seed(seed, -1)),
        cal,
        cases=cases,
        start=resolved.arrivals.start or DEFAULT_START,
    )
    total = len(arrivals)
    if workers is None:
        workers = (os.cpu_count() or 1) if total >= _PARALLEL_FROM else 1
    workers = max(1, min(workers, total))
    batches = _batches(arrivals, workers)
    runner = _BatchRunner(plan, cal, seed)
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
        records = _run_parallel(runner, process, resolved, calendar, batches, workers, progress)
    return SimulationResult(
        process=process,
        scenario=resolved,
        seed=seed,
        records=tuple(records),
        calendar=cal,
    )


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


def _stream_seed(seed: int, index: int) -> int:
    """The seed of one random stream: case `index`, or -1 for the arrivals."""
    return (seed << 32) + index + 1


# A batch is a list of (case index, arrival time).
Batch = list[tuple[int, datetime]]


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

_WORKER: _BatchRunner | None = None


def _init_worker(
    process_json: str, scenario_json: str, calendar: Calendar | None, seed: int
) -> None:
    global _WORKER
    process = Process.model_validate_json(process_json)
    compiled = compile_process(process)
    scenario = Scenario.model_validate_json(scenario_json)
    _WORKER = _BatchRunner(CompiledScenario(compiled, scenario), calendar or china(), seed)


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
    runner: _BatchRunner,
    process: Process,
    scenario: Scenario,
    calendar: Calendar | None,
    batches: list[Batch],
    workers: int,
    progress: ProgressCallback | None,
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
            initargs=(process.model_dump_json(), scenario.model_dump_json(), calendar, runner.seed),
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


# --- one batch of cases on one virtual clock ----------------------------------------------


@dataclass(slots=True)
class _Case:
    """A case while it is simulated (a main case or a child case)."""

    index: int
    case_id: str
    plan: CompiledScenario
    rng: random.Random
    arrived_at: datetime
    horizon: datetime
    parent: _Case | None = None
    snapshot: CaseSnapshot | None = None
    initial: dict[str, Any] = field(default_factory=dict)
    journal: list[JournalEntry] = field(default_factory=list)
    token: int = 0
    expiries: set[datetime] = field(default_factory=set)
    refusals: int = 0
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    children: list[_Case] = field(default_factory=list)
    status: str = "running"


Queue = EventQueue[tuple[_Case, int, Any]]


def _unlink(cases: list[_Case]) -> None:
    """Cut the links from child cases back to their parents.

    With no cycle left, a finished batch is freed by reference counting the moment its
    records are handed on, while the collector is still paused; otherwise the collector's
    first pass after the pause would scan the whole batch to find it is garbage.
    """
    for case in cases:
        _unlink(case.children)
        case.parent = None


class _BatchRunner:
    """Runs batches of cases of one process (and its child processes) under one scenario."""

    def __init__(self, plan: CompiledScenario, calendar: Calendar, seed: int) -> None:
        self.plan = plan
        self.calendar = calendar
        self.seed = seed
        self._child_plans: dict[str, CompiledScenario] = {}

    def run(self, batch: Batch) -> list[CaseRecord]:
        """Simulate the cases of `batch` together on one virtual clock; return their records."""
        if not batch:
            return []
        queue: Queue = EventQueue()
        clock = VirtualClock(min(at for _, at in batch))
        cases: list[_Case] = []
        horizon = timedelta(days=self.plan.scenario.horizon_days)
        for index, at in batch:
            case = _Case(
                index,
                f"sim-{index + 1:06d}",
                self.plan,
                random.Random(_stream_seed(self.seed, index)),
                at,
                at + horizon,
            )
            cases.append(case)
            queue.push(at, (case, 0, None), _ARRIVAL)
        while queue:
            happening = queue.pop()
            clock.advance_to(happening.at)
            case, token, action = happening.item
            if case.status != "running":
                continue
            try:
                if happening.priority is _ARRIVAL:
                    self._arrive(case, happening.at, queue)
                elif happening.priority is _EXPIRY:
                    self._expire(case, happening.at, queue)
                elif token == case.token:
                    self._act(case, happening.at, action, queue)
            except CalendarNotPublished:
                case.status = "beyond_calendar"
        records = [self._record(case) for case in cases]
        _unlink(cases)
        return records

    # --- the three kinds of happening ---

    def _arrive(self, case: _Case, at: datetime, queue: Queue) -> None:
        data = case.plan.initial_data(case.rng, at)
        self._start(case, data, at, None, queue)

    def _start(
        self, case: _Case, data: Mapping[str, Any], at: datetime, actor: str | None, queue: Queue
    ) -> None:
        compiled = case.plan.compiled
        parent_id = None if case.parent is None else case.parent.case_id
        try:
            step = start(
                compiled,
                case.case_id,
                data,
                at=at,
                actor=actor,
                parent_id=parent_id,
                calendar=self.calendar,
            )
        except InvalidCaseData as error:
            raise InvalidInput(
                f"scenario data for {compiled.process.id} fail the process's fields: {error}"
            ) from None
        case.initial = dict(step.snapshot.data)
        self._absorb(case, step, queue)
        self._arm_after(case, step, queue)
        self._plan(case, at, queue)

    def _expire(self, case: _Case, at: datetime, queue: Queue) -> None:
        case.expiries.discard(at)
        snapshot = case.snapshot
        assert snapshot is not None
        # As the engine's tick does: every expiry due at this instant, one step at a time,
        # each on the case as the previous one left it (as expire() computes them).
        steps = expire(case.plan.compiled, snapshot, now=at, calendar=self.calendar)
        if not steps:
            return  # the deadline was met, moved or cancelled since it was queued
        for step in steps:
            if case.status != "running":
                break
            if not self._absorb(case, step, queue):
                case.status = "stalled"  # the tick is refused (a parent refuses the signal)
                return
            self._stop_if_long(case)
        self._arm(case, queue)
        if case.snapshot is not None and case.snapshot.state != snapshot.state:
            self._plan(case, at, queue)  # the expiry moved the case: what was planned is moot

    def _act(
        self,
        case: _Case,
        at: datetime,
        action: tuple[str, Mapping[str, Any] | None, str | None],
        queue: Queue,
    ) -> None:
        event, payload, actor = action
        snapshot = case.snapshot
        assert snapshot is not None
        try:
            step = apply(
                case.plan.compiled,
                snapshot,
                event,
                payload,
                at=at,
                actor=actor,
                calendar=self.calendar,
            )
            applied = self._absorb(case, step, queue)
        except TransitionRefused as error:
            applied, reason = False, f"{type(error).__name__}: {error}"
        else:
            reason = "the parent case refused the signal"
        if not applied:
            case.refusals += 1
            case.refused.append((snapshot.state, event, reason))
            if case.refusals >= _MAX_REFUSALS:
                case.status = "stalled"
                return
            self._plan(case, at, queue, excluding=event)
            return
        case.refusals = 0
        if self._stop_if_long(case):
            return
        self._arm_after(case, step, queue)
        self._plan(case, at, queue)

    # --- steps, children and signals ---

    def _absorb(self, case: _Case, step: Step, queue: Queue) -> bool:
        """Take `step` into the case, start its children and signal its parent.

        As in the engine, a child's step and the event it signals to its parent go
        together: if the parent refuses the signal, neither happens (returns False).
        """
        signalled: tuple[_Case, Step] | None = None
        if step.signal is not None:
            parent = case.parent
            assert parent is not None and parent.snapshot is not None
            signal = step.signal
            try:
                signalled = (
                    parent,
                    apply(
                        parent.plan.compiled,
                        parent.snapshot,
                        signal.event,
                        signal.payload,
                        at=step.entry.at,
                        actor=step.entry.actor,
                        calendar=self.calendar,
                    ),
                )
            except TransitionRefused:
                return False
        case.snapshot = step.snapshot
        case.journal.append(step.entry)
        for number, child in enumerate(step.spawn):
            self._spawn(case, child.process_id, child.data, step.entry, number, queue)
        if signalled is not None:
            parent, parent_step = signalled
            before = parent.snapshot
            self._absorb(parent, parent_step, queue)
            self._arm_after(parent, parent_step, queue)
            if before is None or parent_step.snapshot.state != before.state:
                self._plan(parent, step.entry.at, queue)
        return True

    def _spawn(
        self,
        parent: _Case,
        process_id: str,
        data: Mapping[str, Any],
        entry: JournalEntry,
        number: int,
        queue: Queue,
    ) -> None:
        child = _Case(
            parent.index,
            f"{parent.case_id}.{len(parent.children) + 1}",
            self._child_plan(process_id),
            random.Random(parent.rng.getrandbits(64)),
            entry.at,
            parent.horizon,
            parent=parent,
        )
        parent.children.append(child)
        self._start(child, data, entry.at, entry.actor, queue)

    def _child_plan(self, process_id: str) -> CompiledScenario:
        plan = self._child_plans.get(process_id)
        if plan is None:
            process = load_process(process_id)
            scenario = self.plan.scenario.children.get(process_id) or default_scenario(process)
            plan = self._child_plans[process_id] = CompiledScenario(
                compile_process(process), scenario
            )
        return plan

    # --- helpers ---

    def _stop_if_long(self, case: _Case) -> bool:
        if len(case.journal) >= case.plan.scenario.max_events:
            case.status = "truncated"
            return True
        return False

    def _arm(self, case: _Case, queue: Queue) -> None:
        """Queue the expiry of every armed deadline at the instant it passes.

        A deadline that has already passed when it is armed (one anchored on an earlier
        day) is queued now: the engine's next tick would fire it, before anything else
        happens to the case.
        """
        snapshot = case.snapshot
        assert snapshot is not None
        now = snapshot.updated_at
        for timer in snapshot.timers:
            if timer.status is not _ARMED:
                continue
            expires_at = timer.expires_at
            if expires_at is None:
                continue
            at = max(expires_at, now)
            if at in case.expiries or at > case.horizon:
                continue
            case.expiries.add(at)
            queue.push(at, (case, 0, None), _EXPIRY)

    def _arm_after(self, case: _Case, step: Step, queue: Queue) -> None:
        """:meth:`_arm` after `step`, if it changed a deadline.

        Only a deadline the step started, resumed or extended can need queueing: every
        other armed one was queued when it was armed, and one queued at an instant already
        passed has come up and fired (at an instant, expiries come first).
        """
        if step.entry.timer_changes:
            self._arm(case, queue)

    def _plan(self, case: _Case, now: datetime, queue: Queue, excluding: str | None = None) -> None:
        """Choose the case's next event and when it happens, and queue it."""
        case.token += 1
        snapshot = case.snapshot
        assert snapshot is not None
        plan = case.plan
        choice = plan.choose(snapshot, case.rng, now, excluding=excluding, calendar=self.calendar)
        if choice is None or choice == WAIT:
            return  # a final state, or nobody acts: only a deadline can move the case
        at = plan.when(choice, now, case.rng, self.calendar)
        if at > case.horizon:
            return
        payload = plan.payload(choice, at, case.rng, snapshot.data)
        queue.push(at, (case, case.token, (choice, payload, plan.actor(choice))), _ACTION)

    def _record(self, case: _Case) -> CaseRecord:
        status = case.status
        snapshot = case.snapshot
        if status == "running":
            final = snapshot is not None and case.plan.is_final(snapshot.state)
            status = "final" if final else "open"
        return _new_record(
            index=case.index,
            case_id=case.case_id,
            process_id=case.plan.compiled.process.id,
            arrived_at=case.arrived_at,
            data=case.initial,
            status=status,
            state=None if snapshot is None else snapshot.state,
            journal=tuple(case.journal),
            refused=tuple(case.refused),
            parent_id=None if case.parent is None else case.parent.case_id,
            children=tuple(self._record(child) for child in case.children),
        )
