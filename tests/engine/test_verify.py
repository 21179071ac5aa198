"""verify proves the whole stored state: each tampering, done in raw SQL, is found.

A database with children, signals, expiries with and without consequence, and a late
act (tests/engine/processes: tiny-permit, tiny-audit) verifies clean; then each test
changes one thing the way someone with the file and the sqlite3 shell would, and verify
names the case and what differs. Dates on China's 2023 schedule, as in test_children.py:
a tiny-permit case filed 2023-09-28 has its acceptance limit pass at 2023-10-12 00:00.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from policyflow.engine import Engine
from policyflow.errors import InvalidInput, JournalTampered
from policyflow.store.journal import GENESIS, row_hash

PROCESSES = Path(__file__).parent / "processes"

FILED = datetime(2023, 9, 28, 10)
ASKED = datetime(2023, 10, 9, 10)
ANSWERED = datetime(2023, 10, 12, 15)


def _fill(engine: Engine) -> dict[str, str]:
    """Cases of every kind; return their ids by role."""
    late = engine.start("tiny-permit", {"applicant": "甲"}, at=FILED, actor="clerk")
    engine.fire(late.id, "accepted", at=datetime(2023, 10, 13, 9))  # after an overdue expiry
    deemed = engine.start("tiny-permit", {"applicant": "乙"}, at=FILED)
    engine.fire(deemed.id, "accepted", at=datetime(2023, 10, 9, 9))
    waiting = engine.start("tiny-permit", {"applicant": "丙"}, at=datetime(2023, 11, 1, 9))
    engine.fire(waiting.id, "accepted", at=datetime(2023, 11, 2, 9))
    answered = engine.start("tiny-audit", {"topic": "经费使用"}, at=FILED, actor="auditor")
    engine.fire(answered.id, "opinion_requested", at=ASKED, actor="auditor")
    [expert] = engine.children(answered.id)
    engine.fire(expert.id, "approved", at=ANSWERED, actor="expert")
    silent = engine.start("tiny-audit", {"topic": "采购"}, at=FILED)
    engine.fire(silent.id, "opinion_requested", at=ASKED)
    [unanswered] = engine.children(silent.id)
    engine.tick(datetime(2023, 11, 8, 12))  # the deemed grant and the deemed rejection
    return {
        "late": late.id,
        "deemed": deemed.id,
        "waiting": waiting.id,
        "answered": answered.id,
        "expert": expert.id,
        "silent": silent.id,
        "unanswered": unanswered.id,
    }


@pytest.fixture
def filled(sqlite_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """An SQLite file holding every kind of case, closed."""
    with Engine(sqlite_path, processes=PROCESSES) as engine:
        ids = _fill(engine)
    yield sqlite_path, ids


def _sql(path: Path, *statements: str, parameters: tuple[object, ...] = ()) -> None:
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement, parameters)
    connection.close()


def _verify(path: Path, **kwargs: object) -> int:
    with Engine(path, processes=PROCESSES) as engine:
        return engine.verify(**kwargs)  # type: ignore[arg-type]


def _refused(path: Path, **kwargs: object) -> JournalTampered:
    with pytest.raises(JournalTampered) as caught:
        _verify(path, **kwargs)
    return caught.value


def test_untampered_database_with_children_expiries_and_signals_verifies_clean(filled):
    """Every case replays from its stored definition to its rows, and nothing is missing."""
    path, ids = filled
    with Engine(path, processes=PROCESSES) as engine:
        assert engine.get(ids["late"]).snapshot.timer("acceptance_limit").status == "met"
        assert engine.get(ids["deemed"]).state == "granted"  # fired by its expiry
        assert engine.get(ids["unanswered"]).state == "unfavourable"
        assert engine.get(ids["silent"]).state == "reviewed"  # the child's signal
        assert engine.verify() > 0
        for case_id in ids.values():
            assert engine.verify(case_id) > 0


def test_edited_case_data_is_found(filled):
    """Data the journal never gave: the case and its data named."""
    path, ids = filled
    edit = "UPDATE cases SET data = replace(data, '经费使用', '其他') WHERE id = ?"
    _sql(path, edit, parameters=(ids["answered"],))
    error = _refused(path)
    assert error.case_id == ids["answered"]
    assert "its data is" in str(error) and "其他" in str(error)


def test_edited_state_and_overdue_flag_are_found(filled):
    """An overdue flag cleared by hand differs from the replayed one."""
    path, ids = filled
    _sql(path, f"UPDATE cases SET overdue = 1 WHERE id = '{ids['waiting']}'")
    error = _refused(path)
    assert error.case_id == ids["waiting"] and "overdue is True" in str(error)


def test_edited_timer_due_date_is_found(filled):
    """A deadline moved by a month: the timer, its column and both values named."""
    path, ids = filled
    _sql(
        path,
        f"UPDATE timers SET due = '2023-12-31' WHERE case_id = '{ids['waiting']}' "
        "AND deadline = 'decision_limit'",
    )
    error = _refused(path)
    assert error.case_id == ids["waiting"]
    assert "timer 1 (decision_limit) due is datetime.date(2023, 12, 31)" in str(error)


def test_edited_timer_expiry_instant_is_found(filled):
    """The indexed expiry instant that tick reads is checked too."""
    path, ids = filled
    _sql(
        path,
        f"UPDATE timers SET expires_at = '2024-01-01 00:00:00.000000' "
        f"WHERE case_id = '{ids['waiting']}' AND deadline = 'decision_limit'",
    )
    assert "expires_at" in str(_refused(path))


def test_a_definition_whose_guard_was_replaced_by_true_is_found(filled):
    """The stored body no longer hashes to its version: named with a case that runs on it."""
    path, ids = filled
    _sql(
        path,
        'UPDATE definitions SET body = replace(body, \'"when":"is_complete"\', '
        "'\"when\":\"true\"') WHERE process_id = 'tiny-permit'",
    )
    error = _refused(path)
    assert "definition tiny-permit@" in str(error) and "was changed" in str(error)
    assert error.case_id in (ids["late"], ids["deemed"], ids["waiting"])


def test_a_deleted_case_is_found(filled):
    """Its rows gone, journal and timers too: the ledger still names it."""
    path, ids = filled
    case_id = ids["waiting"]
    _sql(
        path,
        f"DELETE FROM timers WHERE case_id = '{case_id}'",
        f"DELETE FROM journal WHERE case_id = '{case_id}'",
        f"DELETE FROM cases WHERE id = '{case_id}'",
    )
    error = _refused(path)
    assert error.case_id == case_id and "case deleted" in str(error)


def test_a_case_row_added_by_hand_is_found(filled):
    """A copy of a case under a new id was never started: not in the ledger."""
    path, ids = filled
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO cases SELECT 'forged', process_id, process_version, state, data, "
            "parent_id, 0, overdue, started_at, updated_at, created_at, modified_at, '"
            + GENESIS
            + f"', previous_state FROM cases WHERE id = '{ids['waiting']}'"
        )
        connection.execute("UPDATE cases SET state = 'submitted' WHERE id = 'forged'")
    connection.close()
    error = _refused(path)
    assert error.case_id == "forged"


def _rechain(
    connection: sqlite3.Connection, case_id: str, column: str, value: object, *, first: bool
) -> list[dict[str, object]]:
    """Set `column` to `value` on a case's first entry (or all), rehash its whole chain.

    Returns the rewritten rows; the case's last_hash follows the new chain.
    """
    rows = [
        dict(row)
        for row in connection.execute(
            "SELECT * FROM journal WHERE case_id = ? ORDER BY sequence", (case_id,)
        )
    ]
    previous = GENESIS
    for number, row in enumerate(rows):
        if number == 0 or not first:
            row[column] = value
        row["automatic"] = bool(row["automatic"])
        row["at"] = datetime.fromisoformat(row["at"])
        row["recorded_at"] = datetime.fromisoformat(row["recorded_at"])
        row["prev_hash"] = previous
        row["hash"] = previous = row_hash(row)
        connection.execute(
            f"UPDATE journal SET {column} = ?, prev_hash = ?, hash = ? "
            "WHERE case_id = ? AND sequence = ?",
            (row[column], row["prev_hash"], row["hash"], case_id, row["sequence"]),
        )
    connection.execute("UPDATE cases SET last_hash = ? WHERE id = ?", (previous, case_id))
    return rows


def _rewrite_actor(path: Path, case_id: str, actor: str) -> None:
    """Change the actor of a case's first entry and rehash its whole chain, consistently."""
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        rows = _rechain(connection, case_id, "actor", actor, first=True)
        connection.execute(
            "UPDATE ledger SET first_hash = ? WHERE case_id = ?", (rows[0]["hash"], case_id)
        )
    connection.close()


