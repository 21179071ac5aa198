"""Rows ↔ runtime values: the one place that knows both shapes.

A :class:`~policyflow.runtime.snapshot.CaseSnapshot` is spread over one ``cases`` row and
its ``timers`` rows; a :class:`~policyflow.runtime.journal.JournalEntry` is one ``journal``
row. JSON parts are written as canonical JSON (sorted keys, no spaces, UTF-8 kept), the
form the journal's hash chain is computed over.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import RowMapping

from policyflow.definition.canonical import canonical_json
from policyflow.errors import InvalidInput
from policyflow.runtime.journal import NO_READS, JournalEntry, TimerAction, TimerChange
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot, TimerStatus

__all__ = [
    "STORED_JSON_MAX",
    "Row",
    "bounded_json",
    "canonical_json",
    "case_values",
    "entry_from_row",
    "overrides_from_json",
    "overrides_json",
    "reads_from_json",
    "reads_json",
    "snapshot_from_rows",
    "timer_change_to_json",
    "timer_changes_json",
    "timer_from_row",
    "timer_row",
    "timer_values",
]

#: The most characters of JSON one event's payload, or one case's data, is stored as. Each
#: field is bounded (a text 100,000 characters, a list 10,000 items), but a list of long
#: texts or of records could still reach gigabytes through the Python API.
STORED_JSON_MAX = 1_000_000


def bounded_json(value: Any, what: str, name: str) -> str:
    """`value` as canonical JSON, refused when longer than :data:`STORED_JSON_MAX`.

    `what` and `name` ("the payload of", the event) make the message, only when it is
    needed: this runs for every event written.

    Raises:
        InvalidInput: naming what it is and its size; the transaction writing it rolls back.
    """
    text = canonical_json(value)
    if len(text) > STORED_JSON_MAX:
        raise InvalidInput(
            f"{what} {name!r} holds {len(text):,} characters of JSON, more than the "
            f"{STORED_JSON_MAX:,} allowed: keep documents outside and refer to them"
        )
    return text


# A row as the database returns it, or as a plain mapping (tests, bulk loads).
Row = Mapping[str, Any] | RowMapping


# A JSON string as canonical_json writes it (non-ASCII kept; the C function when the
# interpreter has it, as the encoder's own).
_json_string = encode_basestring


def _day_json(value: date | None) -> str:
    return "null" if value is None else f'"{value.isoformat()}"'


def timer_changes_json(changes: Sequence[TimerChange]) -> str:
    """Return :func:`canonical_json` of the timer changes' JSON form, built directly.

    The same text as ``canonical_json([timer_change_to_json(c) for c in changes])``
    (keys in sorted order, ISO dates), without the dicts in between: every event writes
    one.
    """
    if not changes:
        return "[]"
    return (
        "["
        + ",".join(
            [
                f'{{"action":{_json_string(change.action)},"basis":{_json_string(change.basis)},'
                f'"deadline":{_json_string(change.deadline)},"due":{_day_json(change.due)},'
                f"{_label_json(change.label)}"
                f'"on":{_day_json(change.on)}}}'
                for change in changes
            ]
        )
        + "]"
    )


def _label_json(label: str | None) -> str:
    # Only an occurrence of a recurring deadline has a label: every other change is
    # written as before, so the journals (and hashes) written earlier are unchanged.
    return "" if label is None else f'"label":{_json_string(label)},'


def case_values(
    snapshot: CaseSnapshot, *, data_json: str, recorded_at: datetime, last_hash: str
) -> dict[str, Any]:
    """Return the ``cases`` columns of `snapshot` (``created_at`` included).

    Args:
        snapshot: the case.
        data_json: its data, already made JSON-ready by the compiled process.
        recorded_at: the wall-clock time of the write.
        last_hash: the hash of the case's newest journal row.
    """
    return {
        "id": snapshot.case_id,
        "process_id": snapshot.process_id,
        "process_version": snapshot.process_version,
        "state": snapshot.state,
        "previous_state": snapshot.previous_state,
        "data": data_json,
        "parent_id": snapshot.parent_id,
        "version": snapshot.version,
        "overdue": snapshot.overdue,
        "started_at": snapshot.started_at,
        "updated_at": snapshot.updated_at,
        "created_at": recorded_at,
        "modified_at": recorded_at,
        "last_hash": last_hash,
    }


def timer_values(case_id: str, position: int, timer: TimerSnapshot) -> dict[str, Any]:
    """Return the ``timers`` columns of one deadline of one case."""
    return {
        "case_id": case_id,
        "position": position,
        "deadline": timer.deadline,
        "status": timer.status.value,
        "started_on": timer.started_on,
        "period": timer.period,
        "due": timer.due,
        "due_at": timer.due_at,
        "expires_at": timer.expires_at,
        "suspensions": canonical_json([[first, last] for first, last in timer.suspensions]),
        "extensions": canonical_json(list(timer.extensions)),
        "extensions_used": len(timer.extensions),
        "remaining": timer.remaining,
        "provisional": timer.provisional,
        "rollover": timer.rollover,
        "label": timer.label,
    }


def timer_row(case_id: str, position: int, timer: TimerSnapshot) -> tuple[Any, ...]:
    """Return the ``timers`` columns of one deadline as a tuple, in table order.

    The values of :func:`timer_values`, without the dict: every event writes a timer row
    or two.
    """
    suspensions = timer.suspensions
    extensions = timer.extensions
    return (
        case_id,
        position,
        timer.deadline,
        timer.status.value,
        timer.started_on,
        timer.period,
        timer.due,
        timer.due_at,
        timer.expires_at,
        canonical_json([[first, last] for first, last in suspensions]) if suspensions else "[]",
        canonical_json(list(extensions)) if extensions else "[]",
        len(extensions),
        timer.remaining,
        timer.provisional,
        timer.rollover,
        timer.label,
    )


_STATUS = {status.value: status for status in TimerStatus}


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def timer_from_row(row: Row) -> TimerSnapshot:
    """Rebuild one :class:`TimerSnapshot` from its ``timers`` row."""
    suspensions: list[tuple[date, date | None]] = []
    if row["suspensions"] != "[]":
        for first, last in json.loads(row["suspensions"]):
            suspensions.append((date.fromisoformat(first), _day(last)))
    extensions = row["extensions"]
    return TimerSnapshot(
        deadline=row["deadline"],
        status=_STATUS[row["status"]],
        started_on=row["started_on"],
        period=row["period"],
        due=row["due"],
        due_at=row["due_at"],
        suspensions=tuple(suspensions),
        extensions=() if extensions == "[]" else tuple(json.loads(extensions)),
        provisional=bool(row["provisional"]),
        remaining=row["remaining"],
        rollover=bool(row["rollover"]),
        label=row["label"],
    )


def snapshot_from_rows(case: Row, timers: Sequence[Row], data: Mapping[str, Any]) -> CaseSnapshot:
    """Rebuild a :class:`CaseSnapshot` from its ``cases`` row and ``timers`` rows.

    Args:
        case: the ``cases`` row.
        timers: its ``timers`` rows, in position order.
        data: the case data, already typed by the compiled process.
    """
    return CaseSnapshot(
        case_id=case["id"],
        process_id=case["process_id"],
        process_version=case["process_version"],
        state=case["state"],
        data=data,
        version=case["version"],
        started_at=case["started_at"],
        updated_at=case["updated_at"],
        timers=tuple([timer_from_row(row) for row in timers]),
        parent_id=case["parent_id"],
        overdue=bool(case["overdue"]),
        previous_state=case["previous_state"],
    )


def timer_change_to_json(change: TimerChange) -> dict[str, Any]:
    """Return one timer change as JSON-ready data (``label`` only for an occurrence)."""
    data = {
        "deadline": change.deadline,
        "action": change.action.value,
        "on": change.on.isoformat(),
        "due": None if change.due is None else change.due.isoformat(),
        "basis": change.basis,
    }
    if change.label is not None:
        data["label"] = change.label
    return data


def _timer_change_from_json(data: Mapping[str, Any]) -> TimerChange:
    return TimerChange(
        deadline=data["deadline"],
        action=TimerAction(data["action"]),
        on=date.fromisoformat(data["on"]),
        due=_day(data["due"]),
        basis=data["basis"],
        label=data.get("label"),
    )


def entry_from_row(row: Row) -> JournalEntry:
    """Rebuild the :class:`JournalEntry` a ``journal`` row records."""
    return JournalEntry(
        sequence=row["sequence"],
        event=row["event"],
        from_state=row["from_state"],
        to_state=row["to_state"],
        at=row["at"],
        actor=row["actor"],
        payload=json.loads(row["payload"]),
        basis=row["basis"],
        timer_changes=tuple(
            _timer_change_from_json(item) for item in json.loads(row["timer_changes"])
        ),
        automatic=bool(row["automatic"]),
        overrides=overrides_from_json(row["overrides"]),
        role=row["role"],
        reads=reads_from_json(row.get("reads")),
    )


def overrides_json(overrides: tuple[tuple[str, str], ...]) -> str | None:
    """The soft guards an entry passed, as canonical JSON ``[[guard, reason], ...]``; None if none.

    None (NULL) for an entry that passed none: such a row is hashed as rows were before
    the column existed.
    """
    if not overrides:
        return None
    return canonical_json([[guard, reason] for guard, reason in overrides])


def overrides_from_json(text: str | None) -> tuple[tuple[str, str], ...]:
    """The inverse of :func:`overrides_json`."""
    if text is None:
        return ()
    return tuple((str(guard), str(reason)) for guard, reason in json.loads(text))


def reads_json(reads: Mapping[str, Any], event: str) -> str | None:
    """What a step read of other cases, as bounded canonical JSON; None if it read none.

    None (NULL) for a step that read no other case: such a row is hashed as rows were
    before the column existed. Bounded like a payload (:func:`bounded_json`): a lookup
    over many cases could otherwise record an unbounded answer.

    Args:
        reads: read key (``members:nomination``, ``lookup:banned`` …) → the answer, as
            :attr:`~policyflow.runtime.journal.JournalEntry.reads` holds it.
        event: the step's event, named in the refusal.

    Raises:
        InvalidInput: the answers are longer than :data:`STORED_JSON_MAX`.
    """
    if not reads:
        return None
    return bounded_json(dict(reads), "what was read by", event)


def reads_from_json(text: str | None) -> Mapping[str, Any]:
    """The inverse of :func:`reads_json` (the shared empty mapping for NULL)."""
    if text is None:
        return NO_READS
    found = json.loads(text)
    if not isinstance(found, dict):
        raise InvalidInput(f"journal reads {text[:60]!r} are not a JSON object")
    return found
