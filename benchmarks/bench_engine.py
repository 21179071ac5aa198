"""Benchmark the persisted engine on SQLite: events per second, and tick at scale.

1. Persisted events/s: start cases and fire an event on each, every event in its own
   transaction with its journal row (hash-chained) and its timer changes. Beside it, in
   the same run, a raw-SQLite baseline: a loop on the sqlite3 connection itself, on a
   file of the same schema with the same pragmas (the engine's connection hooks), doing
   in one ``BEGIN IMMEDIATE`` … ``COMMIT`` per event exactly the writes one
   ``engine.fire(case, "accepted")`` does (case UPDATE, journal INSERT, timer UPDATE and
   INSERT), with prepared parameterised statements and values computed beforehand. It
   reads nothing, runs no runtime and does not compute the hash chain (each row's hash is
   a precomputed string). Before timing, one fire of each is traced and their statements
   are checked to be the same, literals aside.
2. tick over N open cases of which 10,000 are due, for N = 10k, 100k, 1M. The open cases
   are bulk-inserted straight into the store (cases and timers rows copied from one real
   case, encoded once; executemany on the raw sqlite3 connection, one transaction; no
   journal rows before the tick's own): about 50 s for 1M on the benchmark machine.

Usage: .venv/bin/python benchmarks/bench_engine.py [--events 3000] [--sizes 10000,100000,1000000]
Results go to docs/benchmarks.md (section "Persisted engine").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from machine import describe
from sqlalchemy import event

from policyflow.engine import Engine
from policyflow.store.convert import timer_values
from policyflow.store.tables import CASES, TIMERS

TINY = Path(__file__).resolve().parents[1] / "tests" / "engine" / "processes" / "tiny-permit.yaml"
SUBMITTED = datetime(2023, 9, 28, 10)
ACCEPTED = datetime(2023, 10, 9, 10)
DUE_AT = datetime(2023, 11, 7)  # decision_limit of a case accepted 2023-10-09 (20 wd)
DUE = 10_000


def bench_events(folder: Path, count: int) -> None:
    with Engine(folder / "events.db") as engine:
        warm = engine.start(TINY, {"applicant": "warm"}, at=SUBMITTED)
        engine.fire(warm.id, "accepted", at=ACCEPTED)
        began = time.perf_counter()
        ids = [engine.start(TINY, {"applicant": f"甲{i}"}, at=SUBMITTED).id for i in range(count)]
        started = time.perf_counter()
        cpu = time.process_time()
        for case_id in ids:
            engine.fire(case_id, "accepted", at=ACCEPTED)
        fired = time.perf_counter()
        cpu = time.process_time() - cpu
        engine.verify()
    # CPU time of this process only: on a shared machine, the rate the wall clock would
    # show if no other job took the core (SQLite's writes go to the page cache).
    rate, cpu_rate = count / (fired - started), count / cpu
    print(
        f"events: {count} starts in {started - began:.2f}s = {count / (started - began):,.0f}/s; "
        f"{count} fires in {fired - started:.2f}s = {rate:,.0f}/s "
        f"(CPU {cpu_rate:,.0f}/s); overall {2 * count / (fired - began):,.0f} events/s"
    )
    raw_rate, raw_cpu_rate = bench_raw_fire(folder, count)
    print(
        f"raw sqlite3, the writes of {count} fires: {raw_rate:,.0f}/s (CPU {raw_cpu_rate:,.0f}/s); "
        f"fire/raw = {rate / raw_rate:.3f} (CPU {cpu_rate / raw_cpu_rate:.3f})"
    )


# The writes of one engine.fire(case, "accepted") on tiny-permit, as store/fast.py runs
# them (cases.stage_update, journal.stage_append, timers.stage_timers): fixed SQL text,
# positional parameters, one row each.
UPDATE_CASE = (
    "UPDATE cases SET state = ?, {previous}data = ?, version = ?, overdue = ?, updated_at = ?, "
    "modified_at = ?, last_hash = ? WHERE id = ? AND version = ?"
)
JOURNAL_COLUMNS = (
    "case_id, sequence, event, from_state, to_state, at, recorded_at, actor, payload, basis, "
    "timer_changes, automatic, {overrides}prev_hash, hash"
)
UPDATE_TIMER = "UPDATE timers SET status = ? WHERE case_id = ? AND position = ?"
TIMER_COLUMNS = (
    "case_id, position, deadline, status, started_on, period, due, due_at, expires_at, "
    "suspensions, extensions, extensions_used, remaining, provisional, rollover{label}"
)


def fire_sql(raw: sqlite3.Connection) -> tuple[str, str, str, str]:
    """The case UPDATE, journal column list, journal INSERT and timer INSERT of one fire.

    With the columns of the 2026-12 format (cases.previous_state, journal.overrides,
    journal.role, journal.reads, timers.label) when the schema has them, so that the same script
    measures a tree before them and one after them.
    """

    def has(table: str, column: str) -> bool:
        return any(row[1] == column for row in raw.execute(f"PRAGMA table_info({table})"))

    update = UPDATE_CASE.format(
        previous="previous_state = ?, " if has("cases", "previous_state") else ""
    )
    added = "".join(f"{c}, " for c in ("overrides", "role", "reads") if has("journal", c))
    journal = JOURNAL_COLUMNS.format(overrides=added)
    timer = TIMER_COLUMNS.format(label=", label" if has("timers", "label") else "")
    marks = {c: ", ".join("?" * (c.count(",") + 1)) for c in (journal, timer)}
    return (
        update,
        journal,
        f"INSERT INTO journal ({journal}) VALUES ({marks[journal]})",
        f"INSERT INTO timers ({timer}) VALUES ({marks[timer]})",
    )


LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|\bNULL\b")


def shape(statements: list[str]) -> list[str]:
    """The statements as traced, every literal (text, number, NULL) replaced by ``?``."""
    return [LITERAL.sub("?", sql) for sql in statements]


def bench_raw_fire(folder: Path, count: int) -> tuple[float, float]:
    """Rates (wall, CPU) of a raw sqlite3 loop writing what `count` fires write."""
    traced: list[str] = []
    tracing = [False]

    def trace(sql: str) -> None:
        if tracing[0]:
            traced.append(sql)

    with Engine(folder / "raw.db") as engine:
        # The engine's own connection is checked out of the pool on its first transaction.
        event.listen(
            engine.database.engine,
            "checkout",
            lambda connection, _record, _proxy: connection.set_trace_callback(trace),
        )
        warm = engine.start(TINY, {"applicant": "warm"}, at=SUBMITTED)
        tracing[0] = True
        engine.fire(warm.id, "accepted", at=ACCEPTED)
        tracing[0] = False
        engine_statements = shape(traced)
        ids = [
            engine.start(TINY, {"applicant": f"甲{i}"}, at=SUBMITTED).id for i in range(count + 1)
        ]
        # a plain sqlite3 connection made by the engine's pool: the same pragmas
        proxy = engine.database.engine.raw_connection()
        proxy.detach()
        raw: sqlite3.Connection = proxy.dbapi_connection
        raw.set_trace_callback(None)
        assert raw.isolation_level is None  # BEGIN and COMMIT are ours
        pragmas = {
            p: raw.execute(f"PRAGMA {p}").fetchone()[0]
            for p in ("journal_mode", "synchronous", "foreign_keys", "wal_autocheckpoint")
        }
        found = (pragmas["journal_mode"], pragmas["synchronous"], pragmas["foreign_keys"])
        assert found == ("wal", 1, 1), pragmas  # WAL, NORMAL, foreign keys on
        update_case, journal_columns, insert_journal, insert_timer = fire_sql(raw)
        timer_columns = insert_timer[len("INSERT INTO timers (") : insert_timer.index(")")]
        # The rows the engine wrote for the warm case: the templates of every raw row.
        journal = list(
            raw.execute(
                f"SELECT {journal_columns} FROM journal WHERE case_id = ? AND sequence = 2",
                (warm.id,),
            ).fetchone()
        )
        timer = list(
            raw.execute(
                f"SELECT {timer_columns} FROM timers WHERE case_id = ? AND position = 1",
                (warm.id,),
            ).fetchone()
        )
        last_hash = dict(raw.execute("SELECT id, last_hash FROM cases").fetchall())
        # the state the fire leaves, where the schema keeps it (previous_state)
        left = ("submitted",) if "previous_state" in update_case else ()
        recorded = datetime.now().isoformat(" ", "microseconds")  # the wall clock, once
        at = ACCEPTED.isoformat(" ") + ".000000"

        def rows(i: int, case_id: str) -> tuple[tuple[object, ...], ...]:
            data = json.dumps(
                {"applicant": f"甲{i}", "is_complete": True},
                ensure_ascii=False,
                separators=(",", ":"),
            )
            digest = hashlib.sha256(f"{case_id}:2".encode()).hexdigest()  # not our chain
            entry = journal.copy()
            entry[0], entry[6], entry[-2], entry[-1] = case_id, recorded, last_hash[case_id], digest
            armed = timer.copy()
            armed[0] = case_id
            return (
                ("review", *left, data, 2, 0, at, recorded, digest, case_id, 1),
                tuple(entry),
                ("met", case_id, 0),
                tuple(armed),
            )

        values = [rows(i, case_id) for i, case_id in enumerate(ids)]
        cursor = raw.cursor()

        def write(case: tuple[tuple[object, ...], ...]) -> None:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute(update_case, case[0])
            if cursor.rowcount != 1:  # the engine's version check
                raise RuntimeError("case changed")
            cursor.execute(insert_journal, case[1])
            cursor.execute(UPDATE_TIMER, case[2])
            cursor.execute(insert_timer, case[3])
            raw.commit()

        traced.clear()
        raw.set_trace_callback(traced.append)
        write(values[0])
        raw.set_trace_callback(None)
        assert shape(traced) == engine_statements, (shape(traced), engine_statements)
        began = time.perf_counter()
        cpu = time.process_time()
        for case in values[1:]:
            write(case)
        elapsed = time.perf_counter() - began
        cpu = time.process_time() - cpu
        raw.close()
    return count / elapsed, count / cpu


def bench_tick(folder: Path, total: int) -> None:
    path = folder / f"tick-{total}.db"
    engine = Engine(path)
    template = engine.start(TINY, {"applicant": "模板"}, at=SUBMITTED, case_id="template")
    template = engine.fire(template.id, "accepted", at=ACCEPTED)
    with engine.database.read() as connection:
        case_row = dict(connection.execute(CASES.select()).mappings().one())
    later = template.snapshot.timers[1]
    began = time.perf_counter()
    raw = engine.database.engine.raw_connection()
    cursor = raw.cursor()
    case_columns = list(case_row)
    timer_columns = [c.name for c in TIMERS.columns]
    insert_case = (
        f"INSERT INTO cases ({', '.join(case_columns)}) "
        f"VALUES ({', '.join('?' * len(case_columns))})"
    )
    insert_timer = (
        f"INSERT INTO timers ({', '.join(timer_columns)}) "
        f"VALUES ({', '.join('?' * len(timer_columns))})"
    )
    not_due = later._replace(due=later.due + timedelta(days=235))  # 2024-06-28
    timer_rows = {
        True: [timer_values("", i, t) for i, t in enumerate(template.snapshot.timers)],
        False: [timer_values("", 0, template.snapshot.timers[0]), timer_values("", 1, not_due)],
    }

    def encode(value: object) -> object:  # as SQLAlchemy stores them on SQLite
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, bool):
            return int(value)
        return value.isoformat() if hasattr(value, "isoformat") else value

    # Each row encoded once; the bulk rows differ from it only in their case id.
    case_template = [encode(case_row[c]) for c in case_columns]
    case_at = case_columns.index("id")
    timer_templates = {
        due: [[encode(values[c]) for c in timer_columns] for values in rows]
        for due, rows in timer_rows.items()
    }
    timer_at = timer_columns.index("case_id")

    def with_id(template: list[object], at: int, case_id: str) -> tuple[object, ...]:
        row = template.copy()
        row[at] = case_id
        return tuple(row)

    chunk = 100_000
    cursor.execute("BEGIN")
    for first in range(1, total, chunk):
        numbers = range(first, min(first + chunk, total))
        cursor.executemany(
            insert_case, (with_id(case_template, case_at, f"c{n:07d}") for n in numbers)
        )
        cursor.executemany(
            insert_timer,
            (
                with_id(template, timer_at, f"c{n:07d}")
                for n in numbers
                for template in timer_templates[n <= DUE - 1]
            ),
        )
    cursor.execute("COMMIT")
    cursor.execute("ANALYZE")
    raw.close()
    setup = time.perf_counter() - began
    engine.close()
    engine = Engine(path)
    began = time.perf_counter()
    cpu = time.process_time()
    report = engine.tick(DUE_AT)
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu
    assert len(report.fired) == DUE, len(report.fired)
    again = time.perf_counter()
    assert engine.tick(DUE_AT).actions == ()
    empty = time.perf_counter() - again
    print(
        f"tick: {total:>9,} open cases, {len(report.fired):,} due: {elapsed:.2f}s "
        f"({len(report.fired) / elapsed:,.0f} fired/s; CPU {cpu:.2f}s); "
        f"second tick {empty * 1000:.0f} ms; "
        f"setup {setup:.0f}s, file {path.stat().st_size / 1e6:,.0f} MB"
    )
    engine.close()
    path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory() as folder:
        bench_events(Path(folder), args.events)
        for size in (int(s) for s in args.sizes.split(",") if s):
            bench_tick(Path(folder), size)


if __name__ == "__main__":
    main()
