"""Queries on ``timers``: writing a case's deadline changes, and finding the due ones.

A due timer is an armed one whose ``expires_at`` has come. ``(status, expires_at)`` is
indexed, so :func:`due_timers` reads only the due rows: its cost grows with the timers
that are due, not with the cases that are open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, delete, or_, select, tuple_

from policyflow.runtime.snapshot import TimerSnapshot, TimerStatus
from policyflow.store import fast
from policyflow.store.convert import timer_values
from policyflow.store.tables import CASES, TIMERS

__all__ = ["due_timers", "overdue_timers", "write_timers"]

_ARMED = TimerStatus.ARMED.value


def _update_sql(dialect: str) -> str:
    columns = tuple(c.name for c in TIMERS.columns if c.name not in ("case_id", "position"))
    return fast.update_sql(dialect, "timers", ("case_id", "position"), columns)


def write_timers(
    connection: Connection,
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
    written = 0
    inserts: list[dict[str, Any]] = []
    for position, timer in enumerate(new):
        if position < len(old):
            if old[position] == timer:
                continue
            values = timer_values(case_id, position, timer)
            values["_case_id"] = values.pop("case_id")
            values["_position"] = values.pop("position")
            fast.execute(connection, _update_sql(connection.dialect.name), [values])
        else:
            inserts.append(timer_values(case_id, position, timer))
        written += 1
    if inserts:
        fast.execute(connection, fast.insert_sql(connection.dialect.name, "timers"), inserts)
    if len(old) > len(new):
        connection.execute(
            delete(TIMERS).where(TIMERS.c.case_id == case_id, TIMERS.c.position >= len(new))
        )
        written += len(old) - len(new)
    return written


def due_timers(
    connection: Connection,
    now: datetime,
    *,
    limit: int,
    after: tuple[datetime, str, int] | None = None,
) -> Sequence[RowMapping]:
    """Return armed timers with ``expires_at <= now``, oldest first, `limit` at a time.

    Args:
        connection: an open connection.
        now: the instant to compare with.
        limit: the most rows to return.
        after: the (expires_at, case_id, position) of the last row of the previous page.

    Returns:
        Rows with ``case_id``, ``position``, ``deadline`` and ``expires_at``.
    """
    statement = select(
        TIMERS.c.expires_at, TIMERS.c.case_id, TIMERS.c.position, TIMERS.c.deadline
    ).where(TIMERS.c.status == _ARMED, TIMERS.c.expires_at <= now)
    if after is not None:
        statement = statement.where(
            tuple_(TIMERS.c.expires_at, TIMERS.c.case_id, TIMERS.c.position) > tuple_(*after)
        )
    statement = statement.order_by(
        TIMERS.c.expires_at, TIMERS.c.case_id, TIMERS.c.position
    ).limit(limit)
    return connection.execute(statement).mappings().all()


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
