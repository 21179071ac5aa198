"""henan-svc: a need raised with the S&T service complex, from intake to the feedback.

豫科〔2023〕158号 二(三): the city or county feeds back within 1 month of acceptance (a reason
where it cannot be met now) and reports progress by the 25th of every month; a 直通车 unit's
need is handled by the department within 1 month; a major task or emergency at once.
豫科〔2023〕89号 细则 二(二)–(四): the quarterly update by the 25th of the quarter's last month;
the business division's feedback within 1 month; the supervising leader approves, a major
need goes to the leading group and then the office meeting or Party group (errata, T11).
"1个月" is a period in calendar months whose last day moves off a holiday (民法典 第二百零三条);
"每月25日前" names a calendar day and stands as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from policyflow import Engine, GuardFailed, PolicyflowError

from .engine_steps import at, due, open_engine, timer_actions


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file."""
    with open_engine(tmp_path, "svc") as eng:
        yield eng


def _need(engine: Engine, day: str, direct: bool = False, category: str = "project") -> str:
    data = {"subject_name": "洛阳某企业", "direct_train": direct, "category": category}
    return engine.start("henan-svc", data, at=at(day, 9)).id


def test_sc1_a_local_need_fed_back_within_the_month(engine: Engine) -> None:
    """SC1: accepted Fri 2023-11-10; 1 month ends Sun 12-10, moved to Mon 12-11; fed back 12-05."""
    need = _need(engine, "2023-11-10")
    case = engine.fire(need, "local_accepted", at=at("2023-11-10"))
    assert case.data["accepted_on"] == date(2023, 11, 10)
    assert due(case, "local_feedback") == date(2023, 12, 11)
    engine.fire(need, "solved_locally", at=at("2023-11-28"))
    case = engine.fire(need, "local_fed_back", at=at("2023-12-05"))
    assert case.state == "closed_fed_back" and not case.overdue
    assert [a for a, _ in timer_actions(engine, need, "local_feedback")] == ["started", "met"]


@pytest.mark.parametrize(
    ("tick", "late"), [("2024-04-11", False), ("2024-04-12", False), ("2024-04-13", True)]
)
def test_the_month_for_local_feedback_ends_on_the_corresponding_day(
    engine: Engine, tick: str, late: bool
) -> None:
    """Accepted Tue 2024-03-12: the month ends Fri 2024-04-12; overdue from 04-13 00:00."""
    need = _need(engine, "2024-03-12")
    engine.fire(need, "local_accepted", at=at("2024-03-12"))
    engine.tick(at(tick, 0) if late else at(tick, 23))
    assert engine.get(need).overdue is late


def test_a_reason_given_within_the_month_meets_the_feedback_duty(engine: Engine) -> None:
    """二(三): 对暂时不能落实的需要说明理由 — the explanation is the feedback; "" is none."""
    need = _need(engine, "2024-03-12")
    engine.fire(need, "local_accepted", at=at("2024-03-12"))
    with pytest.raises(GuardFailed, match="reason_given"):
        engine.fire(need, "explained_pending", {"reason": ""}, at=at("2024-04-12"))
    case = engine.fire(need, "explained_pending", {"reason": "用地指标待批"}, at=at("2024-04-12"))
    assert case.state == "pending_explained" and not case.overdue
    # resumed, the need returns to the city, and the month already met does not start again
    case = engine.fire(need, "resumed", at=at("2024-05-06"))
    assert case.state == "local_handling"
    assert [a for a, _ in timer_actions(engine, need, "local_feedback")] == ["started", "met"]


def test_sc2_a_major_platform_need_goes_up_to_the_office_meeting(engine: Engine) -> None:
    """SC2 with the errata: the leading group studies; the office meeting or Party group decides."""
    need = _need(engine, "2023-11-06", category="platform")
    for event, day in (
        ("local_accepted", "2023-11-06"),
        ("escalated", "2023-11-08"),
        ("liaison_collected", "2023-11-09"),
        ("liaison_reviewed", "2023-11-10"),
        ("dispatched", "2023-11-13"),
        ("referred_as_major", "2023-11-20"),
    ):
        case = engine.fire(need, event, at=at(day))
    assert case.state == "major_decision"
    # the escalation ends the city's month; the division's month runs from the dispatch
    assert [a for a, _ in timer_actions(engine, need, "local_feedback")] == ["started", "cancelled"]
    assert due(case, "division_feedback") == date(2023, 12, 13)
    with pytest.raises(PolicyflowError):
        engine.fire(need, "leader_approved", at=at("2023-11-21"))
    engine.fire(need, "group_studied", at=at("2023-11-27"))
    case = engine.fire(need, "major_decided", at=at("2023-12-08"))
    assert case.state == "closed_fed_back" and case.data["decided_by"] == "office_meeting"
    assert not case.overdue


