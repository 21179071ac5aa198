"""`policyflow processes`, `show`, `lint` and `schema`, run as the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

POLICYFLOW = Path(sys.executable).parent / "policyflow"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "processes"


def run(*args: str, width: int = 80) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(POLICYFLOW), *args],
        env={**os.environ, "COLUMNS": str(width)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_processes_json_lists_objects_with_id():
    """processes --json: a list of objects, each with id, title and counts."""
    out = run("processes", "--json")
    assert out.returncode == 0, out.stderr
    entries = json.loads(out.stdout)
    assert isinstance(entries, list)
    for entry in entries:
        assert {"id", "title", "states", "transitions", "deadlines", "sources"} <= set(entry)


def test_processes_table():
    """processes without --json draws a table (or says there are none yet)."""
    out = run("processes")
    assert out.returncode == 0 and (
        "built-in processes" in out.stdout or "no built-in processes" in out.stdout
    )


def test_show_json_has_guards_bases_and_deadline_units():
    """show --json: transitions with guards and bases, deadlines with period, unit and expiry."""
    out = run("show", str(FIXTURES / "permit.yaml"), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["id"] == "permit" and len(data["version"]) == 16
    expert = next(t for t in data["transitions"] if t["id"] == "expert_review_started")
    assert expert["guards"][0]["when"] == "budget >= 1000000"
    assert expert["guards"][0]["basis"] == "中华人民共和国行政许可法 第四十五条"
    deadlines = {d["id"]: d for d in data["deadlines"]}
    assert (deadlines["review_decision"]["amount"], deadlines["review_decision"]["unit"]) == (
        20,
        "wd",
    )
    assert deadlines["renewal_decision"]["on_expiry"] == {"fire": "renewal_deemed_granted"}
    assert deadlines["review_decision"]["extension"]["max_times"] == 1


def test_show_table_and_unknown_id():
    """show draws tables; an unknown id is one line and exit 2, no traceback."""
    out = run("show", str(FIXTURES / "permit.yaml"), width=300)
    assert out.returncode == 0 and "review_decision" in out.stdout
    bad = run("show", "no-such-process")
    assert bad.returncode == 2 and "unknown process 'no-such-process'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_show_broken_file_gives_position():
    """A broken process file: file:line:column, exit 2."""
    out = run("show", str(FIXTURES / "bad_unknown_state.yaml"))
    assert out.returncode == 2 and "bad_unknown_state.yaml:17:77:" in out.stderr


def test_lint_default_and_paths():
    """lint with no paths checks the built-ins and succeeds; a bad file fails with exit 1."""
    out = run("lint")
    assert out.returncode == 0, out.stderr
    bad = run("lint", str(FIXTURES / "bad_missing_basis.yaml"))
    assert bad.returncode == 1 and "has no legal basis" in bad.stderr
    data = json.loads(run("lint", "--json", str(FIXTURES / "bad_duplicate_id.yaml")).stdout)
    assert data["ok"] is False and data["problems"][0]["line"] == 17


def test_schema_command(tmp_path):
    """schema prints the JSON Schema; -o writes it."""
    out = run("schema")
    assert out.returncode == 0 and json.loads(out.stdout)["title"] == "Process"
    target = tmp_path / "s.json"
    assert run("schema", "-o", str(target)).returncode == 0
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(out.stdout)


def test_show_lists_the_deadlines_of_the_whole_family():
    """`show most-penalty --json` lists the child processes' deadlines, each with its basis."""
    out = subprocess.run(
        [sys.executable, "-m", "policyflow", "show", "most-penalty", "--json"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    children = {d["process"] for d in data["child_deadlines"]}
    # started as child cases (第五十二条 execution, 第二十八条 preservation, 第三十一条 seizure,
    # 第十六条 publication) and the family member started on its own (第七条 entrustment)
    expected = {"most-penalty.execution", "most-penalty.seizure", "most-penalty.entrustment"}
    assert expected <= children
    assert all(d["basis"].startswith("科学技术部令第20号") for d in data["child_deadlines"])


def test_show_lists_the_sub_fields_of_a_record_list():
    """show --json gives a record list's sub-fields; the table lists them beneath it."""
    meeting = str(Path(__file__).parents[1] / "fixtures" / "ethics_meeting.yaml")
    out = run("show", meeting, "--json")
    assert out.returncode == 0, out.stderr
    present = next(f for f in json.loads(out.stdout)["fields"] if f["id"] == "present")
    assert (present["type"], present["items"]) == ("list", "record")
    assert [s["id"] for s in present["fields"]] == [
        "member_id", "category", "gender", "external", "recused"
    ]  # fmt: skip
    assert present["text"].startswith("present?: list of record {member_id: str, category:")
    assert present["fields"][4] == {
        "id": "recused", "zh": "回避", "en": "Recused", "type": "bool", "items": None,
        "required": False, "text": "recused?: bool",
    }  # fmt: skip
    table = run("show", meeting, width=200)
    assert table.returncode == 0 and "  .recused?" in table.stdout
