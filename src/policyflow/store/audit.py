"""The check of the whole stored state, beyond the journal's hash chain.

:func:`policyflow.store.journal.verify` proves that no journal row was changed, removed
or reordered. This module proves the rest from it:

- each stored definition hashes to the version it is stored under;
- each case ever started is still there (the ``ledger`` table, one row per case, written
  with the case's first journal row) and each case is in the ledger;
- each case's journal, replayed from its stored definition through the pure runtime,
  gives the case row (state, version, data, overdue flag, times), its timer rows and its
  keys index rows (``case_keys``: the keys its data give, entered when its journal says);
- the grants of roles (the ``delegations`` table) form an unbroken hash chain;
- the chain heads (case id → newest hash, and the newest grant's hash) match an anchor
  kept outside the database.

The runtime does the replay; nothing here decides what an event does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, RowMapping, select

from policyflow.definition.canonical import canonical_json
from policyflow.definition.model import Process
from policyflow.errors import InvalidInput, JournalTampered
from policyflow.legaltime import Calendar
from policyflow.legaltime.notices import CalendarHistory
from policyflow.runtime import CaseSnapshot, CompiledProcess
from policyflow.runtime.compiled import compile_process
from policyflow.runtime.journal import JournalEntry
from policyflow.runtime.replay import replay
from policyflow.store.convert import entry_from_row, timer_values
from policyflow.store.delegations import grant_hash
from policyflow.store.journal import GENESIS
from policyflow.store.tables import (
    CASE_KEYS,
    CASES,
    DEFINITIONS,
    DELEGATIONS,
    JOURNAL,
    LEDGER,
    TIMERS,
)

__all__ = [
    "ANCHOR_FORMAT",
    "anchored_grants",
    "check_anchor",
    "check_definitions",
    "check_delegations",
    "check_grants_anchor",
    "check_ledger",
    "heads",
    "read_anchor",
    "replay",
    "replay_cases",
    "to_anchor",
]

ANCHOR_FORMAT = "policyflow-anchor/1"

_COMPARED = (
    "state",
    "version",
    "overdue",
    "started_at",
    "updated_at",
    "parent_id",
    "previous_state",  # NULL in a row written before it was kept: not compared (see below)
)


def _tampered(case_id: str, sequence: int, why: str) -> JournalTampered:
    return JournalTampered(f"case {case_id}: {why}", case_id=case_id, sequence=sequence)


def check_definitions(connection: Connection, case_id: str | None = None) -> dict[str, Process]:
    """Check that each stored definition hashes to its version; return them by key.

    Args:
        connection: an open connection.
        case_id: only the definition this case runs under (default: every one).

    Returns:
        ``"process_id@version"`` → the parsed definition.

    Raises:
        JournalTampered: a body does not parse, or hashes to another id or version; it
            names the first case that runs under it (none: an empty case id).
    """
    statement = select(DEFINITIONS.c.process_id, DEFINITIONS.c.version, DEFINITIONS.c.body)
    if case_id is not None:
        statement = statement.join(
            CASES,
            (CASES.c.process_id == DEFINITIONS.c.process_id)
            & (CASES.c.process_version == DEFINITIONS.c.version),
        ).where(CASES.c.id == case_id)
    found: dict[str, Process] = {}
    for row in connection.execute(statement.order_by(DEFINITIONS.c.process_id)).mappings():
        key = f"{row['process_id']}@{row['version']}"
        why: str | None = None
        try:
            process = Process.model_validate_json(row["body"])
        except (ValidationError, ValueError) as error:
            why = f"its body is not a definition ({str(error).splitlines()[0]})"
        else:
            if process.id != row["process_id"] or process.version != row["version"]:
                why = f"its body hashes to {process.id}@{process.version}"
            found[key] = process
        if why is not None:
            user = connection.execute(
                select(CASES.c.id)
                .where(CASES.c.process_id == row["process_id"])
                .where(CASES.c.process_version == row["version"])
                .order_by(CASES.c.id)
                .limit(1)
            ).scalar()
            users = "no case" if user is None else f"case {user}"
            raise JournalTampered(
                f"definition {key} ({users} runs under it) was changed: {why}",
                case_id=user or "",
                sequence=0,
            )
    return found


def check_ledger(connection: Connection, case_id: str | None = None) -> int:
    """Check that every case in the ledger exists and every case is in the ledger.

    Returns:
        How many ledger rows were checked.

    Raises:
        JournalTampered: a case was deleted, or a case row was added without a start, or
            a case's first journal row is not the one it started with.
    """
    first = JOURNAL.alias("first")
    statement = (
        select(LEDGER.c.case_id, LEDGER.c.first_hash, CASES.c.id, first.c.hash)
        .select_from(
            LEDGER.outerjoin(CASES, CASES.c.id == LEDGER.c.case_id).outerjoin(
                first, (first.c.case_id == LEDGER.c.case_id) & (first.c.sequence == 1)
            )
        )
        .order_by(LEDGER.c.case_id)
    )
    if case_id is not None:
        statement = statement.where(LEDGER.c.case_id == case_id)
    checked = 0
    for ledger_id, first_hash, present, start_hash in connection.execute(statement):
        if present is None:
            raise _tampered(ledger_id, 0, "it was started but its row is gone (case deleted)")
        if start_hash is not None and start_hash != first_hash:
            raise _tampered(
                ledger_id, 1, "its first journal entry is not the one it was started with"
            )
        checked += 1
    missing = (
        select(CASES.c.id)
        .select_from(CASES.outerjoin(LEDGER, LEDGER.c.case_id == CASES.c.id))
        .where(LEDGER.c.case_id.is_(None))
        .order_by(CASES.c.id)
        .limit(1)
    )
    if case_id is not None:
        missing = missing.where(CASES.c.id == case_id)
    stray = connection.execute(missing).scalar()
    if stray is not None:
        raise _tampered(stray, 0, "its row was added without a start (not in the ledger)")
    return checked


def check_delegations(connection: Connection) -> str | None:
    """Check the chain of grants of roles; return the newest grant's hash (None: no grant).

    Raises:
        JournalTampered: at the first grant out of place (one deleted or inserted before
            it), not linked to the grant before, or whose content does not match its hash
            (edited); it names the grant and the case it is for (none: an empty case id).
    """
    link, expected = GENESIS, 1
    rows = connection.execute(select(DELEGATIONS).order_by(DELEGATIONS.c.sequence)).mappings()
    for row in rows:
        grant = (
            f"delegation {row['sequence']} ({row['role']} to {row['grantee_id']}, "
            f"{'case ' + row['case_id'] if row['case_id'] else 'every case'})"
        )
        why = None
        if row["sequence"] != expected:
            why = f"it is grant {row['sequence']} where grant {expected} belongs (one deleted)"
        elif row["prev_hash"] != link:
            why = "it does not link to the grant before"
        elif grant_hash(row) != row["hash"]:
            why = "its content does not match its hash (edited)"
        if why is not None:
            raise JournalTampered(
                f"{grant}: {why}", case_id=row["case_id"] or "", sequence=row["sequence"]
            )
        link, expected = row["hash"], expected + 1
    return None if expected == 1 else link


def _differs(what: str, stored: Any, replayed: Any) -> str:
    return f"{what} is {stored!r} but its journal gives {replayed!r}"


def _compare(
    compiled: CompiledProcess,
    case: RowMapping,
    timers: Sequence[Mapping[str, Any]],
    snapshot: CaseSnapshot,
) -> None:
    case_id = case["id"]
    sequence = snapshot.version
    for column in _COMPARED:
        stored = bool(case[column]) if column == "overdue" else case[column]
        if stored is None and column == "previous_state":
            continue  # a case last written before migration 0003 kept it; nothing to compare
        replayed = getattr(snapshot, column)
        if stored != replayed:
            raise _tampered(case_id, sequence, _differs(column, stored, replayed))
    data = canonical_json(compiled.dump_data(snapshot.data))
    if case["data"] != data:
        raise _tampered(case_id, sequence, _differs("its data", case["data"], data))
    if len(timers) != len(snapshot.timers):
        raise _tampered(
            case_id,
            sequence,
            f"it has {len(timers)} timer rows but its journal gives {len(snapshot.timers)}",
        )
    for position, (row, timer) in enumerate(zip(timers, snapshot.timers, strict=True)):
        expected = timer_values(case_id, position, timer)
        for column, value in expected.items():
            stored = row[column]
            if isinstance(value, bool):
                stored = bool(stored)
            if stored != value:
                raise _tampered(
                    case_id,
                    sequence,
                    _differs(f"timer {position} ({timer.deadline}) {column}", stored, value),
                )


def _compare_keys(
    connection: Connection,
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    entries: Sequence[JournalEntry],
) -> None:
    """Check a case's keys index rows against its replayed data and journal.

    The rows are derived (the engine rewrites them with the case), but a lookup trusts
    them: a row removed or changed by hand would hide a case from the lookups of others.
    """
    case_id = snapshot.case_id
    stored = {
        (row.name, row.value): (row.process_id, row.entered_at)
        for row in connection.execute(
            select(
                CASE_KEYS.c.name, CASE_KEYS.c.value, CASE_KEYS.c.process_id, CASE_KEYS.c.entered_at
            ).where(CASE_KEYS.c.case_id == case_id)
        )
    }
    expected_keys = compiled.keys_of(snapshot)
    moved = [entry.at for entry in entries if entry.from_state != entry.to_state]
    entered = moved[-1] if moved else snapshot.started_at
    expected = {pair: (snapshot.process_id, entered) for pair in expected_keys}
    if stored != expected:
        raise _tampered(
            case_id,
            snapshot.version,
            _differs("its keys index", _keys_text(stored), _keys_text(expected)),
        )


def _keys_text(rows: Mapping[tuple[str, str], tuple[str, datetime]]) -> str:
    return (
        ", ".join(
            f"{name}={value} ({process_id}, entered {entered.isoformat()})"
            for (name, value), (process_id, entered) in sorted(rows.items())
        )
        or "no rows"
    )


def replay_cases(
    connection: Connection,
    definitions: Mapping[str, Process],
    case_id: str | None = None,
    *,
    calendar: Calendar | None = None,
    history: CalendarHistory | None = None,
) -> int:
    """Replay every case's journal (or one's) and compare it with the case and timer rows.

    Args:
        connection: an open connection.
        definitions: the checked definitions, from :func:`check_definitions`.
        case_id: only this case (default: every case).
        calendar: the calendar the cases were run on (None: the official one).
        history: the calendar in force at each recorded time (years added with
            ``calendar add``); each entry is replayed on its own. None: `calendar` for all.

    Returns:
        How many cases were replayed.

    Raises:
        JournalTampered: the first case whose rows differ from its replayed journal.
    """
    statement = select(CASES).order_by(CASES.c.id)
    if case_id is not None:
        statement = statement.where(CASES.c.id == case_id)
    compiled: dict[str, CompiledProcess] = {}
    replayed = 0
    for case in connection.execute(statement).mappings().all():
        key = f"{case['process_id']}@{case['process_version']}"
        process = definitions.get(key)
        if process is None:
            raise _tampered(case["id"], 0, f"its definition {key} is not stored")
        if key not in compiled:
            compiled[key] = compile_process(process)
        rows = (
            connection.execute(
                select(JOURNAL).where(JOURNAL.c.case_id == case["id"]).order_by(JOURNAL.c.sequence)
            )
            .mappings()
            .all()
        )
        entries = [entry_from_row(row) for row in rows]
        calendars = None if history is None else [history.at(row["recorded_at"]) for row in rows]
        timers = [
            dict(row)
            for row in connection.execute(
                select(TIMERS).where(TIMERS.c.case_id == case["id"]).order_by(TIMERS.c.position)
            ).mappings()
        ]
        snapshot = replay(
            compiled[key],
            case["id"],
            case["parent_id"],
            entries,
            calendar=calendar,
            calendars=calendars,
        )
        _compare(compiled[key], case, timers, snapshot)
        _compare_keys(connection, compiled[key], snapshot, entries)
        replayed += 1
    return replayed


def heads(connection: Connection, case_id: str | None = None) -> dict[str, str]:
    """Return each case's chain head: case id → the hash of its newest journal row."""
    statement = select(CASES.c.id, CASES.c.last_hash).order_by(CASES.c.id)
    if case_id is not None:
        statement = statement.where(CASES.c.id == case_id)
    return {row.id: row.last_hash for row in connection.execute(statement)}


