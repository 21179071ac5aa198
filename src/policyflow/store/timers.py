"""Queries on ``timers``: writing a case's deadline changes, and finding the due ones.

A due timer is an armed one whose ``expires_at`` has come. ``(status, expires_at, case_id,
position)`` is indexed, so :func:`due_timers` reads only the due rows, a page at a time in
the index's order: its cost grows with the timers that are due, not with the cases that
are open.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, or_, select

from policyflow.runtime.snapshot import TimerSnapshot, TimerStatus
from policyflow.store import fast
from policyflow.store.convert import timer_row
from policyflow.store.fast import Target
from policyflow.store.tables import CASES, TIMERS

__all__ = [
    "due_children",
    "due_timers",
    "oldest_due",
    "overdue_timers",
    "page_after",
    "stage_timers",
    "write_timers",
]

_ARMED = TimerStatus.ARMED.value


_KEYS = ("case_id", "position")

# TimerSnapshot field → the timers columns it is stored in (expires_at is derived from
# due and due_at, extensions_used from extensions). A field missing here fails at import.
_FIELD_COLUMNS: tuple[tuple[str, ...], ...] = tuple(
    {
        "deadline": ("deadline",),
        "status": ("status",),
        "started_on": ("started_on",),
        "period": ("period",),
        "due": ("due", "expires_at"),
        "due_at": ("due_at", "expires_at"),
        "suspensions": ("suspensions",),
        "extensions": ("extensions", "extensions_used"),
        "provisional": ("provisional",),
        "remaining": ("remaining",),
        "rollover": ("rollover",),
        "label": ("label",),
    }[field]
    for field in TimerSnapshot._fields
)


@cache
def _delete_sql(dialect: str) -> str:
    mark = fast.mark(dialect)
    return f"DELETE FROM timers WHERE case_id = {mark} AND position >= {mark}"


@cache
def _update(
    dialect: str, changed: tuple[bool, ...]
) -> tuple[str, Callable[[Sequence[Any]], tuple[Any, ...]]]:
    """The UPDATE of the columns storing the changed fields, and its parameters' getter.

    The getter takes a whole row (:func:`~policyflow.store.convert.timer_row`).
    """
    names = fast.columns("timers")
    indexes = sorted(
        {
            names.index(column)
            for field, moved in enumerate(changed)
            if moved
            for column in _FIELD_COLUMNS[field]
        }
    )
    sql = fast.update_sql(dialect, "timers", _KEYS, tuple(names[i] for i in indexes))
    return sql, itemgetter(*indexes, names.index("case_id"), names.index("position"))


def stage_timers(
    batch: fast.Batch,
    dialect: str,
    case_id: str,
    old: Sequence[TimerSnapshot],
    new: Sequence[TimerSnapshot],
) -> int:
    """Queue in `batch` the writes that make the case's ``timers`` rows match `new`.

    The rows now match `old`. Only the positions that changed are written: an update of
    the changed columns of a changed timer, an insert for a new one, a delete for the
    ones the runtime dropped.

    Returns:
        How many rows will be written.
    """
    written = 0
    for position, timer in enumerate(new):
        if position < len(old):
            before = old[position]
            if before == timer:
                continue
            sql, parameters = _update(
                dialect, tuple([a != b for a, b in zip(before, timer, strict=True)])
            )
            row = fast.encode_row(dialect, "timers", timer_row(case_id, position, timer))
            batch.add(sql, parameters(row))
        else:
            batch.add(
                fast.insert_sql(dialect, "timers"),
                fast.encode_row(dialect, "timers", timer_row(case_id, position, timer)),
            )
        written += 1
    if len(old) > len(new):
        batch.add(_delete_sql(dialect), (case_id, len(new)))
        written += len(old) - len(new)
    return written


def write_timers(
    connection: Target,
    case_id: str,
    old: Sequence[TimerSnapshot],
    new: Sequence[TimerSnapshot],
) -> int:
    """Make the case's ``timers`` rows match `new`, given that they now match `old`.

    Only the positions that changed are written: an update of the changed columns of a
    changed timer, an insert for a new one, a delete for the ones the runtime dropped.

    Returns:
        How many rows were written.
    """
    batch = fast.Batch()
    written = stage_timers(batch, fast.dialect_of(connection), case_id, old, new)
    batch.run(connection)
    return written


@cache
def _due_sql(dialect: str, paged: bool) -> str:
    """The due-timer page query, in ``(expires_at, case_id, position)`` order.

    The order of ``ix_timers_due`` after its ``status``: a page is a range scan of the
    index from the row after the last one of the page before, and stops at the limit. A
    day's deadlines all expire at the same midnight; in any order the index does not keep,
    each page would read and sort every due timer left (a tick over N due timers would
    read N²/page rows: on PostgreSQL, with the index on ``(status, expires_at)`` alone,
    200 pages of 100,000 due timers spent a third of the database's time there).
    """
    mark = fast.mark(dialect)
    key = "expires_at, case_id, position"
    after = f" AND ({key}) > ({mark}, {mark}, {mark})" if paged else ""
    return (
        f"SELECT expires_at, case_id, position, deadline FROM timers "
        f"WHERE status = {mark} AND expires_at <= {mark}{after} "
        f"ORDER BY {key} LIMIT {mark}"
    )


def page_after(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """Return what to pass as :func:`due_timers`' `after` to get the page after `row`."""
    return (row["expires_at"], row["case_id"], row["position"])


def due_timers(
    connection: Target,
    now: datetime,
    *,
    limit: int,
    after: tuple[Any, ...] | None = None,
) -> list[dict[str, Any]]:
    """Return armed timers with ``expires_at <= now``, oldest first, `limit` at a time.

    Args:
        connection: an open connection.
        now: the instant to compare with.
        limit: the most rows to return.
        after: :func:`page_after` of the last row of the previous page.

    Returns:
        Rows with ``case_id``, ``position``, ``deadline`` and ``expires_at``.
    """
    dialect = fast.dialect_of(connection)
    parameters: list[Any] = [_ARMED, _instant(dialect, now)]
    if after is not None:
        parameters += [_instant(dialect, after[0]), *after[1:]]
    parameters.append(limit)
    return fast.fetch(connection, _due_sql(dialect, after is not None), parameters)


def oldest_due(connection: Target, now: datetime) -> datetime | None:
    """The ``expires_at`` of the oldest armed timer due at `now`, or None (a worker's lag).

    One read of the ``(status, expires_at)`` index.
    """
    dialect = fast.dialect_of(connection)
    mark = fast.mark(dialect)
    rows = fast.fetch(
        connection,
        f"SELECT min(expires_at) AS expires_at FROM timers "
        f"WHERE status = {mark} AND expires_at <= {mark}",
        [_ARMED, _instant(dialect, now)],
    )
    found = rows[0]["expires_at"] if rows else None
    return found if isinstance(found, datetime) or found is None else None


@cache
def _due_children_sql(dialect: str, count: int) -> str:
    mark = fast.mark(dialect)
    parents = ", ".join([mark] * count)
    return (
        "SELECT DISTINCT cases.parent_id, cases.id FROM cases "
        "JOIN timers ON timers.case_id = cases.id "
        f"WHERE cases.parent_id IN ({parents}) AND timers.status = {mark} "
        f"AND timers.expires_at <= {mark} ORDER BY cases.parent_id, cases.id"
    )


def due_children(
    connection: Target, parent_ids: Sequence[str], now: datetime
) -> dict[str, list[str]]:
    """Return, by parent, the child cases with an armed timer expiring at or before `now`.

    The cases a parent's catch-up must bring along: a child's expiry can signal it.
    Reads the parent index of ``cases`` and the ``(status, expires_at)`` one of timers.
    """
    if not parent_ids:
        return {}
    dialect = fast.dialect_of(connection)
    rows = fast.fetch(
        connection,
        _due_children_sql(dialect, len(parent_ids)),
        [*parent_ids, _ARMED, _instant(dialect, now)],
    )
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["parent_id"], []).append(row["id"])
    return found


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
