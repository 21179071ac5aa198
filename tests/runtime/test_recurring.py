"""Recurring deadlines through the runtime: one timer per occurrence, each overdue on its own.

国科发监〔2023〕167号 第四十五条: the annual report is due 每年3月31日前, covering the year
before; 第十九条/第三十三条: a tracking review at most twelve months after the last one.
Days checked on the shipped calendar: 2024-03-31 is a Sunday (due moves to Monday 04-01);
2025-03-31 is a Monday; 2024-11-30 is a Saturday (moves to Monday 12-02); 2026 is the
last published year.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from policyflow.definition.catalog import load
from policyflow.definition.loader import load_text
from policyflow.runtime import (
    CompiledProcess,
    TimerAction,
    TimerStatus,
    apply,
    compile_process,
    expire,
    start,
)

ETHICS = Path(__file__).parents[1] / "fixtures" / "recurring" / "ethics-annual.yaml"
REGISTERED = datetime(2023, 6, 1, 10)


@pytest.fixture(scope="module")
def ethics() -> CompiledProcess:
    return compile_process(load(ETHICS))


def changes(step, deadline="annual_report"):
    return [(c.action, c.label, c.due) for c in step.entry.timer_changes if c.deadline == deadline]


def reports(snapshot):
    return [(t.label, t.status, t.due) for t in snapshot.occurrences("annual_report")]


def test_the_first_occurrence_falls_on_the_first_31_march_after_the_start(ethics):
    """Registered 2023-06-01: the 2023 report is due 2024-03-31, a Sunday → Monday 04-01."""
    step = start(ethics, "c", {}, at=REGISTERED)
    assert changes(step) == [(TimerAction.STARTED, "2023年度", date(2024, 4, 1))]
    timer = step.snapshot.timer("annual_report")
    assert timer.period == "every 03-31"
    assert timer.started_on == date(2023, 6, 1)


def test_registered_on_31_march_the_first_report_is_due_a_year_later(ethics):
    """Strictly after the start day: registered on 2024-03-31, the first is 2025-03-31."""
    step = start(ethics, "c", {}, at=datetime(2024, 3, 31, 9))
    assert changes(step) == [(TimerAction.STARTED, "2024年度", date(2025, 3, 31))]


def test_a_report_on_the_rolled_over_due_day_is_in_time_and_the_next_year_starts(ethics):
    case = start(ethics, "c", {}, at=REGISTERED).snapshot
    step = apply(ethics, case, "annual_report_submitted", None, at=datetime(2024, 4, 1, 23, 59, 59))
    assert step.expired == ()
    assert changes(step) == [
        (TimerAction.MET, "2023年度", date(2024, 4, 1)),
        (TimerAction.STARTED, "2024年度", date(2025, 3, 31)),
    ]
    # the next counts from the nominal 31 March, not from the rolled-over 1 April
    assert step.snapshot.timer("annual_report").started_on == date(2024, 3, 31)
    assert not step.snapshot.overdue


def test_the_day_after_the_due_day_the_occurrence_is_overdue_and_the_next_falls_due(ethics):
    case = start(ethics, "c", {}, at=REGISTERED).snapshot
    assert expire(ethics, case, now=datetime(2024, 4, 1, 23, 59, 59)) == ()
    (step,) = expire(ethics, case, now=datetime(2024, 4, 2))
    assert step.entry.at == datetime(2024, 4, 2)
    assert step.entry.event == "deadline_expired"
    assert changes(step) == [
        (TimerAction.OVERDUE, "2023年度", date(2024, 4, 1)),
        (TimerAction.STARTED, "2024年度", date(2025, 3, 31)),
    ]
    assert step.snapshot.overdue


def test_a_missed_year_is_overdue_for_its_year_not_fired(ethics):
    """The 2024 report never submitted: at 2025-04-01 00:00 it is overdue for 2024年度,
    the 2025 report falls due; a late 2024 report then meets 2024年度, late."""
    case = start(ethics, "c", {}, at=REGISTERED).snapshot
    case = apply(
        ethics, case, "annual_report_submitted", None, at=datetime(2024, 3, 20, 10)
    ).snapshot
    steps = expire(ethics, case, now=datetime(2025, 4, 1))
    assert [s.entry.at for s in steps] == [datetime(2025, 4, 1)]
    assert changes(steps[0]) == [
        (TimerAction.OVERDUE, "2024年度", date(2025, 3, 31)),
        (TimerAction.STARTED, "2025年度", date(2026, 3, 31)),
    ]
    assert all(c.action is not TimerAction.FIRED for c in steps[0].entry.timer_changes)
    late = apply(
        ethics,
        steps[-1].snapshot,
        "annual_report_submitted",
        {"year_label": "2024年度"},
        at=datetime(2025, 5, 6, 9),
    )
    assert changes(late) == [(TimerAction.MET, "2024年度", date(2025, 3, 31))]
    assert reports(late.snapshot) == [
        ("2023年度", TimerStatus.MET, date(2024, 4, 1)),
        ("2024年度", TimerStatus.MET, date(2025, 3, 31)),
        ("2025年度", TimerStatus.ARMED, date(2026, 3, 31)),
    ]
    assert not late.snapshot.overdue  # the only overdue occurrence was met, late


def test_several_missed_years_in_one_catch_up_each_become_overdue_in_order(ethics):
    case = start(ethics, "c", {}, at=REGISTERED).snapshot
    steps = expire(ethics, case, now=datetime(2025, 6, 1))
    assert [s.entry.at for s in steps] == [datetime(2024, 4, 2), datetime(2025, 4, 1)]
    assert [changes(s)[0][:2] for s in steps] == [
        (TimerAction.OVERDUE, "2023年度"),
        (TimerAction.OVERDUE, "2024年度"),
    ]
    assert [(label, status) for label, status, _ in reports(steps[-1].snapshot)] == [
        ("2023年度", TimerStatus.OVERDUE),
        ("2024年度", TimerStatus.OVERDUE),
        ("2025年度", TimerStatus.ARMED),
    ]


def test_a_report_without_a_year_meets_the_oldest_open_one_and_an_unknown_year_too(ethics):
    case = start(ethics, "c", {}, at=REGISTERED).snapshot
    case = expire(ethics, case, now=datetime(2025, 6, 1))[-1].snapshot
    first = apply(ethics, case, "annual_report_submitted", None, at=datetime(2025, 6, 2, 9))
    assert changes(first) == [(TimerAction.MET, "2023年度", date(2024, 4, 1))]
    second = apply(
        ethics,
        first.snapshot,
        "annual_report_submitted",
        {"year_label": "1999年度"},
        at=datetime(2025, 6, 3, 9),
    )
    assert changes(second) == [(TimerAction.MET, "2024年度", date(2025, 3, 31))]
    assert not second.snapshot.overdue
    # the current year met early starts 2026年度, due 2027-03-31: 2027's notice is not out,
    # so the new occurrence is counted by the provisional rule and marked so; the report
    # itself is not refused for a year it does not need
    third = apply(
        ethics,
        second.snapshot,
        "annual_report_submitted",
        {"year_label": "2025年度"},
        at=datetime(2025, 6, 4, 9),
    )
    assert changes(third)[0] == (TimerAction.MET, "2025年度", date(2026, 3, 31))
    assert changes(third)[1] == (TimerAction.STARTED, "2026年度", date(2027, 3, 31))
    following = third.snapshot.occurrence("annual_report", "2026年度")
    assert following is not None and following.provisional
    assert not third.snapshot.occurrence("annual_report", "2025年度").provisional


def test_cancelled_by_ends_the_recurrence(ethics):
    case = start(ethics, "c", {}, at=REGISTERED).snapshot
    case = expire(ethics, case, now=datetime(2024, 5, 1))[-1].snapshot
    step = apply(ethics, case, "dissolved", None, at=datetime(2024, 5, 2, 9))
    assert changes(step) == [
        (TimerAction.CANCELLED, "2023年度", date(2024, 4, 1)),
        (TimerAction.CANCELLED, "2024年度", date(2025, 3, 31)),
    ]
    assert not step.snapshot.overdue
    assert expire(ethics, step.snapshot, now=datetime(2026, 12, 31)) == ()
    assert all(not t.status.is_running for t in step.snapshot.timers)


# --- the period form: counted from the last meeting event ---------------------------------


def _approved(ethics: CompiledProcess, at: datetime):
    case = start(ethics, "c", {}, at=at - timedelta(days=1)).snapshot
    return apply(ethics, case, "activity_approved", None, at=at).snapshot


def test_the_period_form_counts_twelve_months_from_the_last_decision(ethics):
    """Approved 2024-02-29: due 2025-02-28 (no 29 February: the month's last day)."""
    case = _approved(ethics, datetime(2024, 2, 29, 9))
    first = case.timer("tracking_review")
    assert (first.due, first.label) == (date(2025, 2, 28), "2025-02-28")
    met = apply(ethics, case, "tracking_decided", None, at=datetime(2024, 8, 31, 9))
    assert changes(met, "tracking_review") == [
        (TimerAction.MET, "2025-02-28", date(2025, 2, 28)),
        (TimerAction.STARTED, "2025-08-31", date(2025, 8, 31)),
    ]


def test_the_period_form_waits_for_the_overdue_one_to_be_met(ethics):
    case = _approved(ethics, datetime(2024, 2, 29, 9))
    steps = expire(ethics, case, now=datetime(2025, 3, 1))
    tracking = [s for s in steps if changes(s, "tracking_review")]
    assert [changes(s, "tracking_review") for s in tracking] == [
        [(TimerAction.OVERDUE, "2025-02-28", date(2025, 2, 28))]
    ]
    late = apply(ethics, steps[-1].snapshot, "tracking_decided", None, at=datetime(2025, 3, 10, 9))
    assert changes(late, "tracking_review") == [
        (TimerAction.MET, "2025-02-28", date(2025, 2, 28)),
        (TimerAction.STARTED, "2026-03-10", date(2026, 3, 10)),
    ]


# --- monthly and quarterly days -----------------------------------------------------------


def _process(every: str, rollover: bool = True) -> CompiledProcess:
    text = f"""\
id: monthly-return
title: {{zh: 月报, en: Monthly return}}
events: [{{id: filed, zh: 报送, en: Filed}}]
states:
  - {{id: open, zh: 办理中, en: Open, initial: true, final: true, basis: 豫科〔2023〕1号 第五条}}
transitions:
  - {{id: file, zh: 报送, en: File, event: filed, from: open, basis: 豫科〔2023〕1号 第五条}}
deadlines:
  - id: monthly_return
    zh: 月报
    en: Monthly return
    every: {every}
    start_on: {{enter: open}}
    met_by: {{events: filed}}
    rollover: {str(rollover).lower()}
    basis: 豫科〔2023〕1号 第五条
"""
    return compile_process(load_text(text, "monthly.yaml"))


def _dues(compiled: CompiledProcess, since: datetime, until: datetime) -> list[date]:
    case = start(compiled, "c", {}, at=since).snapshot
    steps = expire(compiled, case, now=until)
    last = steps[-1].snapshot if steps else case
    return [t.due for t in last.occurrences("monthly_return")]


def test_day_31_of_each_month_is_the_last_day_of_a_shorter_month():
    dues = _dues(_process("{day: 31}", rollover=False), datetime(2024, 9, 15), datetime(2025, 3, 2))
    assert dues == [
        date(2024, 9, 30),
        date(2024, 10, 31),
        date(2024, 11, 30),
        date(2024, 12, 31),
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
    ]


def test_with_rollover_a_month_end_on_a_saturday_moves_to_monday_and_keeps_the_series():
    dues = _dues(_process("{day: 31}"), datetime(2024, 10, 15), datetime(2024, 12, 3))
    # 2024-11-30 is a Saturday: due Monday 12-02; the next is still 12-31
    assert dues == [date(2024, 10, 31), date(2024, 12, 2), date(2024, 12, 31)]


def test_the_25th_of_the_last_month_of_each_quarter():
    compiled = _process("{months: [3, 6, 9, 12], day: 25}", rollover=False)
    dues = _dues(compiled, datetime(2024, 3, 25, 9), datetime(2025, 1, 1))
    assert dues == [date(2024, 6, 25), date(2024, 9, 25), date(2024, 12, 25), date(2025, 3, 25)]


def test_the_2nd_of_each_month_with_its_default_label():
    compiled = _process("{day: 2}", rollover=False)
    case = start(compiled, "c", {}, at=datetime(2024, 1, 2, 9)).snapshot
    timer = case.timer("monthly_return")
    assert (timer.due, timer.label) == (date(2024, 2, 2), "2024-02-02")
    met = apply(compiled, case, "filed", None, at=datetime(2024, 2, 2, 23, 59))
    assert [t.label for t in met.snapshot.occurrences("monthly_return")] == [
        "2024-02-02",
        "2024-03-02",
    ]


# --- hours are counted continuously (第三十六条) ------------------------------------------

HOURS = """\
id: emergency-review
title: {zh: 应急审查, en: Emergency review}
events:
  - id: accepted
    zh: 受理
    en: Accepted
    payload: [{id: accepted_at, zh: 受理时间, en: Accepted at, type: datetime}]
  - {id: decided, zh: 决定, en: Decided}
states:
  - {id: filed, zh: 已申请, en: Filed, initial: true, basis: 国科发监〔2023〕167号 第三十六条}
  - {id: reviewing, zh: 审查中, en: Reviewing, basis: 国科发监〔2023〕167号 第三十六条}
  - {id: decided, zh: 已决定, en: Decided, final: true, basis: 国科发监〔2023〕167号 第三十六条}
transitions:
  - {id: accept, zh: 受理, en: Accept, event: accepted, from: filed, to: reviewing,
     basis: 国科发监〔2023〕167号 第三十六条}
  - {id: decide, zh: 决定, en: Decide, event: decided, from: reviewing, to: decided,
     basis: 国科发监〔2023〕167号 第三十六条}
deadlines:
  - id: emergency_review
    zh: 应急审查时限
    en: Emergency review limit
    period: 72小时
    anchor: payload.accepted_at
    start_on: {events: accepted}
    met_by: {enter: decided}
    basis: 国科发监〔2023〕167号 第三十六条
"""


@pytest.fixture(scope="module")
def hours() -> CompiledProcess:
    return compile_process(load_text(HOURS, "hours.yaml"))


def _accepted(hours: CompiledProcess, accepted_at: datetime):
    case = start(hours, "c", {}, at=accepted_at - timedelta(days=1)).snapshot
    return apply(
        hours, case, "accepted", {"accepted_at": accepted_at.isoformat()}, at=accepted_at
    ).snapshot


@pytest.mark.parametrize(
    ("accepted_at", "due_at"),
    [
        # across midnight: three days of 24 hours, whatever the clock says
        (datetime(2024, 5, 6, 23, 30), datetime(2024, 5, 9, 23, 30)),
        # across the National Day holiday: hours do not skip holidays
        (datetime(2024, 9, 30, 15, 0), datetime(2024, 10, 3, 15, 0)),
    ],
)
def test_72_hours_from_a_datetime_anchor_run_continuously(hours, accepted_at, due_at):
    case = _accepted(hours, accepted_at)
    assert case.timer("emergency_review").due_at == due_at
    in_time = apply(hours, case, "decided", None, at=due_at)
    assert in_time.expired == ()
    assert [(c.action, c.due) for c in in_time.entry.timer_changes] == [
        (TimerAction.MET, due_at.date())
    ]
    assert expire(hours, case, now=due_at) == ()
    late = expire(hours, case, now=due_at + timedelta(microseconds=1))
    assert [s.entry.at for s in late] == [due_at + timedelta(microseconds=1)]
    assert late[0].entry.timer_changes[0].action is TimerAction.OVERDUE
