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
from policyflow.errors import GuardFailed, JournalTampered
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


def _sql(path: Path, statement: str, parameters: tuple[object, ...] = ()) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(statement, parameters)
    connection.close()


def test_verify_finds_a_key_row_added_by_hand(sqlite_path, folder):
    """A row would make a case answer lookups its data does not give: verify names it."""
    with Engine(sqlite_path, processes=folder) as engine:
        case = engine.start("keyed-round", {"unit": "R"}, at=FILED)
        assert engine.verify() > 0
    _sql(
        sqlite_path,
        "INSERT INTO case_keys VALUES (?, 'keyed-round', 'person', 'p1', ?)",
        (case.id, "2023-09-28 10:00:00.000000"),
    )
    with Engine(sqlite_path, processes=folder) as engine, pytest.raises(JournalTampered) as caught:
        engine.verify()
    assert caught.value.case_id == case.id
    assert "its keys index is 'person=p1 (keyed-round, entered 2023-09-28T10:00:00)'" in str(
        caught.value
    )
    assert "its journal gives 'no rows'" in str(caught.value)


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM case_keys WHERE name = 'unit'",
        "UPDATE case_keys SET value = 'U9' WHERE name = 'unit'",
        "UPDATE case_keys SET entered_at = '2023-09-28 10:00:00.000001'",
    ],
)
def test_verify_finds_a_key_row_removed_or_changed(sqlite_path, folder, statement):
    with Engine(sqlite_path, processes=folder) as engine:
        case = engine.start("keyed-nomination", {"unit": "U1"}, at=FILED)
        assert engine.verify() > 0
    _sql(sqlite_path, statement)
    with Engine(sqlite_path, processes=folder) as engine, pytest.raises(JournalTampered) as caught:
        engine.verify()
    assert caught.value.case_id == case.id
    assert "its keys index" in str(caught.value)


@pytest.mark.postgres
def test_keys_are_written_looked_up_and_verified_on_postgres(postgres_url, folder):
    with Engine(postgres_url, processes=folder) as engine:
        round_ = engine.start("keyed-round", {"unit": "R"}, at=FILED)
        case = engine.start("keyed-nomination", {"unit": "U1", "round_id": round_.id}, at=FILED)
        engine.fire(case.id, "unit_changed", {"unit": "U2"}, at=RENAMED)
        engine.fire(case.id, "cleared", at=CLEARED)
        with engine.database.transaction() as connection:
            family = StoredFamily(engine._writer, connection, {})
            found = family.lookup(LookupQuery("keyed-nomination", (("unit", ("U2", "U1")),)))
            members = relations.members_of(connection, round_.id, "keyed-nomination")
        assert found == [LookupHit(case.id, "cleared", CLEARED, {})]
        assert members == [case.id]
        assert engine.verify() > 0


_BASIS = "国家科学技术奖励条例 第十二条"
# At most three filings per unit: a filing looks up the unit's earlier ones.
REPORT = f"""\
id: report
title: {{zh: 报告, en: Report}}
fields:
  - {{id: unit, zh: 单位, en: Unit, type: enum, values: [north, south]}}
keys:
  unit: unit
lookups:
  - id: earlier
    zh: 本单位已报
    en: The unit's filed reports
    process: report
    match: {{unit: unit}}
    states: filed
    basis: {_BASIS}
events:
  - {{id: file, zh: 报送, en: File}}
states:
  - {{id: draft, zh: 草稿, en: Draft, initial: true, basis: {_BASIS}}}
  - {{id: filed, zh: 已报, en: Filed, final: true, basis: {_BASIS}}}
transitions:
  - id: file
    zh: 报送
    en: File
    event: file
    from: draft
    to: filed
    guard:
      id: below_cap
      zh: 未满三份
      en: Fewer than three filed by the unit
      when: "lookup('earlier').size() < 3"
      basis: {_BASIS}
    basis: {_BASIS}
"""


def test_a_cap_through_a_lookup_holds_in_the_engine_and_its_reads_replay(sqlite_path, tmp_path):
    """The fourth filing of a unit is refused; each filing journals what it found."""
    (tmp_path / "report.yaml").write_text(REPORT, encoding="utf-8")
    with Engine(sqlite_path, processes=tmp_path) as engine:
        south = engine.start("report", {"unit": "south"}, at=FILED)
        engine.fire(south.id, "file", at=FILED)
        norths = [engine.start("report", {"unit": "north"}, at=FILED) for _ in range(4)]
        for number, case in enumerate(norths[:3]):
            engine.fire(case.id, "file", at=datetime(2023, 10, 9 + number, 10))
        with pytest.raises(GuardFailed, match="Fewer than three filed by the unit"):
            engine.fire(norths[3].id, "file", at=datetime(2023, 10, 12, 10))
        assert engine.get(norths[3].id).state == "draft"
        third = engine.history(norths[2].id)[-1].entry
        assert [hit["id"] for hit in third.reads["lookup:earlier"]] == [
            norths[0].id,
            norths[1].id,
        ]
        assert engine.verify() > 0  # replayed on the recorded reads


EXPIRING = """\
id: keyed-expiring
title: {zh: 限期补正, en: Correction within a limit}
fields:
  - {id: unit, zh: 单位, en: Unit, type: str}
keys:
  unit: unit
events:
  - {id: lapsed, zh: 逾期, en: Lapsed}
states:
  - {id: waiting, zh: 待补正, en: Waiting, initial: true, basis: "示例办法 第一条"}
  - {id: lapsed, zh: 已逾期, en: Lapsed, final: true, basis: "示例办法 第二条"}
transitions:
  - {id: lapse, zh: 逾期, en: Lapse, event: lapsed, from: waiting, to: lapsed,
     basis: "示例办法 第二条"}
deadlines:
  - id: correction_limit
    zh: 补正期限
    en: Correction limit
    period: 五个工作日
    start_on: {enter: waiting}
    met_by: {leave: waiting}
    on_expiry: {fire: lapsed}
    basis: "示例办法 第二条"
"""


def test_a_tick_rewrites_the_rows_of_a_case_its_expiry_moves(sqlite_path, tmp_path):
    """The tick's page writes the key rows with the case: entered at the expiry's instant."""
    (tmp_path / "keyed-expiring.yaml").write_text(EXPIRING, encoding="utf-8")
    with Engine(sqlite_path, processes=tmp_path) as engine:
        case = engine.start("keyed-expiring", {"unit": "U1"}, at=FILED)
        engine.tick(datetime(2023, 11, 1))
        last = engine.history(case.id)[-1].entry
        assert (last.event, last.to_state) == ("lapsed", "lapsed")
        expired = last.at.isoformat(" ", "microseconds")
        assert _rows(sqlite_path, case.id) == [("unit", "U1", expired)]
        assert engine.verify() > 0
