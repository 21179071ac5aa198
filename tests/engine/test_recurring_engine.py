"""Recurring deadlines in the persisted engine, on real SQLite files.

A late 2024 annual report is journaled as overdue for 2024, not as fired
(国科发监〔2023〕167号 第四十五条); a tick long after the instants writes the journal that
ticking at each instant writes; the labels survive a reload and verify.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

from policyflow.engine import Engine
from policyflow.runtime import TimerAction, TimerStatus

ETHICS = Path(__file__).parents[1] / "fixtures" / "recurring" / "ethics-annual.yaml"
REGISTERED = datetime(2023, 6, 1, 10)
# the instants the annual report's occurrences pass: the day after each due day
PASSES = (datetime(2024, 4, 2), datetime(2025, 4, 1))


def _journal(engine: Engine, case_id: str) -> list[tuple]:
    return [
        (row.entry.event, row.entry.at, row.entry.automatic, row.entry.timer_changes)
        for row in engine.history(case_id)
    ]


def _run(path: Path, ticks: tuple[datetime, ...]) -> list[tuple]:
    with Engine(f"sqlite:///{path}") as engine:
        engine.start(ETHICS, {}, at=REGISTERED, case_id="c")
        for at in ticks:
            engine.tick(now=at)
        engine.fire(
            "c", "annual_report_submitted", {"year_label": "2024年度"}, at=datetime(2025, 5, 6, 9)
        )
        engine.tick(now=datetime(2025, 12, 31))
        journal = _journal(engine, "c")
        assert engine.verify("c") == len(journal)
        return journal


def test_a_tick_long_after_the_instants_writes_the_same_journal(tmp_path):
    at_the_instants = _run(tmp_path / "instants.db", PASSES)
    late = _run(tmp_path / "late.db", (datetime(2025, 5, 1),))
    never = _run(tmp_path / "never.db", ())  # the event itself brings the case up to date
    assert at_the_instants == late == never
    assert [(event, at) for event, at, *_ in at_the_instants] == [
        ("start", REGISTERED),
        ("deadline_expired", PASSES[0]),
        ("deadline_expired", PASSES[1]),
        ("annual_report_submitted", datetime(2025, 5, 6, 9)),
    ]


def test_a_late_2024_report_is_journaled_as_overdue_for_2024_not_as_fired(tmp_path):
    with Engine(f"sqlite:///{tmp_path / 'e.db'}") as engine:
        engine.start(ETHICS, {}, at=REGISTERED, case_id="c")
        report = engine.tick(now=datetime(2025, 4, 1))
        assert [(a.deadline, a.action, a.at) for a in report.actions] == [
            ("annual_report", "overdue", PASSES[0]),
            ("annual_report", "overdue", PASSES[1]),
        ]
        assert engine.get("c").overdue
        engine.fire(
            "c", "annual_report_submitted", {"year_label": "2024年度"}, at=datetime(2025, 5, 6, 9)
        )
        changes = [
            (c.action, c.label, c.due)
            for row in engine.history("c")
            for c in row.entry.timer_changes
        ]
        assert (TimerAction.OVERDUE, "2024年度", date(2025, 3, 31)) in changes
        assert (TimerAction.MET, "2024年度", date(2025, 3, 31)) == changes[-1]
        assert all(action is not TimerAction.FIRED for action, _, _ in changes)
        # read back from the timer rows: one per occurrence, each with its label
        stored = [(t.label, t.status) for t in engine.timers("c")]
        assert stored == [
            ("2023年度", TimerStatus.OVERDUE),
            ("2024年度", TimerStatus.MET),
            ("2025年度", TimerStatus.ARMED),
        ]
        assert engine.get("c").overdue  # 2023年度 is still overdue
        assert engine.verify() > 0


def test_the_journal_json_has_a_label_only_for_an_occurrence(tmp_path, tiny_path):
    """Other deadlines' changes are written as before, so their hashes are unchanged."""
    path = tmp_path / "e.db"
    with Engine(f"sqlite:///{path}") as engine:
        engine.start(ETHICS, {}, at=REGISTERED, case_id="r")
        engine.start(tiny_path, {"applicant": "甲"}, at=REGISTERED, case_id="t")
    with sqlite3.connect(path) as connection:
        rows = dict(
            connection.execute("SELECT case_id, timer_changes FROM journal WHERE sequence = 1")
        )
        labels = dict(connection.execute("SELECT case_id, label FROM timers"))
    assert json.loads(rows["r"])[0]["label"] == "2023年度"
    assert all("label" not in change for change in json.loads(rows["t"]))
    assert '"label"' not in rows["t"]
    assert labels == {"r": "2023年度", "t": None}


def test_the_ethics_process_runs_to_2026_without_a_tick(tmp_path):
    """Years of catch-up in one event: each passed occurrence overdue in order."""
    with Engine(f"sqlite:///{tmp_path / 'e.db'}") as engine:
        engine.start(ETHICS, {}, at=REGISTERED, case_id="c")
        engine.fire("c", "dissolved", at=datetime(2025, 4, 1) + timedelta(hours=9))
        kinds = [
            (c.action, c.label) for row in engine.history("c") for c in row.entry.timer_changes
        ]
    assert kinds == [
        (TimerAction.STARTED, "2023年度"),
        (TimerAction.OVERDUE, "2023年度"),
        (TimerAction.STARTED, "2024年度"),
        (TimerAction.OVERDUE, "2024年度"),
        (TimerAction.STARTED, "2025年度"),
        (TimerAction.CANCELLED, "2023年度"),
        (TimerAction.CANCELLED, "2024年度"),
        (TimerAction.CANCELLED, "2025年度"),
    ]
