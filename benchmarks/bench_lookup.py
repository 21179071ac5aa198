"""Benchmark the keys index on SQLite: a lookup's and a cohort's cost at 10k, 100k, 1M cases.

For each size N, an SQLite file made by the store's migrations is filled in bulk, straight
on the raw sqlite3 connection (one transaction, executemany; no journal): N cases of a
discipline process, each with three key rows — ``person`` (5 cases share each person),
``unit`` (N / 100 cases share each unit, so this key alone grows with N) and ``@cohort``
(1,000 members to a round) — and their ``entered_at`` instants spread over five years.
Then, on the store's own connection (:meth:`Database.transaction`, as the engine reads):

* ``lookup`` by person, states ``closed``, ``since`` a bound, reading one field
  (:func:`policyflow.store.relations.lookup`): 5 candidates, about 2 hits;
* ``lookup`` by person and unit (the second pair checked on each candidate's own rows);
* the first ``lookup`` as the runtime asks it, with ``until`` (a reading step's instant):
  each candidate's armed timers read by their primary key, a case with one due by then a
  hit whatever its state (each case has one armed timer; about a tenth are due);
* ``members_of`` one round: its 1,000 member ids, in start order.

Each is run over many random keys (seeded); the median and the 90th percentile wall-clock
µs per query are printed, with SQLite's virtual-machine steps per query (counted by a
progress handler called every step), which do not depend on the machine's load: flat
steps from 10k to 1M is the claim. The query plan of the lookup is printed once.

Usage: PYTHONPATH=src .venv/bin/python benchmarks/bench_lookup.py [--sizes 10000,100000,1000000]
    [--queries 2000]
Results go to docs/benchmarks.md (section "2026-12: cases that act together").
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from machine import describe

from policyflow.runtime.relations import LookupQuery
from policyflow.store import relations
from policyflow.store.database import Database
from policyflow.store.fast import Transaction

PROCESS = "bench-discipline"
VERSION = "v1"
FIRST = datetime(2020, 1, 1, 9)
SINCE = datetime(2022, 7, 1)  # about half the cases entered their state on or after it
PER_PERSON = 5
ROUND = 1_000
STATES = ("closed", "open", "closed", "withdrawn", "closed")
UNTIL = datetime(2024, 6, 1)  # about a tenth of the cases have a deadline due by then


def _at(n: int) -> str:
    """The stored text (as the store writes a datetime on SQLite) of case n's instant."""
    moment = FIRST + timedelta(minutes=(n * 7919) % (5 * 365 * 24 * 60))
    return moment.isoformat(" ") + ".000000"


def _expires(n: int) -> str:
    """Case n's armed deadline: one in ten expires before UNTIL, the others after it."""
    moment = UNTIL - timedelta(days=1 + n % 30) if n % 10 == 0 else UNTIL + timedelta(days=n % 90)
    return moment.isoformat(" ") + ".000000"


