"""Delegations on the record: every grant of a role is chained by hash, so that verify
finds a grant edited, deleted or inserted by hand (raw SQL, as with the sqlite3 shell),
and the anchor finds the newest one deleted. One chain holds the grants for one case and
those for every case alike."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from policyflow import Actor
from policyflow.engine import Engine
from policyflow.errors import InvalidInput, JournalTampered
from policyflow.store.journal import GENESIS

RECUSAL = "most-penalty.officer-recusal"
DATA = {"officer_id": "officer-7", "ground": "interest", "applicant": "party"}
DEPT = Actor("zhang.san", frozenset({"enforcement_dept"}))
BASIS = "委托书 2024-07号 (科学技术部令第20号 第七条)"


@pytest.fixture
def granted(sqlite_path: Path) -> tuple[Path, str]:
    """A case and three grants: for the case, for every case, for the case again; closed."""
    with Engine(sqlite_path) as engine:
        case_id = engine.start(RECUSAL, DATA, at=datetime(2024, 3, 4, 10), actor=DEPT).id
        engine.delegate("entrusted.x", "enforcement_dept", case_id=case_id,
                        until=date(2024, 3, 6), basis=BASIS)  # fmt: skip
        engine.delegate("entrusted.y", "enforcement_dept", until=date(2024, 6, 30), basis=BASIS)
        engine.delegate("entrusted.z", "most_head", case_id=case_id,
                        until=date(2024, 4, 1), basis=BASIS)  # fmt: skip
    return sqlite_path, case_id


def _rows(path: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT * FROM delegations ORDER BY sequence").fetchall()
    connection.close()
    return rows


def _sql(path: Path, statement: str, parameters: tuple[object, ...] = ()) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(statement, parameters)
    connection.close()


def _verify(path: Path, **kwargs: object) -> int:
    with Engine(path) as engine:
        return engine.verify(**kwargs)  # type: ignore[arg-type]


def _refused(path: Path, **kwargs: object) -> JournalTampered:
    with pytest.raises(JournalTampered) as caught:
        _verify(path, **kwargs)
    assert caught.value.exit_code == 5
    return caught.value


def test_grants_form_one_chain_from_genesis_and_verify_clean(granted):
    path, case_id = granted
    rows = _rows(path)
    assert [r["sequence"] for r in rows] == [1, 2, 3]
    assert [r["case_id"] for r in rows] == [case_id, None, case_id]
    assert rows[0]["prev_hash"] == GENESIS
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:2]]
    assert len({r["hash"] for r in rows}) == 3
    assert _verify(path) == 1 and _verify(path, case_id=case_id) == 1


@pytest.mark.parametrize(
    ("column", "value", "sequence"),
    [
        ("until", "2024-12-31", 1),  # a grant's term lengthened
        ("grantee_id", "someone.else", 2),  # the every-case grant given to another
        ("role", "most_head", 2),
        ("basis", "无", 3),
        ("case_id", None, 3),  # a grant for one case widened to every case
    ],
)
def test_an_edited_grant_is_found_naming_it(granted, column, value, sequence):
    path, case_id = granted
    _sql(path, f"UPDATE delegations SET {column} = ? WHERE sequence = ?", (value, sequence))
    refused = _refused(path)
    assert refused.sequence == sequence
    assert f"delegation {sequence} (" in str(refused)
    assert "does not match its hash (edited)" in str(refused)
    # it is found when one case is verified too: a grant may bear on any case
    assert _refused(path, case_id=case_id).sequence == sequence


def test_a_deleted_grant_is_found_at_the_grant_after_it(granted):
    path, _ = granted
    _sql(path, "DELETE FROM delegations WHERE sequence = 2")
    refused = _refused(path)
    assert refused.sequence == 3
    assert "it is grant 3 where grant 2 belongs (one deleted)" in str(refused)


def test_a_deleted_first_grant_is_found(granted):
    path, _ = granted
    _sql(path, "DELETE FROM delegations WHERE sequence = 1")
    assert "where grant 1 belongs" in str(_refused(path))


def test_a_grant_renumbered_into_a_gap_does_not_link(granted):
    path, _ = granted
    _sql(path, "DELETE FROM delegations WHERE sequence = 2")
    _sql(path, "UPDATE delegations SET sequence = 2 WHERE sequence = 3")
    assert "does not link to the grant before" in str(_refused(path))


def test_a_grant_inserted_by_hand_is_found(granted):
    path, case_id = granted
    newest = _rows(path)[-1]
    _sql(
        path,
        "INSERT INTO delegations (id, grantee_id, role, case_id, until, basis, granted_at,"
        " sequence, prev_hash, hash) VALUES ('forged', 'me', 'most_head', ?, '2099-01-01',"
        " 'none', '2024-03-04 10:00:00.000000', 4, ?, ?)",
        (case_id, newest["hash"], "f" * 64),
    )
    refused = _refused(path)
    assert refused.sequence == 4 and refused.case_id == case_id


def test_the_newest_grant_deleted_is_found_by_the_anchor(granted, tmp_path):
    """With no grant after it, only the anchor (kept outside the database) misses it."""
    path, _ = granted
    anchor = tmp_path / "anchor.json"
    _verify(path, anchor=anchor)
    assert json.loads(anchor.read_text(encoding="utf-8"))["delegations"] == _rows(path)[-1]["hash"]
    _sql(path, "DELETE FROM delegations WHERE sequence = 3")
    assert _verify(path) == 1  # the chain left is whole: without the anchor it passes
    refused = _refused(path, anchor=anchor)
    assert "delegations' chain head moved against the anchor" in str(refused)


def test_a_grant_made_after_the_anchor_passes_it(granted, tmp_path):
    path, case_id = granted
    anchor = tmp_path / "anchor.json"
    _verify(path, anchor=anchor)
    with Engine(path) as engine:
        engine.delegate("entrusted.w", "most_head", case_id=case_id, until=date(2024, 5, 1),
                        basis=BASIS)  # fmt: skip
    assert _verify(path, anchor=anchor) == 1


def test_the_anchors_grant_head_is_covered_by_its_digest(granted, tmp_path):
    path, _ = granted
    anchor = tmp_path / "anchor.json"
    _verify(path, anchor=anchor)
    data = json.loads(anchor.read_text(encoding="utf-8"))
    data["delegations"] = _rows(path)[0]["hash"]  # pointed at an older grant
    anchor.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InvalidInput, match="digest does not match"):
        _verify(path, anchor=anchor)


def test_an_anchor_without_grants_reads_as_before(sqlite_path, tmp_path):
    """No grant: the anchor has no delegations entry, and its digest is over the heads alone."""
    with Engine(sqlite_path) as engine:
        engine.start(RECUSAL, DATA, at=datetime(2024, 3, 4, 10), actor=DEPT)
    anchor = tmp_path / "anchor.json"
    _verify(sqlite_path, anchor=anchor)
    assert "delegations" not in json.loads(anchor.read_text(encoding="utf-8"))
    assert _verify(sqlite_path, anchor=anchor) == 1


def test_grants_stored_before_the_chain_are_chained_by_the_migration(granted):
    """Upgrading from revision 0004 chains the grants in the order they were granted."""
    path, _ = granted
    before = _rows(path)
    with sqlite3.connect(path) as connection:
        connection.execute("DROP INDEX ux_delegations_sequence")
        for column in ("hash", "prev_hash", "sequence"):
            connection.execute(f"ALTER TABLE delegations DROP COLUMN {column}")
        # and what 0005 (the keys index, journal.reads) and 0006 (calendar years) add
        connection.execute("DROP TABLE case_keys")
        connection.execute("ALTER TABLE journal DROP COLUMN reads")
        connection.execute("DROP TABLE calendar_years")
        # and 0008's due-timer index, back to the one before it
        connection.execute("DROP INDEX ix_timers_due")
        connection.execute(
            "CREATE INDEX ix_timers_status_expires_at ON timers (status, expires_at)"
        )
        connection.execute("UPDATE alembic_version SET version_num = '0004'")
    connection.close()
    assert _verify(path) == 1
    after = _rows(path)
    assert [(r["id"], r["sequence"], r["hash"]) for r in after] == [
        (r["id"], r["sequence"], r["hash"]) for r in before
    ]
