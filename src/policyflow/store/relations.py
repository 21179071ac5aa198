"""Cases that act together (issue #18): the keys index, lookups, members and children.

A process's ``keys`` give each of its cases a few (name, value) pairs, and its ``cohort``
the key ``@cohort`` (the id of the cohort case it belongs to). They are kept in
``case_keys``, rewritten with the case (:func:`stage_keys`), with the instant the case
entered its current state. Every read here goes through an index, never a scan of the
cases:

- :func:`lookup` and :func:`members_of` start from ``ix_case_keys_process_name_value``
  (process, key name, value) and reach each case by its primary key, so their cost is the
  number of cases that match, whatever the number stored (``benchmarks/bench_lookup.py``;
  a test checks SQLite's query plan);
- :func:`due_members` starts there too, then reads each member's timers by their primary
  key (case, position);
- :func:`children_of` starts from ``ix_cases_parent_id``.

Each function takes an open :class:`~sqlalchemy.Connection` or a
:class:`~policyflow.store.fast.Transaction`, inside the caller's transaction. Key values
are strings (the runtime writes ``str(int)`` and ISO dates), compared exactly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from policyflow.errors import InvalidInput
from policyflow.runtime.relations import LookupHit, LookupQuery
from policyflow.runtime.snapshot import TimerStatus
from policyflow.store import fast
from policyflow.store.fast import Batch, Target
from policyflow.store.tables import KEY_VALUE_LENGTH, NAME_LENGTH

__all__ = [
    "COHORT_KEY",
    "children_of",
    "due_members",
    "lookup",
    "lookup_statement",
    "members_of",
    "stage_keys",
    "write_keys",
]

#: The key name under which a case records the cohort case it belongs to.
COHORT_KEY = "@cohort"


def _checked(case_id: str, keys: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """`keys` without repeats, in their order, once each fits its column.

    Raises:
        InvalidInput: a name or value longer than its column.
    """
    unique = list(dict.fromkeys(keys))
    for name, value in unique:
        if len(name) > NAME_LENGTH:
            raise InvalidInput(
                f"key name {name[:40]!r}… of case {case_id} has {len(name)} characters, "
                f"more than the {NAME_LENGTH} kept"
            )
        if len(value) > KEY_VALUE_LENGTH:
            raise InvalidInput(
                f"key {name!r} of case {case_id} has a value of {len(value)} characters, "
                f"more than the {KEY_VALUE_LENGTH} kept: key by a code or an id"
            )
    return unique


@cache
def _delete_sql(dialect: str) -> str:
    return f"DELETE FROM case_keys WHERE case_id = {fast.mark(dialect)}"


def stage_keys(
    batch: Batch,
    dialect: str,
    case_id: str,
    process_id: str,
    keys: Sequence[tuple[str, str]],
    entered_at: datetime,
) -> None:
    """Queue in `batch` the replacement of a case's key rows by `keys`.

    The case row must be written before (or be stored already): a batch runs each
    statement in the order first added, and the rows refer to the case.

    Args:
        batch: the transaction's writes.
        dialect: ``sqlite`` or ``postgresql``.
        case_id: the case.
        process_id: its process.
        keys: (name, value) pairs; a pair given twice is written once.
        entered_at: the instant the case entered its current state.

    Raises:
        InvalidInput: a name or value longer than its column; nothing is queued.
    """
    rows = _checked(case_id, keys)
    batch.add(_delete_sql(dialect), (case_id,))
    for name, value in rows:
        batch.insert(
            dialect,
            "case_keys",
            {
                "case_id": case_id,
                "process_id": process_id,
                "name": name,
                "value": value,
                "entered_at": entered_at,
            },
        )


def write_keys(
    connection: Target,
    case_id: str,
    process_id: str,
    keys: Sequence[tuple[str, str]],
    entered_at: datetime,
) -> None:
    """Replace a case's key rows by `keys`, in the transaction (see :func:`stage_keys`)."""
    batch = Batch()
    stage_keys(batch, fast.dialect_of(connection), case_id, process_id, keys, entered_at)
    batch.run(connection)


def _marks(dialect: str, count: int) -> str:
    return ", ".join([fast.mark(dialect)] * count)


