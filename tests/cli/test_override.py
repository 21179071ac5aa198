"""`policyflow case fire --override GUARD=REASON`: a soft rule passed from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ETHICS = Path(__file__).parents[1] / "fixtures" / "processes" / "ethics-review.yaml"


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policyflow", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.fixture
def case(sqlite_path: Path) -> str:
    done = run(
        "case", "start", str(ETHICS), "--data", '{"age": 64}', "--at", "2024-03-01T09:00",
        "--id", "E-1", db=sqlite_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return "E-1"


def test_a_refused_soft_guard_exits_3_saying_how_to_pass_it(case, sqlite_path):
    done = run("case", "fire", case, "review_started", "--at", "2024-03-02", db=sqlite_path)
    assert done.returncode == 3
    assert "--override within_age_limit=REASON" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "override",
    ["quorum_present=reason", "no_such_guard=reason", "within_age_limit", "=reason"],
)
def test_a_bad_override_exits_2_and_changes_nothing(case, sqlite_path, override):
    done = run(
        "case", "fire", case, "review_started", "--at", "2024-03-02", "--override", override,
        db=sqlite_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    shown = json.loads(run("case", "show", case, "--json", db=sqlite_path).stdout)
    assert shown["version"] == 1 and shown["state"] == "submitted"


def test_override_passes_the_rule_and_show_marks_the_act(case, sqlite_path):
    reason = "retired professor [bold]rare[/bold] expertise"  # markup stays text
    done = run(
        "case", "fire", case, "review_started", "--at", "2024-03-02",
        "--override", f"within_age_limit={reason}", "--json", db=sqlite_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "reviewing"
    shown = json.loads(run("case", "show", case, "--json", db=sqlite_path).stdout)
    assert shown["journal"][1]["overrides"] == [{"guard": "within_age_limit", "reason": reason}]
    text = run("case", "show", case, db=sqlite_path).stdout
    assert f"passed soft rule within_age_limit: {reason}" in " ".join(text.split())
    assert run("verify", db=sqlite_path).returncode == 0
