"""Queries on ``calendar_years``: the holiday notices added after a release.

One row per year (migration 0006): the notice's name, the year as calendar-file text, and
the wall-clock time from which engines count on it. Rows are only added: a year's notice,
once acted on, is part of how the journal's deadlines were dated.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from policyflow.runtime.snapshot import TimerStatus
from policyflow.store import fast
from policyflow.store.fast import Target

__all__ = ["add_year", "provisional_cases", "stored_years"]

# A provisional deadline that a notice may date otherwise: still running, or expired.
_LOOKED_AT = (
    TimerStatus.ARMED.value,
    TimerStatus.SUSPENDED.value,
    TimerStatus.OVERDUE.value,
    TimerStatus.FIRED.value,
)


def stored_years(connection: Target) -> list[dict[str, Any]]:
    """Every stored year (``year``, ``notice``, ``body``, ``stored_at``), oldest first."""
    return fast.fetch(
        connection,
        "SELECT year, notice, body, stored_at FROM calendar_years ORDER BY stored_at, year",
    )


def add_year(connection: Target, year: int, notice: str, body: str, stored_at: datetime) -> None:
    """Store one year's notice, in force from `stored_at`."""
    dialect = fast.dialect_of(connection)
    values = {"year": year, "notice": notice, "body": body, "stored_at": stored_at}
    fast.execute(
        connection,
        fast.insert_sql(dialect, "calendar_years"),
        [fast.encode(dialect, "calendar_years", fast.columns("calendar_years"), values)],
    )


def provisional_cases(connection: Target, years: Collection[int]) -> list[str]:
    """The cases with a provisional deadline, not met or cancelled, that may span `years`.

    Read by ``provisional`` and ``status``; a deadline started after the last of `years`
    cannot span them and is left out.
    """
    dialect = fast.dialect_of(connection)
    mark = fast.mark(dialect)
    statuses = ", ".join([mark] * len(_LOOKED_AT))
    [last] = fast.encode(
        dialect, "timers", ("started_on",), {"started_on": date(max(years), 12, 31)}
    )
    return [
        row["case_id"]
        for row in fast.fetch(
            connection,
            "SELECT DISTINCT case_id FROM timers "
            f"WHERE provisional = {mark} AND status IN ({statuses}) AND started_on <= {mark} "
            "ORDER BY case_id",
            [True if dialect != "sqlite" else 1, *_LOOKED_AT, last],
        )
    ]
