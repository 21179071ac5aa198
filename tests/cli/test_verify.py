"""`policyflow verify`: a tampered database exits 5 with one line naming the case."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

TINY = Path(__file__).parents[1] / "engine" / "processes" / "tiny-permit.yaml"


def run(
    *args: str, db: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command line on `db`, with `env` added to the environment (no key unless given)."""
    environment = {k: v for k, v in os.environ.items() if k != "POLICYFLOW_HMAC_KEY"}
    return subprocess.run(
        [sys.executable, "-m", "policyflow", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**environment, **(env or {})},
    )


@pytest.fixture
def case_id(sqlite_path: Path) -> str:
    """A tiny-permit case, accepted (its decision limit running)."""
    started = run(
        "case", "start", str(TINY), "--data", '{"applicant": "甲"}', "--at", "2023-10-09 09:00",
        "--json", db=sqlite_path,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    identifier = str(json.loads(started.stdout)["id"])
    fired = run("case", "fire", identifier, "accepted", "--at", "2023-10-09 10:00", db=sqlite_path)
    assert fired.returncode == 0, fired.stderr
    return identifier


def test_an_edited_timer_exits_5_naming_the_case_and_the_column(sqlite_path, case_id):
    """A decision limit moved by hand: exit 5, one line with the case, timer and column."""
    assert run("verify", db=sqlite_path).returncode == 0
    with sqlite3.connect(sqlite_path) as connection:
        connection.execute("UPDATE timers SET due = '2024-01-31' WHERE deadline = 'decision_limit'")
    connection.close()
    done = run("verify", db=sqlite_path)
    assert done.returncode == 5
    [line] = done.stderr.strip().splitlines()
    assert case_id in line and "decision_limit" in line and "due" in line


def test_anchor_is_written_then_checked(sqlite_path, case_id, tmp_path):
    """The first run writes FILE, the second checks it; a vanished case exits 5."""
    anchor = tmp_path / "anchor.json"
    written = run("verify", "--anchor", str(anchor), db=sqlite_path)
    assert written.returncode == 0, written.stderr
    assert "written" in written.stdout and anchor.is_file()
    checked = run("verify", "--anchor", str(anchor), "--json", db=sqlite_path)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["anchor_action"] == "checked"
    with sqlite3.connect(sqlite_path) as connection:
        for table, column in (("timers", "case_id"), ("journal", "case_id"), ("ledger", "case_id")):
            connection.execute(f"DELETE FROM {table} WHERE {column} = ?", (case_id,))
        connection.execute("DELETE FROM cases WHERE id = ?", (case_id,))
    connection.close()
    done = run("verify", "--anchor", str(anchor), db=sqlite_path)
    assert done.returncode == 5
    assert case_id in done.stderr and "vanished" in done.stderr


def test_a_case_counted_provisionally_verifies_with_provisional(sqlite_path):
    """A deadline in a year not yet published replays only on the same calendar."""
    started = run(
        "case", "start", str(TINY), "--data", '{"applicant": "甲"}', "--at", "2026-12-28 09:00",
        "--provisional", db=sqlite_path,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    refused = run("verify", db=sqlite_path)
    assert refused.returncode == 2 and "2027" in refused.stderr
    assert run("verify", "--provisional", db=sqlite_path).returncode == 0


def test_the_hmac_key_comes_from_the_environment(sqlite_path, case_id, tmp_path):
    """POLICYFLOW_HMAC_KEY keys the anchor; checking without it exits 2."""
    anchor = tmp_path / "anchor.json"
    keyed = {"POLICYFLOW_HMAC_KEY": "secret"}
    assert run("verify", "--anchor", str(anchor), db=sqlite_path, env=keyed).returncode == 0
    assert json.loads(anchor.read_text(encoding="utf-8"))["keyed"] is True
    assert run("verify", "--anchor", str(anchor), db=sqlite_path, env=keyed).returncode == 0
    unkeyed = run("verify", "--anchor", str(anchor), db=sqlite_path)
    assert unkeyed.returncode == 2 and "POLICYFLOW_HMAC_KEY" in unkeyed.stderr
