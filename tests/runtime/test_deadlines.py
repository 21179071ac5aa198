"""A deadline's life, function by function, on the 2023 calendar (dates derived by hand)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from policyflow.definition.loader import load_text
from policyflow.legaltime import china
from policyflow.runtime import TimerAction, TimerStatus, compile_process
from policyflow.runtime import deadlines as dl

CAL = china()

PROCESS = """
id: clocks
title: {zh: 期限, en: Clocks}
events:
  - {id: go, zh: 开始, en: Go}
states:
  - {id: a, zh: 甲, en: A, initial: true, basis: 科学技术部令第20号 第五十一条}
  - {id: b, zh: 乙, en: B, final: true, basis: 科学技术部令第20号 第五十一条}
transitions:
  - {id: go, zh: 开始, en: Go, event: go, from: a, to: b, basis: 科学技术部令第20号 第五十一条}
deadlines:
  - id: case_limit
    zh: 办案期限
    en: Case limit
    period: 九十日
    start_on: {events: go}
    extension: {id: k1, zh: 延长, en: Extended by the head, event: go, period: 30d, max_times: 3,
                cap: 60d, basis: 科学技术部令第20号 第五十一条第一款}
    basis: 科学技术部令第20号 第五十一条
  - {id: answer, zh: 答复, en: Answer, period: 七十二小时, start_on: {events: go},
     basis: 科学技术部令第20号 第三十六条}
  - {id: notice, zh: 告知, en: Notice, period: 5wd, start_on: {events: go},
     basis: 科学技术部令第20号 第三十九条}
"""


@pytest.fixture(scope="module")
def plans():
    return compile_process(load_text(PROCESS)).deadlines


def test_natural_days_roll_over_to_a_working_day(plans):
    """九十日 from 2023-07-03 ends 2023-10-01 (a holiday), so on 2023-10-07 (make-up workday)."""
    timer, change = dl.start(
        plans["case_limit"], on=date(2023, 7, 3), anchor=date(2023, 7, 3), calendar=CAL
    )
    assert timer.due == date(2023, 10, 7) and change.action is TimerAction.STARTED
    assert timer.period == "90d" and timer.status is TimerStatus.ARMED


def test_suspension_moves_the_due_date_by_the_days_that_no_longer_count(plans):
    """Suspended 2023-07-10 to 2023-07-19 (10 days, inclusive): 90 days from 07-03 end 10-11."""
    plan = plans["case_limit"]
    timer, _ = dl.start(plan, on=date(2023, 7, 3), anchor=date(2023, 7, 3), calendar=CAL)
    suspended, change = dl.suspend(plan, timer, at=datetime(2023, 7, 10, 9), calendar=CAL)
    assert (
        change.due is None
        and suspended.remaining == (date(2023, 10, 7) - date(2023, 7, 10)).days + 1
    )
    resumed, change = dl.resume(plan, suspended, at=datetime(2023, 7, 19, 15), calendar=CAL)
    # without rollover the 90th counted day is 10-01 + 10 = 10-11 (a Wednesday, a working day)
    assert resumed.due == change.due == date(2023, 10, 11)
    assert resumed.suspensions == ((date(2023, 7, 10), date(2023, 7, 19)),)


def test_extension_limits_count_and_cap(plans):
    """30 days at a time, at most 60 in all: the third is refused by the cap."""
    plan = plans["case_limit"]
    timer, _ = dl.start(plan, on=date(2023, 3, 1), anchor=date(2023, 3, 1), calendar=CAL)
    assert timer.due == date(2023, 5, 30)  # 03-01 + 90 days, a Tuesday
    once, change = dl.extend(plan, timer, on=date(2023, 5, 1), calendar=CAL)
    assert change.action is TimerAction.EXTENDED and once.due == date(
        2023, 6, 29
    )  # + 30 days, Thursday
    twice, _ = dl.extend(plan, once, on=date(2023, 6, 1), calendar=CAL)
    assert twice.due == date(2023, 7, 31)  # 07-29 is a Saturday: rolls to Monday 07-31
    assert dl.extension_refusal(plan, once) is None
    assert "extensions may total 60日 at most (90日 asked)" in (
        dl.extension_refusal(plan, twice) or ""
    )


def test_hours_are_exact_and_pause_between_instants(plans):
    """七十二小时 from 2023-09-28 10:00 ends 2023-10-01 10:00, holidays included.

    That last instant is still within the period (内 includes the number itself): it
    expires at the next instant, 10:00:00.000001.
    """
    plan = plans["answer"]
    timer, _ = dl.start(plan, on=date(2023, 9, 28), anchor=datetime(2023, 9, 28, 10), calendar=CAL)
    assert timer.due_at == datetime(2023, 10, 1, 10)
    assert timer.expires_at == datetime(2023, 10, 1, 10, 0, 0, 1)
    paused, _ = dl.suspend(plan, timer, at=datetime(2023, 9, 29, 10), calendar=CAL)
    assert paused.remaining == 48
    resumed, _ = dl.resume(plan, paused, at=datetime(2023, 10, 2, 8), calendar=CAL)
    assert resumed.due_at == datetime(2023, 10, 4, 8)


def test_meet_while_suspended_closes_the_interval(plans):
    """A deadline met while suspended: the open suspension ends that day."""
    plan = plans["notice"]
    timer, _ = dl.start(plan, on=date(2023, 9, 25), anchor=date(2023, 9, 25), calendar=CAL)
    paused, _ = dl.suspend(plan, timer, at=datetime(2023, 9, 26), calendar=CAL)
    met, change = dl.meet(plan, paused, on=date(2023, 9, 27))
    assert met.status is TimerStatus.MET and change.action is TimerAction.MET
    assert met.suspensions == ((date(2023, 9, 26), date(2023, 9, 27)),)


def test_extension_refused_when_not_running_or_expired(plans):
    """Only a running, unexpired deadline can be extended."""
    plan = plans["case_limit"]
    assert "is not running" in (dl.extension_refusal(plan, None) or "")
    timer, _ = dl.start(plan, on=date(2023, 3, 1), anchor=date(2023, 3, 1), calendar=CAL)
    late, change = dl.expire(plan, timer, on=date(2023, 5, 31), fired=False)
    assert late.status is TimerStatus.OVERDUE and change.action is TimerAction.OVERDUE
    assert "must be approved before it expires" in (dl.extension_refusal(plan, late) or "")
    assert "cannot be extended" in (dl.extension_refusal(plans["notice"], timer) or "")


TIE = """
id: tie
title: {zh: 同时届满, en: Simultaneous expiries}
roles:
  - {id: officer, zh: 执法人员, en: Officer}
