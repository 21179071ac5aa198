"""The runtime on the four format extensions, on the permit fixture and a small seizure process.

Expected dates are derived by hand from the State Council holiday notices: 2023-09-29 to
2023-10-06 are holidays and 2023-10-07/08 make-up working days; 2025-05-31 to 06-02 are the
端午节 holidays; 2027 is not published (the shipped calendar ends with 2026).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from policyflow.definition.loader import load_text
from policyflow.errors import CalendarNotPublished, GuardFailed, InvalidInput
from policyflow.legaltime import china, load_calendar
from policyflow.runtime import (
    TimerAction,
    TimerStatus,
    allowed,
    apply,
    compile_process,
    enabled,
    expire,
)

from .conftest import begin, run

MON_0925 = datetime(2023, 9, 25, 10, 0)


def actions(step):
    return [(c.deadline, c.action, c.due) for c in step.entry.timer_changes]


def under_review(permit, **changes):
    return run(permit, begin(permit, MON_0925, **changes), ("accepted", datetime(2023, 9, 28, 10)))


def granted(permit, valid_until: str | None, at: datetime = datetime(2023, 11, 2, 10)):
    payload = {"permit_no": "P-7", "served_on": "2023-10-31"}
    if valid_until is not None:
        payload["valid_until"] = valid_until
    return run(permit, under_review(permit, budget="5000.00"), ("granted", at, payload))


# --- 1. legal time inside CEL ---------------------------------------------------------


def test_assignment_counts_working_days_on_the_calendar(permit):
    """accepted on Thu 2023-09-28: add_working_days(today, 20) is 2023-11-01."""
    # 10-07, 10-08 (2), 10-09..13 (7), 16..20 (12), 23..27 (17), 30, 31, 11-01 (20)
    step = under_review(permit)
    assert step.snapshot.data["decision_due_on"] == date(2023, 11, 1)
    # the same day the review deadline falls due: both count on the same calendar
    assert step.snapshot.timer("review_decision").due == date(2023, 11, 1)


SEIZURE = """\
title: {zh: 查封, en: Seizure}
fields:
  - {id: seized_on, zh: 查封日期, en: Seized on, type: date, required: false}
  - {id: review_by, zh: 复查日, en: Review by, type: date, required: false}
  - {id: valid_until, zh: 期限至, en: Until, type: date, required: false}
events:
  - id: seized
    zh: 查封
    en: Seized
    payload:
      - {id: until, zh: 期限至, en: Until, type: date, required: false}
      - {id: watch, zh: 监督, en: Watch, type: bool, default: true}
  - id: extended
    zh: 延长
    en: Extended
    payload: [{id: days, zh: 日数, en: Days, type: int, required: false}]
  - {id: checked, zh: 复查, en: Checked}
  - {id: released, zh: 解除, en: Released}
states:
  - {id: open, zh: 立案, en: Open, initial: true, basis: 科学技术部令第20号 第二十一条}
  - {id: held, zh: 查封中, en: Held, basis: 科学技术部令第20号 第三十三条}
  - {id: done, zh: 解除, en: Done, final: true, basis: 科学技术部令第20号 第三十三条}
transitions:
  - id: seized
    zh: 查封
    en: Seize
    event: seized
    from: [open, held]
    to: held
    assign: {seized_on: today, review_by: "add_working_days(today, 3)", valid_until: payload.until}
    basis: 科学技术部令第20号 第三十三条
  - {id: extended, zh: 延长, en: Extend, event: extended, from: held,
     basis: 科学技术部令第20号 第三十三条}
  - id: checked
    zh: 复查
    en: Check
    event: checked
    from: held
    guard: {id: is_on_a_working_day, zh: 工作日复查, en: "checks are made on working days",
            when: is_working_day(today), basis: 科学技术部令第20号 第三十三条}
    basis: 科学技术部令第20号 第三十三条
  - {id: released, zh: 解除, en: Release, event: released, from: held, to: done,
     basis: 科学技术部令第20号 第三十三条}
