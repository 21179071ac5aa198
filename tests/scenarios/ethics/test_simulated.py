"""The ethics boundaries run alike in the simulator and the engine (国科发监〔2023〕167号).

A scripted simulation (one case, constant durations) crosses a boundary; its journal is
replayed through a real Engine on SQLite (as tests/sim/test_engine_parity.py does for every
built-in process) and the journals must agree entry by entry, the expiry included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from policyflow.engine import Engine
from policyflow.sim import simulate
from sim.test_engine_parity import _assert_same_journals, _replay

from .steps import committee_member, present


def _overdue_entries(journal: Any, deadline: str) -> list[Any]:
    return [
        entry
        for entry in journal
        if entry.automatic
        and any(c.deadline == deadline and str(c.action) == "overdue" for c in entry.timer_changes)
    ]


def test_a_late_2024_annual_report_is_overdue_alike_in_both(tmp_path: Path) -> None:
    """Registered 2024-04-11, reporting 380 days later: 2024年度 expires at 2025-04-01 00:00."""
    members = [committee_member(i) for i in range(7)]
    scenario = {
        "process": "ethics-committee",
        "arrivals": {"count": 1, "start": "2024-04-01", "end": "2024-04-01"},
        "horizon_days": 420,
        "payloads": {
            "committee_established": {
                "established_on": {"constant": 0},
                "charter_adopted": {"constant": True},
                "members": {"constant": members},
            }
        },
        "branches": {"registered": [{"weights": {"annual_report_submitted": 1}}]},
        "durations": {
            "default": {"unit": "d", "constant": 5},
            "events": {"annual_report_submitted": {"unit": "d", "constant": 380}},
        },
    }
    result = simulate("ethics-committee", scenario, seed=1, workers=1)
    record = result.records[0]
    expired = _overdue_entries(record.journal, "annual_report")
    assert [entry.at for entry in expired] == [datetime(2025, 4, 1)]
    with Engine(f"sqlite:///{tmp_path / 'committee.db'}") as engine:
        ids = _replay(engine, "ethics-committee", result.records)
        assert _assert_same_journals(engine, ids, result.records) == 1
        labels = {t.label: str(t.status) for t in engine.get(ids[record.case_id]).timers}
    assert labels["2024年度"] == "met"  # met late, in April 2025: the journal keeps the overdue


def test_an_emergency_review_past_72_hours_is_overdue_alike_in_both(tmp_path: Path) -> None:
    """Accepted, met in 20 h, decided 60 h later: the 72 h end a microsecond after T + 72 h."""
    scenario = {
        "process": "ethics-review",
        "arrivals": {"count": 1, "start": "2024-02-09", "end": "2024-02-09"},
        "horizon_days": 30,
        "payloads": {
            "application_accepted": {"procedure": {"constant": "emergency"}},
            "emergency_meeting_convened": {
                "presided_by_chair": {"constant": True},
                "present": {"constant": present(6)},
                "field_member_present": {"constant": True},
            },
            "review_disapproved": {
                "votes_for": {"constant": 6},
                "reasons": {"constant": "风险不可控"},
            },
        },
        "branches": {
            "risk_assessment": [{"weights": {"application_submitted": 1}}],
            "submitted": [{"weights": {"application_accepted": 1}}],
            "accepted": [{"weights": {"emergency_meeting_convened": 1}}],
            "emergency_review": [{"weights": {"review_disapproved": 1}}],
            "disapproved": [{"weights": {"wait": 1}}],
        },
        "durations": {
            "default": {"unit": "h", "constant": 1},
            "events": {
                "emergency_meeting_convened": {"unit": "h", "constant": 20},
                "review_disapproved": {"unit": "h", "constant": 60},
            },
        },
    }
    result = simulate("ethics-review", scenario, seed=1, workers=1)
    record = result.records[0]
    accepted = next(e for e in record.journal if e.event == "application_accepted")
    expired = _overdue_entries(record.journal, "emergency_review")
    assert [entry.at for entry in expired] == [accepted.at + timedelta(hours=72, microseconds=1)]
    assert record.journal[-1].to_state == "disapproved"
    with Engine(f"sqlite:///{tmp_path / 'review.db'}") as engine:
        ids = _replay(engine, "ethics-review", result.records)
        assert _assert_same_journals(engine, ids, result.records) == 1
