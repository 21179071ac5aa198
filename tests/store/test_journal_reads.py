"""The journal's reads column: what a step read of other cases, hashed only when set."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text
from store_builders import RECORDED, entry, three_steps, write_case

from policyflow.errors import InvalidInput, JournalTampered
from policyflow.runtime.journal import NO_READS
from policyflow.store import convert, journal
from policyflow.store.database import Database

_AWKWARD = '引号"、反斜杠\\、换行\n、控制\x01、\u2028、😀'
READS = {
    "members:nomination": [
        {"id": "n1", "state": "cleared", "score": 7, "since": {"$t": "2023-05-01T00:00:00"}}
    ],
    "cohort": None,
    "lookup:banned": [],
    "parent": {"id": "r1", "state": "open", "note": _AWKWARD},
}


def _defined_text(values, extra: tuple[str, ...]) -> str:
    """The hashed text by definition: json.dumps of the hashed columns (and those set)."""
    body = {key: values[key] for key in (*journal._HASHED, *extra)}
    for key in ("at", "recorded_at"):
        body[key] = body[key].isoformat(timespec="microseconds")
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_an_entry_that_read_nothing_hashes_as_before_the_column_existed():
    values = journal.journal_values("c1", entry(2), recorded_at=RECORDED, prev_hash="a" * 64)
    assert entry(2).reads is NO_READS
    assert values["reads"] is None
    assert journal.hashed_text(values) == _defined_text(values, ())
    # the hash of an entry written before revision 0005 (no reads key at all) is the same
    before = {key: value for key, value in values.items() if key != "reads"}
    assert journal.row_hash(before) == values["hash"]


@pytest.mark.parametrize(
    "reads",
    [READS, {"lookup:banned": []}, {"parent": None}, {"children:vetting": [{"id": _AWKWARD}]}],
)
def test_an_entry_with_reads_writes_and_hashes_them(reads):
    read = entry(2)._replace(reads=reads)
    values = journal.journal_values("c1", read, recorded_at=RECORDED, prev_hash="a" * 64)
    assert values["reads"] == convert.canonical_json(reads)
    defined = _defined_text(values, ("reads",))
    assert journal.hashed_text(values) == defined  # the key-by-key text, byte for byte
    assert values["hash"] == hashlib.sha256(defined.encode()).hexdigest()
    plain = journal.journal_values("c1", entry(2), recorded_at=RECORDED, prev_hash="a" * 64)
    assert values["hash"] != plain["hash"]


def test_reads_role_and_overrides_hash_together_in_key_order():
    acted = entry(2)._replace(role="party", overrides=(("rule", "why"),), reads=READS)
    values = journal.journal_values("c1", acted, recorded_at=RECORDED, prev_hash="a" * 64)
    assert journal.hashed_text(values) == _defined_text(values, ("overrides", "reads", "role"))


def test_reads_of_another_type_than_text_are_hashed_the_defining_way():
    values = journal.journal_values("c1", entry(2), recorded_at=RECORDED, prev_hash="a" * 64)
    values["reads"] = 7  # a raw row could hold anything
    assert journal.hashed_text(values) == _defined_text(values, ("reads",))


def test_reads_longer_than_the_bound_are_refused():
    huge = {"lookup:all": ["x" * 1000] * (convert.STORED_JSON_MAX // 1000)}
    with pytest.raises(InvalidInput, match="what was read by 'start' holds"):
        journal.journal_values(
            "c1", entry(1)._replace(reads=huge), recorded_at=RECORDED, prev_hash="a" * 64
        )


def test_reads_come_back_and_an_edited_read_is_caught(database):
    steps = [(snap, item._replace(reads=READS)) for snap, item in three_steps()]
    steps[0] = (steps[0][0], steps[0][1]._replace(reads=NO_READS))
    write_case(database, steps)
    with database.read() as connection:
        history = journal.history(connection, "c1")
        assert [r.entry.reads for r in history] == [{}, READS, READS]
        assert history[0].entry.reads is NO_READS
        assert journal.verify(connection) == 3
        stored = connection.execute(text("SELECT reads FROM journal ORDER BY sequence")).all()
    assert stored[0][0] is None
    forged = convert.canonical_json({**READS, "lookup:banned": [{"id": "d9"}]})
    with database.write() as connection:
        connection.execute(
            text("UPDATE journal SET reads = :reads WHERE sequence = 2"), {"reads": forged}
        )
    with database.read() as connection, pytest.raises(JournalTampered) as caught:
        journal.verify(connection)
    assert caught.value.sequence == 2


def test_reads_added_to_an_entry_that_read_nothing_are_caught(database):
    write_case(database, three_steps())
    with database.write() as connection:
        connection.execute(text("UPDATE journal SET reads = '{}' WHERE sequence = 3"))
    with database.read() as connection, pytest.raises(JournalTampered) as caught:
        journal.verify(connection)
    assert caught.value.sequence == 3


@pytest.mark.postgres
def test_reads_round_trip_and_an_edited_read_is_caught_on_postgres(postgres_url):
    database = Database(postgres_url)
    steps = [(snap, item._replace(reads=READS)) for snap, item in three_steps()]
    write_case(database, steps)
    with database.read() as connection:
        assert [r.entry.reads for r in journal.history(connection, "c1")] == [READS] * 3
        assert journal.verify(connection) == 3
    with database.write() as connection:
        connection.execute(text("UPDATE journal SET reads = '{}' WHERE sequence = 1"))
    with database.read() as connection, pytest.raises(JournalTampered) as caught:
        journal.verify(connection)
    assert caught.value.sequence == 1
    database.dispose()
