"""The journal's role column: the role an act was taken in, hashed only when set."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text
from store_builders import RECORDED, entry, three_steps, write_case

from policyflow.errors import JournalTampered
from policyflow.store import journal

_AWKWARD = '引号"、反斜杠\\、控制\x01、😀'


def _defined_text(values, extra: tuple[str, ...]) -> str:
    """The hashed text by definition: json.dumps of the hashed columns (and those set)."""
    body = {key: values[key] for key in (*journal._HASHED, *extra)}
    for key in ("at", "recorded_at"):
        body[key] = body[key].isoformat(timespec="microseconds")
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_an_entry_without_a_role_hashes_as_before_the_column_existed():
    values = journal.journal_values("c1", entry(2), recorded_at=RECORDED, prev_hash="a" * 64)
    assert values["role"] is None
    assert journal.hashed_text(values) == _defined_text(values, ())


@pytest.mark.parametrize("role", ["enforcement_dept", "system", _AWKWARD])
def test_an_entry_with_a_role_writes_and_hashes_it(role):
    acted = entry(2)._replace(role=role)
    values = journal.journal_values("c1", acted, recorded_at=RECORDED, prev_hash="a" * 64)
    assert values["role"] == role
    defined = _defined_text(values, ("role",))
    assert journal.hashed_text(values) == defined
    assert values["hash"] == hashlib.sha256(defined.encode()).hexdigest()
    plain = journal.journal_values("c1", entry(2), recorded_at=RECORDED, prev_hash="a" * 64)
    assert values["hash"] != plain["hash"]


def test_role_and_overrides_hash_together_in_key_order():
    acted = entry(2)._replace(role="party", overrides=(("rule", "why"),))
    values = journal.journal_values("c1", acted, recorded_at=RECORDED, prev_hash="a" * 64)
    assert journal.hashed_text(values) == _defined_text(values, ("overrides", "role"))


def test_the_role_reads_back_and_an_edited_role_is_caught(database):
    steps = [(snap, item._replace(role="clerk_office")) for snap, item in three_steps()]
    write_case(database, steps)
    with database.read() as connection:
        assert [r.entry.role for r in journal.history(connection, "c1")] == ["clerk_office"] * 3
    with database.write() as connection:
        connection.execute(text("UPDATE journal SET role = 'most_head' WHERE sequence = 2"))
    with database.read() as connection, pytest.raises(JournalTampered) as caught:
        journal.verify(connection)
    assert caught.value.sequence == 2