events:
  - {id: filed, zh: 立案, en: Filed}
  - {id: noticed, zh: 告知, en: Noticed}
  - {id: first_elapsed, zh: 先届满, en: First elapsed}
  - {id: second_elapsed, zh: 后届满, en: Second elapsed}
states:
  - {id: open, zh: 受理, en: Open, initial: true, basis: 科学技术部令第20号 第二十一条}
  - {id: investigating, zh: 调查, en: Investigating, basis: 科学技术部令第20号 第二十二条}
  - {id: noticed, zh: 已告知, en: Noticed, basis: 科学技术部令第20号 第三十九条}
  - {id: first_won, zh: 先者, en: First won, final: true, basis: 科学技术部令第20号 第三十九条}
  - {id: second_won, zh: 后者, en: Second won, final: true, basis: 科学技术部令第20号 第五十一条}
transitions:
  - {id: filed, zh: 立案, en: File, event: filed, from: open, to: investigating, actor: officer,
     basis: 科学技术部令第20号 第二十一条}
  - {id: noticed, zh: 告知, en: Notice, event: noticed, from: investigating, to: noticed,
     actor: officer, basis: 科学技术部令第20号 第三十九条}
  - {id: first_elapsed, zh: 先届满, en: First elapsed, event: first_elapsed, from: noticed,
     to: first_won, basis: 科学技术部令第20号 第三十九条}
  - {id: second_elapsed, zh: 后届满, en: Second elapsed, event: second_elapsed,
     from: [investigating, noticed], to: second_won, basis: 科学技术部令第20号 第五十一条}
deadlines:
  # declared first, but started second (on `noticed`)
  - {id: first, zh: 先, en: First, period: 1d, rollover: false, start_on: {events: noticed},
     on_expiry: {fire: first_elapsed}, basis: 科学技术部令第20号 第三十九条}
  - {id: second, zh: 后, en: Second, period: 2d, rollover: false, start_on: {events: filed},
     on_expiry: {fire: second_elapsed}, basis: 科学技术部令第20号 第五十一条}
"""


def test_simultaneous_expiries_follow_the_declaration_order():
    """Two deadlines expiring at one instant expire in the order the process declares them."""
    from policyflow.runtime import apply, expire, start

    compiled = compile_process(load_text(TIE))
    case = start(compiled, "c1", {}, at=datetime(2023, 3, 1, 9)).snapshot
    case = apply(compiled, case, "filed", at=datetime(2023, 3, 1, 10)).snapshot  # second: 3-03
    case = apply(compiled, case, "noticed", at=datetime(2023, 3, 2, 10)).snapshot  # first: 3-03
    assert case.timer("first").due == case.timer("second").due == date(2023, 3, 3)
    steps = expire(compiled, case, now=datetime(2023, 3, 4))
    assert steps[0].entry.event == "first_elapsed"
    assert steps[-1].snapshot.state == "first_won"
    # one instant earlier, nothing has expired yet
    assert expire(compiled, case, now=datetime(2023, 3, 3, 23, 59)) == ()
