"""The journal: append-only rows chained by SHA-256, and the check of that chain.

Each row's hash is the SHA-256 of the canonical JSON of the row (every column but the
hash itself, the previous row's hash included). The first row of a case chains to
:data:`GENESIS`. The case row keeps the newest hash and the sequence (its version), so
deleting the newest rows is caught as well as changing any row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from policyflow.errors import JournalTampered
from policyflow.runtime.journal import JournalEntry
from policyflow.store import fast
from policyflow.store.convert import canonical_json, entry_from_row, timer_change_to_json
from policyflow.store.fast import Target
from policyflow.store.tables import CASES, JOURNAL

__all__ = [
    "GENESIS",
    "RecordedEntry",
    "all_entries",
    "append",
    "history",
    "journal_values",
    "row_hash",
    "verify",
]

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class RecordedEntry:
    """A journal entry as stored: the runtime's entry and what the store added.

    Attributes:
        case_id: the case.
        entry: what the event did (sequence, event, states, business time, …).
        recorded_at: the wall-clock time it was written (China Standard Time).
        prev_hash: the hash of the entry before (:data:`GENESIS` for the first).
        hash: this entry's hash.
    """

    case_id: str
    entry: JournalEntry
    recorded_at: datetime
    prev_hash: str
    hash: str


_HASHED = (
    "case_id",
    "sequence",
    "event",
    "from_state",
    "to_state",
    "at",
    "recorded_at",
    "actor",
    "payload",
    "basis",
    "timer_changes",
    "automatic",
    "prev_hash",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def row_hash(values: Mapping[str, Any] | RowMapping) -> str:
    """Return the SHA-256 (hex) of one journal row's canonical JSON, without its hash."""
    body = {key: values[key] for key in _HASHED}
    body["at"] = _plain(body["at"])
    body["recorded_at"] = _plain(body["recorded_at"])
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def journal_values(
    case_id: str, entry: JournalEntry, *, recorded_at: datetime, prev_hash: str
) -> dict[str, Any]:
    """Return the ``journal`` columns that record `entry`, its hash computed."""
    values: dict[str, Any] = {
        "case_id": case_id,
        "sequence": entry.sequence,
        "event": entry.event,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "at": entry.at,
        "recorded_at": recorded_at,
        "actor": entry.actor,
        "payload": canonical_json(dict(entry.payload)),
        "basis": entry.basis,
        "timer_changes": canonical_json([timer_change_to_json(c) for c in entry.timer_changes]),
        "automatic": entry.automatic,
        "prev_hash": prev_hash,
    }
    values["hash"] = row_hash(values)
    return values


def append(connection: Target, values: Mapping[str, Any]) -> None:
    """Append one journal row (the primary key refuses a second row with its sequence)."""
    dialect = fast.dialect_of(connection)
    fast.execute(connection, fast.insert_sql(dialect, "journal"),
                 [fast.encode(dialect, "journal", fast.columns("journal"), values)])


def _recorded(row: RowMapping) -> RecordedEntry:
    return RecordedEntry(
        case_id=row["case_id"],
        entry=entry_from_row(row),
        recorded_at=row["recorded_at"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def history(connection: Connection, case_id: str) -> list[RecordedEntry]:
    """Return the journal of one case, oldest entry first."""
    rows = connection.execute(
        select(JOURNAL).where(JOURNAL.c.case_id == case_id).order_by(JOURNAL.c.sequence)
    ).mappings()
    return [_recorded(row) for row in rows]


def all_entries(connection: Connection) -> Iterator[RecordedEntry]:
    """Yield every journal entry, case by case, oldest first within a case."""
    statement = select(JOURNAL).order_by(JOURNAL.c.case_id, JOURNAL.c.sequence)
    result = connection.execution_options(yield_per=2000).execute(statement)
    try:
        for row in result.mappings():
            yield _recorded(row)
    finally:
        result.close()


def _tampered(case_id: str, sequence: int, why: str) -> JournalTampered:
    return JournalTampered(
        f"journal of case {case_id} is broken at entry {sequence}: {why}",
        case_id=case_id,
        sequence=sequence,
    )


def _check_head(case: RowMapping, last: RowMapping | None) -> None:
    case_id = case["id"]
    last_sequence = 0 if last is None else last["sequence"]
    if case["case_version"] != last_sequence:
        raise _tampered(
            case_id,
            min(case["case_version"], last_sequence) + 1,
            f"the case is at version {case['case_version']} but the journal ends at entry "
            f"{last_sequence}",
        )
    if last is None:
        return
    if case["case_last_hash"] != last["hash"]:
        raise _tampered(case_id, last_sequence, "the case's newest hash is not this entry's")
    if case["case_state"] != last["to_state"]:
        raise _tampered(
            case_id,
            last_sequence,
            f"the case is in state {case['case_state']!r} but the entry ends in "
            f"{last['to_state']!r}",
        )


def _rows(connection: Connection, case_id: str | None) -> Generator[RowMapping, None, None]:
    """Every case with its journal rows (a case without any gives one row of NULLs)."""
    statement = (
        select(
            CASES.c.id,
            CASES.c.version.label("case_version"),
            CASES.c.last_hash.label("case_last_hash"),
            CASES.c.state.label("case_state"),
            *(JOURNAL.c[name] for name in (*_HASHED, "hash")),
        )
        .select_from(CASES.outerjoin(JOURNAL, JOURNAL.c.case_id == CASES.c.id))
        .order_by(CASES.c.id, JOURNAL.c.sequence)
    )
    if case_id is not None:
        statement = statement.where(CASES.c.id == case_id)
    result = connection.execution_options(yield_per=2000).execute(statement)
    try:
        yield from result.mappings()
    finally:
        result.close()


def verify(connection: Connection, case_id: str | None = None) -> int:
    """Recompute the hash chain of one case's journal, or of every case's.

    Returns:
        How many journal rows were checked.

    Raises:
        JournalTampered: at the first row whose sequence, link or hash is wrong, or when a
            case's version, newest hash or state disagrees with the end of its journal.
    """
    with closing(_rows(connection, case_id)) as rows:
        return _verify_rows(rows)


def _verify_rows(rows: Iterator[RowMapping]) -> int:
    checked = 0
    case: RowMapping | None = None
    previous: RowMapping | None = None
    for row in rows:
        if case is None or row["id"] != case["id"]:
            if case is not None:
                _check_head(case, previous)
            case, previous = row, None
        if row["sequence"] is None:
            continue
        expected_sequence = 1 if previous is None else previous["sequence"] + 1
        expected_link = GENESIS if previous is None else previous["hash"]
        sequence = row["sequence"]
        if sequence != expected_sequence:
            raise _tampered(row["id"], expected_sequence, f"entry {sequence} follows instead")
        if row["prev_hash"] != expected_link:
            raise _tampered(row["id"], sequence, "it does not link to the entry before")
        if row_hash(row) != row["hash"]:
            raise _tampered(row["id"], sequence, "its content does not match its hash")
        previous = row
        checked += 1
    if case is not None:
        _check_head(case, previous)
    return checked
