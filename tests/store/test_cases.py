"""Cases and timers in the store: round trips, the optimistic lock, and due-timer queries."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import text
from store_builders import snapshot, three_steps, timer, write_case

from policyflow.errors import ConcurrentUpdate
from policyflow.runtime.snapshot import TimerStatus
from policyflow.store import cases, convert, fast, timers
from policyflow.store.convert import snapshot_from_rows
from policyflow.store.database import Database


def _load(database, case_id="c1"):
    with database.read() as connection:
        row = cases.find_case(connection, case_id)
        assert row is not None
        return snapshot_from_rows(
            row, cases.load_timers(connection, case_id), json.loads(row["data"])
        )


def test_a_snapshot_round_trips_through_cases_and_timers(database):
    """The case comes back equal to what was written, every timer field included."""
    steps = three_steps()
    write_case(database, steps)
    assert _load(database) == steps[-1][0]


def test_only_changed_timer_positions_are_written(database):
    """write_timers updates changed rows, inserts new ones, deletes dropped ones."""
    write_case(database, three_steps()[:1])
    old = (timer(),)
    new = (timer(), timer("x", due=date(2023, 11, 1)))
    with database.write() as connection:
        assert timers.write_timers(connection, "c1", old, new) == 1
        assert timers.write_timers(connection, "c1", new, new) == 0
        assert timers.write_timers(connection, "c1", new, (timer(status=TimerStatus.MET),)) == 2
        assert connection.execute(text("SELECT count(*) FROM timers")).scalar() == 1


def test_stale_version_raises_concurrent_update_and_changes_nothing(database):
    """UPDATE … WHERE version = ? matching no row is a ConcurrentUpdate; the case stays put."""
    write_case(database, three_steps()[:2])
    with (
        pytest.raises(ConcurrentUpdate, match="case c1 was changed by another writer"),
        database.write() as connection,
    ):
        cases.update_case(connection, "c1", 1, {"state": "hijacked", "version": 2})
    assert _load(database).state == "review"
    assert _load(database).version == 2


def test_a_case_needs_a_stored_definition(database):
    """The foreign key refuses a case whose definition was never stored."""
    from sqlalchemy.exc import IntegrityError

    from policyflow.store.convert import case_values

    values = case_values(
        snapshot("orphan"), data_json="{}", recorded_at=datetime(2023, 1, 1), last_hash="0" * 64
    )
    with pytest.raises(IntegrityError), database.write() as connection:
        cases.insert_case(connection, values)


def _due_case(database, case_id, due):
    write_case(database, [(snapshot(case_id, timers=[timer(due=due)]), three_steps()[0][1])])


def test_due_timers_include_the_instant_of_expiry_and_not_before(database):
    """A deadline due 2023-10-25 expires at 2023-10-26 00:00: due then, not a microsecond before."""
    _due_case(database, "c1", date(2023, 10, 25))
    with database.read() as connection:
        before = timers.due_timers(connection, datetime(2023, 10, 25, 23, 59, 59, 999999), limit=10)
        at = timers.due_timers(connection, datetime(2023, 10, 26), limit=10)
    assert before == []
    assert [(r["case_id"], r["deadline"]) for r in at] == [("c1", "reply")]


def _due_in_pages(database, now, *, limit):
    """The case ids of the due timers, read page after page as tick reads them."""
    seen = []
    after = None
    with database.read() as connection:
        while page := timers.due_timers(connection, now, limit=limit, after=after):
            seen += [r["case_id"] for r in page]
            after = timers.page_after(page[-1])
    return seen


def test_due_timers_page_in_expiry_order(database):
    """Pages follow the expiry instant, oldest first, without repeats."""
    for number, day in enumerate((3, 1, 2, 5)):
        _due_case(database, f"c{number}", date(2023, 10, day))
    seen = _due_in_pages(database, datetime(2023, 10, 5), limit=2)
    assert seen == ["c1", "c2", "c0"]  # due 1, 2, 3 October; the 5th expires on the 6th


def test_due_timers_of_the_same_instant_page_without_repeats_or_gaps(database):
    """A day's deadlines all expire at the same midnight: pages of 2 still give each once."""
    for number in range(5):
        _due_case(database, f"c{number}", date(2023, 10, 2))
    seen = _due_in_pages(database, datetime(2023, 10, 5), limit=2)
    assert sorted(seen) == [f"c{number}" for number in range(5)]


@pytest.mark.parametrize("paged", [False, True])
def test_due_timer_query_reads_the_index_not_the_table(database, paged):
    """tick's due query, first page and later ones, searches ix_timers_due."""
    sql = timers._due_sql("sqlite", paged)
    parameters = ["armed", "2023-10-05 00:00:00.000000"]
    if paged:
        parameters += ["2023-10-01 00:00:00.000000", "c1", 0]  # after (expires_at, case, position)
    with database.read() as connection:
        plan = " ".join(
            str(r[-1])
            for r in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (*parameters, 10))
        )
    assert "USING INDEX ix_timers_due" in plan
    assert "SCAN timers" not in plan
    assert "TEMP B-TREE" not in plan  # in the index's order: no sort of all due timers