def _digest(chain_heads: Mapping[str, str], key: bytes | None, grants: str | None = None) -> str:
    # an anchor without grants digests its heads alone, as before grants were anchored
    covered: Any = dict(chain_heads)
    if grants is not None:
        covered = {"cases": covered, "delegations": grants}
    text = canonical_json(covered).encode("utf-8")
    if key is None:
        return hashlib.sha256(text).hexdigest()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def to_anchor(
    chain_heads: Mapping[str, str],
    *,
    written_at: datetime,
    key: bytes | None = None,
    grants: str | None = None,
) -> str:
    """Return the anchor text for `chain_heads`: JSON with the heads and their digest.

    `grants` is the newest grant's hash (:func:`check_delegations`), kept as
    ``delegations`` and covered by the digest; None when there is no grant. With `key`,
    the digest is an HMAC-SHA256 under it: the file cannot be rewritten to match a
    rewritten database without the key.
    """
    anchor: dict[str, Any] = {
        "format": ANCHOR_FORMAT,
        "written_at": written_at.isoformat(timespec="seconds"),
        "keyed": key is not None,
        "cases": dict(sorted(chain_heads.items())),
    }
    if grants is not None:
        anchor["delegations"] = grants
    anchor["digest"] = _digest(chain_heads, key, grants)
    return json.dumps(anchor, indent=1, ensure_ascii=False) + "\n"


