"""Engine: the pure runtime, persisted. start, fire, tick, and the queries on cases.

The engine never decides what an event means: :func:`policyflow.runtime.start`,
:func:`~policyflow.runtime.apply` and :func:`~policyflow.runtime.expire` do. It loads a
case, hands it to the runtime with the time, and writes what comes back, one event per
transaction: the case row (only if it is still at the version it was read at), one
journal row chained by hash to the one before, and the timer rows that changed. Child
cases a step spawns, and the event a finished child sends its parent, are written in the
same transaction as the step itself.

A case is bound to the definition it started under: the definition's canonical JSON is
stored once per (process id, version), and every later event of that case runs under it,
even after the YAML file changed.
"""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyflow.definition.catalog import load as load_process
from policyflow.definition.model import Process
from policyflow.engine.case import Case, OverdueDeadline, TickAction, TickReport
from policyflow.engine.clock import Clock, SystemClock
from policyflow.errors import (
    CalendarNotPublished,
    ConcurrentUpdate,
    InvalidInput,
    TransitionRefused,
    UnknownCase,
)
from policyflow.legaltime import Calendar
from policyflow.runtime import CompiledProcess, apply, compile_process, expire
from policyflow.runtime import start as start_case
from policyflow.runtime.journal import TimerAction
from policyflow.runtime.snapshot import CaseSnapshot
from policyflow.runtime.step import Step
from policyflow.store import cases as case_store
from policyflow.store import fast, journal, timers
from policyflow.store.cases import Lock
from policyflow.store.convert import canonical_json, case_values, snapshot_from_rows, timer_from_row
from policyflow.store.database import Database
from policyflow.store.fast import Batch, Target
from policyflow.store.journal import RecordedEntry

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Engine", "ProcessLike"]

ProcessLike = Process | str | Path
# Due timers read per tick transaction; their cases' expiries are written in it together.
_TICK_PAGE = 500
_RECENT_CASES = 10_000
_EXPIRY_ACTIONS = {TimerAction.FIRED: "fired", TimerAction.OVERDUE: "overdue"}


@dataclass(frozen=True, slots=True)
class _Loaded:
    """A case read inside a write transaction, with what writing its next step needs."""

    snapshot: CaseSnapshot
    compiled: CompiledProcess
    last_hash: str
    data_json: str  # the stored canonical JSON of snapshot.data


def _new_id() -> str:
    return uuid.uuid4().hex[:16]


