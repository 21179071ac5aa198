"""The engine keeps the keys index with each write: rows replaced, entered_at from the steps.

A keyed process (keys by unit, cohort by round) in a temporary folder; the rows are read
back from the SQLite file. Dates are business instants on China's 2023 schedule.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from policyflow.engine import Engine
from policyflow.engine.write import StoredFamily
from policyflow.runtime import CompiledProcess
from policyflow.runtime.relations import LookupHit, LookupQuery
from policyflow.store import journal, relations

FILED = datetime(2023, 9, 28, 10)
MOVED = datetime(2023, 10, 9, 10)
RENAMED = datetime(2023, 10, 10, 11)
CLEARED = datetime(2023, 10, 11, 9)

_COMMON = """\
states:
  - {id: submitted, zh: 已提交, en: Submitted, initial: true, basis: "示例办法 第一条"}
  - {id: cleared, zh: 已通过, en: Cleared, final: true, basis: "示例办法 第二条"}
events:
  - id: unit_changed
    zh: 变更单位
    en: Unit changed
    payload: [{id: unit, zh: 单位, en: Unit, type: str}]
  - {id: cleared, zh: 通过, en: Cleared}
transitions:
  - id: change_unit
    zh: 变更单位
    en: Change the unit
    event: unit_changed
    from: submitted
    assign: {unit: payload.unit}
    basis: "示例办法 第三条"
  - {id: clear, zh: 通过, en: Clear, event: cleared, from: submitted, to: cleared,
     basis: "示例办法 第二条"}
"""

NOMINATION = (
    """\
id: keyed-nomination
title: {zh: 提名, en: Nomination}
fields:
  - {id: unit, zh: 单位, en: Unit, type: str}
  - {id: round_id, zh: 轮次, en: Round, type: str, required: false}
keys:
  unit: unit
cohort: {process: keyed-round, field: round_id}
"""
    + _COMMON
)

ROUND = (
    """\
id: keyed-round
title: {zh: 轮次, en: Round}
fields:
  - {id: unit, zh: 单位, en: Unit, type: str}
"""
    + _COMMON
)

keyed = pytest.mark.skipif(
    not hasattr(CompiledProcess, "keys_of"),
    reason="the runtime gives no keys yet (CompiledProcess.keys_of)",
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "keyed-nomination.yaml").write_text(NOMINATION, encoding="utf-8")
    (processes / "keyed-round.yaml").write_text(ROUND, encoding="utf-8")
    return processes


def _rows(path: Path, case_id: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as connection:
        found = connection.execute(
            "SELECT name, value, entered_at FROM case_keys WHERE case_id = ? ORDER BY name",
            (case_id,),
        ).fetchall()
    connection.close()
    return found


def test_entered_at_is_the_last_entry_that_moved_the_case(sqlite_path, folder):
    """An entry that leaves the state as it was (an internal transition) does not count."""
    with Engine(sqlite_path, processes=folder) as engine:
        case = engine.start("keyed-round", {"unit": "R"}, at=FILED)
        with engine.database.read() as connection:
            assert journal.entered_at(connection, case.id) == FILED
        engine.fire(case.id, "unit_changed", {"unit": "S"}, at=RENAMED)
        with engine.database.read() as connection:
            assert journal.entered_at(connection, case.id) == FILED
        engine.fire(case.id, "cleared", at=CLEARED)
        with engine.database.read() as connection:
            assert journal.entered_at(connection, case.id) == CLEARED


@keyed
def test_a_case_is_indexed_from_its_start_and_its_rows_follow_it(sqlite_path, folder):
    with Engine(sqlite_path, processes=folder) as engine:
        round_ = engine.start("keyed-round", {"unit": "R"}, at=FILED)
        case = engine.start("keyed-nomination", {"unit": "U1", "round_id": round_.id}, at=FILED)
        assert _rows(sqlite_path, case.id) == [
            ("@cohort", round_.id, "2023-09-28 10:00:00.000000"),
            ("unit", "U1", "2023-09-28 10:00:00.000000"),
        ]
        assert _rows(sqlite_path, round_.id) == []  # a process without keys: no rows
        # the data changes, the state does not: new rows, entered when the case started
        engine.fire(case.id, "unit_changed", {"unit": "U2"}, at=RENAMED)
        assert _rows(sqlite_path, case.id) == [
            ("@cohort", round_.id, "2023-09-28 10:00:00.000000"),
            ("unit", "U2", "2023-09-28 10:00:00.000000"),
        ]
        engine.fire(case.id, "cleared", at=CLEARED)
        assert _rows(sqlite_path, case.id) == [
            ("@cohort", round_.id, "2023-10-11 09:00:00.000000"),
            ("unit", "U2", "2023-10-11 09:00:00.000000"),
        ]
        with engine.database.read() as connection:
            assert relations.members_of(connection, round_.id, "keyed-nomination") == [case.id]
        assert engine.verify() > 0


@keyed
def test_the_stored_family_answers_a_lookup_from_the_index(sqlite_path, folder):
    with Engine(sqlite_path, processes=folder) as engine:
        first = engine.start("keyed-nomination", {"unit": "U1"}, at=FILED)
        second = engine.start("keyed-nomination", {"unit": "U1"}, at=MOVED)
        engine.start("keyed-nomination", {"unit": "U9"}, at=MOVED)
        engine.fire(first.id, "cleared", at=CLEARED)
        writer = engine._writer
        with engine.database.transaction() as connection:
            family = StoredFamily(writer, connection, {})
            query = LookupQuery("keyed-nomination", (("unit", ("U1",)),), exclude=second.id)
            assert family.lookup(query) == [LookupHit(first.id, "cleared", CLEARED, {})]
            both = family.lookup(query._replace(exclude="", read=("unit",)))
        assert [(hit.case_id, hit.fields) for hit in both] == [
            (second.id, {"unit": "U1"}),
            (first.id, {"unit": "U1"}),
        ]