def lookup(connection: Target, query: LookupQuery) -> list[LookupHit]:
    """The cases of ``query.process_id`` that `query` finds, in (entered, id) order.

    A case is a hit when, for every (key name, values) pair of ``query.match``, one of its
    values of that key is among the values; when it is in one of ``query.states`` (any
    state if none); when it entered that state at or after ``query.since`` (an instant
    equal to it included); and when it is not ``query.exclude``. A query without a pair,
    or with a pair without values, finds nothing: a lookup is always by key.

    Returns:
        One :class:`~policyflow.runtime.relations.LookupHit` per case, ``fields`` holding
        the stored data of each field in ``query.read`` the case has (not null).
    """
    statement = lookup_statement(fast.dialect_of(connection), query)
    if statement is None:
        return []
    sql, parameters = statement
    return [
        LookupHit(
            case_id=row["id"],
            state=row["state"],
            entered=row["entered_at"],
            fields=_fields(row.get("data"), query.read),
            due=bool(row.get("due_by")),
        )
        for row in fast.fetch(connection, sql, parameters)
    ]


def lookup_statement(dialect: str, query: LookupQuery) -> tuple[str, list[Any]] | None:
    """The SQL of :func:`lookup` and its parameters; None for a query that finds nothing.

    The first match pair is read through the (process, name, value) index; each other pair
    is checked on the candidate's own rows (the primary key), and each candidate's case
    row is read by its id. So the cost is that of the cases the first pair matches, flat
    in the number of cases stored (a test reads SQLite's plan of this statement). With
    ``query.until``, each candidate's armed timers are read by their primary key (case,
    position) as well: a case with one expiring by then is a hit whatever its state,
    marked ``due`` (the runtime brings it up to the instant and judges it then).
    """
    if not query.match or any(not values for _, values in query.match):
        return None
    mark = fast.mark(dialect)
    (first_name, first_values), *others = query.match
    first_values = tuple(dict.fromkeys(first_values))
    inner_parameters: list[Any] = [query.process_id, first_name, *first_values]
    inner = (
        "SELECT DISTINCT case_id, entered_at FROM case_keys "
        f"WHERE process_id = {mark} AND name = {mark} "
        f"AND value IN ({_marks(dialect, len(first_values))})"
    )
    since = (
        fast.encode(dialect, "case_keys", ("entered_at",), {"entered_at": query.since})
        if query.since is not None
        else None
    )
    if since is not None and query.until is None:  # else judged with the due cases, below
        inner += f" AND entered_at >= {mark}"
        inner_parameters.extend(since)
    inner += f" AND case_id <> {mark}"
    inner_parameters.append(query.exclude)
    data = ", cases.data" if query.read else ""
    due = ""
    due_parameters: list[Any] = []
    if query.until is not None:
        due = _due_sql(dialect, "hit.case_id")
        due_parameters = _due_parameters(dialect, query.until)
    select_due = f", {due} AS due_by" if due else ""
    sql = (
        f"SELECT cases.id, cases.state, hit.entered_at{data}{select_due} FROM ({inner}) hit "
        "JOIN cases ON cases.id = hit.case_id"
    )
    parameters = [*due_parameters, *inner_parameters]
    # the state and since bounds, which a due case passes whatever it now is
    bounds: list[str] = []
    if since is not None and due:
        bounds.append(f"hit.entered_at >= {mark}")
        parameters.extend(since)
    if query.states:
        states = tuple(dict.fromkeys(query.states))
        bounds.append(f"cases.state IN ({_marks(dialect, len(states))})")
        parameters.extend(states)
    conditions: list[str] = []
    if bounds:
        bounded = " AND ".join(bounds)
        conditions.append(f"(({bounded}) OR {due})" if due else bounded)
        parameters.extend(due_parameters if due else ())
    for name, values in others:
        unique = tuple(dict.fromkeys(values))
        conditions.append(
            "EXISTS (SELECT 1 FROM case_keys other WHERE other.case_id = hit.case_id "
            f"AND other.name = {mark} AND other.value IN ({_marks(dialect, len(unique))}))"
        )
        parameters.extend((name, *unique))
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    return sql + " ORDER BY hit.entered_at, cases.id", parameters