def test_the_anchor_is_written_then_checked(filled, tmp_path):
    """A missing file gets every head and a digest; the same database then checks clean."""
    path, ids = filled
    anchor = tmp_path / "heads.json"
    _verify(path, anchor=anchor)
    written = json.loads(anchor.read_text(encoding="utf-8"))
    assert set(written["cases"]) == set(ids.values())
    assert len(written["digest"]) == 64
    _verify(path, anchor=anchor)


def test_a_case_that_moved_on_still_holds_its_anchored_head(filled, tmp_path):
    """New events after the anchor are not tampering."""
    path, ids = filled
    anchor = tmp_path / "heads.json"
    _verify(path, anchor=anchor)
    with Engine(path, processes=PROCESSES) as engine:
        engine.fire(ids["silent"], "closed", at=datetime(2023, 11, 9, 9))
        engine.start("tiny-permit", {"applicant": "丁"}, at=datetime(2023, 11, 9, 9))
        assert engine.verify(anchor=anchor) > 0


def test_a_rewritten_and_rehashed_chain_is_found_only_by_the_anchor(filled, tmp_path):
    """Rehashed throughout, the chain is consistent; its head moved against the anchor."""
    path, ids = filled
    anchor = tmp_path / "heads.json"
    _verify(path, anchor=anchor)
    _rewrite_actor(path, ids["late"], "someone else")
    _verify(path)  # consistent inside the database
    error = _refused(path, anchor=anchor)
    assert error.case_id == ids["late"] and "moved against the anchor" in str(error)


