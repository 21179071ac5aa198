"""A simulated population's cases by their keys: what lookups and cohort members read.

The engine answers ``lookup('id')`` and ``members('p')`` from its keys index; the simulator
from this one, in memory: every case of a process that declares ``keys`` or a ``cohort``
is indexed by (process, key name, value) as :meth:`CompiledProcess.keys_of
<policyflow.runtime.compiled.CompiledProcess.keys_of>` gives them (the cohort under
``@cohort``), with the instant it entered its current state. :meth:`PopulationIndex.put`
is called with each case after each of its steps; the answers follow the
:class:`~policyflow.runtime.relations.LookupQuery` contract (hits in (entered, id) order,
never the asking case).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from policyflow.runtime.compiled import CompiledProcess
from policyflow.runtime.expiry import has_due
from policyflow.runtime.keys import COHORT_KEY
from policyflow.runtime.relations import LookupHit, LookupQuery
from policyflow.runtime.snapshot import CaseSnapshot

__all__ = ["PopulationIndex"]

_Row = tuple[str, str, str]  # (process id, key name, value)


class _Entry:
    __slots__ = ("compiled", "entered", "rows", "snapshot")

    def __init__(
        self,
        compiled: CompiledProcess,
        snapshot: CaseSnapshot,
        entered: datetime,
        rows: tuple[_Row, ...],
    ) -> None:
        self.compiled = compiled
        self.snapshot = snapshot
        self.entered = entered
        self.rows = rows


class PopulationIndex:
    """The indexed cases of one simulated population, as they stand now."""

    __slots__ = ("_cases", "_member_processes", "_rows")

    def __init__(self) -> None:
        self._cases: dict[str, _Entry] = {}
        self._rows: dict[_Row, dict[str, None]] = {}  # an ordered set of case ids per row
        # cohort process id → the processes of the cases indexed that name it their cohort
        self._member_processes: dict[str, dict[str, None]] = {}

    def put(
        self, compiled: CompiledProcess, snapshot: CaseSnapshot, entered: datetime | None = None
    ) -> None:
        """Take in the case as it now stands (a process without keys or cohort is skipped).

        Args:
            compiled: its process.
            snapshot: the case after its latest step.
            entered: the instant it entered its current state; by default its latest
                step's instant when the state changed (or the case is new), else as kept.

        Raises:
            InvalidInput: a key's expression fails on the case's data.
        """
        process = compiled.process
        if not process.keys and process.cohort is None:
            return
        if process.cohort is not None:
            self._member_processes.setdefault(process.cohort.process, {})[compiled.id] = None
        case_id = snapshot.case_id
        kept = self._cases.get(case_id)
        if entered is None:
            same = kept is not None and kept.snapshot.state == snapshot.state
            entered = kept.entered if same and kept is not None else snapshot.updated_at
        rows = tuple((compiled.id, name, value) for name, value in compiled.keys_of(snapshot))
        if kept is not None and kept.rows != rows:
            for row in kept.rows:
                found = self._rows.get(row)
                if found is not None:
                    found.pop(case_id, None)
        if kept is None or kept.rows != rows:
            for row in rows:
                self._rows.setdefault(row, {})[case_id] = None
        self._cases[case_id] = _Entry(compiled, snapshot, entered, rows)

    def clear(self) -> None:
        """Forget every case (a new population)."""
        self._cases.clear()
        self._rows.clear()
        self._member_processes.clear()

    def lookup(self, query: LookupQuery) -> list[LookupHit]:
        """The cases `query` finds, in (entered, id) order (see LookupQuery)."""
        found: set[str] | None = None
        for name, values in query.match:
            ids: set[str] = set()
            for value in values:
                ids.update(self._rows.get((query.process_id, name, value), ()))
            found = ids if found is None else found & ids
            if not found:
                return []
        hits: list[LookupHit] = []
        for case_id in found or ():
            entry = self._cases[case_id]
            snapshot = entry.snapshot
            if case_id == query.exclude:
                continue
            # a case with a deadline due by the reading instant is a hit whatever it now
            # is: the runtime brings it up to the instant and judges it then
            due = query.until is not None and has_due(snapshot, query.until)
            if not due and query.states and snapshot.state not in query.states:
                continue
            if not due and query.since is not None and entry.entered < query.since:
                continue
            data = snapshot.data
            shown = {name: data[name] for name in query.read if data.get(name) is not None}
            hits.append(
                LookupHit(
                    case_id, snapshot.state, entry.entered, entry.compiled.dump_data(shown), due
                )
            )
        hits.sort(key=lambda hit: hit.order)
        return hits

    def members(
        self, cohort_id: str, process_id: str
    ) -> Sequence[tuple[CompiledProcess, CaseSnapshot]]:
        """The cases of `process_id` whose cohort is `cohort_id`, in (started_at, id) order."""
        ids = self._rows.get((process_id, COHORT_KEY, cohort_id), {})
        cases = [(self._cases[i].compiled, self._cases[i].snapshot) for i in ids]
        cases.sort(key=lambda cs: (cs[1].started_at, cs[1].case_id))
        return cases

    def is_cohort(self, process_id: str) -> bool:
        """Whether a case indexed names a case of `process_id` as its cohort."""
        return process_id in self._member_processes

    def members_due(
        self, cohort_id: str, process_id: str, until: datetime
    ) -> Iterator[tuple[CompiledProcess, CaseSnapshot]]:
        """The cases whose cohort is `cohort_id` (of `process_id`) with a deadline due by `until`.

        The cases of each member process in turn, each process's in the order indexed.
        """
        for member_process in self._member_processes.get(process_id, ()):
            for case_id in self._rows.get((member_process, COHORT_KEY, cohort_id), ()):
                entry = self._cases[case_id]
                if has_due(entry.snapshot, until):
                    yield entry.compiled, entry.snapshot
