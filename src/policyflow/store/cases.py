"""Queries on ``cases`` and ``definitions``: load, insert, and the optimistic-lock update.

Each function takes an open :class:`~sqlalchemy.Connection` inside the caller's
transaction; the engine decides where a transaction begins and ends (one event, one
transaction). Loading a case for a write takes its row lock on PostgreSQL
(``SELECT … FOR UPDATE``, or ``SKIP LOCKED`` for a tick worker); on SQLite the write
transaction already holds the database's write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from policyflow.errors import ConcurrentUpdate
from policyflow.store import fast
from policyflow.store.tables import CASES, DEFINITIONS, TIMERS

__all__ = [
    "Lock",
    "count_cases",
    "find_case",
    "find_definition",
    "insert_case",
    "list_cases",
    "load_timers",
    "put_definition",
    "update_case",
]


class Lock(Enum):
    """How a write transaction reads a case row on PostgreSQL (SQLite ignores it)."""

    NONE = "none"
    WAIT = "wait"
    SKIP = "skip"


def put_definition(
    connection: Connection, process_id: str, version: str, body: str, *, stored_at: datetime
) -> None:
    """Store one definition version, unless it is already stored (then do nothing)."""
    values = {"process_id": process_id, "version": version, "body": body, "stored_at": stored_at}
    if connection.dialect.name == "postgresql":
        statement: Any = postgresql.insert(DEFINITIONS).values(values).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(DEFINITIONS).values(values).on_conflict_do_nothing()
    connection.execute(statement)


def find_definition(connection: Connection, process_id: str, version: str) -> str | None:
    """Return the canonical JSON of one stored definition version, or None."""
    return connection.execute(
        select(DEFINITIONS.c.body).where(
            DEFINITIONS.c.process_id == process_id, DEFINITIONS.c.version == version
        )
    ).scalar_one_or_none()


def insert_case(connection: Connection, values: Mapping[str, Any]) -> None:
    """Insert one new ``cases`` row."""
    fast.execute(connection, fast.insert_sql(connection.dialect.name, "cases"), [values])


# Built once: a statement object memoises its cache key, so executing it again is cheap.
_FIND_CASE = {
    Lock.NONE: select(CASES).where(CASES.c.id == bindparam("case_id")),
    Lock.WAIT: select(CASES).where(CASES.c.id == bindparam("case_id")).with_for_update(),
    Lock.SKIP: select(CASES)
    .where(CASES.c.id == bindparam("case_id"))
    .with_for_update(skip_locked=True),
}
_LOAD_TIMERS = (
    select(TIMERS).where(TIMERS.c.case_id == bindparam("case_id")).order_by(TIMERS.c.position)
)


def find_case(connection: Connection, case_id: str, *, lock: Lock = Lock.NONE) -> RowMapping | None:
    """Return one ``cases`` row, or None (also when ``Lock.SKIP`` finds it locked)."""
    if connection.dialect.name != "postgresql":
        lock = Lock.NONE
    result = connection.execute(_FIND_CASE[lock], {"case_id": case_id})
    return result.mappings().one_or_none()


def load_timers(connection: Connection, case_id: str) -> Sequence[RowMapping]:
    """Return the ``timers`` rows of one case, in position order."""
    return connection.execute(_LOAD_TIMERS, {"case_id": case_id}).mappings().all()


def update_case(
    connection: Connection, case_id: str, expected_version: int, values: Mapping[str, Any]
) -> None:
    """Write `values` to the case, only if it is still at `expected_version`.

    Raises:
        ConcurrentUpdate: another writer moved the case first (no row matched); the
            caller's transaction must be rolled back.
    """
    changed = {key: value for key, value in values.items() if key not in ("id", "created_at")}
    sql = fast.update_sql(connection.dialect.name, "cases", ("id", "version"), tuple(changed))
    changed["_id"] = case_id
    changed["_version"] = expected_version
    if fast.execute(connection, sql, [changed]) != 1:
        raise ConcurrentUpdate(
            f"case {case_id} was changed by another writer since version {expected_version}: "
            "reload it and try again"
        )


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
