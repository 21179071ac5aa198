"""award-annual-report: 每年3月31日前 the previous year's activities (第二十八条)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from policyflow import Engine

from .steps import at


def _due(engine: Engine, report_year: int) -> str:
    case = engine.start(
        "award-annual-report", {"award_id": "A1", "report_year": report_year}, at=at("2025-01-02")
    )
    return case.id


@pytest.mark.parametrize(
    ("day", "state"), [("2025-03-30", "submitted"), ("2025-03-31", "submitted")]
)
def test_a_report_by_31_march_is_in_time(engine: Engine, day: str, state: str) -> None:
    """第二十八条: 3月31日前, the day included (spec A-03)."""
    case_id = _due(engine, 2025)
    assert engine.get(case_id).timers[0].due == date(2025, 3, 31)
    engine.fire(case_id, "report_submitted", at=at(day, 17))
    assert engine.get(case_id).state == state


def test_on_1_april_the_report_is_overdue_then_late(engine: Engine) -> None:
    """Expiry at 2025-04-01 00:00 fires report_overdue (ground of 第三十一条第（一）项)."""
    case_id = _due(engine, 2025)
    engine.tick(at("2025-03-31", 23))
    assert engine.get(case_id).state == "open"
    engine.tick(datetime(2025, 4, 1))
    assert engine.get(case_id).state == "overdue"
    fired = [row.entry for row in engine.history(case_id) if row.entry.event == "report_overdue"]
    assert [entry.at for entry in fired] == [datetime(2025, 4, 1)]
    engine.fire(case_id, "report_submitted", at=at("2025-04-01"))
    assert engine.get(case_id).state == "submitted_late"


def test_a_sunday_31_march_stands(engine: Engine) -> None:
    """2024-03-31 is a Sunday: the fixed date does not move (rollover: false, awards.md)."""
    case = engine.start(
        "award-annual-report", {"award_id": "A1", "report_year": 2024}, at=at("2024-01-02")
    )
    engine.tick(datetime(2024, 4, 1))
    assert engine.get(case.id).state == "overdue"
