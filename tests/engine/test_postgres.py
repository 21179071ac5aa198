"""The engine on a real PostgreSQL server: concurrent writers and concurrent tick workers."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from policyflow.engine import Engine
from policyflow.errors import ConcurrentUpdate

pytestmark = pytest.mark.postgres

SUBMITTED = datetime(2023, 9, 28, 10)
ACCEPTED = datetime(2023, 10, 9, 10)


def test_the_engine_runs_a_case_end_to_end_on_postgres(postgres_url, tiny_path):
    """start, fire, tick and verify behave on PostgreSQL as on SQLite."""
    with Engine(postgres_url) as engine:
        case = engine.start(tiny_path, {"applicant": "甲"}, at=SUBMITTED)
        engine.fire(case.id, "accepted", at=ACCEPTED)
        report = engine.tick(datetime(2023, 11, 7))  # decision_limit due 2023-11-06
        assert [a.event for a in report.fired] == ["deemed_granted"]
        assert engine.get(case.id).state == "granted"
        assert engine.verify() == 3


def test_of_several_racing_writers_exactly_one_wins(postgres_url, tiny_path):
    """Eight threads fire on version 1 at once: one commits, seven get ConcurrentUpdate."""
    with Engine(postgres_url) as setup:
        case = setup.start(tiny_path, {"applicant": "甲"}, at=SUBMITTED)
    engines = [Engine(postgres_url) for _ in range(8)]
    barrier = threading.Barrier(len(engines))
    outcomes: list[str] = []

    def write(engine: Engine) -> None:
        barrier.wait()
        try:
            engine.fire(case.id, "accepted", at=ACCEPTED, expected_version=1)
            outcomes.append("won")
        except ConcurrentUpdate:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]
    assert engines[0].get(case.id).version == 2
    assert len(engines[0].history(case.id)) == 2
    for engine in engines:
        engine.close()


def test_concurrent_tick_workers_fire_each_due_timer_once(postgres_url, tiny_path):
    """Four workers sweep 120 due cases together (SKIP LOCKED): 120 firings, no repeats."""
    with Engine(postgres_url) as setup:
        ids = []
        for number in range(120):
            case = setup.start(tiny_path, {"applicant": f"甲{number}"}, at=SUBMITTED)
            setup.fire(case.id, "accepted", at=ACCEPTED)
            ids.append(case.id)
    workers = [Engine(postgres_url) for _ in range(4)]
    barrier = threading.Barrier(len(workers))
    reports = []

    def sweep(engine: Engine) -> None:
        barrier.wait()
        reports.append(engine.tick(datetime(2023, 11, 7)))

    threads = [threading.Thread(target=sweep, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fired = [a.case_id for report in reports for a in report.fired]
    assert sorted(fired) == sorted(ids)  # each case exactly once, across all workers
    assert all(report.refused == () for report in reports)
    check = workers[0]
    for case_id in ids:
        events = [r.entry.event for r in check.history(case_id)]
        assert events == ["start", "accepted", "deemed_granted"]
    assert check.verify() == 3 * len(ids)
    assert check.tick(datetime(2023, 11, 8)).actions == ()
    for engine in workers:
        engine.close()
