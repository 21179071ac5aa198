"""Output for pipes and files: tables whole; errors as one line, or one line of JSON."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path


def run(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """The command line with stdout a pipe, as in `policyflow … | cat`."""
    return subprocess.run(
        [sys.executable, "-m", "policyflow", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, **env},
    )


def test_processes_piped_shows_every_id_whole():
    """`policyflow processes | cat`: each built-in id on one line, nothing cut with '…'."""
    from policyflow.definition.catalog import catalog

    done = run("processes", COLUMNS="40")  # a narrow $COLUMNS says nothing about a pipe
    assert done.returncode == 0, done.stderr
    for entry in catalog():
        assert re.search(rf"│ {re.escape(entry.id)} +│", done.stdout), entry.id
    assert "…" not in done.stdout


def test_panels_and_rules_stay_a_page_wide_in_a_pipe(tmp_path):
    """The demo's rules and panels do not stretch to the width given to tables."""
    done = run("demo", "--db", str(tmp_path / "demo.db"))
    assert done.returncode == 0, done.stderr
    rules = [line for line in done.stdout.splitlines() if line.startswith(("───", "╭", "╰"))]
    assert rules and all(len(line) <= 100 for line in rules)


def test_an_error_with_json_is_one_line_of_json_on_stderr(tmp_path):
    """With --json an error is its facts as JSON (kind, message, attributes, exit code)."""
    done = run("case", "show", "no-such-case", "--db", str(tmp_path / "c.db"), "--json")
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    facts = json.loads(line)
    assert facts["error"] == "UnknownCase" and facts["exit_code"] == 2
    assert "no-such-case" in facts["message"]