deadlines:
  - id: seizure_limit
    zh: 查封期限
    en: Seizure limit
    period: 三十日
    start_on: {events: seized, when: payload.until == null}
    met_by: {enter: done}
    extension:
      id: approved_extension
      zh: 延长期限不得超过三十日
      en: An extension may not exceed thirty days
      event: extended
      period: 三十日
      period_from: payload.days
      max_times: 2
      cap: 三十日
      basis: 科学技术部令第20号 第三十三条
    basis: 科学技术部令第20号 第三十三条
  - id: seizure_term
    zh: 决定载明的查封期限
    en: Seizure term stated in the decision
    ends_on: valid_until
    start_on: {events: seized, when: valid_until != null && payload.watch}
    met_by: {enter: done}
    basis: 科学技术部令第20号 第三十三条
"""


@pytest.fixture(scope="module")
def seizure():
    return compile_process(load_text(SEIZURE, "seizure.yaml"))


def seize(seizure, at: datetime, until: str | None = None, calendar=None, **payload):
    step = apply(
        seizure,
        _started(seizure, at).snapshot,
        "seized",
        {**({"until": until} if until else {}), **payload},
        at=at,
        calendar=calendar,
    )
    return step


def _started(seizure, at):
    from policyflow.runtime import start

    return start(seizure, "s-1", {}, at=at)


def test_calendar_given_to_the_runtime_counts_inside_cel(seizure):
    """add_working_days in an assignment uses apply's calendar; china() refuses 2027."""
    # (a stated end date in 2026, so that only the assignment counts into 2027)
    at = datetime(2026, 12, 28, 10)
    # 3 working days after Mon 12-28: 29, 30, 31
    step = seize(seizure, at, until="2026-12-31")
    assert step.snapshot.data["review_by"] == date(2026, 12, 31)
    late = datetime(2026, 12, 30, 10)
    with pytest.raises(CalendarNotPublished) as caught:
        seize(seizure, late, until="2026-12-31")  # review_by reaches 2027
    assert caught.value.year == 2027
    # provisional 2027: 12-31 (1), 01-01 元旦, 01-02/03 weekend, 01-04 (2), 01-05 (3)
    step = seize(seizure, late, until="2026-12-31", calendar=china(provisional=True))
    assert step.snapshot.data["review_by"] == date(2027, 1, 5)


def test_guard_with_legal_time_refuses_on_a_holiday_and_surfaces_unpublished_years(seizure):
    """is_working_day(today): false on 国庆节 (GuardFailed with basis); 2027 is not a refusal."""
    held = seize(seizure, datetime(2023, 9, 25, 10)).snapshot
    with pytest.raises(GuardFailed, match="checks are made on working days") as caught:
        apply(seizure, held, "checked", at=datetime(2023, 10, 2, 10))  # a holiday Monday
    assert caught.value.basis == "科学技术部令第20号 第三十三条"
    assert apply(seizure, held, "checked", at=datetime(2023, 10, 7, 10)).snapshot.version == 3
    assert not {a.event: a.ok for a in allowed(seizure, held, at=datetime(2023, 10, 2))}["checked"]
    assert "checked" not in enabled(seizure, held, at=datetime(2023, 10, 2))
    assert "checked" in enabled(seizure, held, at=datetime(2023, 10, 7))
    with pytest.raises(CalendarNotPublished):
        apply(seizure, held, "checked", at=datetime(2027, 1, 4, 10))
    for ask in (allowed, enabled):  # the simulator's question answers as allowed() does
        with pytest.raises(CalendarNotPublished):
            ask(seizure, held, at=datetime(2027, 1, 4))
    assert allowed(
        seizure, held, at=datetime(2027, 1, 4), calendar=china(provisional=True)
    )  # provisional: decided, no error


# --- 2. extension length from the payload ----------------------------------------------


@pytest.mark.parametrize(("days", "due"), [(9, date(2023, 11, 14)), (10, date(2023, 11, 15))])
def test_head_approves_up_to_ten_working_days(permit, days, due):
    """行政许可法 第四十二条: 可以延长十日 — 10 is allowed (不超过 includes it)."""
    # 20 wd after 09-28 ends 11-01; then 11-02, 03, 06..10, 13, 14 (9), 15 (10)
    step = run(
        permit,
        under_review(permit),
        ("review_extended", datetime(2023, 10, 9), {"approved_by_head": True, "days": days}),
    )
    assert actions(step) == [("review_decision", TimerAction.EXTENDED, due)]
    assert step.snapshot.timer("review_decision").extensions == (f"{days}wd",)


