"""The command line on a recurring deadline: every occurrence named by its label.

The ethics committee's annual report (国科发监〔2023〕167号 第四十五条): registered
2023-06-01, nothing reported; a tick at 2025-04-01 marks 2023年度 and 2024年度 overdue.
"""

from __future__ import annotations

from pathlib import Path

from .test_case import run, run_json

ETHICS = Path(__file__).parents[1] / "fixtures" / "recurring" / "ethics-annual.yaml"


def test_tick_fire_and_show_name_each_occurrence(sqlite_path: Path):
    run_json("case", "start", str(ETHICS), "--id", "c1", "--at", "2023-06-01T10:00", db=sqlite_path)
    tick = run("tick", "--now", "2025-04-01", db=sqlite_path)
    assert tick.returncode == 0, tick.stderr
    assert "deadline annual_report overdue 2023年度 (expired 2024-04-02 00:00)" in tick.stdout
    assert "deadline annual_report overdue 2024年度 (expired 2025-04-01 00:00)" in tick.stdout
    fired = run(
        "case",
        "fire",
        "c1",
        "annual_report_submitted",
        "--data",
        '{"year_label": "2024年度"}',
        "--at",
        "2025-05-06T09:00",
        db=sqlite_path,
    )
    assert fired.returncode == 0, fired.stderr
    shown = run_json("case", "show", "c1", "--at", "2025-05-06T10:00", db=sqlite_path)
    assert isinstance(shown, dict)
    journal = shown["journal"]
    assert journal[-1]["timer_changes"] == [
        {
            "deadline": "annual_report",
            "action": "met",
            "on": "2025-05-06",
            "due": "2025-03-31",
            "basis": "国科发监〔2023〕167号 第四十五条",
            "label": "2024年度",
        }
    ]
    assert [(d["label"], d["status"]) for d in shown["running"]] == [
        ("2023年度", "overdue"),
        ("2025年度", "armed"),
    ]
