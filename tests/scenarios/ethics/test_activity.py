"""ethics-activity: tracking reviews every 12 months, 6 for a listed activity (第十九、三十三条)."""

from __future__ import annotations

from datetime import date

import pytest

from policyflow import Engine

from .steps import at, due


def _approved(engine: Engine, listed: bool = False, day: str = "2024-03-12") -> str:
    return engine.start("ethics-activity", {"listed": listed, "approved_on": day}, at=at(day)).id


def test_the_first_tracking_review_falls_due_twelve_months_after_approval(engine: Engine) -> None:
    """第十九条: 跟踪审查间隔一般不超过12个月 — Tue 2024-03-12 + 12 months = Wed 2025-03-12."""
    case = engine.get(_approved(engine))
    assert due(case, "tracking_review") == date(2025, 3, 12)
    assert case.snapshot.timer("listed_tracking_review") is None


@pytest.mark.parametrize(("day", "late"), [("2025-03-12", False), ("2025-03-13", True)])
def test_tracking_on_the_last_day_is_in_time_the_day_after_overdue(
    engine: Engine, day: str, late: bool
) -> None:
    """一般: a late tracking review is still held; the case is only overdue."""
    case_id = _approved(engine)
    engine.tick(at(day, 0))
    assert engine.get(case_id).overdue is late
    case = engine.fire(case_id, "tracking_reviewed", at=at(day))
    assert case.state == "active" and not case.overdue
    # the next interval counts from this tracking decision
    assert due(case, "tracking_review") == date(2026, 3, 12 if day == "2025-03-12" else 13)


def test_a_listed_activity_is_tracked_every_six_months_from_the_last_review(engine: Engine) -> None:
    """第三十三条: 一般不超过6个月; 2024-03-12 → 09-12; reviewed 09-10 → 2025-03-10."""
    case_id = _approved(engine, listed=True)
    case = engine.get(case_id)
    assert due(case, "listed_tracking_review") == date(2024, 9, 12)
    assert case.snapshot.timer("tracking_review") is None
    case = engine.fire(case_id, "tracking_reviewed", at=at("2024-09-10"))
    assert due(case, "listed_tracking_review") == date(2025, 3, 10)


def test_a_suspension_stops_the_tracking_until_the_activity_resumes(engine: Engine) -> None:
    """第十九条: 暂停; tracking counts again from the decision that lets the activity resume."""
    case_id = _approved(engine)
    case = engine.fire(case_id, "tracking_suspended", at=at("2024-09-02"))
    assert case.state == "suspended"
    assert not [t for t in case.running_timers if t.deadline == "tracking_review"]
    case = engine.fire(case_id, "suspension_lifted", at=at("2024-10-08"))
    # 2024-10-08 + 12 months = 2025-10-08, the last day of the 2025 National Day and
    # Mid-Autumn holiday (1–8 October): the period ends on Thu 2025-10-09 (民法典 第二百零三条)
    assert due(case, "tracking_review") == date(2025, 10, 9)


def test_a_reported_risk_change_may_lead_to_a_new_review(engine: Engine) -> None:
    """第二十条: report, assessment, continue / suspend / review again."""
    case_id = _approved(engine)
    engine.fire(case_id, "risk_change_reported", at=at("2024-06-03"))
    case = engine.fire(case_id, "re_review_ordered", at=at("2024-06-10"))
    assert case.state == "re_review"
    case = engine.fire(case_id, "re_review_not_approved", at=at("2024-07-01"))
    assert case.state == "suspended"
    assert engine.fire(case_id, "tracking_terminated", at=at("2024-07-15")).state == "terminated"