def read_anchor(text: str, *, where: str, key: bytes | None = None) -> dict[str, str]:
    """Return the heads an anchor holds, after checking its digest (keyed with `key`).

    Raises:
        InvalidInput: the text is not an anchor, it is keyed and no key is given (or the
            other way round), or its digest does not match its heads.
    """
    try:
        anchor = json.loads(text)
        cases = anchor["cases"]
        digest = anchor["digest"]
        keyed = anchor.get("keyed", False) is True
        grants = anchor.get("delegations")
        ok = anchor["format"] == ANCHOR_FORMAT and isinstance(cases, dict)
        ok = ok and (grants is None or isinstance(grants, str))
        ok = ok and all(isinstance(k, str) and isinstance(v, str) for k, v in cases.items())
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise InvalidInput(f"{where} is not a policyflow anchor (format {ANCHOR_FORMAT})")
    if keyed and key is None:
        raise InvalidInput(f"{where} was written with a key: set POLICYFLOW_HMAC_KEY to check it")
    if not keyed and key is not None:
        raise InvalidInput(
            f"{where} was written without a key: unset POLICYFLOW_HMAC_KEY to check it"
        )
    if not hmac.compare_digest(_digest(cases, key, grants), str(digest)):
        raise InvalidInput(
            f"{where}: its digest does not match its heads (the file was edited"
            + (", or the key is another)" if keyed else ")")
        )
    return dict(cases)