def test_a_case_deleted_with_its_ledger_row_vanishes_from_the_anchor(filled, tmp_path):
    """Every trace removed inside the database: the anchor still names the case."""
    path, ids = filled
    anchor = tmp_path / "heads.json"
    _verify(path, anchor=anchor)
    case_id = ids["waiting"]
    _sql(
        path,
        f"DELETE FROM timers WHERE case_id = '{case_id}'",
        f"DELETE FROM journal WHERE case_id = '{case_id}'",
        f"DELETE FROM cases WHERE id = '{case_id}'",
        f"DELETE FROM ledger WHERE case_id = '{case_id}'",
    )
    _verify(path)
    error = _refused(path, anchor=anchor)
    assert error.case_id == case_id and "vanished" in str(error)


def test_an_edited_anchor_is_refused_as_input(filled, tmp_path):
    """Heads changed in the file without its digest: exit 2, the file named."""
    path, _ = filled
    anchor = tmp_path / "heads.json"
    _verify(path, anchor=anchor)
    written = json.loads(anchor.read_text(encoding="utf-8"))
    first = next(iter(written["cases"]))
    written["cases"][first] = GENESIS
    anchor.write_text(json.dumps(written), encoding="utf-8")
    with pytest.raises(InvalidInput, match="digest does not match"):
        _verify(path, anchor=anchor)


def _as_before_roles(path: Path) -> None:
    """Rows written before revision 0004 carry no role: clear it, rehash every chain."""
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        cases = [row["id"] for row in connection.execute("SELECT id FROM cases")]
        for case_id in cases:
            _rechain(connection, case_id, "role", None, first=False)
    connection.close()


def test_a_database_from_before_the_ledger_is_migrated_with_its_cases(filled):
    """Upgrading from revision 0001 records every stored case in the ledger."""
    path, _ = filled
    _as_before_roles(path)
    _sql(
        path,
        "DROP TABLE ledger",
        "DROP TABLE delegations",
        "DROP TABLE case_keys",
        "ALTER TABLE journal DROP COLUMN reads",
        "DROP TABLE calendar_years",
        "ALTER TABLE timers DROP COLUMN label",
        "ALTER TABLE journal DROP COLUMN overrides",
        "ALTER TABLE journal DROP COLUMN role",
        "ALTER TABLE cases DROP COLUMN previous_state",
        "DROP INDEX ix_timers_due",
        "CREATE INDEX ix_timers_status_expires_at ON timers (status, expires_at)",
        "UPDATE alembic_version SET version_num = '0001'",
    )
    assert _verify(path) > 0
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM ledger").fetchone()[0] == 7
    connection.close()


@pytest.mark.postgres
def test_verify_replays_every_case_on_postgres(postgres_url):
    """The same database on PostgreSQL verifies clean; edited data is found there too."""
    from sqlalchemy import create_engine, text

    with Engine(postgres_url, processes=PROCESSES) as engine:
        ids = _fill(engine)
        assert engine.verify() > 0
    raw = create_engine(postgres_url)
    with raw.begin() as connection:
        connection.execute(
            text("UPDATE cases SET data = replace(data, '采购', '其他') WHERE id = :id"),
            {"id": ids["silent"]},
        )
    raw.dispose()
    with Engine(postgres_url, processes=PROCESSES) as engine, pytest.raises(JournalTampered):
        engine.verify()


def test_a_keyed_anchor_is_checked_only_with_its_key(filled, tmp_path):
    """With a key, the digest is an HMAC: a rewritten file or another key is refused."""
    path, ids = filled
    anchor = tmp_path / "heads.json"
    _verify(path, anchor=anchor, key=b"secret")
    written = json.loads(anchor.read_text(encoding="utf-8"))
    assert written["keyed"] is True
    _verify(path, anchor=anchor, key=b"secret")
    with pytest.raises(InvalidInput, match="written with a key"):
        _verify(path, anchor=anchor)
    with pytest.raises(InvalidInput, match="or the key is another"):
        _verify(path, anchor=anchor, key=b"guess")
    _rewrite_actor(path, ids["late"], "someone else")
    assert "moved against the anchor" in str(_refused(path, anchor=anchor, key=b"secret"))
