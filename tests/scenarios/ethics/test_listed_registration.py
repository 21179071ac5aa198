"""ethics-listed-registration: 30 days from the approval (国科发监〔2023〕167号 第四十四条)."""

from __future__ import annotations

from datetime import date

import pytest

from policyflow import Engine

from .steps import at, due, timer_actions


def _approved(engine: Engine, day: str = "2024-06-03") -> str:
    return engine.start("ethics-listed-registration", {"approved_on": day}, at=at(day)).id


def test_registration_falls_due_thirty_days_after_the_approval(engine: Engine) -> None:
    """The approval day is not counted: Mon 2024-06-03 + 30 days = Wed 2024-07-03."""
    case = engine.get(_approved(engine))
    assert due(case, "registration") == date(2024, 7, 3)


@pytest.mark.parametrize(
    ("day", "overdue"),
    [("2024-07-02", False), ("2024-07-03", False), ("2024-07-04", True)],
)
def test_registration_on_day_thirty_is_in_time_day_thirty_one_overdue(
    engine: Engine, day: str, overdue: bool
) -> None:
    """内 includes the 30th day (民法典 第一千二百五十九条: 以内 includes the number)."""
    case_id = _approved(engine)
    engine.tick(at(day, 0))
    assert engine.get(case_id).overdue is overdue
    case = engine.fire(case_id, "activity_registered", at=at(day, 16))
    assert case.state == "registered"
    expected = ["started", "overdue", "met"] if overdue else ["started", "met"]
    assert timer_actions(engine, case_id, "registration") == expected


def test_a_late_registration_is_taken_and_stays_on_record_as_late(engine: Engine) -> None:
    """No consequence is stated (spec Errata 3): a late registration is taken, on record."""
    case_id = _approved(engine)
    engine.tick(at("2024-07-04", 0))
    case = engine.fire(case_id, "activity_registered", at=at("2024-07-10"))
    assert case.state == "registered"
    assert case.data["registered_on"] == date(2024, 7, 10)
    case = engine.fire(case_id, "activity_info_changed", at=at("2024-09-02"))
    assert case.state == "update_due"
    assert engine.fire(case_id, "registration_updated", at=at("2024-09-03")).state == "registered"