@pytest.mark.parametrize("days", [11, 0, -1])
def test_an_extension_beyond_the_maximum_is_refused_and_changes_nothing(permit, days):
    """11 working days exceeds 十个工作日; 0 or less adds nothing: GuardFailed with the basis."""
    before = under_review(permit).snapshot
    with pytest.raises(GuardFailed) as caught:
        apply(
            permit,
            before,
            "review_extended",
            {"approved_by_head": True, "days": days},
            at=datetime(2023, 10, 9),
        )
    expected = "may add 10个工作日 at most" if days > 0 else "adds at least 1个工作日"
    assert expected in str(caught.value)
    assert f"({days}个工作日 asked)" in str(caught.value)
    assert caught.value.basis == "中华人民共和国行政许可法 第四十二条第一款"
    assert before.timer("review_decision").extensions == ()


def test_extensions_from_the_payload_respect_the_cap(seizure):
    """三十日 in all: 20 + 10 reaches the cap (included); 20 + 11 goes beyond it."""
    held = seize(seizure, datetime(2023, 9, 1, 10)).snapshot
    # 09-01 + 30 days = 10-01 (国庆节): rolls over to the make-up day 10-07
    assert held.timer("seizure_limit").due == date(2023, 10, 7)
    first = apply(seizure, held, "extended", {"days": 20}, at=datetime(2023, 9, 20))
    # 10-07 + 20 days = 10-27 (Fri)
    assert first.snapshot.timer("seizure_limit").due == date(2023, 10, 27)
    with pytest.raises(GuardFailed, match=r"extensions may total 30日 at most \(31日 asked\)"):
        apply(seizure, first.snapshot, "extended", {"days": 11}, at=datetime(2023, 9, 21))
    second = apply(seizure, first.snapshot, "extended", {"days": 10}, at=datetime(2023, 9, 21))
    # 10-27 + 10 days = 11-06 (Mon)
    assert second.snapshot.timer("seizure_limit").due == date(2023, 11, 6)
    assert second.snapshot.timer("seizure_limit").extensions == ("20d", "10d")


def test_a_missing_length_is_refused(seizure):
    """No days in the payload: refused, naming the expression."""
    held = seize(seizure, datetime(2023, 9, 1, 10)).snapshot
    with pytest.raises(GuardFailed, match=r"the extension's length 'payload.days' is not given"):
        apply(seizure, held, "extended", {}, at=datetime(2023, 9, 20))


# --- 3. a deadline that ends on a date ------------------------------------------------


def test_permit_term_ends_on_the_stated_date_and_fires_expiry(permit):
    """valid_until Sat 2025-06-28, no rollover: due that day, expired at 06-29 00:00."""
    step = granted(permit, "2025-06-28")
    assert date(2025, 6, 28).weekday() == 5
    assert actions(step)[-1] == ("permit_term", TimerAction.STARTED, date(2025, 6, 28))
    timer = step.snapshot.timer("permit_term")
    assert timer.period == "until 2025-06-28" and timer.started_on == date(2023, 11, 2)
    assert step.snapshot.timer("permit_validity") is None  # its start condition is false
    assert expire(permit, step.snapshot, now=datetime(2025, 6, 28, 23, 59)) == ()
    (fired,) = expire(permit, step.snapshot, now=datetime(2025, 7, 1))
    assert fired.entry.event == "permit_expired" and fired.entry.at == datetime(2025, 6, 29)
    assert fired.snapshot.state == "expired"


def test_extension_adds_its_period_to_the_date(permit):
    """term_extended by 30 days: 2025-06-28 + 30 = 2025-07-28; beyond 九十日 in all refused."""
    live = granted(permit, "2025-06-28").snapshot
    step = apply(permit, live, "term_extended", {"days": 30}, at=datetime(2024, 3, 1))
    assert actions(step) == [("permit_term", TimerAction.EXTENDED, date(2025, 7, 28))]
    with pytest.raises(GuardFailed, match=r"extensions may total 90日 at most \(91日 asked\)"):
        apply(permit, step.snapshot, "term_extended", {"days": 61}, at=datetime(2024, 3, 2))
    # 07-28 + 60 = 09-26 (the cap of ninety days reached exactly)
    last = apply(permit, step.snapshot, "term_extended", {"days": 60}, at=datetime(2024, 3, 2))
    assert last.snapshot.timer("permit_term").due == date(2025, 9, 26)


