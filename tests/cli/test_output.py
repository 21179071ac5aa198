"""Output for pipes and files: tables whole, --json on every command, errors as one line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer

from policyflow.store.database import Database

LONG_ID = "科罚〔2023〕第0001号-a-case-number-much-wider-than-its-column"


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


def test_case_list_piped_shows_every_id_whole(tmp_path):
    """`policyflow case list | cat`: a long case id is printed whole, on one line."""
    db = str(tmp_path / "cases.db")
    start = ["case", "start", "most-penalty", "--id", LONG_ID, "--at", "2023-08-01T10:00"]
    assert run(*start, "--data", '{"clue_source": "report"}', "--db", db).returncode == 0
    done = run("case", "list", "--db", db, COLUMNS="40")
    assert done.returncode == 0, done.stderr
    assert f"│ {LONG_ID} │" in done.stdout
    assert "clue_registered" in done.stdout and "…" not in done.stdout


def test_panels_and_rules_stay_a_page_wide_in_a_pipe(tmp_path):
    """The demo's rules and panels do not stretch to the width given to tables."""
    done = run("demo", "--db", str(tmp_path / "demo.db"))
    assert done.returncode == 0, done.stderr
    rules = [line for line in done.stdout.splitlines() if line.startswith(("───", "╭", "╰"))]
    assert rules and all(len(line) <= 100 for line in rules)


def _commands(group: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf command of a (typer) command group, by its full name: 'case show'."""
    found: dict[str, Any] = {}
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found.update(_commands(command, f"{prefix}{name} "))
        else:
            found[f"{prefix}{name}"] = command
    return found


def test_every_command_takes_json():
    """`--json` on every command, `diagram` and `schema` included."""
    from policyflow.cli import _register, app

    _register()
    commands = _commands(typer.main.get_command(app))
    assert {"diagram", "schema", "due", "case show", "simulate"} <= set(commands)
    without = [
        name
        for name, command in commands.items()
        if not any("--json" in param.opts for param in command.params)
    ]
    assert without == []


def test_diagram_json_holds_the_drawing_and_what_it_is(tmp_path):
    """diagram --json: the process, its version, the format and the text; with -o, the file."""
    done = run("diagram", "most-penalty", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["process"] == "most-penalty" and data["format"] == "mermaid"
    assert "```mermaid\nstateDiagram-v2" in data["text"]
    target = tmp_path / "penalty.bpmn"
    done = run("diagram", "most-penalty", "-f", "bpmn", "-o", str(target), "--json")
    assert json.loads(done.stdout)["written"] == str(target) and target.is_file()


def test_diagram_check_json_says_whether_the_folder_is_current(tmp_path):
    """diagram --check --json: one object, `current` false and the problems; exit 1."""
    done = run("diagram", "--check", "--dir", str(tmp_path / "empty"), "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["current"] is False and report["problems"]


def test_schema_json_is_the_schema_and_with_output_says_what_it_wrote(tmp_path):
    """schema --json prints the schema (one JSON object); with -o, {"written": FILE}."""
    done = run("schema", "--json")
    assert done.returncode == 0, done.stderr
    assert "$defs" in json.loads(done.stdout) or "properties" in json.loads(done.stdout)
    target = tmp_path / "schema.json"
    done = run("schema", "-o", str(target), "--json")
    assert json.loads(done.stdout) == {"written": str(target)}
    assert json.loads(target.read_text(encoding="utf-8"))


def test_an_error_with_json_is_one_line_of_json_on_stderr(tmp_path):
    """With --json an error is its facts as JSON (kind, message, attributes, exit code)."""
    Database(tmp_path / "c.db").dispose()  # an empty database: `case show` only reads
    done = run("case", "show", "no-such-case", "--db", str(tmp_path / "c.db"), "--json")
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    facts = json.loads(line)
    assert facts["error"] == "UnknownCase" and facts["exit_code"] == 2
    assert "no-such-case" in facts["message"]


def test_case_show_diagram_is_a_fenced_mermaid_block(tmp_path):
    """`case show ID --diagram > case.md` gives a valid fenced block and nothing else."""
    db = str(tmp_path / "cases.db")
    data = '{"clue_source": "report"}'
    start = ("case", "start", "most-penalty", "--id", "c1", "--data", data, "--at", "2023-08-01")
    assert run(*start, "--db", db).returncode == 0
    done = run("case", "show", "c1", "--diagram", "--db", db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("```mermaid\nstateDiagram-v2\n")
    assert done.stdout.endswith("\n```\n") and done.stdout.count("```") == 2
    assert "class clue_registered current" in done.stdout
    data = json.loads(run("case", "show", "c1", "--diagram", "--json", "--db", db).stdout)
    assert data["mermaid"].startswith("stateDiagram-v2")