def _plan_nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _plan_nodes(child)


@pytest.mark.postgres
def test_a_later_page_on_postgres_reads_on_from_the_last_row_not_every_due_timer(postgres_url):
    """300 timers due at one midnight: the page after the 100th reads 10 rows off the index.

    With the index on (status, expires_at) alone, each page read every due timer left and
    sorted them (a tick over N due timers read N²/page rows).
    """
    database = Database(postgres_url)
    for number in range(300):
        _due_case(database, f"c{number:03d}", date(2023, 10, 2))
    sql = timers._due_sql("postgresql", True).replace("%s", "{}")
    parameters = ("'armed'", "'2023-10-05'", "'2023-10-03'", "'c099'", "0", "10")
    with database.write() as connection:
        connection.exec_driver_sql("ANALYZE timers")
        for setting in ("enable_seqscan", "enable_sort", "enable_incremental_sort"):
            connection.exec_driver_sql(f"SET LOCAL {setting} = off")  # a plan without, if any
        (plan,) = connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {sql.format(*parameters)}"
        ).scalar_one()
        rows = connection.exec_driver_sql(sql.format(*parameters)).all()
    nodes = list(_plan_nodes(plan["Plan"]))
    assert [r[1] for r in rows] == [f"c{number:03d}" for number in range(100, 110)]
    assert not [n for n in nodes if "Sort" in n["Node Type"]], nodes
    (scan,) = [n for n in nodes if n.get("Relation Name") == "timers"]
    assert scan["Index Name"] == "ix_timers_due"
    assert scan["Actual Rows"] <= 10  # it stopped at the page's size
    database.dispose()


def test_overdue_timers_are_expired_armed_ones_and_overdue_ones(database):
    """overdue_timers lists armed timers past expiry and timers already marked overdue."""
    _due_case(database, "late", date(2023, 10, 1))
    _due_case(database, "future", date(2023, 12, 1))
    write_case(
        database,
        [(snapshot("marked", timers=[timer(status=TimerStatus.OVERDUE)]), three_steps()[0][1])],
    )
    with database.read() as connection:
        rows = timers.overdue_timers(connection, datetime(2023, 10, 10))
    assert sorted(r["case_id"] for r in rows) == ["late", "marked"]


@pytest.mark.parametrize(
    "change",
    [
        {"deadline": "other"},
        {"status": TimerStatus.MET},
        {"started_on": date(2023, 9, 29)},
        {"period": "20wd"},
        {"due": date(2023, 10, 26)},
        {"due": None, "remaining": 3, "status": TimerStatus.SUSPENDED},
        {"due_at": datetime(2023, 10, 25, 17)},
        {"suspensions": ((date(2023, 10, 1), None),)},
        {"extensions": ("5wd", "10d")},
        {"provisional": True},
        {"rollover": False},
    ],
)
def test_a_timer_update_writes_every_column_its_changed_fields_are_stored_in(database, change):
    """Only the changed columns are updated, derived ones included (expires_at, extensions_used)."""
    write_case(database, three_steps()[:1])
    old = timer()
    new = old._replace(**change)
    with database.write() as connection:
        assert timers.write_timers(connection, "c1", (old,), (new,)) == 1
    assert _load(database).timers == (new,)
    with database.read() as connection:
        row = connection.execute(
            text("SELECT expires_at, extensions_used FROM timers WHERE case_id = 'c1'")
        ).one()
    expires = None if new.expires_at is None else new.expires_at.isoformat(" ", "microseconds")
    assert tuple(row) == (expires, len(new.extensions))


def test_a_batch_with_one_stale_case_among_several_raises_and_writes_nothing(database):
    """Version-checked updates run together (executemany): one stale row fails them all."""
    write_case(database, three_steps("a")[:2])
    write_case(database, three_steps("b")[:2])
    batch = fast.Batch()
    cases.stage_update(batch, "sqlite", "a", 2, {"state": "granted", "version": 3})
    cases.stage_update(batch, "sqlite", "b", 1, {"state": "granted", "version": 3})
    assert len(batch) == 2
    with (
        pytest.raises(ConcurrentUpdate, match="1 of 2 cases were changed by another writer"),
        database.transaction() as transaction,
    ):
        batch.run(transaction)
    assert (_load(database, "a").state, _load(database, "b").state) == ("review", "review")


def test_a_timer_row_holds_the_timer_values_in_table_order():
    """timer_row (the hot path's tuple) and timer_values (by name) agree, column by column."""
    full = timer("x")._replace(
        due_at=datetime(2023, 10, 25, 17),
        remaining=4,
        suspensions=((date(2023, 10, 1), date(2023, 10, 3)),),
        provisional=True,
        rollover=False,
        label="2024年度",
    )
    for one in (timer(), full):
        values = convert.timer_values("c1", 3, one)
        assert values["label"] == one.label
        assert convert.timer_from_row(values) == one  # read back, label included
        assert convert.timer_row("c1", 3, one) == tuple(
            values[name] for name in fast.columns("timers")
        )
