"""`policyflow worker`: a real process on a real SQLite file, its signals, logs and metrics.

The cases: the tiny permit, started 2023-09-28 and accepted 2023-10-09, so its decision
limit (20 working days) is due at 2023-11-07 00:00 and fires ``deemed_granted``; the
worker's clock is the wall clock (2026 or later), so every one is due at its first sweep.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from policyflow.engine import Engine
from policyflow.engine import tick as sweep
from policyflow.engine.worker import Metrics, StructuredLog, Worker

POLICYFLOW = Path(sys.executable).parent / "policyflow"
WORKER = (str(POLICYFLOW), "worker", "--db")
SUBMITTED = datetime(2023, 9, 28, 10)
ACCEPTED = datetime(2023, 10, 9, 10)


def _fill(url: str | Path, tiny_path: Path, count: int, *, accept: bool = True) -> list[str]:
    with Engine(url) as engine:
        ids = [
            engine.start(tiny_path, {"applicant": f"甲{i}"}, at=SUBMITTED).id for i in range(count)
        ]
        if accept:
            for case_id in ids:
                engine.fire(case_id, "accepted", at=ACCEPTED)
    return ids


def _worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(POLICYFLOW), "worker", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _close(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        child.kill()
        child.wait()
    for stream in (child.stdout, child.stderr):
        if stream is not None:
            stream.close()


def _until(child: subprocess.Popen[str], event: str, seen: list[dict[str, Any]]) -> dict[str, Any]:
    """Read JSON log lines until one with `event`; keep every line read in `seen`."""
    assert child.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        record = json.loads(line)
        seen.append(record)
        if record["event"] == event:
            return record
    raise AssertionError(
        f"no {event!r} line; read {seen}, stderr {child.stderr.read() if child.stderr else ''}"
    )


def _scrape(address: str) -> dict[str, float]:
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode("utf-8")
    return {
        name: float(value)
        for name, value in (line.rsplit(" ", 1) for line in text.splitlines() if line[:1] != "#")
    }


def test_a_worker_sweeps_serves_metrics_and_exits_0_on_sigterm(sqlite_path, tiny_path):
    ids = _fill(sqlite_path, tiny_path, 5)
    child = _worker("--db", str(sqlite_path), "--interval", "0.2", "--log-json",
                    "--metrics-port", "0")  # fmt: skip
    seen: list[dict[str, Any]] = []
    try:
        started = _until(child, "started", seen)
        assert started["durability"] == "normal" and started["interval"] == 0.2
        first = _until(child, "sweep", seen)
        assert (first["fired"], first["overdue"], first["refused"]) == (5, 0, 0)
        assert first["lag_seconds"] == 0
        expired = [r for r in seen if r["event"] == "deadline_expired"]
        assert sorted(r["case"] for r in expired) == sorted(ids)
        assert {(r["deadline"], r["case_event"], r["state"]) for r in expired} == {
            ("decision_limit", "deemed_granted", "granted")
        }
        second = _until(child, "sweep", seen)  # the schedule goes on; nothing more is due
        assert second["fired"] == 0
        metrics = _scrape(started["metrics"])
        assert metrics['policyflow_worker_timers_fired_total{action="fired"}'] == 5
        assert metrics["policyflow_worker_sweeps_total"] >= 2
        assert metrics["policyflow_worker_pages_total"] == 1  # one page held the 5 timers
        assert metrics["policyflow_worker_errors_total"] == 0
        assert metrics["policyflow_worker_lag_seconds"] == 0
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == 0
        rest = [
            json.loads(line) for line in (child.stdout.read() if child.stdout else "").splitlines()
        ]
        assert [r["event"] for r in rest][-2:] == ["stopping", "stopped"]
        assert rest[-2]["signal"] == "SIGTERM"
    finally:
        _close(child)
    with Engine(sqlite_path) as engine:
        assert {engine.get(case_id).state for case_id in ids} == {"granted"}
        assert engine.verify() == 5 * 3


def test_sigint_stops_it_too_and_a_second_worker_on_sqlite_is_refused(sqlite_path, tiny_path):
    _fill(sqlite_path, tiny_path, 1)
    child = _worker("--db", str(sqlite_path), "--interval", "30", "--log-json")
    seen: list[dict[str, Any]] = []
    try:
        _until(child, "sweep", seen)
        second = subprocess.run(
            [str(POLICYFLOW), "worker", "--db", str(sqlite_path), "--once"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert second.returncode == 6
        assert f"another worker is sweeping {sqlite_path} (pid {child.pid}" in second.stderr
        child.send_signal(signal.SIGINT)  # it is waiting out its 30 s interval: it wakes
        assert child.wait(timeout=30) == 0
    finally:
        _close(child)
    # the lock went with the process: a new worker may run
    again = subprocess.run(
        [str(POLICYFLOW), "worker", "--db", str(sqlite_path), "--once"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr


LAPSE = """
id: lapse
title: {zh: 答复期限, en: Reply limit}
events:
  - {id: lapsed, zh: 逾期, en: Lapsed}
states:
  - {id: waiting, zh: 等待答复, en: Waiting, initial: true, basis: 行政许可法 第三十二条}
  - {id: retained, zh: 留存, en: Retained, basis: 行政许可法 第三十二条}
transitions:
  - {id: lapse, zh: 逾期, en: Lapse, event: lapsed, from: waiting, to: retained,
     basis: 行政许可法 第三十二条}
