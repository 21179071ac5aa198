"""Queries on ``timers``: writing a case's deadline changes, and finding the due ones.

A due timer is an armed one whose ``expires_at`` has come. ``(status, expires_at)`` is
indexed, so :func:`due_timers` reads only the due rows: its cost grows with the timers
that are due, not with the cases that are open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, or_, select

from policyflow.runtime.snapshot import TimerSnapshot, TimerStatus
from policyflow.store import fast
from policyflow.store.convert import timer_values
from policyflow.store.fast import Target
from policyflow.store.tables import CASES, TIMERS

__all__ = ["due_timers", "overdue_timers", "write_timers"]

_ARMED = TimerStatus.ARMED.value


_KEYS = ("case_id", "position")


@cache
def _sets() -> tuple[str, ...]:
    return tuple(c for c in fast.columns("timers") if c not in _KEYS)


@cache
def _delete_sql(dialect: str) -> str:
    mark = fast.mark(dialect)
    return f"DELETE FROM timers WHERE case_id = {mark} AND position >= {mark}"


def write_timers(
    connection: Target,
    case_id: str,
    old: Sequence[TimerSnapshot],
    new: Sequence[TimerSnapshot],
) -> int:
    """Make the case's ``timers`` rows match `new`, given that they now match `old`.

    Only the positions that changed are written: an update for a changed timer, an
    insert for a new one, a delete for one the runtime dropped.

    Returns:
        How many rows were written.
    """
    dialect = fast.dialect_of(connection)
    written = 0
    updates: list[tuple[Any, ...]] = []
    inserts: list[tuple[Any, ...]] = []
    for position, timer in enumerate(new):
        if position < len(old):
            if old[position] == timer:
                continue
            values = timer_values(case_id, position, timer)
            updates.append(fast.encode(dialect, "timers", _sets() + _KEYS, values))
        else:
            values = timer_values(case_id, position, timer)
            inserts.append(fast.encode(dialect, "timers", fast.columns("timers"), values))
        written += 1
    if updates:
        fast.execute(connection, fast.update_sql(dialect, "timers", _KEYS, _sets()), updates)
    if inserts:
        fast.execute(connection, fast.insert_sql(dialect, "timers"), inserts)
    if len(old) > len(new):
        fast.execute(connection, _delete_sql(dialect), [(case_id, len(new))])
        written += len(old) - len(new)
    return written


@cache
def _due_sql(dialect: str, paged: bool) -> str:
    mark = fast.mark(dialect)
    after = (f" AND (expires_at, case_id, position) > ({mark}, {mark}, {mark})"
             if paged else "")
    return (
        "SELECT expires_at, case_id, position, deadline FROM timers "
        f"WHERE status = {mark} AND expires_at <= {mark}{after} "
        f"ORDER BY expires_at, case_id, position LIMIT {mark}"
    )


def due_timers(
    connection: Target,
    now: datetime,
    *,
    limit: int,
    after: tuple[datetime, str, int] | None = None,
) -> list[dict[str, Any]]:
    """Return armed timers with ``expires_at <= now``, oldest first, `limit` at a time.

    Args:
        connection: an open connection.
        now: the instant to compare with.
        limit: the most rows to return.
        after: the (expires_at, case_id, position) of the last row of the previous page.

    Returns:
        Rows with ``case_id``, ``position``, ``deadline`` and ``expires_at``.
    """
    dialect = fast.dialect_of(connection)
    parameters: list[Any] = [_ARMED, _instant(dialect, now)]
    if after is not None:
        parameters += [_instant(dialect, after[0]), after[1], after[2]]
    parameters.append(limit)
    return fast.fetch(connection, _due_sql(dialect, after is not None), parameters)


def _instant(dialect: str, value: datetime) -> Any:
    return fast.encode(dialect, "timers", ("expires_at",), {"expires_at": value})[0]


def overdue_timers(
    connection: Connection, now: datetime, *, case_id: str | None = None
) -> Sequence[RowMapping]:
    """Return the timers past due at `now`: armed ones already expired, and overdue ones.

    Each row is a ``timers`` row with the case's ``process_id`` and ``state`` added.
    """
    statement = (
        select(TIMERS, CASES.c.process_id, CASES.c.state)
        .join(CASES, CASES.c.id == TIMERS.c.case_id)
        .where(
            or_(
                and_(TIMERS.c.status == _ARMED, TIMERS.c.expires_at <= now),
                TIMERS.c.status == TimerStatus.OVERDUE.value,
            )
        )
        .order_by(TIMERS.c.expires_at, TIMERS.c.case_id, TIMERS.c.position)
    )
    if case_id is not None:
        statement = statement.where(TIMERS.c.case_id == case_id)
    return connection.execute(statement).mappings().all()
