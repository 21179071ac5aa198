"""The journal's hash chain: appended rows link up, and verify catches any tampering."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from store_builders import BASIS, RECORDED, entry, three_steps, write_case

from policyflow.errors import JournalTampered
from policyflow.runtime.journal import TimerAction, TimerChange
from policyflow.store import convert, journal
from policyflow.store.database import Database
from policyflow.store.tables import JOURNAL


def test_rows_chain_from_genesis_and_verify_passes(database):
    """Entry 1 links to the genesis hash, each next entry to the one before."""
    write_case(database, three_steps())
    with database.read() as connection:
        rows = journal.history(connection, "c1")
        assert [r.entry.sequence for r in rows] == [1, 2, 3]
        assert rows[0].prev_hash == "0" * 64
        assert rows[1].prev_hash == rows[0].hash
        assert rows[2].prev_hash == rows[1].hash
        assert journal.verify(connection) == 3
        assert journal.verify(connection, "c1") == 3


def test_hash_is_sha256_of_the_canonical_json_of_the_row(database):
    """The hash is recomputable by hand: SHA-256 over sorted-key JSON of the other columns."""
    write_case(database, three_steps()[:1])
    with database.read() as connection:
        row = connection.execute(text("SELECT * FROM journal")).mappings().one()
    body = {key: row[key] for key in row if key != "hash"}
    # no overrides: the column is left out, so rows written before it existed keep their hash
    assert body.pop("overrides") is None
    assert body.pop("role") is None  # an unidentified actor: left out the same way
    assert body.pop("reads") is None  # a step that read no other case: the same
    body["at"] = "2023-09-28T10:01:00.000000"
    body["recorded_at"] = "2023-09-28T09:30:00.123456"
    body["automatic"] = bool(body["automatic"])
    text_form = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(text_form.encode()).hexdigest() == row["hash"]


def test_entries_round_trip_through_the_table(database):
    """What the runtime recorded comes back unchanged, payload and timer changes included."""
    write_case(database, three_steps())
    with database.read() as connection:
        assert journal.history(connection, "c1")[1].entry == entry(
            2, event="accepted", from_state="submitted", to_state="review"
        )


@pytest.mark.parametrize(
    ("statement", "sequence"),
    [
        ('UPDATE journal SET payload = \'{"note":"改"}\' WHERE sequence = 2', 2),
        ("UPDATE journal SET actor = 'mallory' WHERE sequence = 1", 1),
        ("UPDATE journal SET at = '2023-09-29 10:02:00.000000' WHERE sequence = 3", 3),
        ("UPDATE journal SET to_state = 'granted' WHERE sequence = 2", 2),
    ],
)
def test_a_changed_row_is_caught_at_its_sequence(database, statement, sequence):
    """Raw SQL that edits a row breaks its hash: JournalTampered names the case and the row."""
    write_case(database, three_steps())
    with database.write() as connection:
        connection.execute(text(statement))
    with database.read() as connection, pytest.raises(JournalTampered) as caught:
        journal.verify(connection)
    assert (caught.value.case_id, caught.value.sequence) == ("c1", sequence)
    assert f"case c1 is broken at entry {sequence}" in str(caught.value)


def test_a_row_rehashed_after_editing_is_caught_by_the_next_link(database):
    """Recomputing the edited row's own hash does not help: the next row's link breaks."""
    write_case(database, three_steps())
    with database.write() as connection:
        row = dict(
            connection.execute(select(JOURNAL).where(JOURNAL.c.sequence == 2)).mappings().one()
        )
        row["actor"] = "mallory"
        connection.execute(
            text("UPDATE journal SET actor = 'mallory', hash = :h WHERE sequence = 2"),
            {"h": journal.row_hash(row)},
        )
    with database.read() as connection, pytest.raises(JournalTampered) as caught:
        journal.verify(connection)
    assert caught.value.sequence == 3


def test_a_deleted_newest_row_is_caught(database):
    """Dropping the last entry leaves the case ahead of its journal."""
    write_case(database, three_steps())
    with database.write() as connection:
        connection.execute(text("DELETE FROM journal WHERE sequence = 3"))
    with database.read() as connection, pytest.raises(JournalTampered) as caught:
        journal.verify(connection, "c1")
    assert caught.value.sequence == 3


def test_a_deleted_middle_row_is_caught(database):
    """A gap in the sequence is caught where the missing entry should be."""
    write_case(database, three_steps())
    with database.write() as connection:
        connection.execute(text("DELETE FROM journal WHERE sequence = 2"))
    with database.read() as connection, pytest.raises(JournalTampered) as caught:
        journal.verify(connection)
    assert caught.value.sequence == 2


def test_a_case_state_that_disagrees_with_its_journal_is_caught(database):
    """Moving the case row to another state without an entry is tampering too."""
    write_case(database, three_steps())
    with database.write() as connection:
        connection.execute(text("UPDATE cases SET state = 'granted'"))
    with database.read() as connection, pytest.raises(JournalTampered, match="granted"):
        journal.verify(connection)


def test_verify_of_one_case_ignores_another_broken_case(database):
    """verify(case_id) checks that case only; verify() finds the broken one."""
    write_case(database, three_steps("a"))
    write_case(database, three_steps("b"))
    with database.write() as connection:
        connection.execute(
            text("UPDATE journal SET basis = 'x' WHERE case_id = 'b' AND sequence = 1")
        )
    with database.read() as connection:
        assert journal.verify(connection, "a") == 3
        with pytest.raises(JournalTampered) as caught:
            journal.verify(connection)
    assert (caught.value.case_id, caught.value.sequence) == ("b", 1)


def test_a_second_row_with_the_same_sequence_is_refused(database):
    """The journal's key (case, sequence) refuses a duplicate entry."""
    write_case(database, three_steps()[:1])
    with pytest.raises(IntegrityError), database.write() as connection:
        journal.append(
            connection,
            journal.journal_values(
                "c1", entry(1), recorded_at=entry(1).at, prev_hash=journal.GENESIS
            ),
        )


