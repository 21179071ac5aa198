"""`policyflow simulate`: the real console script, its files, JSON and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

FIXTURES = Path(__file__).parent / "fixtures"
PROCESS = str(FIXTURES / "notice.yaml")
SCENARIO = str(FIXTURES / "notice.scenario.yaml")
CLI = str(Path(sys.executable).with_name("policyflow"))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, "simulate", *args], capture_output=True, text=True, timeout=120)


def test_simulate_writes_tables_and_prints_a_summary(tmp_path):
    """--out, --xes and --json: the files hold the cases and the summary counts them."""
    out, xes = tmp_path / "cases.parquet", tmp_path / "log.xes"
    done = _run(
        PROCESS,
        "--scenario",
        SCENARIO,
        "--cases",
        "60",
        "--seed",
        "4",
        "--start",
        "2023-10-09",
        "--out",
        str(out),
        "--xes",
        str(xes),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["cases"] == 60 and summary["process"] == "notice"
    assert summary["first_arrival"] >= "2023-10-09"
    assert sum(row["cases"] for row in summary["outcomes"]) == 60
    assert {row["deadline"] for row in summary["deadlines"]} == {"case_limit", "statement_window"}
    cases = pd.read_parquet(out)
    assert len(cases) == 60 and cases["arrived_at"].min() >= pd.Timestamp("2023-10-09")
    text = xes.read_text(encoding="utf-8")
    assert text.count("<trace>") == 60 and "rights_window_closed" in text


def test_simulate_prints_rich_tables(tmp_path):
    """Without --json: the summary tables of outcomes and deadlines."""
    done = _run(PROCESS, "--scenario", SCENARIO, "--cases", "30", "--out", str(tmp_path / "c.csv"))
    assert done.returncode == 0, done.stderr
    assert "Outcomes" in done.stdout and "Deadlines" in done.stdout and "case_limit" in done.stdout
    assert (tmp_path / "c.csv").exists()


def test_user_mistakes_exit_2_with_one_line(tmp_path):
    """A bad --out suffix, scenario, --start, count, seed or worker count: exit 2, one line.

    No traceback, and no progress bar: nothing was simulated.
    """
    bad = tmp_path / "bad.scenario.yaml"
    bad.write_text("arrivals: {count: 0}\n", encoding="utf-8")
    for args, expected in (
        (("--out", str(tmp_path / "cases.xlsx")), "expected a .csv or .parquet file name"),
        (("--scenario", str(bad)), "bad.scenario.yaml:1:12: arrivals.count"),
        (("--start", "2023-02-30"), "invalid --start '2023-02-30'"),
        (("--cases", "0"), "invalid case count 0: expected 1 to 1,000,000"),
        (("--seed", "-1"), "invalid seed -1"),
        (("--workers", "0"), "invalid worker count 0"),
        (("--calendar", str(tmp_path / "none.yaml")), "cannot read calendar file"),
    ):
        done = _run(PROCESS, "--cases", "5", *args)  # a repeated --cases: the last counts
        assert done.returncode == 2, (args, done.stderr)
        assert expected in done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert "simulating" not in done.stdout, (args, done.stdout)
    assert not (tmp_path / "cases.xlsx").exists()


def test_provisional_counts_past_the_published_calendar():
    """Cases arriving in December 2026 run into 2027, which no notice has published yet:
    they end beyond the calendar, unless --provisional counts 2027 by weekends and fixed
    statutory days."""
    common = (PROCESS, "--scenario", SCENARIO, "--cases", "40", "--start", "2026-12-01", "--json")
    official, provisional = _run(*common), _run(*common, "--provisional")
    assert official.returncode == 0 and provisional.returncode == 0, official.stderr
    beyond = {
        name: {row["outcome"]: row["cases"] for row in json.loads(done.stdout)["outcomes"]}.get(
            "beyond_calendar", 0
        )
        for name, done in (("official", official), ("provisional", provisional))
    }
    assert beyond["official"] > 0 and beyond["provisional"] == 0, beyond


def test_simulate_finds_a_users_child_processes(tmp_path):
    """A parent file finds its child beside it; --processes looks ids up in a folder."""
    import shutil

    folder = tmp_path / "mine"
    shutil.copytree(
        Path(__file__).parents[1] / "engine" / "processes" / "tiny-audit", folder / "tiny-audit"
    )
    for args in (
        [str(folder / "tiny-audit" / "main.yaml")],
        ["tiny-audit", "--processes", str(folder)],
    ):
        done = _run(*args, "--cases", "20", "--seed", "1", "--json")
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        assert summary["process"] == "tiny-audit" and summary["cases"] == 20
    (folder / "tiny-audit" / "expert.yaml").unlink()
    done = _run(str(folder / "tiny-audit" / "main.yaml"), "--cases", "20", "--seed", "1")
    assert done.returncode == 2
    assert "unknown process 'tiny-audit.expert'" in done.stderr
    assert "Traceback" not in done.stderr
