"""ethics-rereview: the panel, two thirds of ALL its experts, 30 days (第二十八至三十一条)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps import at, due, expert, timer_actions


def _received(engine: Engine, day: str = "2024-04-15") -> str:
    return engine.start("ethics-rereview", {"received_on": day}, at=at(day)).id


def _panel(engine: Engine, size: int, day: str = "2024-04-22") -> str:
    case_id = _received(engine)
    engine.fire(case_id, "panel_formed", {"panel": [expert(i) for i in range(size)]}, at=at(day))
    return case_id


def test_five_experts_form_a_panel_four_do_not(engine: Engine) -> None:
    """第二十八条: 不少于5人 (inclusive, 第五十二条)."""
    case_id = _received(engine)
    with pytest.raises(GuardFailed, match="five_experts"):
        engine.fire(
            case_id, "panel_formed", {"panel": [expert(i) for i in range(4)]}, at=at("2024-04-22")
        )
    case = engine.fire(
        case_id, "panel_formed", {"panel": [expert(i) for i in range(5)]}, at=at("2024-04-22")
    )
    assert case.state == "under_rereview"


@pytest.mark.parametrize(
    ("change", "guard"),
    [
        ({"committee_member": True}, "no_committee_member"),
        ({"interest_declared": False}, "interests_declared"),
        ({"direct_interest": True}, "interested_recused"),
        ({"category": "science_peer"}, "peer_ethics_law"),  # the lawyer (E2) replaced
    ],
)
def test_the_panel_keeps_article_28s_rules(
    engine: Engine, change: dict[str, Any], guard: str
) -> None:
    """第二十八条: peers, ethics, law; none from the committee; interests declared."""
    panel = [expert(i) for i in range(6)]
    panel[2] = panel[2] | change
    with pytest.raises(GuardFailed, match=guard):
        engine.fire(_received(engine), "panel_formed", {"panel": panel}, at=at("2024-04-22"))


@pytest.mark.parametrize(
    ("size", "votes", "passes"),
    [(7, 5, True), (7, 4, False), (6, 4, True), (6, 3, False), (5, 4, True), (5, 3, False)],
)
def test_the_opinion_needs_two_thirds_of_all_the_experts(
    engine: Engine, size: int, votes: int, passes: bool
) -> None:
    """第三十条第二款: 全体复核专家的三分之二以上 — absent experts count in the denominator."""
    case_id = _panel(engine, size)
    payload = {"opinion": "agree", "votes_for": votes}
    if passes:
        case = engine.fire(case_id, "opinion_adopted", payload, at=at("2024-05-06"))
        assert case.state == "opinion_issued" and case.data["opinion"] == "agree"
    else:
        with pytest.raises(GuardFailed, match="two_thirds_of_all"):
            engine.fire(case_id, "opinion_adopted", payload, at=at("2024-05-06"))
        case = engine.fire(
            case_id, "no_qualified_opinion", {"votes_for": votes}, at=at("2024-05-06")
        )
        assert case.state == "under_rereview"


def test_the_opinion_falls_due_thirty_days_after_receipt(engine: Engine) -> None:
    """第三十一条: Mon 2024-04-15 (not counted) + 30 days = Wed 2024-05-15."""
    assert due(engine.get(_received(engine)), "feedback") == date(2024, 5, 15)


def test_a_last_day_in_the_national_day_holiday_moves_to_the_next_working_day(
    engine: Engine,
) -> None:
    """Received Mon 2024-09-02: day 30 is 2024-10-02, in the holiday of 1–7 October; 10-08 works."""
    assert due(engine.get(_received(engine, "2024-09-02")), "feedback") == date(2024, 10, 8)


@pytest.mark.parametrize(("day", "late"), [("2024-05-15", False), ("2024-05-16", True)])
def test_an_opinion_on_day_thirty_is_in_time_day_thirty_one_overdue(
    engine: Engine, day: str, late: bool
) -> None:
    """No deemed approval: past the 30 days the case is only overdue, and still waits."""
    case_id = _panel(engine, 5)
    engine.tick(at(day, 0))
    case = engine.get(case_id)
    assert case.overdue is late
    assert case.state == "under_rereview"
    engine.fire(case_id, "opinion_adopted", {"opinion": "disagree", "votes_for": 5}, at=at(day))
    expected = ["started", "overdue", "met"] if late else ["started", "met"]
    assert timer_actions(engine, case_id, "feedback") == expected