deadlines:
  - {id: reply_limit, zh: 答复期限, en: Reply limit, period: 五个工作日,
     start_on: {enter: waiting}, on_expiry: {fire: lapsed}, basis: 行政许可法 第三十二条}
  - {id: retention, zh: 留存期限, en: Retention, period: 一年,
     start_on: {enter: retained}, basis: 行政许可法 第三十二条}
"""


def test_once_sweeps_and_a_case_that_cannot_expire_is_reported_not_fatal(tmp_path):
    """The late case's retention would end in 2027+ (unpublished): refused, retried.

    Its reply limit, started Wednesday 2026-11-25, was due 2026-12-02: past by the wall
    clock; the retention its expiry starts (one year) ends in a year no notice publishes.
    """
    (tmp_path / "lapse.yaml").write_text(LAPSE, encoding="utf-8")
    database = tmp_path / "cases.db"
    with Engine(database, processes=tmp_path) as engine:
        late = engine.start("lapse", {}, at=datetime(2026, 11, 25, 10))
        early = engine.start("lapse", {}, at=datetime(2023, 10, 9, 10))
    for _ in range(2):  # each run reports it again: it is retried, never dropped
        done = subprocess.run(
            [str(POLICYFLOW), "worker", "--db", str(database), "--once", "--log-json"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        records = [json.loads(line) for line in done.stdout.splitlines()]
        [refused] = [r for r in records if r["event"] == "case_refused"]
        assert refused["case"] == late.id and "2027" in refused["reason"]
        [summary] = [r for r in records if r["event"] == "sweep"]
        assert summary["refused"] == 1 and summary["lag_seconds"] > 0
        assert records[-1] == {**records[-1], "event": "stopped", "reason": "once"}
    with Engine(database, processes=tmp_path) as engine:
        assert engine.get(early.id).state == "retained" and engine.get(late.id).version == 1


def test_plain_log_lines_are_key_value(sqlite_path, tiny_path):
    _fill(sqlite_path, tiny_path, 1)
    done = subprocess.run(
        [str(POLICYFLOW), "worker", "--db", str(sqlite_path), "--once"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [sweep_line] = [line for line in done.stdout.splitlines() if " info sweep " in line]
    assert " fired=1 overdue=0 refused=0 " in sweep_line


def test_a_stop_between_pages_commits_whole_pages_only(sqlite_path, tiny_path, monkeypatch):
    """Stopped after its first page: that page is written whole, the rest left due."""
    monkeypatch.setattr(sweep, "PAGE", 3)
    ids = _fill(sqlite_path, tiny_path, 7)
    lines: list[str] = []

    class Lines:
        def write(self, text: str) -> None:
            lines.append(text)

        def flush(self) -> None:
            pass

    with Engine(sqlite_path) as engine:
        runner = Worker(engine, interval=60, log=StructuredLog(Lines()), metrics=Metrics())  # type: ignore[arg-type]
        original = runner.metrics.add

        def add(**counts: float) -> None:
            original(**counts)
            if counts.get("pages"):
                runner.stop()  # as SIGTERM would, while the first page is being finished

        runner.metrics.add = add  # type: ignore[method-assign]
        assert runner.run() == 0
        assert runner.metrics.pages == 1 and runner.metrics.fired == 3
        states = [engine.get(case_id).state for case_id in ids]
        assert states.count("granted") == 3 and states.count("review") == 4
        assert engine.verify() == 3 * 3 + 4 * 2
        # the next worker takes the rest
        assert Worker(engine, interval=60, log=StructuredLog(Lines())).run(once=True) == 0  # type: ignore[arg-type]
        assert {engine.get(case_id).state for case_id in ids} == {"granted"}


@pytest.mark.postgres
def test_two_workers_on_postgresql_fire_5000_timers_exactly_once(postgres_url, tiny_path, tmp_path):
    """Each case's acceptance limit (overdue only) is marked once, by one of the two.

    The logs go to files: 5,000 lines would fill a pipe nobody reads while waiting.
    """
    ids = _fill(postgres_url, tiny_path, 5000, accept=False)
    logs = [tmp_path / f"worker-{n}.log" for n in range(2)]
    workers = []
    for log in logs:
        with log.open("w", encoding="utf-8") as out:
            workers.append(
                subprocess.Popen(
                    [*WORKER, postgres_url, "--interval", "0.5", "--log-json"],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
    try:
        with Engine(postgres_url) as engine:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                with engine.database.read() as connection:
                    marked = connection.exec_driver_sql(
                        "SELECT count(*) FROM timers WHERE status = 'overdue'"
                    ).scalar()
                if marked == len(ids):
                    break
                time.sleep(0.5)
        for child in workers:
            child.send_signal(signal.SIGTERM)
        for child in workers:
            assert child.wait(timeout=60) == 0
    finally:
        for child in workers:
            _close(child)
    records = [
        [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] for log in logs
    ]
    assert [r[-1]["event"] for r in records] == ["stopped", "stopped"]
    expired = [[r for r in mine if r["event"] == "deadline_expired"] for mine in records]
    cases = sorted(r["case"] for mine in expired for r in mine)
    assert cases == sorted(ids)  # every timer once: none twice, none left
    print(f"expired by each worker: {[len(mine) for mine in expired]}")
    with Engine(postgres_url) as engine:
        assert len(engine.cases(overdue=True)) == 5000
        assert engine.verify() == 5000 * 2  # each: its start and one expiry, nothing half-written
