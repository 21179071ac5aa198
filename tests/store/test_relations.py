"""The keys index: key rows replaced with the case, lookups, a cohort's members, children."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from policyflow.errors import InvalidInput
from policyflow.runtime.relations import LookupHit, LookupQuery
from policyflow.store import cases, relations
from policyflow.store.database import Database
from policyflow.store.tables import KEY_VALUE_LENGTH

RECORDED = datetime(2026, 12, 7, 9)
DAY = datetime(2026, 3, 1, 9)


def _case(
    connection,
    case_id: str,
    *,
    process_id: str = "nomination",
    state: str = "submitted",
    started_at: datetime = DAY,
    parent_id: str | None = None,
    data: dict | None = None,
) -> None:
    cases.put_definition(connection, process_id, "v1", "{}", stored_at=RECORDED)
    cases.insert_case(
        connection,
        {
            "id": case_id,
            "process_id": process_id,
            "process_version": "v1",
            "state": state,
            "previous_state": None,
            "data": json.dumps(data or {}, sort_keys=True),
            "parent_id": parent_id,
            "version": 1,
            "overdue": False,
            "started_at": started_at,
            "updated_at": started_at,
            "created_at": RECORDED,
            "modified_at": RECORDED,
            "last_hash": "0" * 64,
        },
    )


def _keys(database: Database, case_id: str) -> list[tuple[str, str, str, str]]:
    with database.read() as connection:
        rows = connection.execute(
            text(
                "SELECT process_id, name, value, entered_at FROM case_keys "
                "WHERE case_id = :id ORDER BY name, value"
            ),
            {"id": case_id},
        )
        return [tuple(row) for row in rows]


def test_keys_are_replaced_when_they_change(database):
    with database.write() as connection:
        _case(connection, "n1")
        relations.write_keys(
            connection, "n1", "nomination", [("unit", "U1"), ("person", "p1")], DAY
        )
    assert _keys(database, "n1") == [
        ("nomination", "person", "p1", "2026-03-01 09:00:00.000000"),
        ("nomination", "unit", "U1", "2026-03-01 09:00:00.000000"),
    ]
    later = DAY + timedelta(days=3)
    with database.write() as connection:
        # a pair given twice is one row; the old pairs are gone
        relations.write_keys(
            connection,
            "n1",
            "nomination",
            [("unit", "U2"), ("unit", "U2"), ("@cohort", "r1")],
            later,
        )
    assert _keys(database, "n1") == [
        ("nomination", "@cohort", "r1", "2026-03-04 09:00:00.000000"),
        ("nomination", "unit", "U2", "2026-03-04 09:00:00.000000"),
    ]
    with database.write() as connection:
        relations.write_keys(connection, "n1", "nomination", [], later)
    assert _keys(database, "n1") == []


@pytest.mark.parametrize("length", [KEY_VALUE_LENGTH, KEY_VALUE_LENGTH + 1])
def test_a_key_value_longer_than_its_column_is_refused_and_nothing_changes(database, length):
    with database.write() as connection:
        _case(connection, "n1")
        relations.write_keys(connection, "n1", "nomination", [("unit", "U1")], DAY)
    value = "x" * length
    if length <= KEY_VALUE_LENGTH:
        with database.write() as connection:
            relations.write_keys(connection, "n1", "nomination", [("unit", value)], DAY)
        assert [row[2] for row in _keys(database, "n1")] == [value]
        return
    refused = r"key 'unit' of case n1 has a value of 201 characters"
    with pytest.raises(InvalidInput, match=refused), database.write() as connection:
        relations.write_keys(connection, "n1", "nomination", [("unit", value)], DAY)
    assert [row[2] for row in _keys(database, "n1")] == ["U1"]


def _population(database: Database) -> None:
    """Five cases of `discipline` keyed by person, one of another process."""
    rows = [
        # id, state, entered, person keys, data
        ("d1", "closed", DAY, ["p1"], {"banned_until": "2030-01-01", "note": "a"}),
        ("d2", "closed", DAY + timedelta(days=1), ["p1", "p2"], {"banned_until": "2031-01-01"}),
        ("d3", "open", DAY, ["p1"], {"banned_until": None}),
        ("d4", "closed", DAY, ["p3"], {}),
        ("d0", "closed", DAY, ["p1"], {}),  # ties with d1 on entered: id decides
    ]
    with database.write() as connection:
        for case_id, state, entered, persons, data in rows:
            _case(connection, case_id, process_id="discipline", state=state, data=data)
            keys = [("person", p) for p in persons] + [("unit", "U" + case_id[-1])]
            relations.write_keys(connection, case_id, "discipline", keys, entered)
        _case(connection, "x1", process_id="other")
        relations.write_keys(connection, "x1", "other", [("person", "p1")], DAY)


def _ids(database: Database, query: LookupQuery) -> list[str]:
    with database.read() as connection:
        return [hit.case_id for hit in relations.lookup(connection, query)]


def test_a_lookup_finds_the_cases_sharing_a_value_in_entered_then_id_order(database):
    _population(database)
    query = LookupQuery("discipline", (("person", ("p1",)),))
    assert _ids(database, query) == ["d0", "d1", "d3", "d2"]
    assert _ids(database, query._replace(match=(("person", ("p2", "p3")),))) == ["d4", "d2"]
    # a value matched twice (p1 and p2 of d2) gives one hit
    assert _ids(database, query._replace(match=(("person", ("p1", "p2", "p1")),))) == [
        "d0",
        "d1",
        "d3",
        "d2",
    ]
    assert _ids(database, query._replace(match=(("person", ("p9",)),))) == []
    assert _ids(database, query._replace(match=(("person", ()),))) == []
    assert _ids(database, query._replace(match=())) == []
    assert _ids(database, query._replace(process_id="other")) == ["x1"]


def test_every_match_pair_must_share_a_value(database):
    _population(database)
    both = LookupQuery("discipline", (("person", ("p1",)), ("unit", ("U1", "U2"))))
    assert _ids(database, both) == ["d1", "d2"]
    assert _ids(database, both._replace(match=(("person", ("p1",)), ("unit", ("U4",))))) == []
    assert _ids(database, both._replace(match=(("person", ("p1",)), ("unit", ())))) == []


def test_states_and_exclude_narrow_a_lookup(database):
    _population(database)
    query = LookupQuery("discipline", (("person", ("p1",)),), states=("closed",))
    assert _ids(database, query) == ["d0", "d1", "d2"]
    assert _ids(database, query._replace(states=("open", "closed"))) == ["d0", "d1", "d3", "d2"]
    assert _ids(database, query._replace(states=("withdrawn",))) == []
    assert _ids(database, query._replace(exclude="d1")) == ["d0", "d2"]


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        (DAY + timedelta(days=1) - timedelta(microseconds=1), ["d2"]),  # below: included
        (DAY + timedelta(days=1), ["d2"]),  # exactly when d2 entered: included
        (DAY + timedelta(days=1, microseconds=1), []),  # above: left out
        (DAY, ["d0", "d1", "d2"]),
    ],
)
def test_since_includes_a_case_that_entered_exactly_then(database, since, expected):
    _population(database)
    query = LookupQuery("discipline", (("person", ("p1",)),), states=("closed",), since=since)
    assert _ids(database, query) == expected


def test_a_hit_carries_its_state_entered_instant_and_the_fields_read(database):
    _population(database)
    query = LookupQuery(
        "discipline", (("person", ("p2",)),), read=("banned_until", "missing", "note")
    )
    with database.read() as connection:
        assert relations.lookup(connection, query) == [
            LookupHit("d2", "closed", DAY + timedelta(days=1), {"banned_until": "2031-01-01"})
        ]
        plain = relations.lookup(connection, query._replace(read=()))
    assert plain == [LookupHit("d2", "closed", DAY + timedelta(days=1), {})]
    # a field stored as null (an unset optional field) is left out, as a missing one
    open_query = LookupQuery("discipline", (("person", ("p1",)),), states=("open",))
    with database.read() as connection:
        [unset] = relations.lookup(connection, open_query._replace(read=("banned_until",)))
    assert (unset.case_id, unset.fields) == ("d3", {})


def test_members_are_the_cases_keyed_to_the_cohort_in_start_order(database):
    with database.write() as connection:
        _case(connection, "round", process_id="round")
        for case_id, started in [("m2", DAY), ("m1", DAY), ("m0", DAY + timedelta(hours=1))]:
            _case(connection, case_id, started_at=started)
            relations.write_keys(connection, case_id, "nomination", [("@cohort", "round")], DAY)
        _case(connection, "elsewhere")
        relations.write_keys(connection, "elsewhere", "nomination", [("@cohort", "other")], DAY)
        _case(connection, "other-process", process_id="vetting")
        relations.write_keys(connection, "other-process", "vetting", [("@cohort", "round")], DAY)
        _case(connection, "not-a-cohort-key")
        relations.write_keys(connection, "not-a-cohort-key", "nomination", [("unit", "round")], DAY)
    with database.read() as connection:
        assert relations.members_of(connection, "round", "nomination") == ["m1", "m2", "m0"]
        assert relations.members_of(connection, "round", "vetting") == ["other-process"]
        assert relations.members_of(connection, "nobody", "nomination") == []


def test_children_are_the_cases_a_case_started_of_a_process_in_start_order(database):
    with database.write() as connection:
        _case(connection, "p", process_id="round")
        _case(connection, "c2", parent_id="p")
        _case(connection, "c1", parent_id="p")
        _case(connection, "c0", parent_id="p", started_at=DAY + timedelta(seconds=1))
        _case(connection, "v", parent_id="p", process_id="vetting")
        _case(connection, "orphan")
    with database.read() as connection:
        assert relations.children_of(connection, "p", "nomination") == ["c1", "c2", "c0"]
        assert relations.children_of(connection, "p", "vetting") == ["v"]
        assert relations.children_of(connection, "c1", "nomination") == []


@pytest.mark.parametrize(
    "query",
    [
        LookupQuery("discipline", (("person", ("p1",)),)),
        LookupQuery(
            "discipline",
            (("person", ("p1", "p2")), ("unit", ("U1",))),
            states=("closed",),
            since=DAY,
            exclude="d1",
            read=("banned_until",),
        ),
    ],
)
def test_a_lookup_reads_through_the_keys_index_never_a_scan(database, query):
    """SQLite's plan: case_keys by (process, name, value), the rest by primary key.

    A plan that scans a table would make the cost grow with the cases stored
    (benchmarks/bench_lookup.py measures it flat).
    """
    _population(database)
    statement = relations.lookup_statement("sqlite", query)
    assert statement is not None
    sql, parameters = statement
    with database.read() as connection:
        plan = [
            row[-1]
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(parameters))
        ]
    joined = "\n".join(plan)
    assert "ix_case_keys_process_name_value" in joined, joined
    for step in plan:
        assert not (step.startswith("SCAN") and "case_keys" in step), joined
        assert not step.startswith("SCAN cases"), joined


def test_members_and_children_read_through_indexes(database):
    _population(database)
    with database.read() as connection:
        members = [
            row[-1]
            for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + relations._members_sql("sqlite"), ("nomination", "r")
            )
        ]
        children = [
            row[-1]
            for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + relations._children_sql("sqlite"), ("p", "nomination")
            )
        ]
    assert any("ix_case_keys_process_name_value" in step for step in members), members
    assert any("ix_cases_parent_id" in step for step in children), children
    assert not any(step.startswith("SCAN") for step in members + children), members + children


@pytest.mark.postgres
def test_keys_lookups_members_and_children_on_postgres(postgres_url):
    database = Database(postgres_url)
    _population(database)
    with database.write() as connection:
        _case(connection, "m1", parent_id="d1")
        relations.write_keys(connection, "m1", "nomination", [("@cohort", "d1")], DAY)
    query = LookupQuery(
        "discipline",
        (("person", ("p1",)),),
        states=("closed",),
        since=DAY + timedelta(days=1),
        read=("banned_until",),
    )
    with database.read() as connection:
        assert relations.lookup(connection, query) == [
            LookupHit("d2", "closed", DAY + timedelta(days=1), {"banned_until": "2031-01-01"})
        ]
        assert _ids(database, query._replace(since=None, exclude="d1")) == ["d0", "d2"]
        assert relations.members_of(connection, "d1", "nomination") == ["m1"]
        assert relations.children_of(connection, "d1", "nomination") == ["m1"]
    database.dispose()


def test_a_cohorts_due_members_are_read_through_the_keys_index(database):
    """SQLite's plan: case_keys by (process, name, value), each member's timers by key."""
    _population(database)
    sql = relations._due_members_sql("sqlite", 2, 1)
    with database.read() as connection:
        plan = [
            row[-1]
            for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql, ("nomination", "other", "r", "armed", "2024-01-01")
            )
        ]
    assert any("ix_case_keys_process_name_value" in step for step in plan), plan
    assert any("timers" in step and "(case_id=?" in step for step in plan), plan
    assert not any(step.startswith("SCAN") for step in plan), plan


def test_a_lookup_at_an_instant_reads_each_hits_timers_by_primary_key(database):
    """With `until`, each candidate's due timers are read by (case, position), never by the
    range of ix_timers_due (status, expires_at, ...): that range is every due timer in the
    store, read again for each candidate (SQLite chose it for `status = ?`)."""
    _population(database)
    query = LookupQuery(
        "discipline",
        (("person", ("p1",)),),
        states=("closed",),
        since=DAY,
        read=("banned_until",),
        until=DAY + timedelta(days=30),
    )
    sql, parameters = relations.lookup_statement("sqlite", query)
    with database.read() as connection:
        plan = [
            row[-1]
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(parameters))
        ]
    timers = [step for step in plan if "timers" in step]
    assert timers and all("sqlite_autoindex_timers_1 (case_id=?)" in s for s in timers), plan
    assert "ix_case_keys_process_name_value" in "\n".join(plan), plan