def fill(path: Path, total: int) -> float:
    """Create the file and bulk-insert `total` cases with their key rows; return seconds."""
    database = Database(path)
    began = time.perf_counter()
    proxy = database.engine.raw_connection()
    cursor = proxy.cursor()
    cursor.execute("BEGIN")
    cursor.execute(
        "INSERT INTO definitions (process_id, version, body, stored_at) VALUES (?, ?, ?, ?)",
        (PROCESS, VERSION, "{}", _at(0)),
    )
    insert_case = (
        "INSERT INTO cases (id, process_id, process_version, state, previous_state, data, "
        "parent_id, version, overdue, started_at, updated_at, created_at, modified_at, "
        "last_hash) VALUES (?, ?, ?, ?, NULL, ?, NULL, 1, 0, ?, ?, ?, ?, ?)"
    )
    insert_key = (
        "INSERT INTO case_keys (case_id, process_id, name, value, entered_at) "
        "VALUES (?, ?, ?, ?, ?)"
    )
    insert_timer = (
        "INSERT INTO timers (case_id, position, deadline, status, started_on, period, "
        "expires_at, suspensions, extensions, extensions_used, provisional, rollover) "
        "VALUES (?, 0, 'reply', 'armed', '2020-01-01', '10wd', ?, '[]', '[]', 0, 0, 0)"
    )
    units = max(1, total // 100)
    chunk = 100_000
    for first in range(0, total, chunk):
        numbers = range(first, min(first + chunk, total))
        cursor.executemany(
            insert_case,
            (
                (
                    f"c{n:07d}",
                    PROCESS,
                    VERSION,
                    STATES[n % len(STATES)],
                    json.dumps({"banned_until": "2030-01-01", "person": f"p{n // PER_PERSON}"}),
                    _at(n),
                    _at(n),
                    _at(n),
                    _at(n),
                    "0" * 64,
                )
                for n in numbers
            ),
        )
        cursor.executemany(
            insert_key,
            (
                (f"c{n:07d}", PROCESS, name, value, _at(n))
                for n in numbers
                for name, value in (
                    ("person", f"p{n // PER_PERSON}"),
                    ("unit", f"u{n % units}"),
                    (relations.COHORT_KEY, f"r{n // ROUND}"),
                )
            ),
        )
        cursor.executemany(insert_timer, ((f"c{n:07d}", _expires(n)) for n in numbers))
    cursor.execute("COMMIT")
    cursor.execute("ANALYZE")
    proxy.close()
    database.dispose()
    return time.perf_counter() - began


def measure(
    transaction: Transaction, run: Callable[[int], Any], keys: list[int]
) -> tuple[float, float, float, int]:
    """Median and p90 µs, mean VM steps per query, and the results' total size."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    for key in keys[:50]:  # warm the page cache and the statement cache
        run(key)
    timings: list[float] = []
    found = 0
    for key in keys:
        began = time.perf_counter()
        found += len(run(key))
        timings.append((time.perf_counter() - began) * 1e6)
    # the steps in a second pass: the handler, called at every step, would weigh on the times
    transaction.connection.set_progress_handler(count, 1)
    for key in keys:
        run(key)
    transaction.connection.set_progress_handler(None, 1)
    counted = steps[0]
    timings.sort()
    return (
        statistics.median(timings),
        timings[int(len(timings) * 0.9)],
        counted / len(keys),
        found,
    )


def bench(folder: Path, total: int, queries: int) -> None:
    path = folder / f"lookup-{total}.db"
    setup = fill(path, total)
    database = Database(path)
    persons = total // PER_PERSON
    units = max(1, total // 100)
    rng = random.Random(total)
    by_person = [rng.randrange(persons) for _ in range(queries)]
    rounds = [rng.randrange(max(1, total // ROUND)) for _ in range(max(50, queries // 20))]

    def lookup(person: int) -> list[Any]:
        query = LookupQuery(
            PROCESS,
            (("person", (f"p{person}",)),),
            states=("closed",),
            since=SINCE,
            exclude="c0000000",
            read=("banned_until",),
        )
        return relations.lookup(transaction, query)

    def lookup_until(person: int) -> list[Any]:
        query = LookupQuery(
            PROCESS,
            (("person", (f"p{person}",)),),
            states=("closed",),
            since=SINCE,
            exclude="c0000000",
            read=("banned_until",),
            until=UNTIL,
        )
        return relations.lookup(transaction, query)

    def lookup_two(person: int) -> list[Any]:
        first = person * PER_PERSON
        query = LookupQuery(
            PROCESS,
            (("person", (f"p{person}",)), ("unit", (f"u{first % units}", "u-none"))),
        )
        return relations.lookup(transaction, query)

    def members(number: int) -> list[str]:
        return relations.members_of(transaction, f"r{number}", PROCESS)

    with database.transaction() as transaction:
        if total == 10_000:
            statement = relations.lookup_statement(
                "sqlite", LookupQuery(PROCESS, (("person", ("p1",)),), since=SINCE)
            )
            assert statement is not None
            plan = transaction.cursor.execute(
                "EXPLAIN QUERY PLAN " + statement[0], statement[1]
            ).fetchall()
            print("plan: " + " | ".join(row[-1] for row in plan))
            statement = relations.lookup_statement(
                "sqlite", LookupQuery(PROCESS, (("person", ("p1",)),), since=SINCE, until=UNTIL)
            )
            assert statement is not None
            plan = transaction.cursor.execute(
                "EXPLAIN QUERY PLAN " + statement[0], statement[1]
            ).fetchall()
            print("plan with until: " + " | ".join(row[-1] for row in plan))
        results = {
            "lookup person, closed, since": measure(transaction, lookup, by_person),
            "lookup person, ... until": measure(transaction, lookup_until, by_person),
            "lookup person and unit": measure(transaction, lookup_two, by_person),
            f"members_of, {ROUND:,} members": measure(transaction, members, rounds),
        }
    for name, (median, p90, steps, found) in results.items():
        count = len(rounds) if name.startswith("members") else queries
        print(
            f"{total:>9,} cases  {name:<30} median {median:8.1f} µs  p90 {p90:8.1f} µs  "
            f"{steps:10,.0f} VM steps/query  {found / count:7.1f} rows/query"
        )
    print(f"{total:>9,} cases  setup {setup:.0f}s, file {path.stat().st_size / 1e6:,.0f} MB")
    database.dispose()
    path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",") if s):
            bench(Path(folder), size, args.queries)


if __name__ == "__main__":
    main()