def test_an_ordinary_need_is_approved_by_the_supervising_leader(engine: Engine) -> None:
    """细则 二(三): 提出办理结果，报主管厅领导审定."""
    need = _need(engine, "2023-11-06")
    for event in (
        "local_accepted",
        "escalated",
        "liaison_collected",
        "liaison_reviewed",
        "dispatched",
    ):
        engine.fire(need, event, at=at("2023-11-13"))
    engine.fire(need, "result_proposed", at=at("2023-11-30"))
    case = engine.fire(need, "leader_approved", at=at("2023-12-04"))
    assert case.state == "closed_fed_back" and case.data["decided_by"] == "leader"


def test_sc3_a_direct_train_need_pending_reports_by_the_25th(engine: Engine) -> None:
    """SC3: 河南大学 (直通车) on Wed 2023-11-01; pending 11-20: progress due 11-25, then 12-25."""
    need = _need(engine, "2023-11-01", direct=True, category="talent")
    with pytest.raises(GuardFailed, match="not_direct_train"):
        engine.fire(need, "local_accepted", at=at("2023-11-01"))
    case = engine.fire(need, "direct_accepted", at=at("2023-11-01"))
    assert case.state == "dispatched" and due(case, "direct_train_handling") == date(2023, 12, 1)
    engine.fire(need, "dispatched", at=at("2023-11-02"))
    case = engine.fire(need, "explained_pending", {"reason": "需省级统筹"}, at=at("2023-11-20"))
    assert due(case, "monthly_progress") == date(2023, 11, 25)
    case = engine.fire(need, "progress_reported", at=at("2023-11-24"))
    assert due(case, "monthly_progress") == date(2023, 12, 25)
    # the explanation meets the division's month but not the department's: it must finish
    engine.tick(at("2023-12-02", 0))
    case = engine.get(need)
    assert case.overdue
    assert timer_actions(engine, need, "direct_train_handling")[-1][0] == "overdue"
    assert [a for a, _ in timer_actions(engine, need, "division_feedback")] == ["started", "met"]


@pytest.mark.parametrize(
    ("tick", "late"), [("2024-01-24", False), ("2024-01-25", False), ("2024-01-26", True)]
)
def test_the_25th_is_the_last_day_for_the_monthly_progress(
    engine: Engine, tick: str, late: bool
) -> None:
    """每月25日前 includes the 25th (Thu 2024-01-25); from 01-26 00:00 January's is overdue."""
    need = _need(engine, "2024-01-02")
    engine.fire(need, "local_accepted", at=at("2024-01-02"))
    engine.fire(need, "explained_pending", {"reason": "资金待落实"}, at=at("2024-01-10"))
    engine.tick(at(tick, 0) if late else at(tick, 23))
    case = engine.get(need)
    assert case.snapshot.occurrence("monthly_progress", "2024年1月") is not None
    assert case.overdue is late


def test_sc4_a_quarterly_update_on_march_26_is_late(engine: Engine) -> None:
    """SC4: due Mon 2024-03-25; sent on the 26th: overdue at 03-26 00:00, then met late."""
    city = engine.start(
        "henan-svc.city", {"department": "洛阳市科学技术局"}, at=at("2024-01-02")
    ).id
    case = engine.get(city)
    assert case.snapshot.occurrence("quarterly_update", "2024年第1季度").due == date(2024, 3, 25)
    engine.tick(at("2024-03-25", 23))
    assert not engine.get(city).overdue
    case = engine.fire(city, "quarterly_update_sent", at=at("2024-03-26"))
    assert timer_actions(engine, city, "quarterly_update") == [
        ("started", "2024年第1季度"),
        ("overdue", "2024年第1季度"),
        ("started", "2024年第2季度"),
        ("met", "2024年第1季度"),
    ]
    assert not case.overdue and due(case, "quarterly_update") == date(2024, 6, 25)


def test_sc5_an_emergency_is_taken_up_at_once_and_ends_the_monthly_clocks(engine: Engine) -> None:
    """SC5: 省委省政府部署的重大任务或应急性需求，“一事一议”实时办理."""
    need = _need(engine, "2023-11-06")
    for event in (
        "local_accepted",
        "escalated",
        "liaison_collected",
        "liaison_reviewed",
        "dispatched",
    ):
        engine.fire(need, event, at=at("2023-11-07"))
    case = engine.fire(need, "urgent_taken", {"kind": "emergency"}, at=at("2023-11-07", 15))
    assert case.state == "adhoc_urgent"
    assert not [t for t in case.running_timers if t.deadline == "division_feedback"]
    case = engine.fire(need, "urgent_done", at=at("2023-11-08"))
    assert case.state == "closed_fed_back" and case.data["decided_by"] == "adhoc"
