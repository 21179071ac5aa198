"""One batch of cases on one virtual clock: the simulator's case loop.

The scenario decides *which* event happens *when*; the runtime decides what it means.
Every act goes through :func:`policyflow.runtime.act` and every expiry through
:func:`policyflow.runtime.catch_up`, the very functions the engine calls, with the batch's
cases as the family they read: so a simulated case, its children and its parent obey
exactly the rules of real ones, the expiries before an event, the children it starts and
the signals it sends included. This module only keeps the cases and their records.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from policyflow.definition.model import Process
from policyflow.errors import (
    CalendarNotPublished,
    InvalidCaseData,
    InvalidInput,
    TransitionRefused,
    UnknownCase,
)
from policyflow.legaltime import Calendar
from policyflow.runtime import (
    CompiledProcess,
    Outcome,
    Touched,
    act,
    catch_up,
    compile_process,
    start,
)
from policyflow.runtime.expiry import has_due
from policyflow.runtime.journal import JournalEntry
from policyflow.runtime.relations import LookupHit, LookupQuery
from policyflow.runtime.roles import Actor
from policyflow.runtime.snapshot import CaseSnapshot, TimerStatus
from policyflow.sim.clock import EventQueue, Priority, VirtualClock
from policyflow.sim.compiled import CompiledScenario
from policyflow.sim.pickling import builder
from policyflow.sim.population_index import PopulationIndex
from policyflow.sim.record import CaseRecord
from policyflow.sim.scenario import WAIT, CohortCase, Scenario, default_scenario

__all__ = ["Batch", "BatchRunner", "stream_seed"]

# A batch is a list of (case index, arrival time).
Batch = list[tuple[int, datetime]]

# A case whose chosen events are refused this many times in a row is no longer followed.
_MAX_REFUSALS = 5
# Enum members read once: reading one from its class is a Python-level lookup.
_ARRIVAL, _EXPIRY, _ACTION = Priority.ARRIVAL, Priority.EXPIRY, Priority.ACTION
_ARMED = TimerStatus.ARMED
# A frozen dataclass's __init__ sets each field through object.__setattr__; the builder
# sets its slots directly (the same record).
_new_record = builder(CaseRecord)


def stream_seed(seed: int, index: int) -> int:
    """The seed of one random stream: case `index`, -1 arrivals, -2 down: cohort cases."""
    return (seed << 32) + index + 1


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
    given: dict[str, Any] | None = None  # a cohort case's data, as the scenario gives it


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


class _Family:
    """The runtime's :class:`~policyflow.runtime.Family`: the batch's cases in memory."""

    __slots__ = ("cases", "index", "plans", "resolve", "scenarios")

    def __init__(
        self, resolve: Callable[[str], Process], scenarios: Mapping[str, Scenario]
    ) -> None:
        self.cases: dict[str, _Case] = {}
        self.resolve = resolve
        self.scenarios = scenarios  # the scenario's own for child processes, by id
        self.plans: dict[str, CompiledScenario] = {}
        self.index = PopulationIndex()  # the cases by their keys: lookups, cohort members

    def plan(self, process_id: str) -> CompiledScenario:
        """A child process and its scenario, compiled once."""
        plan = self.plans.get(process_id)
        if plan is None:
            process = self.resolve(process_id)
            scenario = self.scenarios.get(process_id) or default_scenario(process)
            plan = self.plans[process_id] = CompiledScenario(compile_process(process), scenario)
        return plan

    def parent(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        return self.case(case_id)

    def case(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        case = self.cases.get(case_id)
        if case is None or case.snapshot is None:
            # as the engine's store says it: a signal to a cohort not (yet) started
            raise UnknownCase(f"no case {case_id!r} in the simulation")
        return case.plan.compiled, case.snapshot

    def children(self, case_id: str, process_id: str) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        found = [
            (child.plan.compiled, child.snapshot)
            for child in self.cases[case_id].children
            if child.snapshot is not None and child.snapshot.process_id == process_id
        ]
        found.sort(key=_start_order)  # (started_at, id), as the engine reads them
        return found

    def members(
        self, cohort_id: str, process_id: str
    ) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        return list(self.index.members(cohort_id, process_id))  # the '@cohort' key's rows

    def children_due(
        self, case_id: str, until: datetime
    ) -> Iterator[tuple[CompiledProcess, CaseSnapshot]]:
        for child in self.cases[case_id].children:
            snapshot = child.snapshot
            if snapshot is not None and has_due(snapshot, until):
                yield child.plan.compiled, snapshot

    def is_cohort(self, process_id: str) -> bool:
        return self.index.is_cohort(process_id)

    def members_due(
        self, cohort_id: str, until: datetime
    ) -> Iterator[tuple[CompiledProcess, CaseSnapshot]]:
        cohort = self.cases.get(cohort_id)
        if cohort is None or cohort.snapshot is None:
            return iter(())
        return self.index.members_due(cohort_id, cohort.snapshot.process_id, until)

    def process(self, process_id: str) -> CompiledProcess:
        return self.plan(process_id).compiled

    def new_id(self, parent_id: str, process_id: str, number: int) -> str:
        # Five digits, so that ids sort in start order as the engine's do (children
        # started at one instant are listed and signalled by id: engine/write.child_id).
        return f"{parent_id}.{len(self.cases[parent_id].children) + number + 1:05d}"

    def lookup(self, query: LookupQuery) -> Sequence[LookupHit]:
        return self.index.lookup(query)


def _start_order(case: tuple[CompiledProcess, CaseSnapshot]) -> tuple[datetime, str]:
    return case[1].started_at, case[1].case_id


class BatchRunner:
    """Runs batches of cases of one process (and its child processes) under one scenario.

    Args:
        plan: the process and scenario, compiled.
        calendar: the legal calendar.
        seed: the run's seed (each case draws from its own stream of it).
        resolve: how a child process is found by id (the simulation's process sources).
    """

    def __init__(
        self,
        plan: CompiledScenario,
        calendar: Calendar,
        seed: int,
        resolve: Callable[[str], Process],
    ) -> None:
        self.plan = plan
        self.calendar = calendar
        self.seed = seed
        self._family = _Family(resolve, plan.scenario.children)
        self.cohort_records: list[CaseRecord] = []  # the last run's cohort cases

    def run(self, batch: Batch) -> list[CaseRecord]:
        """Simulate the cases of `batch` together on one virtual clock; return their records."""
        if not batch:
            return []
        queue: Queue = EventQueue()
        starts = [at for _, at in batch] + [c.at for c in self.plan.scenario.cohorts]
        clock = VirtualClock(min(starts))
        cases: list[_Case] = []
        self._family.cases = {}
        self._family.index.clear()
        horizon = timedelta(days=self.plan.scenario.horizon_days)
        for index, at in batch:
            case = _Case(
                index,
                f"sim-{index + 1:06d}",
                self.plan,
                random.Random(stream_seed(self.seed, index)),
                at,
                at + horizon,
            )
            cases.append(case)
            queue.push(at, (case, 0, None), _ARRIVAL)
        cohorts = self._cohorts(horizon)
        for cohort in cohorts:
            queue.push(cohort.arrived_at, (cohort, 0, None), _ARRIVAL)
        while queue:
            happening = queue.pop()
            clock.advance_to(happening.at)
            case, token, action = happening.item
            if case.status != "running" and not (
                case.status == "stalled" and happening.priority is _EXPIRY
            ):
                continue  # a stalled case is no longer acted on, but its deadlines still run
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
        self.cohort_records = [self._record(case) for case in cohorts]
        _unlink(cases)
        _unlink(cohorts)
        self._family.cases = {}
        return records

    def _cohorts(self, horizon: timedelta) -> list[_Case]:
        """The cohort cases the scenario starts (a nomination's round), not yet arrived."""
        declared = self.plan.compiled.process.cohort
        given = self.plan.scenario.cohorts
        if not given:
            return []
        if declared is None and any(cohort.process is None for cohort in given):
            raise InvalidInput(
                f"scenario cohorts: process {self.plan.compiled.id!r} declares no cohort "
                "(name the process of each case the scenario starts)"
            )

        def process_of(cohort: CohortCase) -> str:
            if cohort.process is not None:  # a case the arrivals look up
                return cohort.process
            assert declared is not None  # checked above
            return declared.process

        return [
            _Case(
                -1 - number,  # before every arrival's index, never one of them
                cohort.id,
                self._family.plan(process_of(cohort)),
                random.Random(stream_seed(self.seed, -2 - number)),
                cohort.at,
                cohort.at + horizon,
                given=dict(cohort.data),
            )
            for number, cohort in enumerate(given)
        ]

    # --- the three kinds of happening ---

    def _arrive(self, case: _Case, at: datetime, queue: Queue) -> None:
        compiled = case.plan.compiled
        data = case.given if case.given is not None else case.plan.initial_data(case.rng, at)
        try:
            step = start(compiled, case.case_id, data, at=at, calendar=self.calendar)
        except InvalidCaseData as error:
            raise InvalidInput(
                f"scenario data for {compiled.process.id} fail the process's fields: {error}"
            ) from None
        self._family.cases[case.case_id] = case
        self._begin(case, step.snapshot.data, step.snapshot, [step.entry], queue)

    def _expire(self, case: _Case, at: datetime, queue: Queue) -> None:
        case.expiries.discard(at)
        snapshot = case.snapshot
        assert snapshot is not None
        # As the engine's tick does: the case, and the family its expiries reach, up to `at`
        outcome = catch_up(
            self._family, case.plan.compiled, snapshot, until=at, calendar=self.calendar
        )
        self._take(outcome, at, queue)

    def _act(
        self,
        case: _Case,
        at: datetime,
        action: tuple[str, Any, Actor | str | None],
        queue: Queue,
    ) -> None:
        event, payload, actor = action
        snapshot = case.snapshot
        assert snapshot is not None
        try:
            outcome = act(
                self._family,
                case.plan.compiled,
                snapshot,
                event,
                payload,
                at=at,
                actor=actor,
                calendar=self.calendar,
                overrides=case.plan.overrides.get(event),
            )
        except (TransitionRefused, UnknownCase) as error:  # (a receiver that does not exist)
            case.refusals += 1
            case.refused.append((snapshot.state, event, f"{type(error).__name__}: {error}"))
            if case.refusals >= _MAX_REFUSALS:
                case.status = "stalled"
                return
            self._plan(case, at, queue, excluding=event)
            return
        case.refusals = 0
        self._take(outcome, at, queue, acting=case)

    # --- what an outcome does to the batch ---

    def _take(
        self, outcome: Outcome, at: datetime, queue: Queue, acting: _Case | None = None
    ) -> None:
        """Take every case's steps in; queue their expiries; plan what moved them.

        The case acted on (or caught up) comes last, as its own plan follows what its
        step did: the cases it started begin first (each draws its random stream from
        it, in order), then a parent it signalled. The acting case plans its next event
        whatever happened; any other plans again only if its state changed (what it had
        planned is moot).
        """
        cases = outcome.cases
        if not cases:
            return
        if acting is not None and len(cases) == 1 and len(cases[0].steps) == 1:
            # the event alone (most acts): the loop below, for one case and one step
            step = cases[0].steps[0]
            self._family.index.put(acting.plan.compiled, step.snapshot)
            acting.snapshot = step.snapshot
            acting.journal.append(step.entry)
            if not self._stop_if_long(acting):
                if step.entry.timer_changes:
                    self._arm(acting, queue)
                self._plan(acting, at, queue)
            return
        first, *others = cases
        for touched in (*others, first):
            for step in touched.steps:  # each: the instant a case entered its state is kept
                self._family.index.put(touched.compiled, step.snapshot)
            entries = [step.entry for step in touched.steps]
            if touched.before is None:
                self._spawned(touched, entries, queue)
                continue
            case = self._family.cases[touched.case_id]
            before = case.snapshot
            case.snapshot = touched.after
            case.journal.extend(entries)
            if self._stop_if_long(case):
                continue
            if any(entry.timer_changes for entry in entries):
                self._arm(case, queue)
            if case is acting or (before is not None and before.state != touched.after.state):
                self._plan(case, at, queue)

    def _spawned(self, touched: Touched, entries: list[JournalEntry], queue: Queue) -> None:
        started = touched.steps[0].snapshot
        parent_id = started.parent_id
        assert parent_id is not None
        parent = self._family.cases[parent_id]
        at = started.started_at
        child = _Case(
            parent.index,
            started.case_id,
            self._family.plan(started.process_id),
            random.Random(parent.rng.getrandbits(64)),
            at,
            parent.horizon,
            parent=parent,
        )
        parent.children.append(child)
        self._family.cases[child.case_id] = child
        self._begin(child, started.data, touched.after, entries, queue)

    def _begin(
        self,
        case: _Case,
        initial: Mapping[str, Any],
        snapshot: CaseSnapshot,
        entries: list[JournalEntry],
        queue: Queue,
    ) -> None:
        """A case has started: keep its initial data and its steps so far, and plan it."""
        case.initial = dict(initial)
        case.snapshot = snapshot
        self._family.index.put(case.plan.compiled, snapshot)
        case.journal.extend(entries)
        if self._stop_if_long(case):
            return
        self._arm(case, queue)
        self._plan(case, snapshot.updated_at, queue)

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

    def _plan(self, case: _Case, now: datetime, queue: Queue, excluding: str | None = None) -> None:
        """Choose the case's next event and when it happens, and queue it."""
        case.token += 1
        if case.status != "running":
            return  # stalled: nobody acts on it any more
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
