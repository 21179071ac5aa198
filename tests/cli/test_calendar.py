"""`policyflow calendar show` and `calendar add`, run as the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from policyflow.engine import Engine
from policyflow.legaltime import china

POLICYFLOW = Path(sys.executable).parent / "policyflow"
NOTICE = Path(__file__).parents[1] / "fixtures" / "calendars" / "2027-notice.txt"
TINY = Path(__file__).parents[1] / "engine" / "processes" / "tiny-permit.yaml"


def run(*args: str, kept: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POLICYFLOW_CALENDARS": str(kept)}
    return subprocess.run(
        [str(POLICYFLOW), *args], capture_output=True, text=True, check=False, timeout=60, env=env
    )


def test_show_prints_days_off_and_makeup_days_with_the_notice(tmp_path):
    out = run("calendar", "show", "2026", "--json", kept=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["status"] == "official" and "2026年部分节假日安排的通知" in data["source"]
    assert {
        "date": "2026-01-02",
        "kind": "shifted_rest_day",
        "name": "休息日（由 2026-01-04 调休）",
    } in (data["days_off"])
    assert [d["date"] for d in data["makeup_workdays"]][:1] == ["2026-01-04"]
    text = run("calendar", "show", "2026", kept=tmp_path)
    assert "make-up working days:" in text.stdout and "2026-01-04 Sun 调休上班" in text.stdout


def test_show_of_a_year_not_published_says_how_to_add_it(tmp_path):
    out = run("calendar", "show", "2027", kept=tmp_path)
    assert out.returncode == 2 and "policyflow calendar add FILE" in out.stderr


def test_add_without_db_keeps_a_user_file_the_other_commands_count_on(tmp_path):
    kept = tmp_path / "kept"
    assert run("due", "2026-12-28", "五个工作日", kept=kept).returncode == 2
    out = run("calendar", "add", str(NOTICE), kept=kept)
    assert out.returncode == 0, out.stderr
    assert (kept / "2027.txt").is_file()
    due = run("due", "2026-12-28", "五个工作日", "--json", kept=kept)
    assert json.loads(due.stdout)["due"] == "2027-01-06"
    assert json.loads(run("calendar", "show", "2027", "--json", kept=kept).stdout)["status"] == (
        "official"
    )


def test_a_malformed_notice_exits_2_at_the_failing_line_and_changes_nothing(tmp_path):
    database = tmp_path / "cases.db"
    bad = tmp_path / "bad.txt"
    bad.write_text(
        NOTICE.read_text(encoding="utf-8").replace("2027-01-09 makeup", "2027-01-08 makeup"),
        encoding="utf-8",
    )
    out = run("calendar", "add", str(bad), "--db", str(database), kept=tmp_path / "kept")
    assert out.returncode == 2
    assert out.stderr.startswith(f"error: {bad}:6: 2027-01-08 is a weekday")
    assert not database.exists() and not (tmp_path / "kept").exists()


def test_add_with_db_recounts_and_reports(tmp_path):
    database = tmp_path / "cases.db"
    with Engine(database, calendar=china(provisional=True)) as engine:
        case = engine.start(TINY, {"applicant": "甲"}, at=datetime(2026, 12, 28, 10))
        limit = case.snapshot.running_timers[0]
    assert limit.provisional and limit.due is not None
    out = run(
        "calendar", "add", str(NOTICE), "--db", str(database), "--provisional", "--json",
        kept=tmp_path / "kept",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    [moved] = report["revised"][case.id]
    assert moved["from"] == limit.due.isoformat() and moved["to"] > moved["from"]
    with Engine(database, calendar=china(provisional=True)) as engine:
        after = engine.get(case.id).snapshot.running_timers[0]
        assert after.due == date.fromisoformat(moved["to"]) and not after.provisional
        assert engine.history(case.id)[-1].entry.event == "calendar_revised"
        assert engine.verify() == 2
    again = run("calendar", "add", str(NOTICE), "--db", str(database), kept=tmp_path / "kept")
    assert again.returncode == 2 and "already stored" in again.stderr
