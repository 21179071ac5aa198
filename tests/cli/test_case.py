"""`policyflow case …`, `tick`, `verify`, `export`: the real command line on a real database.

Dates as in tests/engine/test_engine.py, counted by hand on the 2023 schedule: from
2023-09-28 the five-working-day acceptance limit ends 2023-10-11; from 2023-10-09 the
twenty-working-day decision limit ends 2023-11-06.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

TINY = Path(__file__).parents[1] / "engine" / "processes" / "tiny-permit.yaml"


def run(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the command line on `db`, with `env` added to the environment."""
    return subprocess.run(
        [sys.executable, "-m", "policyflow", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200", **env},  # a wide terminal: cells do not wrap
    )


def run_json(*args: str, db: Path) -> object:
    done = run(*args, "--json", db=db)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def started(sqlite_path: Path) -> dict:
    data = run_json(
        "case",
        "start",
        str(TINY),
        "--data",
        '{"applicant": "甲公司"}',
        "--at",
        "2023-09-28T10:00",
        "--actor",
        "applicant",
        db=sqlite_path,
    )
    assert isinstance(data, dict)
    return data


def test_start_prints_id_state_version_and_timers(started):
    """start --json is one object: id, state, version and the timers with due and status."""
    assert started["state"] == "submitted" and started["version"] == 1
    [timer] = started["timers"]
    assert {k: timer[k] for k in ("deadline", "due", "status")} == {
        "deadline": "acceptance_limit",
        "due": "2023-10-11",
        "status": "armed",
    }


def test_fire_then_show_gives_the_journal_and_working_days_left(started, sqlite_path):
    """fire moves the case; show adds the journal and working days left of running deadlines."""
    fired = run_json(
        "case", "fire", started["id"], "accepted", "--at", "2023-10-09T10:00", db=sqlite_path
    )
    assert (fired["state"], fired["version"]) == ("review", 2)
    shown = run_json("case", "show", started["id"], "--now", "2023-10-30", db=sqlite_path)
    assert [e["event"] for e in shown["journal"]] == ["start", "accepted"]
    assert shown["journal"][1]["from"] == "submitted"
    [running] = shown["running"]
    # From Monday 30 October (not counted) to 6 November: 31 Oct, 1–3 Nov, 6 Nov = 5.
    assert (running["deadline"], running["due"], running["working_days_left"]) == (
        "decision_limit",
        "2023-11-06",
        5,
    )
    assert running["basis"] == "行政许可法 第四十二条"
    text = run("case", "show", started["id"], "--now", "2023-10-30", db=sqlite_path)
    assert text.returncode == 0
    assert "decision_limit" in text.stdout and "2023-11-06" in text.stdout
    assert "行政许可法 第四十二条" in text.stdout


def test_a_refused_transition_exits_3_with_one_line(started, sqlite_path):
    """An event not allowed in the state: exit 3, one line naming the rule, no traceback."""
    done = run("case", "fire", started["id"], "decided", "--at", "2023-10-09", db=sqlite_path)
    assert done.returncode == 3
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "decided" in lines[0] and "submitted" in lines[0]
    assert "Traceback" not in done.stderr


def test_bad_json_data_exits_2_without_traceback(sqlite_path):
    """Malformed --data is an input error: exit 2, one line, nothing written."""
    done = run("case", "start", str(TINY), "--data", "{applicant:", db=sqlite_path)
    assert done.returncode == 2
    assert "invalid JSON in case data" in done.stderr and "Traceback" not in done.stderr


def test_tick_list_verify_and_export(started, sqlite_path, tmp_path):
    """tick marks the overdue deadline; list --overdue finds it; verify and export work."""
    report = run_json("tick", "--now", "2023-10-12", db=sqlite_path)
    assert report["overdue"] == 1 and report["actions"][0]["deadline"] == "acceptance_limit"
    listed = run_json("case", "list", "--overdue", db=sqlite_path)
    assert [c["id"] for c in listed] == [started["id"]]
    assert run_json("case", "list", "--state", "review", db=sqlite_path) == []
    assert run_json("verify", db=sqlite_path)["entries"] == 2
    written = run_json(
        "export", "--xes", str(tmp_path / "l.xes"), "--csv", str(tmp_path / "l.csv"), db=sqlite_path
    )
    assert len(written["written"]) == 2
    assert (tmp_path / "l.csv").read_text(encoding="utf-8").count("\n") == 3


def test_verify_exits_5_on_a_tampered_journal(started, sqlite_path):
    """A row edited behind the engine's back: verify exits 5 naming the case and entry."""
    with sqlite3.connect(sqlite_path) as connection:
        connection.execute("UPDATE journal SET actor = 'mallory'")
    done = run("verify", db=sqlite_path)
    assert done.returncode == 5
    assert f"case {started['id']} is broken at entry 1" in done.stderr


def test_show_diagram_draws_the_case_on_its_process(started, sqlite_path):
    """case show --diagram: Mermaid with the current state highlighted and the due date."""
    shown = run_json("case", "show", started["id"], "--diagram", db=sqlite_path)
    drawing = shown["mermaid"]
    assert drawing.startswith("stateDiagram-v2") or "stateDiagram-v2" in drawing
    assert "submitted" in drawing and "2023-10-11" in drawing
    plain = run_json("case", "show", started["id"], db=sqlite_path)
    assert "mermaid" not in plain
    text = run("case", "show", started["id"], "--diagram", db=sqlite_path)
    assert text.returncode == 0 and "stateDiagram-v2" in text.stdout


def _penalty_case_to_filing(db: Path) -> str:
    """A most-penalty case brought to the filing decision in December 2026."""
    case = run_json(
        "case", "start", "most-penalty", "--data", '{"clue_source": "report"}',
        "--at", "2026-12-02T10:00", db=db,
    )  # fmt: skip
    assert isinstance(case, dict)
    run_json(
        "case", "fire", case["id"], "filing_recommendation_submitted",
        "--data", '{"recommendation": "file"}', "--at", "2026-12-10T10:00", db=db,
    )  # fmt: skip
    return str(case["id"])


FILED = ("--data", '{"officers": 2}', "--at", "2026-12-11T10:00")


def test_a_deadline_into_an_unpublished_year_needs_a_calendar_choice(sqlite_path):
    """A case filed on 2026-12-11 has a 90-day limit ending 2027-03-11 (第五十一条), in a
    year whose holiday notice policyflow does not hold: the filing is refused with one line
    that names the two ways out, and nothing changes; --provisional files it, marking the
    due date provisional, and POLICYFLOW_PROVISIONAL=1 does the same for a whole shell."""
    case_id = _penalty_case_to_filing(sqlite_path)
    refused = run("case", "fire", case_id, "case_filed", *FILED, db=sqlite_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "no official holiday schedule for 2027" in refused.stderr
    assert "--calendar FILE" in refused.stderr and "--provisional" in refused.stderr
    unchanged = run_json("case", "show", case_id, db=sqlite_path)
    assert isinstance(unchanged, dict)
    assert (unchanged["state"], unchanged["version"]) == ("filing_decision_pending", 2)

    filed = run_json("case", "fire", case_id, "case_filed", *FILED, "--provisional", db=sqlite_path)
    assert isinstance(filed, dict) and filed["state"] == "investigating"
    [limit] = [t for t in filed["timers"] if t["deadline"] == "case_limit"]
    assert limit["due"] == "2027-03-11" and limit["provisional"] is True

    shown = run(
        "case", "show", case_id, "--now", "2027-03-10", "--json", db=sqlite_path,
        POLICYFLOW_PROVISIONAL="1",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    [running] = [d for d in json.loads(shown.stdout)["running"] if d["deadline"] == "case_limit"]
    assert running["provisional"] is True and running["working_days_left"] == 1


def test_a_calendar_file_supplies_the_unpublished_year(sqlite_path, tmp_path):
    """With the year's notice in a calendar file, the due date counts on it and is not
    provisional: a limit ending on a holiday the file declares rolls to the next working
    day (民法典 第二百零三条). tick takes the same file, from the environment."""
    notice = tmp_path / "2027.txt"
    notice.write_text(
        "year 2027 official a notice for the test\n2027-03-11 statutory_holiday 测试假日\n",
        encoding="utf-8",
    )
    case_id = _penalty_case_to_filing(sqlite_path)
    filed = run_json(
        "case", "fire", case_id, "case_filed", *FILED, "--calendar", str(notice), db=sqlite_path
    )
    assert isinstance(filed, dict)
    [limit] = [t for t in filed["timers"] if t["deadline"] == "case_limit"]
    assert limit["due"] == "2027-03-12" and limit["provisional"] is False
    # the limit's last day is 2027-03-12: not overdue at its end, overdue just after it
    for now, overdue in (("2027-03-12T23:59", 0), ("2027-03-13T00:00", 1)):
        ticked = run(
            "tick", "--now", now, "--json", db=sqlite_path, POLICYFLOW_CALENDAR=str(notice)
        )
        assert ticked.returncode == 0, ticked.stderr
        assert json.loads(ticked.stdout)["overdue"] == overdue, now