def _moment(value: datetime | date | None, what: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        if value is not None and value.tzinfo is not None:
            raise InvalidInput(
                f"{what} {value.isoformat()} has a time zone: business times are naive "
                "datetimes in China Standard Time"
            )
        return value
    return datetime.combine(value, time.min)


class Engine:
    """Persisted cases on SQLite (the default) or PostgreSQL.

    Args:
        url: a path or URL; None means ``$POLICYFLOW_DB``, else ``./policyflow.db``.
        clock: where "now" comes from when no time is given (China Standard Time).
        calendar: the legal calendar handed to the runtime (None: the runtime's default,
            the official Chinese calendar).
        processes: a folder laid out like ``processes/`` where process ids (and the ids
            of child processes) are looked up; None: the built-in processes.

    Usage::

        engine = Engine("cases.db")
        case = engine.start("most-penalty", {"party_type": "legal_person"})
        engine.fire(case.id, "notice_served", at=datetime(2023, 9, 28, 10))
        engine.tick()
    """

    def __init__(
        self,
        url: str | Path | None = None,
        *,
        clock: Clock | None = None,
        calendar: Calendar | None = None,
        processes: str | Path | None = None,
    ) -> None:
        self.database = Database(url)
        self.processes = None if processes is None else Path(processes)
        self.clock: Clock = SystemClock() if clock is None else clock
        self.calendar = calendar
        self._wall = SystemClock()
        self._compiled: dict[tuple[str, str], CompiledProcess] = {}
        self._stored: set[tuple[str, str]] = set()  # definitions known to be committed
        # Cases this engine wrote last, as committed. Writing from a cached case skips two
        # reads; the version check of the UPDATE proves the cache current, and a stale
        # entry (another writer moved the case) is dropped and the event retried once.
        self._recent: OrderedDict[str, _Loaded] = OrderedDict()

    def __repr__(self) -> str:
        return f"Engine({self.database.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Close the engine's database connections."""
        self.database.dispose()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- definitions -------------------------------------------------------------------

    def _resolve(self, process: str | Path) -> Process:
        return load_process(process, root=self.processes)

    def _compile(self, process: Process) -> CompiledProcess:
        key = (process.id, process.version)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = compile_process(process)
        return compiled

    def _store_definition(self, connection: Target, process: Process) -> None:
        body = canonical_json(json.loads(process.model_dump_json()))
        case_store.put_definition(
            connection, process.id, process.version, body, stored_at=self._wall.now()
        )

    def _compiled_for(self, connection: Target, process_id: str, version: str) -> CompiledProcess:
        compiled = self._compiled.get((process_id, version))
        if compiled is not None:
            return compiled
        body = case_store.find_definition(connection, process_id, version)
        if body is None:
            raise UnknownCase(
                f"definition {process_id}@{version} is not stored in {self.database.url}"
            )
        return self._compile(Process.model_validate_json(body))

    # --- reading cases -----------------------------------------------------------------

    def _load(self, connection: Target, case_id: str, *, lock: Lock) -> _Loaded | None:
        row = case_store.find_case(connection, case_id, lock=lock)
        if row is None:
            return None
        return self._loaded(connection, row, case_store.load_timers(connection, case_id))

    def _loaded(
        self, connection: Target, row: Mapping[str, Any], timer_rows: Sequence[Mapping[str, Any]]
    ) -> _Loaded:
        compiled = self._compiled_for(connection, row["process_id"], row["process_version"])
        snapshot = snapshot_from_rows(row, timer_rows, compiled.load_data(json.loads(row["data"])))
        return _Loaded(snapshot, compiled, row["last_hash"], row["data"])

    def _load_many(
        self, connection: Target, case_ids: Sequence[str], *, lock: Lock
    ) -> dict[str, _Loaded]:
        """Load several cases in two queries (rows, then timers); missing ones left out."""
        rows = case_store.find_cases(connection, case_ids, lock=lock)
        timer_rows = case_store.load_timers_of(connection, list(rows))
        return {
            case_id: self._loaded(connection, row, timer_rows[case_id])
            for case_id, row in rows.items()
        }

    def _must_load(self, connection: Target, case_id: str, *, lock: Lock) -> _Loaded:
        loaded = self._load(connection, case_id, lock=lock)
        if loaded is None:
            raise UnknownCase(f"no case {case_id!r} in {self._where()}")
        return loaded

    def _where(self) -> str:
        return self.database.url.render_as_string(hide_password=True)

    def _remember(self, loaded: _Loaded) -> None:
        self._recent[loaded.snapshot.case_id] = loaded
        self._recent.move_to_end(loaded.snapshot.case_id)
        if len(self._recent) > _RECENT_CASES:
            self._recent.popitem(last=False)

    def _case(self, loaded: _Loaded) -> Case:
        return Case(loaded.snapshot, loaded.compiled, self.calendar)

    # --- writing steps -----------------------------------------------------------------

    def _stage(
        self,
        batch: Batch,
        dialect: str,
        steps: Sequence[Step],
        before: _Loaded | None,
        compiled: CompiledProcess,
        *,
        recorded_at: datetime | None = None,
    ) -> _Loaded:
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
            data_json = canonical_json(compiled.dump_data(snapshot.data))
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
        return _Loaded(snapshot, compiled, last_hash, data_json)

    def _persist(
        self, connection: Target, step: Step, before: _Loaded | None, compiled: CompiledProcess
    ) -> _Loaded:
        """Write one step: case row (version-checked), journal row, timers; then children."""
        batch = Batch()
        after = self._stage(batch, fast.dialect_of(connection), (step,), before, compiled)
        batch.run(connection)
        snapshot = step.snapshot
        for child in step.spawn:
            child_process = self._resolve(child.process_id)
            self._start_in(
                connection,
                child_process,
                child.data,
                at=step.entry.at,
                actor=step.entry.actor,
                parent=snapshot.case_id,
                case_id=None,
            )
        if step.signal is not None:
            parent = self._must_load(connection, step.signal.parent_id, lock=Lock.WAIT)
            signalled = apply(
                parent.compiled,
                parent.snapshot,
                step.signal.event,
                step.signal.payload,
                at=step.entry.at,
                actor=step.entry.actor,
                calendar=self.calendar,
            )
            self._persist(connection, signalled, parent, parent.compiled)
        return after

    def _start_in(
        self,
        connection: Target,
        process: Process,
        data: Mapping[str, Any],
        *,
        at: datetime,
        actor: str | None,
        parent: str | None,
        case_id: str | None,
    ) -> _Loaded:
        compiled = self._compile(process)
        if parent is not None and case_store.find_case(connection, parent) is None:
            raise UnknownCase(f"no parent case {parent!r} in {self._where()}")
        step = start_case(
            compiled,
            case_id or _new_id(),
            data,
            at=at,
            actor=actor,
            parent_id=parent,
            calendar=self.calendar,
        )
        if (process.id, process.version) not in self._stored:
            self._store_definition(connection, process)
        return self._persist(connection, step, None, compiled)

    # --- the API -----------------------------------------------------------------------

    def start(
        self,
        process: ProcessLike,
        data: Mapping[str, Any],
        at: datetime | date | None = None,
        actor: str | None = None,
        parent: str | None = None,
        *,
        case_id: str | None = None,
    ) -> Case:
        """Start a case of `process` with `data`, in one transaction.

        Args:
            process: a :class:`Process`, a built-in process id, or a path to a YAML file.
            data: the initial case data, checked against the process's fields.
            at: the business time of the start (default: the clock's now).
            actor: who started it.
            parent: the parent case, for a sub-procedure.
            case_id: the new case's id (default: 16 random hex digits).

        Raises:
            UnknownProcess: no such process.
            InvalidCaseData: the data fails the declared fields; nothing is written.
            UnknownCase: the parent does not exist.
        """
        definition = process if isinstance(process, Process) else self._resolve(process)
        moment = _moment(at, "start time") or self.clock.now()
        with self.database.transaction() as connection:
            loaded = self._start_in(
                connection, definition, data, at=moment, actor=actor, parent=parent, case_id=case_id
            )
        self._stored.add((definition.id, definition.version))
        self._remember(loaded)
        return self._case(loaded)

    def fire(
        self,
        case_id: str,
        event: str,
        payload: Mapping[str, Any] | None = None,
        at: datetime | date | None = None,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> Case:
        """Apply `event` to a case, in one transaction, and return the case after it.

        Args:
            case_id: the case.
            event: the event's id.
            payload: the event's data, checked against its declared fields.
            at: the business time of the event (default: the clock's now).
            actor: who did it.
            expected_version: the version the caller saw; if the case moved on since,
                :class:`ConcurrentUpdate` is raised instead of applying the event.

        Raises:
            UnknownCase: no such case.
            TransitionRefused: the rules refuse the event (EventNotAllowed, GuardFailed,
                InvalidPayload); nothing is written.
            ConcurrentUpdate: another writer changed the case first; nothing is written.
        """
        moment = _moment(at, "event time") or self.clock.now()
        cached = self._recent.pop(case_id, None)
        if cached is not None and expected_version in (None, cached.snapshot.version):
            try:
                return self._fire(case_id, cached, event, payload, moment, actor, None)
            except ConcurrentUpdate:
                pass  # the cached case was stale: read it and try once more
        return self._fire(case_id, None, event, payload, moment, actor, expected_version)

    def _fire(
        self,
        case_id: str,
        cached: _Loaded | None,
        event: str,
        payload: Mapping[str, Any] | None,
        at: datetime,
        actor: str | None,
        expected_version: int | None,
    ) -> Case:
        with self.database.transaction() as connection:
            loaded = cached or self._must_load(connection, case_id, lock=Lock.WAIT)
            if expected_version is not None and loaded.snapshot.version != expected_version:
                raise ConcurrentUpdate(
                    f"case {case_id} is at version {loaded.snapshot.version}, not "
                    f"{expected_version}: another writer changed it; reload it and try again"
                )
            step = apply(
                loaded.compiled,
                loaded.snapshot,
                event,
                payload,
                at=at,
                actor=actor,
                calendar=self.calendar,
            )
            after = self._persist(connection, step, loaded, loaded.compiled)
        if not step.spawn and step.signal is None:
            self._remember(after)
        return self._case(after)

    def tick(self, now: datetime | date | None = None) -> TickReport:
        """Fire every deadline expired at `now` and mark overdue ones; return what was done.

        Each expiry is applied by :func:`policyflow.runtime.expire`, with the deadline's
        legal expiry time as its business time. Due cases are taken a page at a time,
        under a row lock (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; the write lock on
        SQLite), and their due timers are recomputed under that lock, so running tick
        twice, or in several processes at once, fires each timer once. A page's cases are
        loaded in two queries and their expiries written in one transaction: each case's
        expiries are written whole or not at all (its row once, a journal row per expiry,
        its changed timers), and the page's rows together, one ``executemany`` per
        statement. A case whose expiry starts a child case or signals a parent is written
        after the page, in a transaction of its own (it locks a second case; two workers'
        pages must never wait on each other).
        """
        moment = _moment(now, "tick time") or self.clock.now()
        actions: list[TickAction] = []
        skipped: list[str] = []
        refused: list[tuple[str, str]] = []
        done: set[str] = set()
        after: tuple[Any, ...] | None = None
        while True:
            alone: list[str] = []
            with self.database.transaction() as connection:
                page = timers.due_timers(connection, moment, limit=_TICK_PAGE, after=after)
                if not page:
                    break
                after = timers.page_after(page[-1])
                case_ids = [c for c in dict.fromkeys(r["case_id"] for r in page) if c not in done]
                done.update(case_ids)
                loaded = self._load_many(connection, case_ids, lock=Lock.SKIP)
                # the page's writes, run together (one executemany per statement) at its end
                batch = Batch()
                dialect = fast.dialect_of(connection)
                recorded_at = self._wall.now()  # one wall-clock time for the page's writes
                for case_id in case_ids:
                    self._recent.pop(case_id, None)
                    case = loaded.get(case_id)
                    if case is None:
                        skipped.append(case_id)  # another worker holds it
                        continue
                    try:
                        steps = expire(
                            case.compiled, case.snapshot, now=moment, calendar=self.calendar
                        )
                    except (TransitionRefused, CalendarNotPublished) as error:
                        # pure: nothing written yet; one case's problem does not stop
                        # the other cases' expiries (it is reported, and tried again
                        # by the next tick)
                        refused.append((case_id, str(error)))
                        continue
                    if any(step.spawn or step.signal is not None for step in steps):
                        alone.append(case_id)
                        continue
                    if steps:
                        self._stage(
                            batch, dialect, steps, case, case.compiled, recorded_at=recorded_at
                        )
                    for step in steps:
                        actions.extend(self._tick_actions(case_id, step))
                batch.run(connection)
            for case_id in alone:
                self._expire_case(case_id, moment, actions, skipped, refused)
        return TickReport(moment, tuple(actions), tuple(skipped), tuple(refused))

    def _expire_case(
        self,
        case_id: str,
        now: datetime,
        actions: list[TickAction],
        skipped: list[str],
        refused: list[tuple[str, str]],
    ) -> None:
        """Expire one case's due deadlines, one step per transaction.

        A step's child cases and its signal to the parent are written with it; each
        step re-takes the case's lock and recomputes what is due.
        """
        while True:
            try:
                with self.database.transaction() as connection:
                    loaded = self._load(connection, case_id, lock=Lock.SKIP)
                    if loaded is None:
                        skipped.append(case_id)
                        return
                    steps = expire(
                        loaded.compiled, loaded.snapshot, now=now, calendar=self.calendar
                    )
                    if not steps:
                        return
                    self._persist(connection, steps[0], loaded, loaded.compiled)
            except ConcurrentUpdate:
                skipped.append(case_id)
                return
            except (TransitionRefused, CalendarNotPublished) as error:
                refused.append((case_id, str(error)))
                return
            actions.extend(self._tick_actions(case_id, steps[0]))

    @staticmethod
    def _tick_actions(case_id: str, step: Step) -> list[TickAction]:
        entry = step.entry
        return [
            TickAction(
                case_id,
                change.deadline,
                _EXPIRY_ACTIONS[change.action],
                entry.event,
                entry.sequence,
                entry.at,
                entry.to_state,
            )
            for change in entry.timer_changes
            if change.action in _EXPIRY_ACTIONS
        ]

    def get(self, case_id: str) -> Case:
        """Return one case as it stands.

        Raises:
            UnknownCase: no such case.
        """
        with self.database.read() as connection:
            return self._case(self._must_load(connection, case_id, lock=Lock.NONE))

    def find(self, case_id: str) -> Case | None:
        """Return one case, or None if there is no such case."""
        with self.database.read() as connection:
            loaded = self._load(connection, case_id, lock=Lock.NONE)
        return None if loaded is None else self._case(loaded)

    def cases(
        self,
        *,
        process: str | None = None,
        state: str | None = None,
        overdue: bool | None = None,
        parent: str | None = None,
        limit: int | None = None,
    ) -> list[Case]:
        """Return the cases matching every filter given, oldest start first."""
        with self.database.read() as connection:
            rows = case_store.list_cases(
                connection,
                process_id=process,
                state=state,
                parent_id=parent,
                overdue=overdue,
                limit=limit,
            )
            return [
                self._case(self._must_load(connection, row["id"], lock=Lock.NONE)) for row in rows
            ]

    def children(self, case_id: str) -> list[Case]:
        """Return the child cases (sub-procedures) of a case, oldest first.

        Raises:
            UnknownCase: no such case.
        """
        self.get(case_id)
        return self.cases(parent=case_id)

    def history(self, case_id: str) -> list[RecordedEntry]:
        """Return the journal of a case, oldest entry first.

        Raises:
            UnknownCase: no such case.
        """
        with self.database.read() as connection:
            if case_store.find_case(connection, case_id) is None:
                raise UnknownCase(f"no case {case_id!r} in {self._where()}")
            return journal.history(connection, case_id)

    def timers(self, case_id: str) -> tuple[Any, ...]:
        """Return every deadline a case has started, running or not."""
        return self.get(case_id).timers

    def overdue(self, now: datetime | date | None = None) -> list[OverdueDeadline]:
        """Return the deadlines past due at `now` (default: the clock's now).

        Both kinds: armed deadlines whose time has passed but that no tick has handled
        yet, and deadlines a tick marked overdue (expired without a named consequence).
        """
        moment = _moment(now, "time") or self.clock.now()
        with self.database.read() as connection:
            rows = timers.overdue_timers(connection, moment)
        return [
            OverdueDeadline(r["case_id"], r["process_id"], r["state"], timer_from_row(r))
            for r in rows
        ]

    def verify(self, case_id: str | None = None) -> int:
        """Recompute the journal's hash chain of one case, or of all; return rows checked.

        Raises:
            JournalTampered: at the first broken row, naming the case and the sequence.
            UnknownCase: `case_id` names no case.
        """
        with self.database.read() as connection:
            if case_id is not None and case_store.find_case(connection, case_id) is None:
                raise UnknownCase(f"no case {case_id!r} in {self._where()}")
            return journal.verify(connection, case_id)

    def journals(self) -> Iterator[tuple[str, list[RecordedEntry]]]:
        """Yield (case id, journal) for every case, case by case."""
        with self.database.read() as connection:
            current: list[RecordedEntry] = []
            for recorded in journal.all_entries(connection):
                if current and current[0].case_id != recorded.case_id:
                    yield current[0].case_id, current
                    current = []
                current.append(recorded)
            if current:
                yield current[0].case_id, current

    def _log(
        self,
    ) -> tuple[list[tuple[str, list[Any]]], dict[str, str], dict[tuple[str, int], datetime]]:
        journals: list[tuple[str, list[Any]]] = []
        recorded: dict[tuple[str, int], datetime] = {}
        for case_id, entries in self.journals():
            journals.append((case_id, [r.entry for r in entries]))
            recorded.update(((case_id, r.entry.sequence), r.recorded_at) for r in entries)
        with self.database.read() as connection:
            processes = {row["id"]: row["process_id"] for row in case_store.list_cases(connection)}
        return journals, processes, recorded

    def event_log(self) -> pd.DataFrame:
        """Return every journal entry as an event log with the XES column names.

        ``case:concept:name`` (the case), ``concept:name`` (the event),
        ``time:timestamp`` (business time, +08:00), ``org:resource`` (the actor),
        ``lifecycle:transition`` and policyflow's own columns; see
        :mod:`policyflow.render.eventlog`.

        Raises:
            ImportError: pandas is not installed (the message says how to install it).
        """
        from policyflow.render import eventlog

        journals, processes, recorded = self._log()
        return eventlog.to_dataframe(journals, processes=processes, recorded=recorded)

    def export(self, path: str | Path, *, format: str | None = None) -> Path:
        """Write the event log to `path` as XES (``.xes``) or CSV (``.csv``).

        Raises:
            InvalidInput: the format is neither (by `format` or by the file's suffix).
        """
        from policyflow.render import eventlog

        target = Path(path)
        kind = (format or target.suffix.lstrip(".")).lower()
        writers = {"xes": eventlog.to_xes, "csv": eventlog.to_csv}
        writer = writers.get(kind)
        if writer is None:
            raise InvalidInput(
                f"cannot export the event log to {target}: expected an .xes or .csv file"
            )
        journals, processes, recorded = self._log()
        target.write_text(
            writer(journals, processes=processes, recorded=recorded), encoding="utf-8"
        )
        return target
