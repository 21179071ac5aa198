"""A recurring deadline runs alike in the simulator and in the engine (real SQLite).

The ethics committee's annual report (每年3月31日前) and tracking review (十二个月) over
two years: some reports in time, some late, some years missed; the journals the simulator
writes equal the engine's entry by entry, labels included.
"""

from __future__ import annotations

from pathlib import Path

from policyflow.engine import Engine
from policyflow.runtime import TimerAction
from policyflow.sim import simulate

from .test_engine_parity import _assert_same_journals, _replay

ETHICS = Path(__file__).parents[1] / "fixtures" / "recurring" / "ethics-annual.yaml"

SCENARIO = {
    "process": "ethics-annual",
    # one arrival day: the cases' horizons end on one day, before any midnight on which an
    # occurrence passes, so the engine's last tick (after the last entry of all) expires
    # nothing the simulator had stopped following
    "arrivals": {"count": 20, "start": "2023-06-01", "end": "2023-06-01"},
    "branches": {
        "registered": [
            {
                "weights": {
                    "annual_report_submitted": 0.45,
                    "activity_approved": 0.2,
                    "tracking_decided": 0.2,
                    "dissolved": 0.02,
                    "wait": 0.13,
                }
            }
        ]
    },
    "durations": {"default": {"unit": "d", "integers": [30, 400]}},
    "horizon_days": 620,  # every occurrence started inside it falls due by 2026
    "max_events": 60,
}


def test_the_simulator_and_the_engine_write_the_same_recurring_journals(tmp_path):
    result = simulate(ETHICS, SCENARIO, seed=11, workers=1)
    changes = [
        change
        for record in result.records
        for entry in record.journal
        for change in entry.timer_changes
        if change.deadline == "annual_report"
    ]
    # the sample has years met in time, years missed and reports met late
    assert any(c.action is TimerAction.OVERDUE for c in changes)
    assert sum(c.action is TimerAction.MET for c in changes) > 5
    assert all(c.label is not None and c.label.endswith("年度") for c in changes)
    late = [
        record.case_id
        for record in result.records
        if {(c.label, c.action) for e in record.journal for c in e.timer_changes}
        >= {("2023年度", TimerAction.OVERDUE), ("2023年度", TimerAction.MET)}
    ]
    assert late, "the sample must include a year reported late"
    # the results count each occurrence as a run of its own, by its label
    runs = result.deadlines()
    annual = runs[runs["deadline"] == "annual_report"]
    assert set(annual["label"]) >= {"2023年度", "2024年度"}
    assert {"met", "met_late", "overdue"} <= set(annual["outcome"])
    assert not annual.duplicated(subset=["case_id", "label"]).any()
    with Engine(f"sqlite:///{tmp_path / 'parity.db'}") as engine:
        ids = _replay(engine, ETHICS, result.records)
        assert _assert_same_journals(engine, ids, result.records) == 20
        assert engine.verify() > 0
