"""The journal: append-only rows chained by SHA-256, and the check of that chain.

Each row's hash is the SHA-256 of the canonical JSON of the row (every column but the
hash itself, the previous row's hash included; ``overrides``, ``role`` and ``reads``
only when they are not NULL, so rows written before the columns existed, rows that passed
no soft guard, acts by an unidentified actor and steps that read no other case keep their
hash). The first row of a case chains to
:data:`GENESIS`. The case row keeps the newest hash and the sequence (its version), so
deleting the newest rows is caught as well as changing any row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from json.encoder import encode_basestring as _json_string
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from policyflow.errors import JournalTampered, UnknownCase
from policyflow.runtime.journal import JournalEntry
from policyflow.store import fast
from policyflow.store.convert import (
    bounded_json,
    canonical_json,
    entry_from_row,
    overrides_json,
    reads_json,
    timer_changes_json,
)
from policyflow.store.fast import Target
from policyflow.store.tables import CASES, JOURNAL

__all__ = [
    "GENESIS",
    "RecordedEntry",
    "all_entries",
    "append",
    "entered_at",
    "hashed_text",
    "history",
    "journal_values",
    "row_hash",
    "stage_append",
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
# Hashed only when not NULL (added by migrations 0003, 0004 and 0005): a row without them
# hashes as before.
_HASHED_WHEN_SET = ("overrides", "role", "reads")


def _plain(value: Any) -> Any:
    """A datetime as ISO text with microseconds (``isoformat(timespec="microseconds")``)."""
    if isinstance(value, datetime):
        if type(value) is datetime and value.tzinfo is None:  # quicker than with a timespec;
            # a naive datetime's isoformat leaves out only a zero fraction
            text = value.isoformat()
            return text if value.microsecond else text + ".000000"
        return value.isoformat(timespec="microseconds")
    return value


def hashed_text(values: Mapping[str, Any] | RowMapping) -> str:
    """Return the canonical JSON of one journal row without its hash: what is hashed.

    The same text as :func:`~policyflow.store.convert.canonical_json` of the row's
    hashed columns (the two times as ISO text with microseconds), written out key by key
    in sorted order: every event hashes one row, and this takes half the time of
    encoding a dict of them. A row holding other types than its columns do (text or
    None, an int, a bool) is encoded the defining way, by :func:`_canonical_text`.
    """
    actor, from_state = values["actor"], values["from_state"]
    sequence, automatic = values["sequence"], values["automatic"]
    overrides, role, reads = values.get("overrides"), values.get("role"), values.get("reads")
    if type(sequence) is not int or type(automatic) is not bool:
        return _canonical_text(values)
    if overrides is not None:
        if type(overrides) is not str:
            return _canonical_text(values)
        set_ = f'"overrides":{_json_string(overrides)},'
    else:
        set_ = ""
    if reads is not None:
        if type(reads) is not str:
            return _canonical_text(values)
        reads_ = f'"reads":{_json_string(reads)},'
    else:
        reads_ = ""
    if role is not None:
        if type(role) is not str:
            return _canonical_text(values)
        role_ = f'"role":{_json_string(role)},'
    else:
        role_ = ""
    try:
        return (
            f'{{"actor":{"null" if actor is None else _json_string(actor)},'
            f'"at":{_json_string(_plain(values["at"]))},'
            f'"automatic":{"true" if automatic else "false"},'
            f'"basis":{_json_string(values["basis"])},'
            f'"case_id":{_json_string(values["case_id"])},'
            f'"event":{_json_string(values["event"])},'
            f'"from_state":{"null" if from_state is None else _json_string(from_state)},'
            f"{set_}"
            f'"payload":{_json_string(values["payload"])},'
            f'"prev_hash":{_json_string(values["prev_hash"])},'
            f"{reads_}"
            f'"recorded_at":{_json_string(_plain(values["recorded_at"]))},'
            f"{role_}"
            f'"sequence":{int.__repr__(sequence)},'
            f'"timer_changes":{_json_string(values["timer_changes"])},'
            f'"to_state":{_json_string(values["to_state"])}}}'
        )
    except TypeError:  # a value that is not text where text is expected
        return _canonical_text(values)


def _canonical_text(values: Mapping[str, Any] | RowMapping) -> str:
    """The hashed text by its definition: canonical JSON of the hashed columns."""
    body = {key: values[key] for key in _HASHED}
    for key in _HASHED_WHEN_SET:
        if values.get(key) is not None:
            body[key] = values[key]
    body["at"] = _plain(body["at"])
    body["recorded_at"] = _plain(body["recorded_at"])
    return canonical_json(body)


def row_hash(values: Mapping[str, Any] | RowMapping) -> str:
    """Return the SHA-256 (hex) of one journal row's canonical JSON, without its hash."""
    return hashlib.sha256(hashed_text(values).encode("utf-8")).hexdigest()


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
        "payload": bounded_json(dict(entry.payload), "the payload of", entry.event),
        "basis": entry.basis,
        "timer_changes": timer_changes_json(entry.timer_changes),
        "automatic": entry.automatic,
        "overrides": overrides_json(entry.overrides),
        "role": entry.role,
        "reads": reads_json(entry.reads, entry.event),
        "prev_hash": prev_hash,
    }
    values["hash"] = row_hash(values)
    return values


def stage_append(batch: fast.Batch, dialect: str, values: Mapping[str, Any]) -> None:
    """Queue in `batch` one journal row (every column in `values`).

    A case's first row also records the case in the ``ledger``, in the same transaction:
    ``verify`` finds a deleted case by the ledger row it leaves behind.
    """
    batch.insert(dialect, "journal", values)
    if values["sequence"] == 1:
        batch.insert(
            dialect, "ledger", {"case_id": values["case_id"], "first_hash": values["hash"]}
        )


def append(connection: Target, values: Mapping[str, Any]) -> None:
    """Append one journal row (the primary key refuses a second row with its sequence)."""
    batch = fast.Batch()
    stage_append(batch, fast.dialect_of(connection), values)
    batch.run(connection)


@cache
def _entered_sql(dialect: str) -> str:
    return (
        f"SELECT at FROM journal WHERE case_id = {fast.mark(dialect)} "
        "AND (from_state IS NULL OR from_state <> to_state) ORDER BY sequence DESC LIMIT 1"
    )


def entered_at(connection: Target, case_id: str) -> datetime:
    """The business instant a case entered its current state: its last entry that moved it.

    Its start, when no entry since moved it. Read backwards along the journal's primary
    key from the case's newest entry.

    Raises:
        UnknownCase: the case has no journal.
    """
    rows = fast.fetch(connection, _entered_sql(fast.dialect_of(connection)), (case_id,))
    if not rows:
        raise UnknownCase(f"case {case_id} has no journal entry")
    found: datetime = rows[0]["at"]
    return found


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
            *(JOURNAL.c[name] for name in (*_HASHED, *_HASHED_WHEN_SET, "hash")),
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
