"""`policyflow due` and `policyflow demo`, run as the real console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

POLICYFLOW = Path(sys.executable).parent / "policyflow"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(POLICYFLOW), *args], capture_output=True, text=True, check=False, timeout=60
    )


def test_due_json_has_due_and_provisional():
    """--json prints one object with the ISO due date and the provisional flag."""
    out = run("due", "2023-09-28", "十五个工作日", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["due"] == "2023-10-25" and data["provisional"] is False
    assert data["period"] == "15wd" and data["start"] == "2023-09-28"


def test_due_with_suspension_extension_and_explanation_as_json():
    """--suspend and --extend apply; --explain adds the days to the JSON."""
    out = run(
        "due",
        "2023-09-25",
        "15wd",
        "--suspend",
        "2023-09-27:2023-10-03",
        "--suspend",
        "2023-10-01:2023-10-09",
        "--extend",
        "1wd",
        "--explain",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    # 9-25 + 15wd with 9-27..10-09 suspended = 10-27 (see test_tolling); + 1wd = 10-30 (Mon).
    assert data["due"] == "2023-10-30"
    assert data["suspensions"] == ["2023-09-27:2023-10-09"]
    assert data["explanation"]["counted"] == 16


def test_due_no_rollover_and_before():
    """--no-rollover keeps the holiday; --before counts back (30wd before 2023-10-31 = 9-13)."""
    rolled = json.loads(run("due", "2026-09-16", "15d", "--json").stdout)
    assert rolled["due"] == "2026-10-08" and rolled["rolled_over_from"] == "2026-10-01"
    kept = json.loads(run("due", "2026-09-16", "15d", "--no-rollover", "--json").stdout)
    assert kept["due"] == "2026-10-01"
    before = json.loads(run("due", "--before", "2023-10-31", "30wd", "--json").stdout)
    assert before["due"] == "2023-09-13" and before["direction"] == "before"


def test_due_rich_output_explains():
    """Without --json it prints the due date, weekday, the table and the legal basis."""
    out = run("due", "2023-09-28", "15wd", "--explain")
    assert out.returncode == 0, out.stderr
    assert "2023-10-25 (星期三)" in out.stdout
    assert "中秋节" in out.stdout and "调休上班" in out.stdout
    assert "民法典 第二百零一条" in out.stdout


def test_provisional_flag_and_calendar_file(tmp_path):
    """2027 needs --provisional or --calendar; results say which."""
    provisional = json.loads(run("due", "2026-12-20", "15wd", "--provisional", "--json").stdout)
    assert provisional == provisional | {"due": "2027-01-11", "provisional": True}
    calendar = tmp_path / "2027.txt"
    calendar.write_text(
        "year 2027 official test notice\n2027-01-01 statutory_holiday 元旦\n", encoding="utf-8"
    )
    official = json.loads(
        run("due", "2026-12-20", "15wd", "--calendar", str(calendar), "--json").stdout
    )
    assert official["due"] == "2027-01-11" and official["provisional"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2023-02-30", "15wd"), "error: invalid start date '2023-02-30': day is out of range"),
        (("2023-09-28", "15wdx"), "error: invalid period '15wdx': expected a number and a unit"),
        (("2023-09-28", "-5d"), "error: invalid period '-5d': a period cannot be negative"),
        (
            ("2023-09-28", "30d", "--suspend", "2023-10-10:2023-10-01"),
            "error: invalid interval 2023-10-10:2023-10-01: it ends before it starts",
        ),
        (("2026-12-20", "15wd"), "error: no official holiday schedule for 2027"),
        (("2003-06-01", "15wd"), "error: no official holiday schedule for 2003"),
        (("2023-09-28",), "error: expected START PERIOD, got 1 argument(s)"),
        (("--before", "2023-10-31", "2023-09-01", "30wd"), "error: expected PERIOD (with --before"),
        (
            ("2023-09-28", "15wd", "--calendar", "/nonexistent/cal.txt"),
            "error: cannot read calendar file '/nonexistent/cal.txt'",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    """Every user mistake exits 2 with one line on stderr, never a traceback."""
    out = run("due", *args)
    assert out.returncode == 2
    assert out.stderr.startswith(message), out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert out.stdout == ""


def test_bad_calendar_file_line_is_named(tmp_path):
    """A malformed calendar file exits 2 naming file:line."""
    bad = tmp_path / "bad.txt"
    bad.write_text("year 2027 official x\n2027-01-01 holiday 元旦\n", encoding="utf-8")
    out = run("due", "2026-12-20", "15wd", "--calendar", str(bad))
    assert out.returncode == 2
    assert out.stderr.startswith(f"error: {bad}:2: unknown day kind 'holiday'")


def test_demo_walks_through_real_due_dates():
    """`policyflow demo --dates --json` lists the worked examples with hand-checked due dates."""
    out = run("demo", "--dates", "--json")
    assert out.returncode == 0, out.stderr
    dues = [item["due"] for item in json.loads(out.stdout)]
    # 9-28 + 15wd = 10-25; 3-01 + 90d = 5-30, + 12 suspended days = 6-11 (Sun) → 6-12;
    # 30wd before 10-31 = 9-13; 1-19 + 5wd = 1-31; 9-16 + 15d = 10-01 → 10-07 (make-up Saturday).
    assert dues == ["2023-10-25", "2023-06-12", "2023-09-13", "2023-01-31", "2023-10-07"]
    rich = run("demo", "--dates")
    assert rich.returncode == 0 and "第二百零三条" in rich.stdout


def test_python_dash_m_runs_the_cli():
    """`python -m policyflow due` works like the console script."""
    out = subprocess.run(
        [sys.executable, "-m", "policyflow", "due", "2023-09-28", "15wd", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert out.returncode == 0 and json.loads(out.stdout)["due"] == "2023-10-25"
