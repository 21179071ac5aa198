"""The engine's sweep: bring every case with a due deadline up to an instant, page by page.

A tick is the runtime's :func:`~policyflow.runtime.catch_up` for each case nobody acted
on: the same expiries, at the same legal instants, that the next event on the case would
have brought first. So the journal of a case does not depend on when, or whether, a tick
ran.

Due cases are taken a page at a time, under a row lock (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL; the write lock on SQLite); what is due is recomputed from the locked rows, so
running tick twice, or in several processes at once, fires each timer once. A page's cases
are loaded in two queries and their expiries written in one transaction, one
``executemany`` per statement. A case whose catch-up reaches another case (a child it
starts, a parent it signals, a child of its own that is due) is brought up after the page,
in a transaction of its own: it locks other cases, and two workers' pages must never wait
on each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from policyflow.engine.case import TickAction, TickReport
from policyflow.engine.write import Loaded, StoredFamily, Writer
from policyflow.errors import ConcurrentUpdate, InvalidInput, TransitionRefused
from policyflow.runtime import CompiledProcess, Outcome, catch_up
from policyflow.runtime.journal import TimerAction
from policyflow.runtime.relations import LookupHit, LookupQuery
from policyflow.runtime.snapshot import CaseSnapshot
from policyflow.store import relations, timers
from policyflow.store.cases import Lock
from policyflow.store.fast import Batch, Target

__all__ = ["tick"]

# Due timers read per tick transaction; their cases' expiries are written in it together.
PAGE = 500
_EXPIRY_ACTIONS = {TimerAction.FIRED: "fired", TimerAction.OVERDUE: "overdue"}


class _Alone(Exception):
    """The case's catch-up reaches another case: it is done in a transaction of its own."""