def check_anchor(
    connection: Connection, anchored: Mapping[str, str], case_id: str | None = None
) -> int:
    """Check that every anchored head is still in its case's journal.

    A case that moved on since the anchor was written still holds the anchored entry; a
    case deleted, or whose journal was rewritten (even rehashed throughout), does not.
    Cases started after the anchor was written are not in it and pass.

    Returns:
        How many heads were checked.

    Raises:
        JournalTampered: the first anchored case that vanished or whose head moved.
    """
    checked = 0
    for anchored_id, head in sorted(anchored.items()):
        if case_id is not None and anchored_id != case_id:
            continue
        if connection.execute(select(CASES.c.id).where(CASES.c.id == anchored_id)).first() is None:
            raise _tampered(
                anchored_id, 0, "it is in the anchor but not in the database (vanished)"
            )
        found = connection.execute(
            select(JOURNAL.c.sequence)
            .where(JOURNAL.c.case_id == anchored_id)
            .where(JOURNAL.c.hash == head)
        ).scalar()
        if found is None:
            raise _tampered(
                anchored_id,
                0,
                f"its chain head moved against the anchor: entry {head[:16]}… is no longer "
                "in its journal (rewritten)",
            )
        checked += 1
    return checked


def anchored_grants(text: str) -> str | None:
    """The newest grant's hash an anchor keeps; None for an anchor without grants.

    Call it on a text :func:`read_anchor` has checked: its digest covers this value.
    """
    grants = json.loads(text).get("delegations")
    return grants if isinstance(grants, str) else None


def check_grants_anchor(connection: Connection, anchored: str | None) -> None:
    """Check that the anchored newest grant is still in the chain of grants.

    Grants made since the anchor was written pass; the anchored one deleted (even the
    newest, which no link after it would miss) or rewritten does not.

    Raises:
        JournalTampered: the anchored grant is no longer stored.
    """
    if anchored is None:
        return
    found = connection.execute(
        select(DELEGATIONS.c.sequence).where(DELEGATIONS.c.hash == anchored)
    ).scalar()
    if found is None:
        raise JournalTampered(
            f"the delegations' chain head moved against the anchor: grant {anchored[:16]}… "
            "is no longer stored (deleted or rewritten)",
            case_id="",
            sequence=0,
        )
