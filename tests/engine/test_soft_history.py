"""Soft-guard overrides, reopening and returns, persisted on a real SQLite file and verified."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from policyflow.definition.canonical import canonical_json
from policyflow.engine import Engine
from policyflow.errors import GuardFailed, InvalidPayload, JournalTampered
from policyflow.store import journal

ETHICS = Path(__file__).parents[1] / "fixtures" / "processes" / "ethics-review.yaml"
REASON = "retired professor, rare expertise（特聘）"


def _at(day: int) -> datetime:
    return datetime(2024, 3, day, 10)


def _rows(path: Path, case_id: str) -> list[sqlite3.Row]:
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute(
            "SELECT * FROM journal WHERE case_id = ? ORDER BY sequence", (case_id,)
        ).fetchall()


def _previous_state(path: Path, case_id: str) -> str | None:
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT previous_state FROM cases WHERE id = ?", (case_id,))
        return row.fetchone()[0]


@pytest.fixture
def passed(sqlite_path: Path) -> str:
    """A case whose age rule was passed with a reason."""
    with Engine(sqlite_path) as engine:
        case = engine.start(ETHICS, {"age": 64}, at=_at(1), case_id="c1")
        engine.fire(case.id, "review_started", at=_at(2), overrides={"within_age_limit": REASON})
    return "c1"


def test_the_journal_row_records_the_override_and_verify_passes(sqlite_path, passed):
    rows = _rows(sqlite_path, passed)
    assert rows[0]["overrides"] is None  # the start passed nothing
    assert json.loads(rows[1]["overrides"]) == [["within_age_limit", REASON]]
    assert rows[1]["overrides"] == canonical_json([["within_age_limit", REASON]])
    with Engine(sqlite_path) as engine:
        [_, entry] = [recorded.entry for recorded in engine.history(passed)]
        assert entry.overrides == (("within_age_limit", REASON),)
        assert engine.verify() == 2


def test_the_override_is_hashed_with_its_row(sqlite_path, passed):
    """Changing the recorded reason breaks the chain; so does removing it."""
    with sqlite3.connect(sqlite_path) as connection:
        connection.execute(
            "UPDATE journal SET overrides = ? WHERE case_id = ? AND sequence = 2",
            (canonical_json([["within_age_limit", "another reason"]]), passed),
        )
    with Engine(sqlite_path) as engine, pytest.raises(JournalTampered, match="entry 2"):
        engine.verify()
    with sqlite3.connect(sqlite_path) as connection:
        connection.execute(
            "UPDATE journal SET overrides = NULL WHERE case_id = ? AND sequence = 2", (passed,)
        )
    with Engine(sqlite_path) as engine, pytest.raises(JournalTampered, match="entry 2"):
        engine.verify()


def test_a_row_without_overrides_hashes_as_before_the_column(sqlite_path, passed):
    """The hash of a NULL-overrides row is the SHA-256 of the old columns' canonical JSON."""
    row = dict(_rows(sqlite_path, passed)[0])
    assert row["overrides"] is None
    old = {key: row[key] for key in journal._HASHED}
    old["automatic"] = bool(old["automatic"])
    for key in ("at", "recorded_at"):  # ISO text with microseconds, as the hash has them
        old[key] = datetime.fromisoformat(old[key]).isoformat(timespec="microseconds")
    text = canonical_json(old)
    assert row["hash"] == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_refused_soft_guard_and_a_bad_override_write_nothing(sqlite_path):
    with Engine(sqlite_path) as engine:
        engine.start(ETHICS, {"age": 64}, at=_at(1), case_id="c2")
        with pytest.raises(GuardFailed, match="soft rule"):
            engine.fire("c2", "review_started", at=_at(2))
        for overrides in ({"quorum_present": "r"}, {"unknown_guard": "r"}):
            with pytest.raises(InvalidPayload):
                engine.fire("c2", "review_started", at=_at(2), overrides=overrides)
        assert engine.get("c2").version == 1
        assert len(engine.history("c2")) == 1


def test_reopening_and_returning_are_stored_and_verified(sqlite_path):
    with Engine(sqlite_path) as engine:
        engine.start(ETHICS, {"age": 40}, at=_at(1), case_id="c3")
        engine.fire("c3", "review_started", at=_at(2))
        engine.fire("c3", "change_reported", at=_at(3))
        assert _previous_state(sqlite_path, "c3") == "reviewing"
        assert engine.fire("c3", "change_cleared", at=_at(4)).state == "reviewing"
        engine.fire("c3", "decided", {"outcome": "rejected"}, at=_at(5))
        assert engine.get("c3").is_final
        reopened = engine.fire("c3", "appeal_filed", {"grounds": "g"}, at=_at(6))
        assert reopened.state == "appeal" and not reopened.is_final
        assert engine.fire("c3", "appeal_dismissed", at=_at(9)).state == "decided"
        assert _previous_state(sqlite_path, "c3") == "appeal"
        assert engine.verify("c3") == 7


def test_a_return_reads_the_previous_state_back_from_the_file(sqlite_path):
    """A second engine (nothing cached) returns the case to the state stored as previous."""
    with Engine(sqlite_path) as engine:
        engine.start(ETHICS, {"age": 40}, at=_at(1), case_id="c5")
        engine.fire("c5", "review_started", at=_at(2))
        engine.fire("c5", "change_reported", at=_at(3))
    with Engine(sqlite_path) as engine:
        assert engine.get("c5").state == "change_review"
        back = engine.fire("c5", "change_cleared", at=_at(4))
        assert back.state == "reviewing"
        assert back.previous_state == back.to_dict()["previous_state"] == "change_review"
        assert [t.status.value for t in back.timers] == ["armed"]  # the review limit resumed


def test_a_tampered_previous_state_is_found_by_verify(sqlite_path):
    with Engine(sqlite_path) as engine:
        engine.start(ETHICS, {"age": 40}, at=_at(1), case_id="c4")
        engine.fire("c4", "change_reported", at=_at(2))
    with sqlite3.connect(sqlite_path) as connection:
        connection.execute("UPDATE cases SET previous_state = 'reviewing' WHERE id = 'c4'")
    with Engine(sqlite_path) as engine, pytest.raises(JournalTampered, match="previous_state"):
        engine.verify()
