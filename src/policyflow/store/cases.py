"""Queries on ``cases`` and ``definitions``: load, insert, and the optimistic-lock update.

Each function takes an open :class:`~sqlalchemy.Connection` or a
:class:`~policyflow.store.fast.Transaction`, inside the caller's transaction; the
reads and writes of the engine's hot path are plain SQL (:mod:`policyflow.store.fast`),
the several cases a tick handles are loaded in one query each for rows and timers. The
engine decides where a transaction begins and ends (one event, one
transaction). Loading a case for a write takes its row lock on PostgreSQL
(``SELECT … FOR UPDATE``, or ``SKIP LOCKED`` for a tick worker); on SQLite the write
transaction already holds the database's write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select

from policyflow.store import fast
from policyflow.store.fast import Target
from policyflow.store.tables import CASES

__all__ = [
    "Lock",
    "cohort_processes",
    "count_cases",
    "find_case",
    "find_cases",
    "find_definition",
    "insert_case",
    "list_cases",
    "load_timers",
    "load_timers_of",
    "put_definition",
    "stage_insert",
    "stage_update",
    "update_case",
]


class Lock(Enum):
    """How a write transaction reads a case row on PostgreSQL (SQLite ignores it)."""

    NONE = "none"
    WAIT = "wait"
    SKIP = "skip"


def put_definition(
    connection: Target, process_id: str, version: str, body: str, *, stored_at: datetime
) -> None:
    """Store one definition version, unless it is already stored (then do nothing)."""
    dialect = fast.dialect_of(connection)
    values = {"process_id": process_id, "version": version, "body": body, "stored_at": stored_at}
    fast.execute(
        connection,
        _put_definition_sql(dialect),
        [fast.encode(dialect, "definitions", fast.columns("definitions"), values)],
    )


@cache
def _put_definition_sql(dialect: str) -> str:
    return fast.insert_sql(dialect, "definitions") + " ON CONFLICT DO NOTHING"


def find_definition(connection: Target, process_id: str, version: str) -> str | None:
    """Return the canonical JSON of one stored definition version, or None."""
    mark = fast.mark(fast.dialect_of(connection))
    rows = fast.fetch(
        connection,
        f"SELECT body FROM definitions WHERE process_id = {mark} AND version = {mark}",
        (process_id, version),
    )
    return None if not rows else str(rows[0]["body"])


def cohort_processes(connection: Target) -> list[tuple[str, str]]:
    """Return (member process id, cohort process id) for each stored definition naming one.

    Read once per engine (the definitions a store holds are few): a case of the cohort
    process brings along its due members (runtime/cascade.py).
    """
    rows = fast.fetch(connection, "SELECT process_id, body FROM definitions", ())
    found: list[tuple[str, str]] = []
    for row in rows:
        cohort = json.loads(row["body"]).get("cohort")
        if cohort is not None:
            found.append((str(row["process_id"]), str(cohort["process"])))
    return found


def stage_insert(batch: fast.Batch, dialect: str, values: Mapping[str, Any]) -> None:
    """Queue in `batch` the insert of one new ``cases`` row (every column in `values`)."""
    batch.insert(dialect, "cases", values)


def insert_case(connection: Target, values: Mapping[str, Any]) -> None:
    """Insert one new ``cases`` row."""
    batch = fast.Batch()
    stage_insert(batch, fast.dialect_of(connection), values)
    batch.run(connection)


_LOCKS = {Lock.NONE: "", Lock.WAIT: " FOR UPDATE", Lock.SKIP: " FOR UPDATE SKIP LOCKED"}


@cache
def _find_cases_sql(dialect: str, count: int, lock: Lock) -> str:
    mark = fast.mark(dialect)
    where = f"id = {mark}" if count == 1 else f"id IN ({', '.join([mark] * count)})"
    suffix = _LOCKS[lock] if dialect == "postgresql" else ""
    return f"SELECT {', '.join(fast.columns('cases'))} FROM cases WHERE {where}{suffix}"


def find_case(connection: Target, case_id: str, *, lock: Lock = Lock.NONE) -> dict[str, Any] | None:
    """Return one ``cases`` row, or None (also when ``Lock.SKIP`` finds it locked)."""
    rows = fast.fetch(connection, _find_cases_sql(fast.dialect_of(connection), 1, lock), (case_id,))
    return rows[0] if rows else None


def find_cases(
    connection: Target, case_ids: Sequence[str], *, lock: Lock = Lock.NONE
) -> dict[str, dict[str, Any]]:
    """Return the ``cases`` rows of `case_ids` by id, in one query.

    Cases that do not exist, or (with ``Lock.SKIP``) that another transaction holds,
    are left out.
    """
    if not case_ids:
        return {}
    rows = fast.fetch(
        connection,
        _find_cases_sql(fast.dialect_of(connection), len(case_ids), lock),
        tuple(case_ids),
    )
    return {row["id"]: row for row in rows}


@cache
def _load_timers_sql(dialect: str, count: int) -> str:
    mark = fast.mark(dialect)
    where = f"case_id = {mark}" if count == 1 else f"case_id IN ({', '.join([mark] * count)})"
    return (
        f"SELECT {', '.join(fast.columns('timers'))} FROM timers WHERE {where} "
        "ORDER BY case_id, position"
    )


def load_timers(connection: Target, case_id: str) -> list[dict[str, Any]]:
    """Return the ``timers`` rows of one case, in position order."""
    return fast.fetch(connection, _load_timers_sql(fast.dialect_of(connection), 1), (case_id,))


def load_timers_of(connection: Target, case_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Return the ``timers`` rows of several cases in one query: case id → rows by position."""
    found: dict[str, list[dict[str, Any]]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    sql = _load_timers_sql(fast.dialect_of(connection), len(case_ids))
    for row in fast.fetch(connection, sql, tuple(case_ids)):
        found[row["case_id"]].append(row)
    return found


# Set when the case is created and never changed: an UPDATE leaves them out (naming them
# would also make SQLite re-check their foreign keys on every event).
_FIXED = frozenset({"id", "created_at", "process_id", "process_version", "parent_id", "started_at"})
# The columns an update of a whole row (every column in the values) writes, in table order.
_UPDATED = tuple(c for c in fast.columns("cases") if c not in _FIXED)


def stage_update(
    batch: fast.Batch,
    dialect: str,
    case_id: str,
    expected_version: int,
    values: Mapping[str, Any],
) -> None:
    """Queue in `batch` the update of the case, only if it is still at `expected_version`.

    The columns fixed at creation (id, process and version, parent, start and creation
    times) are not written again. When the batch runs and the case has moved on, it
    raises :class:`ConcurrentUpdate`.
    """
    names = (
        _UPDATED
        if len(values) == len(fast.columns("cases"))
        else tuple(key for key in values if key not in _FIXED)
    )
    batch.add(
        fast.update_sql(dialect, "cases", ("id", "version"), names),
        (*fast.encode(dialect, "cases", names, values), case_id, expected_version),
        conflict=(
            f"case {case_id} was changed by another writer since version "
            f"{expected_version}: reload it and try again"
        ),
    )


def update_case(
    connection: Target, case_id: str, expected_version: int, values: Mapping[str, Any]
) -> None:
    """Write `values` to the case, only if it is still at `expected_version`.

    The columns fixed at creation (id, process and version, parent, start and creation
    times) are not written again.

    Raises:
        ConcurrentUpdate: another writer moved the case first (no row matched); the
            caller's transaction must be rolled back.
    """
    batch = fast.Batch()
    stage_update(batch, fast.dialect_of(connection), case_id, expected_version, values)
    batch.run(connection)


def list_cases(
    connection: Connection,
    *,
    process_id: str | None = None,
    state: str | None = None,
    parent_id: str | None = None,
    overdue: bool | None = None,
    limit: int | None = None,
) -> Sequence[RowMapping]:
    """Return ``cases`` rows matching every filter given, oldest start first."""
    statement = select(CASES)
    if process_id is not None:
        statement = statement.where(CASES.c.process_id == process_id)
    if state is not None:
        statement = statement.where(CASES.c.state == state)
    if parent_id is not None:
        statement = statement.where(CASES.c.parent_id == parent_id)
    if overdue is not None:
        statement = statement.where(CASES.c.overdue == overdue)
    statement = statement.order_by(CASES.c.started_at, CASES.c.created_at, CASES.c.id)
    if limit is not None:
        statement = statement.limit(limit)
    return connection.execute(statement).mappings().all()


def count_cases(connection: Connection) -> int:
    """Return how many cases the database holds."""
    return int(connection.execute(select(func.count()).select_from(CASES)).scalar_one())