class _PageFamily:
    """A family for a case that must not reach another one within the page."""

    def parent(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        raise _Alone

    def case(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        raise _Alone

    def children(self, case_id: str, process_id: str) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        raise _Alone

    def members(
        self, cohort_id: str, process_id: str
    ) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        raise _Alone

    def children_due(
        self, case_id: str, until: datetime
    ) -> Iterator[tuple[CompiledProcess, CaseSnapshot]]:
        return iter(())  # the page left out every case with a due child

    def is_cohort(self, process_id: str) -> bool:
        return False  # the page left out every cohort case with a due member

    def members_due(
        self, cohort_id: str, until: datetime
    ) -> Iterator[tuple[CompiledProcess, CaseSnapshot]]:
        return iter(())

    def process(self, process_id: str) -> CompiledProcess:
        raise _Alone

    def new_id(self, parent_id: str, process_id: str, number: int) -> str:
        raise _Alone

    def lookup(self, query: LookupQuery) -> Sequence[LookupHit]:
        raise _Alone


def tick(
    writer: Writer,
    now: datetime,
    forget: Callable[[str], None],
    *,
    dry_run: bool = False,
    stop: Callable[[], bool] | None = None,
    on_page: Callable[[int], None] | None = None,
) -> TickReport:
    """Bring every case with a deadline due at `now` up to `now`; return what was done.

    Args:
        writer: the engine's write path.
        now: the instant to sweep up to.
        forget: called with each case the sweep may change (the engine's cache of cases).
        dry_run: compute the same expiries, by the same runtime, and write nothing (no
            case is locked either): what a tick at `now` would do.
        stop: asked before each page; True ends the sweep there (the worker's shutdown:
            a page is committed whole, or not begun).
        on_page: called after each page with the number of due timers it read.
    """
    lock = Lock.NONE if dry_run else Lock.SKIP
    report = _Report()
    done: set[str] = set()
    after: tuple[Any, ...] | None = None
    family = _PageFamily()
    while stop is None or not stop():
        alone: list[str] = []
        with writer.database.transaction() as connection:
            page = timers.due_timers(connection, now, limit=PAGE, after=after)
            if not page:
                break
            after = timers.page_after(page[-1])
            case_ids = [c for c in dict.fromkeys(r["case_id"] for r in page) if c not in done]
            done.update(case_ids)
            loaded = writer.load_many(connection, case_ids, lock=lock)
            parents = [c for c, case in loaded.items() if case.compiled.starts_children]
            with_due_children = timers.due_children(connection, parents, now)
            with_due_members = _due_members(writer, connection, loaded, now)
            # the page's writes, run together (one executemany per statement) at its end
            batch = Batch()
            recorded_at = writer.now()  # one wall-clock time for the page's writes
            for case_id in case_ids:
                forget(case_id)
                case = loaded.get(case_id)
                if case is None:
                    report.skipped.append(case_id)  # another worker holds it
                    continue
                if case_id in with_due_children or case_id in with_due_members:
                    alone.append(case_id)
                    continue
                try:
                    outcome = catch_up(
                        family, case.compiled, case.snapshot, until=now, calendar=writer.calendar
                    )
                except _Alone:
                    alone.append(case_id)
                    continue
                except (TransitionRefused, InvalidInput) as error:
                    # pure: nothing written yet; one case's problem does not stop the
                    # others' (it is reported, and tried again by the next tick)
                    report.refused.append((case_id, str(error)))
                    continue
                if outcome.cases and not dry_run:
                    writer.commit(
                        connection, outcome, {case_id: case}, batch=batch, recorded_at=recorded_at
                    )
                report.add(outcome)
            if not dry_run:
                batch.run(connection)
        for case_id in alone:
            _alone(writer, case_id, now, report, forget, dry_run=dry_run)
        if on_page is not None:
            on_page(len(page))
    return TickReport(
        now, tuple(report.actions), tuple(report.skipped), tuple(report.refused), dry_run
    )


def _due_members(
    writer: Writer, connection: Target, loaded: Mapping[str, Loaded], now: datetime
) -> dict[str, list[str]]:
    """The page's cohort cases with a member due by `now` (done alone: it may signal them)."""
    processes: dict[str, None] = {}
    cohorts = []
    for case_id, case in loaded.items():
        members = writer.definitions.member_processes(connection, case.compiled.id)
        if members:
            cohorts.append(case_id)
            processes.update(dict.fromkeys(members))
    return relations.due_members(connection, cohorts, list(processes), now)


def _alone(
    writer: Writer,
    case_id: str,
    now: datetime,
    report: _Report,
    forget: Callable[[str], None],
    *,
    dry_run: bool,
) -> None:
    """Bring one case, and the family its expiries reach, up to `now` in one transaction."""
    try:
        with writer.database.transaction() as connection:
            loaded = writer.load(connection, case_id, lock=Lock.NONE if dry_run else Lock.SKIP)
            if loaded is None:
                report.skipped.append(case_id)
                return
            family = StoredFamily(writer, connection, {case_id: loaded})
            outcome = catch_up(
                family, loaded.compiled, loaded.snapshot, until=now, calendar=writer.calendar
            )
            if not dry_run:
                writer.commit(connection, outcome, family.loaded)
    except ConcurrentUpdate:
        report.skipped.append(case_id)
        return
    except (TransitionRefused, InvalidInput) as error:
        report.refused.append((case_id, str(error)))
        return
    for touched in outcome.cases:
        forget(touched.case_id)
    report.add(outcome)


class _Report:
    """What a tick did, gathered as it goes."""

    def __init__(self) -> None:
        self.actions: list[TickAction] = []
        self.skipped: list[str] = []
        self.refused: list[tuple[str, str]] = []

    def add(self, outcome: Outcome) -> None:
        for touched in outcome.cases:
            for step in touched.steps:
                entry = step.entry
                self.actions.extend(
                    TickAction(
                        touched.case_id,
                        change.deadline,
                        _EXPIRY_ACTIONS[change.action],
                        entry.event,
                        entry.sequence,
                        entry.at,
                        entry.to_state,
                        change.label,
                    )
                    for change in entry.timer_changes
                    if change.action in _EXPIRY_ACTIONS
                )