def _fields(data_json: str | None, read: tuple[str, ...]) -> dict[str, Any]:
    if data_json is None:
        return {}
    data = json.loads(data_json)
    # an unset optional field (stored null) is left out, as the simulator's index leaves
    # it: the hits are journaled, and both must write the same journal
    return {name: data[name] for name in read if data.get(name) is not None}


@cache
def _members_sql(dialect: str) -> str:
    mark = fast.mark(dialect)
    return (
        "SELECT cases.id FROM case_keys JOIN cases ON cases.id = case_keys.case_id "
        f"WHERE case_keys.process_id = {mark} AND case_keys.name = '{COHORT_KEY}' "
        f"AND case_keys.value = {mark} ORDER BY cases.started_at, cases.id"
    )


def members_of(connection: Target, cohort_id: str, process_id: str) -> list[str]:
    """The ids of the cases of `process_id` whose cohort is `cohort_id`, in start order.

    Start order is (started_at, id). Read through the keys index (key ``@cohort``).
    """
    rows = fast.fetch(
        connection, _members_sql(fast.dialect_of(connection)), (process_id, cohort_id)
    )
    return [row["id"] for row in rows]


@cache
def _due_members_sql(dialect: str, processes: int, cohorts: int) -> str:
    mark = fast.mark(dialect)
    return (
        # the members first, then each one's timers by primary key (_due_sql)
        "SELECT case_keys.value, case_keys.case_id FROM case_keys "
        f"WHERE case_keys.process_id IN ({', '.join([mark] * processes)}) "
        f"AND case_keys.name = '{COHORT_KEY}' "
        f"AND case_keys.value IN ({', '.join([mark] * cohorts)}) "
        f"AND {_due_sql(dialect, 'case_keys.case_id')} "
        "ORDER BY case_keys.value, case_keys.case_id"
    )


def _due_sql(dialect: str, case_id: str) -> str:
    """Whether the case `case_id` (a column) has an armed timer expiring by a given instant.

    Read by the timers' primary key (case, position). With a join, or with `status = ?`
    as is, SQLite would read the due range of ix_timers_due (status, expires_at, ...)
    instead, once per case: as many rows as timers are due in the whole store.
    `status || ''` keeps it off that index. Its parameters: :func:`_due_parameters`.
    """
    mark = fast.mark(dialect)
    return (
        f"EXISTS (SELECT 1 FROM timers WHERE timers.case_id = {case_id} "
        f"AND timers.status || '' = {mark} AND timers.expires_at <= {mark})"
    )


def _due_parameters(dialect: str, until: datetime) -> list[Any]:
    """The parameters of :func:`_due_sql`: armed, expiring at or before `until`."""
    return [
        TimerStatus.ARMED.value,
        *fast.encode(dialect, "timers", ("expires_at",), {"expires_at": until}),
    ]


def due_members(
    connection: Target, cohort_ids: Sequence[str], processes: Sequence[str], until: datetime
) -> dict[str, list[str]]:
    """Return, by cohort, its members with an armed timer expiring at or before `until`.

    The members are the cases of `processes` whose cohort (key ``@cohort``) is one of
    `cohort_ids`: the cases a cohort's catch-up must bring along, as a member's expiry can
    signal it. Read through the keys index, then each member's timers by primary key.
    """
    if not cohort_ids or not processes:
        return {}
    dialect = fast.dialect_of(connection)
    rows = fast.fetch(
        connection,
        _due_members_sql(dialect, len(processes), len(cohort_ids)),
        [*processes, *cohort_ids, *_due_parameters(dialect, until)],
    )
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["value"], []).append(row["case_id"])
    return found


@cache
def _children_sql(dialect: str) -> str:
    mark = fast.mark(dialect)
    return (
        f"SELECT id FROM cases WHERE parent_id = {mark} AND process_id = {mark} "
        "ORDER BY started_at, id"
    )


def children_of(connection: Target, parent_id: str, process_id: str) -> list[str]:
    """The ids of the cases of `process_id` started by `parent_id`, in start order.

    Start order is (started_at, id). Read through the index on ``cases.parent_id``.
    """
    rows = fast.fetch(
        connection, _children_sql(fast.dialect_of(connection)), (parent_id, process_id)
    )
    return [row["id"] for row in rows]
