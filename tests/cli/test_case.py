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


PENALTY_DATA = ("--data", '{"clue_source": "report"}')


def _served_penalty_case(db: Path) -> None:
    """Case 2023-001 of most-penalty, its notice served on Mon 2023-09-25 (as in README.md)."""
    start = ("case", "start", "most-penalty", "--id", "2023-001", *PENALTY_DATA)
    run_json(*start, "--at", "2023-08-01T10:00", db=db)
    items = '["party_info", "course_and_coercive_measures", "facts_and_evidence", '
    items += '"nature_and_consequence"]'
    for event, payload, at in (
        ("filing_recommendation_submitted", '{"recommendation": "file"}', "2023-08-01T15:00"),
        ("case_filed", '{"officers": 2}', "2023-08-15T10:00"),
        (
            "investigation_concluded",
            '{"disposition": "penalty", "report_items": ' + items + "}",
            "2023-09-08T10:00",
        ),
        (
            "penalty_notice_approved",
            '{"party_type": "legal_person", "proposed_fine": "1000000.00"}',
            "2023-09-08T15:00",
        ),
        ("notice_served", "{}", "2023-09-25T10:00"),
    ):
        run_json("case", "fire", "2023-001", event, "--data", payload, "--at", at, db=db)


def test_start_takes_a_case_id_and_refuses_it_twice(sqlite_path):
    """--id names the case (a case number); the same id again: exit 2, one line, nothing new."""
    start = ("case", "start", "most-penalty", "--id", "2023-001", *PENALTY_DATA)
    start += ("--at", "2023-08-01")
    first = run_json(*start, db=sqlite_path)
    assert isinstance(first, dict) and first["id"] == "2023-001"
    again = run(*start, db=sqlite_path)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert "a case '2023-001' already exists" in again.stderr
    listed = run_json("case", "list", db=sqlite_path)
    assert isinstance(listed, list) and len(listed) == 1


def test_show_lists_the_events_allowed_next_with_their_payload_fields(sqlite_path):
    """case show ends with each event leaving the state, its payload fields and its target."""
    start = ("case", "start", "most-penalty", "--id", "2023-001", *PENALTY_DATA)
    run_json(*start, "--at", "2023-08-01T10:00", db=sqlite_path)
    shown = run("case", "show", "2023-001", "--at", "2023-08-01T10:00", db=sqlite_path)
    assert shown.returncode == 0, shown.stderr
    assert (
        "  filing_recommendation_submitted {recommendation: file|not_file} "
        "→ filing_decision_pending"
    ) in shown.stdout
    data = run_json("case", "show", "2023-001", "--at", "2023-08-01T10:00", db=sqlite_path)
    assert isinstance(data, dict)
    allowed = {item["event"]: item for item in data["allowed"]}
    assert allowed["verification_extended"]["payload"] == [
        {
            "field": "is_clue_complex",
            "type": "bool",
            "items": None,
            "values": [],
            "required": True,
            "text": "is_clue_complex: bool",
        }
    ]
    assert allowed["filing_recommendation_submitted"]["to"] == "filing_decision_pending"


def test_show_at_an_instant_lists_the_expiries_due_and_what_is_allowed_after_them(sqlite_path):
    """第三十九条, 第四十二条: by 2023-10-09 both five-working-day windows have run out; show
    says so, lists the events of the state the expiries lead to, and changes nothing."""
    _served_penalty_case(sqlite_path)
    data = run_json("case", "show", "2023-001", "--at", "2023-10-09T10:00", db=sqlite_path)
    assert isinstance(data, dict)
    assert [(p["deadline"], p["at"], p["to"]) for p in data["pending"]] == [
        ("statement_window", "2023-10-09T00:00:00", "rights_window_open"),
        ("hearing_request_window", "2023-10-09T00:00:00", "post_notice_review"),
    ]
    events = {item["event"] for item in data["allowed"]}
    assert "opinion_to_legal_review" in events and "hearing_requested" not in events
    assert (data["state"], data["version"]) == ("rights_window_open", 6)  # nothing written
    before = run_json("case", "show", "2023-001", "--at", "2023-10-08T23:59", db=sqlite_path)
    assert isinstance(before, dict) and before["pending"] == []
    assert "hearing_requested" in {item["event"] for item in before["allowed"]}


def test_the_exit_code_rule_2_for_a_wrong_request_3_for_a_refusal_by_the_state(sqlite_path):
    """An unknown event or a payload that fails its fields: exit 2; not allowed here or a
    guard false: exit 3; each one line, nothing written."""
    start = ("case", "start", "most-penalty", "--id", "c", *PENALTY_DATA, "--at", "2023-08-01")
    run_json(*start, db=sqlite_path)
    at = ("--at", "2023-08-01T15:00")
    cases = [
        (("case_filled",), 2, "did you mean 'case_filed'"),
        (("filing_recommendation_submitted", "--data", '{"recommendation": "maybe"}'), 2, ""),
        (("case_filed", "--data", '{"officers": 2}'), 3, "no transition for 'case_filed'"),
        (("verification_extended", "--data", '{"is_clue_complex": false}'), 3, "judged"),
    ]
    for args, code, words in cases:
        done = run("case", "fire", "c", *args, *at, db=sqlite_path)
        assert done.returncode == code, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and words in done.stderr
    shown = run_json("case", "show", "c", db=sqlite_path)
    assert isinstance(shown, dict) and shown["version"] == 1