@pytest.mark.postgres
def test_tampering_is_caught_on_postgres(postgres_url):
    """The chain computed on PostgreSQL verifies there, and an edited row is caught."""
    database = Database(postgres_url)
    write_case(database, three_steps())
    with database.read() as connection:
        assert journal.verify(connection) == 3
    with database.write() as connection:
        connection.execute(text("UPDATE journal SET payload = '{}' WHERE sequence = 2"))
    with database.read() as connection, pytest.raises(JournalTampered) as caught:
        journal.verify(connection)
    assert caught.value.sequence == 2
    database.dispose()


def _encoder_text(values):
    """The hashed text the way the hash is defined: json.dumps of the hashed columns."""
    body = {key: values[key] for key in journal._HASHED}
    for key in ("at", "recorded_at"):
        body[key] = body[key].isoformat(timespec="microseconds")
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_AWKWARD = '引号"、反斜杠\\、换行\n、制表\t、控制\x01、\u2028、😀 and </script>'


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"actor": None, "from_state": None},
        {"actor": _AWKWARD, "basis": _AWKWARD, "event": _AWKWARD, "to_state": _AWKWARD},
        {"payload": json.dumps({"note": _AWKWARD}, ensure_ascii=False), "timer_changes": "[]"},
        {"at": datetime(2023, 9, 28), "recorded_at": datetime(2023, 9, 28, 0, 0, 0, 1)},
        {"automatic": True, "sequence": 1_000_000},
        # values of other types than the columns hold (as a raw row could give them)
        {"automatic": 1, "sequence": True, "actor": 7, "basis": 1.5},
    ],
)
def test_hashed_text_is_the_sorted_key_json_of_the_hashed_columns(changes):
    """The text written out key by key equals json.dumps(sort_keys, no spaces, UTF-8 kept)."""
    values = journal.journal_values("c1", entry(2), recorded_at=RECORDED, prev_hash="a" * 64)
    values.update(changes)
    assert journal.hashed_text(values) == _encoder_text(values)
    assert journal.row_hash(values) == hashlib.sha256(_encoder_text(values).encode()).hexdigest()


def test_timer_changes_text_is_the_canonical_json_of_the_changes():
    """timer_changes_json equals canonical_json of the changes' JSON form, None due included."""
    changes = (
        TimerChange("reply", TimerAction.STARTED, date(2023, 9, 28), date(2023, 10, 25), BASIS),
        TimerChange('引"号\\', TimerAction.CANCELLED, date(2023, 9, 29), None, _AWKWARD),
        # an occurrence of a recurring deadline: its label, sorted between due and on
        TimerChange(
            "annual_report",
            TimerAction.OVERDUE,
            date(2025, 4, 1),
            date(2025, 3, 31),
            BASIS,
            '20"24年度',
        ),
    )
    for part in ((), changes[:1], changes[:2], changes):
        assert convert.timer_changes_json(part) == convert.canonical_json(
            [convert.timer_change_to_json(change) for change in part]
        )
    # a change without a label is written as before the label existed (hashes unchanged)
    assert '"label"' not in convert.timer_changes_json(changes[:2])
    assert '"label":"20\\"24年度","on"' in convert.timer_changes_json(changes)
