"""ethics-review, time: 30 days (第十七条) and 72 hours (第三十六条), both only overdue."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps import accepted, at, due, expert, in_meeting, only_child, present, timer, timer_actions

ACCEPTED = datetime(2024, 2, 9, 10, 0)  # 除夕: the 72 hours run through the Spring Festival


def test_the_decision_falls_due_thirty_days_after_acceptance(engine: Engine) -> None:
    """Acceptance on Mon 2024-03-11 (not counted) + 30 natural days = Wed 2024-04-10."""
    case = engine.get(accepted(engine))
    assert due(case, "review_decision") == date(2024, 4, 10)
    assert case.snapshot.timer("emergency_review") is None


@pytest.mark.parametrize(("day", "late"), [("2024-04-10", False), ("2024-04-11", True)])
def test_a_decision_on_day_thirty_is_in_time_on_day_thirty_one_late(
    engine: Engine, day: str, late: bool
) -> None:
    """内 includes the 30th day; a late decision is still made (一般应: overdue only)."""
    case_id = in_meeting(engine)
    engine.tick(at(day, 0))
    assert engine.get(case_id).overdue is late
    case = engine.fire(case_id, "review_approved", {"votes_for": 6}, at=at(day))
    assert case.state == "approved"
    expected = ["started", "overdue", "met"] if late else ["started", "met"]
    assert timer_actions(engine, case_id, "review_decision") == expected


def test_special_circumstances_extend_by_the_days_stated(engine: Engine) -> None:
    """第十七条: 特殊情况可适当延长并明确延长时限 — counted on from the due date."""
    case_id = in_meeting(engine)
    with pytest.raises(GuardFailed, match="special_circumstances"):
        engine.fire(
            case_id,
            "decision_period_extended",
            {"days": 15, "special_circumstances": False},
            at=at("2024-04-08"),
        )
    case = engine.fire(
        case_id,
        "decision_period_extended",
        {"days": 15, "special_circumstances": True},
        at=at("2024-04-08"),
    )
    assert due(case, "review_decision") == date(2024, 4, 25)


def _emergency(engine: Engine, **data: object) -> str:
    case = engine.start("ethics-review", data, at=ACCEPTED - timedelta(hours=1))
    engine.fire(case.id, "application_submitted", at=ACCEPTED - timedelta(hours=1))
    engine.fire(case.id, "application_accepted", {"procedure": "emergency"}, at=ACCEPTED)
    engine.fire(
        case.id,
        "emergency_meeting_convened",
        {"presided_by_chair": True, "present": present(6), "field_member_present": True},
        at=ACCEPTED + timedelta(hours=20),
    )
    return case.id


def test_the_emergency_review_is_due_72_hours_after_acceptance(engine: Engine) -> None:
    """第三十六条: 72 hours of the clock, nights and the Spring Festival holiday included."""
    case = engine.get(_emergency(engine))
    assert timer(case, "emergency_review").due_at == ACCEPTED + timedelta(hours=72)
    assert case.snapshot.timer("review_decision") is None


def test_a_decision_at_the_72nd_hour_is_in_time(engine: Engine) -> None:
    """The last instant is within the period (内 includes the number)."""
    case_id = _emergency(engine)
    end = ACCEPTED + timedelta(hours=72)
    engine.tick(end)
    assert not engine.get(case_id).overdue
    engine.fire(case_id, "review_approved", {"votes_for": 6}, at=end)
    assert timer_actions(engine, case_id, "emergency_review") == ["started", "met"]


def test_a_decision_after_the_72nd_hour_is_late(engine: Engine) -> None:
    """A microsecond after the 72nd hour the case is overdue; the review still concludes."""
    case_id = _emergency(engine)
    engine.tick(ACCEPTED + timedelta(hours=72, microseconds=1))
    assert engine.get(case_id).overdue
    case = engine.fire(
        case_id, "review_approved", {"votes_for": 6}, at=ACCEPTED + timedelta(hours=73)
    )
    assert case.state == "approved"
    assert timer_actions(engine, case_id, "emergency_review") == ["started", "overdue", "met"]


def test_the_re_review_counts_inside_the_72_hours(engine: Engine) -> None:
    """第三十六条: 专家复核时间一并计入应急审查时间 — the preliminary review does not stop it."""
    case_id = _emergency(engine, listed=True)
    case = engine.fire(
        case_id, "review_approved", {"votes_for": 6}, at=ACCEPTED + timedelta(hours=24)
    )
    assert case.state == "awaiting_rereview"
    assert str(timer(case, "emergency_review").status) == "armed"
    engine.fire(
        case_id,
        "rereview_applied",
        {"package_complete": True, "received_on": "2024-02-10"},
        at=ACCEPTED + timedelta(hours=26),
    )
    child = only_child(engine, case_id, "ethics-rereview")
    engine.fire(
        child.id,
        "panel_formed",
        {"panel": [expert(i) for i in range(5)]},
        at=ACCEPTED + timedelta(hours=30),
    )
    # the opinion comes at T+80h: the emergency review is late, and the committee still decides
    engine.fire(
        child.id,
        "opinion_adopted",
        {"opinion": "agree", "votes_for": 5},
        at=ACCEPTED + timedelta(hours=80),
    )
    case = engine.get(case_id)
    assert case.state == "final_decision_pending" and case.overdue
    case = engine.fire(case_id, "final_approved", at=ACCEPTED + timedelta(hours=81))
    assert case.state == "approved"
    assert timer_actions(engine, case_id, "emergency_review") == ["started", "overdue", "met"]


@pytest.mark.parametrize(
    ("attendance", "ok"),
    [
        ({"field_member_present": True}, True),
        ({"field_member_present": False, "advisory_expert_invited": True}, False),
        (
            {
                "field_member_present": False,
                "committee_has_field_member": False,
                "advisory_expert_invited": True,
            },
            True,
        ),
    ],
)
def test_an_emergency_review_has_a_member_from_the_field(
    engine: Engine, attendance: dict[str, bool], ok: bool
) -> None:
    """第三十七条: an advisory expert only where the committee has no member from the field."""
    case_id = accepted(engine, "2024-02-09", procedure="emergency")
    payload = {"presided_by_chair": True, "present": present(6), **attendance}
    if ok:
        case = engine.fire(case_id, "emergency_meeting_convened", payload, at=at("2024-02-09", 12))
        assert case.state == "emergency_review"
    else:
        with pytest.raises(GuardFailed, match="field_expertise"):
            engine.fire(case_id, "emergency_meeting_convened", payload, at=at("2024-02-09", 12))
