"""A process killed mid-transaction loses nothing and leaves nothing half-written."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from policyflow.engine import Engine

HELPER = Path(__file__).parent / "kill_helper.py"


def _run_helper(url: str, mode: str, case_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HELPER), url, mode, case_id],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("mode", ["journal", "case"])
def test_killed_between_statements_leaves_the_case_as_before(sqlite_path, tiny_path, mode):
    """SIGKILL after the journal INSERT (or the case UPDATE), before COMMIT: nothing changed."""
    with Engine(sqlite_path) as engine:
        case = engine.start(tiny_path, {"applicant": "甲"}, at=datetime(2023, 9, 28, 10))
    done = _run_helper(str(sqlite_path), mode, case.id)
    assert done.returncode == -signal.SIGKILL, done.stderr
    with Engine(sqlite_path) as engine:
        assert engine.verify() == 1
        after = engine.get(case.id)
        assert (after.state, after.version) == ("submitted", 1)
        assert after.snapshot.timer("decision_limit") is None
        # and the case still moves on: the lost event can simply be fired again
        assert engine.fire(case.id, "accepted", at=datetime(2023, 10, 9, 10)).version == 2
        assert engine.verify() == 2


def test_killed_in_a_busy_loop_every_committed_case_is_whole(sqlite_path, tiny_path):
    """SIGKILL at a random moment of a write loop: each case is at the end of its journal."""
    Engine(sqlite_path).close()  # create the schema first, so the loop is all writes
    child = subprocess.Popen(
        [sys.executable, str(HELPER), str(sqlite_path), "loop", "k"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    committed = [child.stdout.readline().strip() for _ in range(20)]
    time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    with Engine(sqlite_path) as engine:
        engine.verify()
        cases = engine.cases()
        assert {c.id for c in cases} >= set(committed)
        for case in cases:
            history = engine.history(case.id)
            assert case.version == len(history) == history[-1].entry.sequence
            assert case.state == history[-1].entry.to_state
        for case_id in committed:
            assert engine.get(case_id).state == "review"