def test_ends_on_rolls_over_when_declared(seizure):
    """rollover (the default): an end date on 国庆节 2023-10-01 moves to the make-up 10-07."""
    step = seize(seizure, datetime(2023, 9, 1, 10), until="2023-10-01")
    timer = step.snapshot.timer("seizure_term")
    assert timer.due == date(2023, 10, 7) and timer.status is TimerStatus.ARMED
    assert step.snapshot.timer("seizure_limit") is None  # start condition false: until given


def test_renewal_guard_counts_thirty_days_before_the_stated_end(permit):
    """行政许可法 第五十条: 届满三十日前 — before(2025-06-28, '三十日') is Thu 2025-05-29."""
    live = granted(permit, "2025-06-28").snapshot
    ok = apply(permit, live, "renewal_applied", at=datetime(2025, 5, 29, 17))
    assert ok.snapshot.state == "renewal_review"
    with pytest.raises(GuardFailed, match=r"valid until: 2025-06-28\)") as caught:
        apply(permit, live, "renewal_applied", at=datetime(2025, 5, 30, 9))
    assert "is_thirty_days_before_end" in str(caught.value)
    assert caught.value.basis == "中华人民共和国行政许可法 第五十条第一款"


# --- 4. conditional starts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "children"), [("999999.99", 0), ("1000000.00", 1), ("1000000.01", 1)]
)
def test_child_starts_only_when_its_condition_holds(permit, budget, children):
    """以上 includes ¥1,000,000.00: from there an on-site inspection case is started."""
    step = run(
        permit, under_review(permit, budget=budget), ("inspection_ordered", datetime(2023, 10, 9))
    )
    assert len(step.spawn) == children
    assert step.snapshot.data["budget"] == Decimal(budget)


def test_a_false_start_condition_leaves_a_running_deadline_alone(seizure):
    """Seized again with a stated end date: seizure_limit is neither restarted nor cancelled."""
    first = seize(seizure, datetime(2023, 9, 1, 10))
    again = apply(
        seizure, first.snapshot, "seized", {"until": "2023-12-29"}, at=datetime(2023, 9, 4, 10)
    )
    assert actions(again) == [("seizure_term", TimerAction.STARTED, date(2023, 12, 29))]
    assert again.snapshot.timer("seizure_limit") == first.snapshot.timer("seizure_limit")
    quiet = apply(
        seizure,
        first.snapshot,
        "seized",
        {"until": "2023-12-29", "watch": False},
        at=datetime(2023, 9, 4, 10),
    )
    assert actions(quiet) == []  # both conditions false: nothing starts, nothing stops


def test_a_start_condition_that_cannot_be_evaluated_is_a_clear_error(seizure):
    """A condition comparing a date with null fails loudly, naming the deadline."""
    bad = SEIZURE.replace(
        "when: valid_until != null && payload.watch", "when: valid_until > seized_on"
    )
    compiled = compile_process(load_text(bad, "seizure.yaml"))
    held = _started(compiled, datetime(2023, 9, 1)).snapshot
    with pytest.raises(InvalidInput, match="deadline 'seizure_term': start condition"):
        apply(compiled, held, "seized", {}, at=datetime(2023, 9, 1, 10))


def test_a_stated_date_needs_the_calendar_only_to_roll_over(permit, seizure):
    """rollover: false takes 2030-06-30 as stated; rollover into unpublished 2027 is refused."""
    step = granted(permit, "2030-06-30")
    assert step.snapshot.timer("permit_term").due == date(2030, 6, 30)
    with pytest.raises(CalendarNotPublished):
        seize(seizure, datetime(2026, 12, 1, 10), until="2027-03-01")


def test_enabled_answers_for_the_calendar_it_is_given(seizure, tmp_path):
    """enabled() remembers answers, but by calendar too: a local holiday on 10-09 says no."""
    held = seize(seizure, datetime(2023, 9, 25, 10)).snapshot
    on_1009 = datetime(2023, 10, 9)
    assert "checked" in enabled(seizure, held, at=on_1009)  # asked first: remembered
    path = tmp_path / "local.txt"
    path.write_text("2023-10-09 statutory_holiday 地方假日\n", encoding="utf-8")
    local = load_calendar(path)
    assert "checked" not in enabled(seizure, held, at=on_1009, calendar=local)
    assert "checked" in enabled(seizure, held, at=on_1009, calendar=china())
