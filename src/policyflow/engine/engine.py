"""Engine: the pure runtime, persisted. start, fire, tick, and the queries on cases.

The engine never decides what an event means: :func:`policyflow.runtime.act` does, with
the whole cascade around it (the expiries due before it, the children it starts, the
signal to a parent). The engine loads the case, hands it to the runtime with the time, and
writes what comes back in one transaction (:mod:`.write`); :meth:`Engine.tick` brings the
cases nobody acted on up to an instant (:mod:`.tick`).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyflow.definition.catalog import Finder, ProcessSources
from policyflow.definition.expressions import closest
from policyflow.definition.model import Process
from policyflow.engine import calendars as stored_calendars
from policyflow.engine import tick as sweep
from policyflow.engine.case import Case, OverdueDeadline, TickReport
from policyflow.engine.clock import Clock, SystemClock
from policyflow.engine.write import (
    Definitions,
    Loaded,
    StoredFamily,
    Writer,
    checked_id,
    new_id,
)
from policyflow.errors import ConcurrentUpdate, InvalidInput, RoleRefused, UnknownCase
from policyflow.legaltime import Calendar, require_business_year
from policyflow.legaltime.notices import CalendarHistory, Notice, read_notice
from policyflow.runtime import act
from policyflow.runtime import start as start_case
from policyflow.runtime.delegation import Delegation, delegated_actor, lapsed
from policyflow.runtime.roles import Actor, RoleMode, role_mode
from policyflow.store import audit, journal, timers
from policyflow.store import cases as case_store
from policyflow.store import delegations as grants_store
from policyflow.store.cases import Lock
from policyflow.store.convert import timer_from_row
from policyflow.store.database import Database
from policyflow.store.journal import RecordedEntry

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ROLES_ENV", "Engine", "ProcessLike"]

#: The environment variable giving the default roles mode (required, check or off).
ROLES_ENV = "POLICYFLOW_ROLES"

ProcessLike = Process | str | Path
_RECENT_CASES = 10_000


def _moment(value: datetime | date | None, what: str, calendar: Calendar | None) -> datetime | None:
    """`value` as a business time, refused if it has a zone or lies outside the calendar.

    Raises:
        InvalidInput: a time zone is given.
        InvalidDate: the year is before the calendar's first or past its provisional horizon.
    """
    if value is None or isinstance(value, datetime):
        if value is not None and value.tzinfo is not None:
            raise InvalidInput(
                f"{what} {value.isoformat()} has a time zone: business times are naive "
                "datetimes in China Standard Time"
            )
        moment = value
    else:
        moment = datetime.combine(value, time.min)
    if moment is not None:
        require_business_year(moment, what, calendar)
    return moment


class Engine:
    """Persisted cases on SQLite (the default) or PostgreSQL.

    Args:
        url: a path or URL; None means ``$POLICYFLOW_DB``, else ``./policyflow.db``.
        clock: where "now" comes from when no time is given (China Standard Time).
        calendar: the legal calendar handed to the runtime (None: the runtime's default,
            the official Chinese calendar), with the years stored in the database by
            ``policyflow calendar add`` (:meth:`add_calendar`).
        processes: where process ids (and the ids of child processes) are looked up: a
            folder laid out like ``processes/``, a list of process files (each under the
            id it declares), or None for the built-in processes.
        create: whether a missing SQLite file is created (the default); False opens only
            an existing database and raises DatabaseUnavailable otherwise.
        roles: who may act, how strictly (:mod:`policyflow.runtime.roles`): ``required``
            (every act carries an :class:`~policyflow.Actor` whose roles allow it: the
            mode for real case handling), ``check`` (roles are checked when the actor
            carries them) or ``off``. None means ``$POLICYFLOW_ROLES``, else ``check``.
        durability: ``normal`` (a power cut may lose the last commits) or ``full`` (each
            commit on disk when it returns); None: ``$POLICYFLOW_DURABILITY``, else
            ``normal`` (:func:`policyflow.store.database.durability_of`).

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
        processes: ProcessSources = None,
        create: bool = True,
        roles: RoleMode | str | None = None,
        durability: str | None = None,
    ) -> None:
        self.roles: RoleMode = role_mode(roles if roles is not None else os.environ.get(ROLES_ENV))
        self.database = Database(url, create=create, durability=durability)
        self.processes = Finder(processes)
        self.clock: Clock = SystemClock() if clock is None else clock
        # the calendar in force at each recorded time: `calendar` with the stored years
        self.calendars = stored_calendars.load_history(self.database, calendar)
        self.calendar = self.calendars.current
        wall = SystemClock()
        self.definitions = Definitions(self.processes, wall)
        self._writer = Writer(self.database, self.definitions, self.calendar, wall)
        # Cases this engine wrote last, as committed. Writing from a cached case skips two
        # reads; the version check of the UPDATE proves the cache current, and a stale
        # entry (another writer moved the case) is dropped and the event retried once.
        self._recent: OrderedDict[str, Loaded] = OrderedDict()

    def __repr__(self) -> str:
        return f"Engine({self._where()!r})"

    def close(self) -> None:
        """Close the engine's database connections."""
        self.database.dispose()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _where(self) -> str:
        return self._writer.where()

    def _must_load(self, connection: Any, case_id: str, *, lock: Lock) -> Loaded:
        return self._writer.must_load(connection, case_id, lock=lock)

    def _remember(self, loaded: Loaded) -> None:
        self._recent[loaded.snapshot.case_id] = loaded
        self._recent.move_to_end(loaded.snapshot.case_id)
        if len(self._recent) > _RECENT_CASES:
            self._recent.popitem(last=False)

    def _forget(self, case_id: str) -> None:
        self._recent.pop(case_id, None)

    def _case(self, loaded: Loaded) -> Case:
        return Case(loaded.snapshot, loaded.compiled, self.calendar)

    # --- the API -----------------------------------------------------------------------

    def start(
        self,
        process: ProcessLike,
        data: Mapping[str, Any],
        at: datetime | date | None = None,
        actor: Actor | str | None = None,
        parent: str | None = None,
        *,
        case_id: str | None = None,
    ) -> Case:
        """Start a case of `process` with `data`, in one transaction.

        Args:
            process: a :class:`Process`, a built-in process id, or a path to a YAML file.
            data: the initial case data, checked against the process's fields.
            at: the business time of the start (default: the clock's now).
            actor: who started it: an :class:`~policyflow.Actor` (id and roles), or a
                plain id (an unidentified actor, refused in ``required`` mode).
            parent: the parent case, for a sub-procedure.
            case_id: the new case's id (default: 16 random hex digits): at most 64
                characters, no control characters.

        Raises:
            UnknownProcess: no such process.
            RoleRefused: the engine's roles mode refuses the actor (none of its roles is
                declared by the process; in ``required`` mode, no role at all).
            InvalidCaseData: the data fails the declared fields; nothing is written.
            UnknownCase: the parent does not exist.
            InvalidInput: a case with `case_id` already exists, or the id is empty, too
                long, or holds a control character.
        """
        if case_id is not None:
            checked_id(case_id)
        definition = process if isinstance(process, Process) else self.definitions.resolve(process)
        moment = _moment(at, "start time", self.calendar) or self.clock.now()
        compiled = self.definitions.compile(definition)
        with self.database.transaction() as connection:
            if parent is not None and case_store.find_case(connection, parent) is None:
                raise UnknownCase(f"no parent case {parent!r} in {self._where()}")
            if case_id is not None and case_store.find_case(connection, case_id) is not None:
                raise InvalidInput(f"a case {case_id!r} already exists in {self._where()}")
            step = start_case(
                compiled,
                case_id or new_id(),
                data,
                at=moment,
                actor=actor,
                parent_id=parent,
                calendar=self.calendar,
                roles=self.roles,
            )
            self.definitions.store(connection, definition)
            loaded = self._writer.stage_alone(connection, step, compiled)
        self.definitions.stored.add((definition.id, definition.version))
        self._remember(loaded)
        return self._case(loaded)

    def fire(
        self,
        case_id: str,
        event: str,
        payload: Mapping[str, Any] | None = None,
        at: datetime | date | None = None,
        actor: Actor | str | None = None,
        expected_version: int | None = None,
        overrides: Mapping[str, str] | None = None,
    ) -> Case:
        """Apply `event` to a case, in one transaction, and return the case after it.

        Args:
            case_id: the case.
            event: the event's id.
            payload: the event's data, checked against its declared fields.
            at: the business time of the event (default: the clock's now).
            actor: who did it: an :class:`~policyflow.Actor` (id and the roles held), or
                a plain id (an unidentified actor). The journal records the id and the
                role the act was taken in.
            expected_version: the version the caller saw; if the case moved on since,
                :class:`ConcurrentUpdate` is raised instead of applying the event.
            overrides: guard id → reason: the soft guards (一般应, 原则上) to pass when
                they are false; the journal entry records those passed.

        Raises:
            UnknownCase: no such case.
            TransitionRefused: the rules refuse the event (EventNotAllowed, RoleRefused,
                GuardFailed, InvalidPayload); nothing is written. An override naming a guard the
                event's transitions do not have here, or a hard guard, is an
                InvalidPayload (exit 2).
            ConcurrentUpdate: another writer changed the case first; nothing is written.
        """
        moment = _moment(at, "event time", self.calendar)
        cached = self._recent.pop(case_id, None)
        if cached is not None and expected_version in (None, cached.snapshot.version):
            try:
                return self._fire(case_id, cached, event, payload, moment, actor, None, overrides)
            except ConcurrentUpdate:
                pass  # the cached case was stale: read it and try once more
        return self._fire(case_id, None, event, payload, moment, actor, expected_version, overrides)

    def _fire(
        self,
        case_id: str,
        cached: Loaded | None,
        event: str,
        payload: Mapping[str, Any] | None,
        at: datetime | None,
        actor: Actor | str | None,
        expected_version: int | None,
        overrides: Mapping[str, str] | None = None,
    ) -> Case:
        with self.database.transaction() as connection:
            loaded = cached or self._must_load(connection, case_id, lock=Lock.WAIT)
            if expected_version is not None and loaded.snapshot.version != expected_version:
                raise ConcurrentUpdate(
                    f"case {case_id} is at version {loaded.snapshot.version}, not "
                    f"{expected_version}: another writer changed it; reload it and try again"
                )
            if at is None:
                # now is read with the case locked (SQLite: the write lock; a cached case
                # is proved current by the version check): a concurrent writer's event is
                # never later than ours. A wall clock that stepped back is not earlier.
                at = max(self.clock.now(), loaded.snapshot.updated_at)
            family = StoredFamily(self._writer, connection, {case_id: loaded})
            grantee = actor if isinstance(actor, str) else None if actor is None else actor.id
            grants = grants_store.for_grantee(connection, grantee) if grantee else []
            try:
                outcome = act(
                    family,
                    loaded.compiled,
                    loaded.snapshot,
                    event,
                    payload,
                    at=at,
                    actor=delegated_actor(actor, grants, case_id, at.date()),
                    calendar=self.calendar,
                    overrides=overrides,
                    roles=self.roles,
                )
            except RoleRefused as refused:
                raise lapsed(refused, actor, grants, case_id, at.date()) from None
            written = self._writer.commit(connection, outcome, family.loaded)
        for touched in outcome.cases:
            self._forget(touched.case_id)
        after = written[case_id]
        if len(outcome.cases) == 1:
            self._remember(after)
        return self._case(after)

    def delegate(
        self,
        grantee_id: str,
        role: str,
        *,
        case_id: str | None = None,
        until: date,
        basis: str,
    ) -> Delegation:
        """Let `grantee_id` act as `role`, for `case_id` (None: every case), until `until`.

        The grant (a 委托书, 科学技术部令第20号 第七条) is stored; every act by an actor
        with that id, on that case, dated on or before `until` (inclusive), holds the role
        as well as its own; after that day, an act that needed it is refused citing
        `basis` (:mod:`policyflow.runtime.delegation`). ``case show`` lists the grants.

        Raises:
            InvalidInput: an empty id, role or basis; `until` not a date; a role the
                case's process does not declare (naming the closest).
            UnknownCase: `case_id` names no case.
        """
        for name, value in (("grantee_id", grantee_id), ("role", role), ("basis", basis)):
            if not str(value).strip():
                raise InvalidInput(f"delegate: {name} must be a non-empty text, got {value!r}")
        if type(until) is not date:  # a datetime is not a last day
            raise InvalidInput(f"delegate: until must be a date (the last day), got {until!r}")
        grant = Delegation(checked_id(grantee_id), role, case_id, until, basis)
        if case_id is not None:  # a role of the case's process (UnknownCase: no such case)
            process = self.get(case_id).compiled.process
            declared = [r.id for r in process.roles]
            if role not in declared:
                raise InvalidInput(
                    f"delegate: process {process.id!r} of case {case_id} declares no role "
                    f"{role!r}{closest(role, declared)}"
                )
        with self.database.transaction() as connection:
            grants_store.add(connection, new_id(), grant, granted_at=SystemClock().now())
        return grant

    def delegations(self, case_id: str) -> list[Delegation]:
        """The grants for `case_id` and those for every case, by end date."""
        with self.database.read() as connection:
            return grants_store.for_case(connection, case_id)

    def tick(self, now: datetime | date | None = None, *, dry_run: bool = False) -> TickReport:
        """Bring every case with a deadline due at `now` up to `now`; return what was done.

        Each case is brought up by :func:`policyflow.runtime.catch_up`: every deadline
        expired by `now` expires at its legal instant, with its consequence (an expiry
        event, or the deadline marked overdue), exactly as the next event on the case
        would have had it expire first. Running tick twice, or in several processes at
        once, fires each timer once (:mod:`policyflow.engine.tick`). With `dry_run`, the
        same expiries are computed and nothing is written: the report says what a tick at
        `now` would do.
        """
        moment = _moment(now, "tick time", self.calendar) or self.clock.now()
        return sweep.tick(self._writer, moment, self._forget, dry_run=dry_run)

    def add_calendar(self, notice: Notice | str | Path) -> stored_calendars.NoticeReport:
        """Store a year's holiday notice; count provisional deadlines over it again.

        A case whose dates move gets a ``calendar_revised`` journal entry; one whose
        provisional date had legal effect is reported, left as it is (:mod:`.calendars`).

        Raises:
            CalendarFileError: the notice file is not valid (names file:line).
            InvalidInput: a year of it is already stored.
        """
        checked = notice if isinstance(notice, Notice) else read_notice(notice)
        at = self.clock.now()
        report, history = stored_calendars.add_notice(self._writer, self.calendars, checked, at=at)
        self._use_calendars(history)
        return report

    def reload_calendars(self) -> bool:
        """Count on the years stored since this engine opened; return whether there were any."""
        history = stored_calendars.reloaded(self.database, self.calendars)
        if history is not None:
            self._use_calendars(history)
        return history is not None

    def _use_calendars(self, history: CalendarHistory) -> None:
        self.calendars, self.calendar = history, history.current
        self._writer.calendar = history.current

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
            loaded = self._writer.load(connection, case_id, lock=Lock.NONE)
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
        moment = _moment(now, "time", self.calendar) or self.clock.now()
        with self.database.read() as connection:
            rows = timers.overdue_timers(connection, moment)
        return [
            OverdueDeadline(r["case_id"], r["process_id"], r["state"], timer_from_row(r))
            for r in rows
        ]

    def verify(
        self,
        case_id: str | None = None,
        *,
        anchor: str | Path | None = None,
        key: bytes | None = None,
    ) -> int:
        """Prove the stored state of one case, or of all; return the journal rows checked.

        Checks, in order: the journal's hash chain and each case's head; each stored
        definition against its version hash; the ledger (no case deleted, none added
        without a start); the chain of grants of roles (none edited, deleted or inserted,
        :mod:`policyflow.store.delegations`); each case's journal replayed from its stored
        definition through the runtime, against its case row and timer rows. With
        `anchor`, a file missing is written with the chain heads (case id → newest hash,
        the newest grant's hash, and their digest); a file present is checked: each
        anchored head must still be in its case's journal, the anchored grant among the
        grants. With `key`, the anchor's digest is an HMAC-SHA256 under it, written and
        checked.

        Raises:
            JournalTampered: the first difference found, naming the case and what differs.
            UnknownCase: `case_id` names no case.
            InvalidInput: `anchor` is not an anchor file, or its digest does not match.
        """
        with self.database.read() as connection:
            if case_id is not None and case_store.find_case(connection, case_id) is None:
                raise UnknownCase(f"no case {case_id!r} in {self._where()}")
            checked = journal.verify(connection, case_id)
            definitions = audit.check_definitions(connection, case_id)
            audit.check_ledger(connection, case_id)
            grants = audit.check_delegations(connection)
            audit.replay_cases(
                connection,
                definitions,
                case_id,
                calendar=self.calendar,
                history=self.calendars if self.calendars.years else None,
            )
            if anchor is None:
                return checked
            path = Path(anchor)
            if path.exists():
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as error:
                    raise InvalidInput(f"cannot read anchor {path}: {error}") from None
                audit.check_anchor(
                    connection, audit.read_anchor(text, where=str(path), key=key), case_id
                )
                audit.check_grants_anchor(connection, audit.anchored_grants(text))
                return checked
            heads = audit.heads(connection, case_id)
        text = audit.to_anchor(heads, written_at=SystemClock().now(), key=key, grants=grants)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            raise InvalidInput(f"cannot write anchor {path}: {error.strerror}") from None
        return checked

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
            MissingExtra: pandas is not installed (the message says how to install it).
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
