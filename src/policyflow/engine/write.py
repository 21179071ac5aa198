"""The engine's write path: load cases under lock, run the runtime's cascade, commit it.

The engine never decides what an event means. :func:`policyflow.runtime.act` and
:func:`~policyflow.runtime.catch_up` return every step an event or the passing of time
makes, on the case and on the parent and children it touches; this module reads those
cases for the runtime (:class:`StoredFamily`) and writes what comes back in the caller's
transaction: per case, its row once (inserted, or updated only if still at the version it
was read at), a journal row per step chained by hash to the one before, and the timer
rows that changed.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from policyflow.definition.catalog import Finder
from policyflow.definition.model import Process
from policyflow.engine.clock import Clock
from policyflow.errors import InvalidInput, UnknownCase
from policyflow.legaltime import Calendar
from policyflow.runtime import CompiledProcess, Outcome, Step, compile_process
from policyflow.runtime.journal import JournalEntry
from policyflow.runtime.relations import LookupHit, LookupQuery
from policyflow.runtime.snapshot import CaseSnapshot
from policyflow.store import cases as case_store
from policyflow.store import fast, journal, relations, timers
from policyflow.store.cases import Lock
from policyflow.store.convert import bounded_json, canonical_json, case_values, snapshot_from_rows
from policyflow.store.database import Database
from policyflow.store.fast import Batch, Target
from policyflow.store.tables import ID_LENGTH

__all__ = ["Definitions", "Loaded", "StoredFamily", "Writer", "new_id"]


def new_id() -> str:
    """A new case id: 16 random hex digits."""
    return uuid.uuid4().hex[:16]


_last_child_stamp = 0


def child_id() -> str:
    """A new child case's id, in the order children are started: 20 hex digits.

    Children are listed, and signalled, in start order: (started_at, id). Children started
    at one instant (one act's ``for_each``, or two acts at the same business time) are
    told apart by their ids, so an id here is 13 hex digits of a microsecond stamp that
    never repeats nor goes back in this process, then 7 random ones (two engines
    starting children at the same microsecond do not collide). The simulator's ids
    (``parent.1``, ``parent.2``) keep the same order, so both list a parent's children alike.
    """
    global _last_child_stamp
    stamp = max(time.time_ns() // 1000, _last_child_stamp + 1)
    _last_child_stamp = stamp
    return f"{stamp:013x}{secrets.randbits(28):07x}"


def checked_id(case_id: str) -> str:
    """`case_id` as given for a new case, once it is one the store can keep as it is.

    Raises:
        InvalidInput: empty, longer than the store's id column, or holding a control
            character (which a terminal or a log would act on).
    """
    if not case_id.strip():
        raise InvalidInput("invalid case id '': give a case number, or none for a random id")
    if len(case_id) > ID_LENGTH:
        raise InvalidInput(
            f"invalid case id of {len(case_id)} characters: at most {ID_LENGTH} are kept"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in case_id):
        raise InvalidInput(f"invalid case id {case_id!r}: it holds a control character")
    return case_id


@dataclass(frozen=True, slots=True)
class Loaded:
    """A case read inside a write transaction, with what writing its next step needs."""

    snapshot: CaseSnapshot
    compiled: CompiledProcess
    last_hash: str
    data_json: str  # the stored canonical JSON of snapshot.data


class Definitions:
    """Process definitions: looked up by id or path, compiled once, stored once per version.

    A case is bound to the definition it started under: the definition's canonical JSON
    is stored once per (process id, version), and every later event of that case runs
    under it, even after the YAML file changed.
    """

    def __init__(self, finder: Finder, wall: Clock) -> None:
        self.finder = finder
        self._wall = wall
        self._compiled: dict[tuple[str, str], CompiledProcess] = {}
        self.stored: set[tuple[str, str]] = set()  # definitions known to be committed
        # cohort process id → the processes naming it (as compiled here, and once stored)
        self._members: dict[str, dict[str, None]] = {}
        self._members_read = False

    def resolve(self, process: str | Path) -> Process:
        """The process with this id (under the engine's folder, else built in) or path."""
        return self.finder.load(process)

    def compile(self, process: Process) -> CompiledProcess:
        """`process`, compiled (once per version)."""
        key = (process.id, process.version)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = compile_process(process)
            if process.cohort is not None:
                self._members.setdefault(process.cohort.process, {})[process.id] = None
        return compiled

    def member_processes(self, connection: Target, process_id: str) -> tuple[str, ...]:
        """The processes that name `process_id` as their cohort: compiled here or stored.

        The stored definitions are read once (a member case is never stored without its
        definition); a definition this engine compiles later is added as it is compiled.
        """
        if not self._members_read:
            for member, cohort in case_store.cohort_processes(connection):
                self._members.setdefault(cohort, {})[member] = None
            self._members_read = True
        return tuple(self._members.get(process_id, ()))

    def store(self, connection: Target, process: Process) -> None:
        """Store the definition in the transaction, unless known to be stored already."""
        if (process.id, process.version) in self.stored:
            return
        body = canonical_json(json.loads(process.model_dump_json()))
        case_store.put_definition(
            connection, process.id, process.version, body, stored_at=self._wall.now()
        )

    def of_case(self, connection: Target, process_id: str, version: str) -> CompiledProcess:
        """The compiled definition a case runs under, read from the store if need be."""
        compiled = self._compiled.get((process_id, version))
        if compiled is not None:
            return compiled
        body = case_store.find_definition(connection, process_id, version)
        if body is None:
            raise UnknownCase(f"definition {process_id}@{version} is not stored")
        return self.compile(Process.model_validate_json(body))


class Writer:
    """Reads cases for the runtime and commits the outcomes it returns.

    Args:
        database: where the cases are.
        definitions: the process definitions.
        calendar: the legal calendar handed to the runtime (None: the official one).
        wall: the wall clock for recorded times.
    """

    def __init__(
        self,
        database: Database,
        definitions: Definitions,
        calendar: Calendar | None,
        wall: Clock,
    ) -> None:
        self.database = database
        self.definitions = definitions
        self.calendar = calendar
        self._wall = wall

    def now(self) -> datetime:
        """The wall-clock time, as recorded beside business times."""
        return self._wall.now()

    def where(self) -> str:
        """The database, as error messages name it (no password)."""
        return self.database.url.render_as_string(hide_password=True)

    # --- reading ---------------------------------------------------------------------

    def load(self, connection: Target, case_id: str, *, lock: Lock) -> Loaded | None:
        """One case as stored, or None."""
        row = case_store.find_case(connection, case_id, lock=lock)
        if row is None:
            return None
        return self._loaded(connection, row, case_store.load_timers(connection, case_id))

    def must_load(self, connection: Target, case_id: str, *, lock: Lock) -> Loaded:
        """One case as stored.

        Raises:
            UnknownCase: no such case.
        """
        loaded = self.load(connection, case_id, lock=lock)
        if loaded is None:
            raise UnknownCase(f"no case {case_id!r} in {self.where()}")
        return loaded

    def load_many(
        self, connection: Target, case_ids: Sequence[str], *, lock: Lock
    ) -> dict[str, Loaded]:
        """Load several cases in two queries (rows, then timers); missing ones left out."""
        rows = case_store.find_cases(connection, case_ids, lock=lock)
        timer_rows = case_store.load_timers_of(connection, list(rows))
        return {
            case_id: self._loaded(connection, row, timer_rows[case_id])
            for case_id, row in rows.items()
        }

    def _loaded(
        self, connection: Target, row: Mapping[str, Any], timer_rows: Sequence[Mapping[str, Any]]
    ) -> Loaded:
        compiled = self.definitions.of_case(connection, row["process_id"], row["process_version"])
        snapshot = snapshot_from_rows(row, timer_rows, compiled.load_data(json.loads(row["data"])))
        return Loaded(snapshot, compiled, row["last_hash"], row["data"])

    # --- writing ---------------------------------------------------------------------

    def stage(
        self,
        batch: Batch,
        dialect: str,
        steps: Sequence[Step],
        before: Loaded | None,
        compiled: CompiledProcess,
        *,
        recorded_at: datetime | None = None,
    ) -> Loaded:
        """Queue the writes of consecutive steps of one case; return the case after them.

        A journal row per step, chained by hash; the case row once, as it stands after the
        last step (inserted, or updated only if still at the version it was read at); the
        timer rows that differ between before the first step and after the last.
        `recorded_at` is the wall-clock time written (None: now).
        """
        snapshot = steps[-1].snapshot
        if recorded_at is None:
            recorded_at = self._wall.now()
        last_hash = journal.GENESIS if before is None else before.last_hash
        rows = []
        for step in steps:
            row = journal.journal_values(
                snapshot.case_id, step.entry, recorded_at=recorded_at, prev_hash=last_hash
            )
            rows.append(row)
            last_hash = row["hash"]
        if before is not None and snapshot.data is before.snapshot.data:
            data_json = before.data_json  # the events left the data as they were
        else:
            data_json = bounded_json(
                compiled.dump_data(snapshot.data), "the data of case", snapshot.case_id
            )
        values = case_values(
            snapshot, data_json=data_json, recorded_at=recorded_at, last_hash=last_hash
        )
        if before is None:
            case_store.stage_insert(batch, dialect, values)  # before its journal rows
        else:
            case_store.stage_update(
                batch, dialect, snapshot.case_id, before.snapshot.version, values
            )
        for row in rows:
            journal.stage_append(batch, dialect, row)
        timers.stage_timers(
            batch,
            dialect,
            snapshot.case_id,
            () if before is None else before.snapshot.timers,
            snapshot.timers,
        )
        return Loaded(snapshot, compiled, last_hash, data_json)

    def stage_alone(self, connection: Target, step: Step, compiled: CompiledProcess) -> Loaded:
        """Write the start of a new case, alone, in the transaction (its keys included)."""
        batch = Batch()
        dialect = fast.dialect_of(connection)
        loaded = self.stage(batch, dialect, (step,), None, compiled)
        stage_keys(connection, batch, dialect, (step,), None, compiled)
        batch.run(connection)
        return loaded

    def commit(
        self,
        connection: Target,
        outcome: Outcome,
        loaded: Mapping[str, Loaded],
        *,
        batch: Batch | None = None,
        recorded_at: datetime | None = None,
    ) -> dict[str, Loaded]:
        """Write every case of `outcome` in the transaction; return them as written.

        New cases are written first (a batch runs each statement once, in the order
        first added: their rows must exist before any journal row is inserted).
        `loaded` holds the cases as read, by id; with `batch`, the writes are only queued.
        """
        own = batch is None
        queue = Batch() if batch is None else batch
        dialect = fast.dialect_of(connection)
        if recorded_at is None:
            recorded_at = self._wall.now()
        written: dict[str, Loaded] = {}
        for touched in sorted(outcome.cases, key=lambda t: t.before is not None):
            before = None if touched.before is None else loaded[touched.case_id]
            written[touched.case_id] = self.stage(
                queue, dialect, touched.steps, before, touched.compiled, recorded_at=recorded_at
            )
            # after the case row: a batch runs each statement in the order first added
            stage_keys(
                connection,
                queue,
                dialect,
                touched.steps,
                None if before is None else before.snapshot,
                touched.compiled,
            )
        if own:
            queue.run(connection)
        return written


def _keyed(compiled: CompiledProcess) -> bool:
    """Whether the cases of `compiled` are indexed: its process declares keys or a cohort."""
    process = compiled.process
    return bool(process.keys) or process.cohort is not None


def _entered_in(steps: Sequence[Step]) -> datetime | None:
    """The instant of the last of `steps` that moved its case to another state (or started it)."""
    for step in reversed(steps):
        entry: JournalEntry = step.entry
        if entry.from_state != entry.to_state:
            return entry.at
    return None


def stage_keys(
    connection: Target,
    batch: Batch,
    dialect: str,
    steps: Sequence[Step],
    before: CaseSnapshot | None,
    compiled: CompiledProcess,
) -> None:
    """Queue the rewrite of a case's keys index rows, after its steps, if they changed.

    Only for a process that declares keys or a cohort (the others write nothing here).
    The rows carry the instant the case entered its current state: that of the last step
    that changed state, or, when none of `steps` did, read from the case's journal.
    Nothing is queued when neither the keys nor the state changed.
    """
    if not _keyed(compiled):
        return
    after = steps[-1].snapshot
    keys = compiled.keys_of(after)
    entered = _entered_in(steps)
    if entered is None:
        if before is not None and compiled.keys_of(before) == keys:
            return  # same rows, same instant
        entered = journal.entered_at(connection, after.case_id)
    relations.stage_keys(batch, dialect, after.case_id, after.process_id, keys, entered)


class StoredFamily:
    """The runtime's :class:`~policyflow.runtime.Family`, read from the store in a transaction.

    Every case it hands out is locked (``FOR UPDATE`` on PostgreSQL; SQLite's write lock
    holds the whole database) and kept in :attr:`loaded`, so the outcome can be written
    against the versions read.
    """

    def __init__(self, writer: Writer, connection: Target, loaded: dict[str, Loaded]) -> None:
        self.writer = writer
        self.connection = connection
        self.loaded = loaded

    def _get(self, case_id: str) -> Loaded:
        found = self.loaded.get(case_id)
        if found is None:
            found = self.loaded[case_id] = self.writer.must_load(
                self.connection, case_id, lock=Lock.WAIT
            )
        return found

    def parent(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        """The parent case, locked."""
        found = self._get(case_id)
        return found.compiled, found.snapshot

    def case(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        """Any case (a cohort, a signal's receiver), locked."""
        found = self._get(case_id)
        return found.compiled, found.snapshot

    def children(self, case_id: str, process_id: str) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        """The child cases of `process_id`, in (started_at, id) order, locked."""
        return self._get_many(relations.children_of(self.connection, case_id, process_id))

    def members(
        self, cohort_id: str, process_id: str
    ) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        """The cases of `process_id` whose cohort is `cohort_id`, in (started_at, id) order.

        Found through the keys index (``@cohort``), locked.
        """
        return self._get_many(relations.members_of(self.connection, cohort_id, process_id))

    def _get_many(self, case_ids: list[str]) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        """The cases `case_ids` in that order, locked; read in two queries when not yet held."""
        missing = [case_id for case_id in case_ids if case_id not in self.loaded]
        if missing:
            self.loaded.update(self.writer.load_many(self.connection, missing, lock=Lock.WAIT))
        return [self.case(case_id) for case_id in case_ids]

    def children_due(
        self, case_id: str, until: datetime
    ) -> Iterator[tuple[CompiledProcess, CaseSnapshot]]:
        """The child cases with a deadline due by `until`, locked."""
        due = timers.due_children(self.connection, [case_id], until)
        for child_id in due.get(case_id, ()):
            found = self._get(child_id)
            yield found.compiled, found.snapshot

    def is_cohort(self, process_id: str) -> bool:
        """Whether a stored or compiled process names `process_id` as its cohort."""
        return bool(self.writer.definitions.member_processes(self.connection, process_id))

    def members_due(
        self, cohort_id: str, until: datetime
    ) -> Iterator[tuple[CompiledProcess, CaseSnapshot]]:
        """The cohort's members with a deadline due by `until` (the keys index), locked."""
        processes = self.writer.definitions.member_processes(
            self.connection, self._get(cohort_id).compiled.id
        )
        due = relations.due_members(self.connection, [cohort_id], processes, until)
        for member_id in due.get(cohort_id, ()):
            found = self._get(member_id)
            yield found.compiled, found.snapshot

    def process(self, process_id: str) -> CompiledProcess:
        """A child's process, its definition stored in the transaction."""
        definition = self.writer.definitions.resolve(process_id)
        self.writer.definitions.store(self.connection, definition)
        return self.writer.definitions.compile(definition)

    def new_id(self, parent_id: str, process_id: str, number: int) -> str:
        """An id in start order (:func:`child_id`)."""
        return child_id()

    def lookup(self, query: LookupQuery) -> Sequence[LookupHit]:
        """The cases `query` finds, as committed, read through the keys index (not locked).

        The cases are read, never written, by the asking step: the step records what it
        read (the journal's ``reads``), so nothing later depends on them staying as read.
        """
        return relations.lookup(self.connection, query)
