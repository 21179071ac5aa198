"""Counting rules on real holiday periods; expected dates derived by hand from the notices.

2023 notice (国办发明电〔2022〕16号 as published): 春节 1月21日至27日放假调休，1月28日
（星期六）、1月29日（星期日）上班; 劳动节 4月29日至5月3日，4月23日、5月6日上班;
中秋节、国庆节 9月29日至10月6日，10月7日、10月8日上班. 2024 春节 2月10日至17日,
2月4日、2月18日上班. 2026 国庆节 10月1日至7日, 9月20日、10月10日上班.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyflow import legaltime
from policyflow.errors import CalendarNotPublished, InvalidDate, InvalidPeriod
from policyflow.legaltime import Period, add_months

CAL = legaltime.china()


def day_by_day(start: date, n: int) -> date:
    """The oracle: walk forward one day at a time, counting working days."""
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if CAL.is_working_day(day):
            counted += 1
    return day


# ---- the start day is not counted (民法典 第二百零一条) -------------------------------------


def test_start_day_is_not_counted(cal):
    """From Monday 2023-10-09, 1 working day and 1 natural day both end Tuesday 10-10."""
    assert cal.due(date(2023, 10, 9), "1wd").date == date(2023, 10, 10)
    assert cal.due(date(2023, 10, 9), "1d").date == date(2023, 10, 10)


# ---- working days ---------------------------------------------------------------------------


def test_fifteen_working_days_across_national_day_2023(cal):
    """9-28 + 15wd: 10-07, 10-08 (make-up) 1–2; 10-09..13 3–7; 16..20 8–12; 23..25 13–15."""
    assert cal.due(date(2023, 9, 28), "十五个工作日").date == date(2023, 10, 25)
    assert cal.due(date(2023, 9, 28), "2wd").date == date(2023, 10, 8)  # a make-up Sunday
    assert cal.due(date(2023, 9, 28), "3wd").date == date(2023, 10, 9)


def test_anchor_2026_licence_decision(cal):
    """anchors.md §6: accepted 2026-09-18, 20 working days end 2026-10-22 (not 10-16, not 10-26)."""
    assert cal.due(date(2026, 9, 18), "20wd").date == date(2026, 10, 22)


def test_working_days_across_spring_festival_2023(cal):
    """1-19 + 5wd: 1-20 (1); 21–27 off; 28, 29 make-up (2, 3); 30 (4); 31 (5)."""
    assert cal.due(date(2023, 1, 19), "五个工作日").date == date(2023, 1, 31)
    assert cal.due(date(2023, 1, 20), "1wd").date == date(2023, 1, 28)  # below: Friday
    assert cal.due(date(2023, 1, 27), "1wd").date == date(2023, 1, 28)  # at: a shifted rest day
    assert cal.due(date(2023, 1, 28), "1wd").date == date(2023, 1, 29)  # above: from a make-up day


@given(st.dates(date(2004, 1, 1), date(2026, 6, 30)), st.integers(1, 120))
@settings(max_examples=300, deadline=None)
def test_lookup_equals_the_day_by_day_walk(start, n):
    """The table lookup gives the same day as walking the calendar one day at a time."""
    assert CAL.due(start, Period(n, legaltime.Unit.WORKING_DAY)).date == day_by_day(start, n)


@given(st.dates(date(2006, 1, 10), date(2026, 6, 30)), st.integers(1, 60))
@settings(max_examples=300, deadline=None)
def test_agrees_with_chinese_calendar_find_workday(start, n):
    """cal.due(S, N wd) equals chinese_calendar.find_workday(N - 1, S + 1 day).

    find_workday(N, S) first moves S to the next workday on or after S, so from a day off it
    ends one working day later than the law counts; starting it the day after S aligns it.
    """
    expected = chinese_calendar.find_workday(n - 1, start + timedelta(days=1))
    assert CAL.due(start, f"{n}wd").date == expected


def test_chinese_calendar_find_workday_counts_a_day_off_start_differently(cal):
    """From shifted rest day 2023-01-27, 1wd is 1-28; find_workday(1, ·) answers 1-29."""
    assert cal.due(date(2023, 1, 27), "1wd").date == date(2023, 1, 28)
    assert chinese_calendar.find_workday(1, date(2023, 1, 27)) == date(2023, 1, 29)


@given(st.dates(date(2004, 1, 1), date(2025, 12, 31)), st.integers(1, 250))
@settings(max_examples=300, deadline=None)
def test_before_mirrors_due_for_working_days(start, n):
    """before(due(S, Nwd), Nwd) == S whenever S is a working day."""
    if not CAL.is_working_day(start):
        start = CAL.due(start, "1wd").date
    assert CAL.before(CAL.due(start, f"{n}wd").date, f"{n}wd").date == start


@given(st.dates(date(2004, 1, 1), date(2025, 12, 31)), st.integers(1, 200))
@settings(max_examples=200, deadline=None)
def test_due_is_strictly_increasing_in_n(start, n):
    """One more working day always ends strictly later; a working-day due date is a working day."""
    a, b = CAL.due(start, f"{n}wd").date, CAL.due(start, f"{n + 1}wd").date
    assert a < b and CAL.is_working_day(a) and CAL.is_working_day(b)


# ---- natural days, months, years and rollover (第二百零二条, 第二百零三条) ------------------


def test_anchor_natural_days_roll_over_national_day_2026(cal):
    """anchors.md §6: 2026-09-16 + 15 days = 10-01 (国庆节); 10-01..07 off → ends 10-08."""
    result = cal.due(date(2026, 9, 16), "15d")
    assert result.date == date(2026, 10, 8)
    assert result.rolled_over_from == date(2026, 10, 1)
    no_roll = cal.due(date(2026, 9, 16), "15d", rollover=False)
    assert no_roll.date == date(2026, 10, 1) and no_roll.rolled_over_from is None


def test_rollover_lands_on_a_makeup_saturday(cal):
    """2023-01-10 + 12d = 1-22 (春节); 22–27 off; 1-28 is a make-up Saturday, a working day."""
    assert cal.due(date(2023, 1, 10), "12d").date == date(2023, 1, 28)
    assert cal.due(date(2023, 1, 10), "11d").date == date(2023, 1, 28)  # 1-21 Sat, 22–27 off
    assert cal.due(date(2023, 1, 10), "10d").date == date(2023, 1, 20)  # a Friday: no roll


def test_rollover_over_an_ordinary_weekend(cal):
    """2023-10-09 + 5d = Saturday 10-14 → Monday 10-16; + 4d = Friday 10-13 stays."""
    assert cal.due(date(2023, 10, 9), "5d").date == date(2023, 10, 16)
    assert cal.due(date(2023, 10, 9), "4d").date == date(2023, 10, 13)
    assert cal.due(date(2023, 10, 9), "7d").date == date(2023, 10, 16)  # Monday itself


def test_month_end_in_a_leap_year(cal):
    """第二百零二条: 2024-01-31 + 1 month = 2024-02-29; 2023-01-31 + 1 month = 2023-02-28."""
    assert cal.due(date(2024, 1, 31), "1mo").date == date(2024, 2, 29)
    assert cal.due(date(2024, 1, 31), "一个月", rollover=False).date == date(2024, 2, 29)
    assert cal.due(date(2023, 1, 31), "1mo").date == date(2023, 2, 28)
    assert cal.due(date(2024, 1, 30), "1mo").date == date(2024, 2, 29)
    assert cal.due(date(2024, 1, 29), "1mo").date == date(2024, 2, 29)
    assert cal.due(date(2024, 1, 28), "1mo").date == date(2024, 2, 28)


def test_years_from_a_leap_day(cal):
    """2024-02-29 + 1 year = 2025-02-28 (a Friday); + 4 years = 2028 is beyond the table."""
    assert cal.due(date(2024, 2, 29), "1y").date == date(2025, 2, 28)
    assert cal.due(date(2024, 2, 29), "4y", rollover=False).date == date(2028, 2, 29)


def test_month_period_rolls_over_labour_day_2023(cal):
    """2023-03-31 + 1 month = 4-30 (Sunday); 5-01 holiday, 5-02/03 shifted → ends Thursday 5-04."""
    assert cal.due(date(2023, 3, 31), "1mo").date == date(2023, 5, 4)
    assert cal.due(date(2023, 3, 31), "1mo", rollover=False).date == date(2023, 4, 30)


def test_ninety_day_case_limit(cal):
    """第五十一条: 立案 2023-03-01 + 90 days: 3-31 (+30), 4-30 (+60), 5-30 (+90), a Tuesday."""
    assert cal.due(date(2023, 3, 1), "九十日").date == date(2023, 5, 30)


def test_add_months_clamps_both_ways():
    """add_months moves forward and back, clamping to the month end."""
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2023, 12, 31), 2) == date(2024, 2, 29)
    assert add_months(date(2023, 5, 15), -17) == date(2021, 12, 15)
    with pytest.raises(InvalidPeriod):
        add_months(date(9999, 12, 1), 1)


# ---- hours ----------------------------------------------------------------------------------


def test_hours_are_clock_arithmetic(cal):
    """72小时 from 2023-09-28 10:00 ends 2023-10-01 10:00, a holiday: no rollover, no calendar."""
    result = cal.due(datetime(2023, 9, 28, 10, 0), "72小时")
    assert result.at == datetime(2023, 10, 1, 10, 0)
    assert result.date == date(2023, 10, 1)
    assert cal.due(date(2023, 9, 28), "72h").at == datetime(2023, 10, 1, 0, 0)
    # Hours never need the calendar, even past its end.
    assert cal.due(datetime(2026, 12, 31, 12), "24h").at == datetime(2027, 1, 1, 12)
    assert cal.before(datetime(2023, 10, 1, 10), "72h").at == datetime(2023, 9, 28, 10)


# ---- counting backwards ---------------------------------------------------------------------


def test_thirty_working_days_before_expiry(cal):
    """Before 2023-10-31: 10-30 (1), 27..23 (2–6), 20..16 (7–11), 13..09 (12–16), 10-08, 10-07
    (17, 18), 9-28..25 (19–22), 22..18 (23–27), 15, 14, 13 (28–30) → 2023-09-13."""
    result = cal.before(date(2023, 10, 31), "30wd")
    assert result.date == date(2023, 9, 13) and result.direction == "before"
    assert cal.before(date(2023, 10, 31), "29wd").date == date(2023, 9, 14)
    assert cal.before(date(2023, 10, 31), "31wd").date == date(2023, 9, 12)


def test_before_counts_make_up_days(cal):
    """The working day before Monday 2023-01-30 is the make-up Sunday 1-29."""
    assert cal.before(date(2023, 1, 30), "1wd").date == date(2023, 1, 29)
    assert cal.before(date(2023, 1, 28), "1wd").date == date(2023, 1, 20)


def test_before_natural_days_roll_back(cal):
    """2023-10-08 − 7 days = 10-01 (国庆节) → back to Thursday 9-28 (9-29 holiday, 9-30 Sat)."""
    result = cal.before(date(2023, 10, 8), "7d")
    assert result.date == date(2023, 9, 28) and result.rolled_over_from == date(2023, 10, 1)
    assert cal.before(date(2023, 10, 8), "7d", rollover=False).date == date(2023, 10, 1)
    assert cal.before(date(2023, 3, 31), "1mo").date == date(2023, 2, 28)


# ---- coverage and provisional mode --------------------------------------------------------


def test_last_countable_working_day_boundary(cal):
    """2026-12-10 + 15wd = 12-31 (Dec 11; 14–18; 21–25; 28–31); 16wd reaches 2027: refused."""
    assert cal.due(date(2026, 12, 10), "15wd").date == date(2026, 12, 31)
    with pytest.raises(CalendarNotPublished) as caught:
        cal.due(date(2026, 12, 10), "16wd")
    assert caught.value.year == 2027


def test_provisional_mode_counts_into_2027_and_says_so(provisional_cal):
    """2026-12-20 + 15wd: Dec 21–25 (5), 28–31 (9); 2027-01-01 元旦; Jan 4–8 (14); Jan 11 (15)."""
    result = provisional_cal.due(date(2026, 12, 20), "15wd")
    assert result.date == date(2027, 1, 11) and result.provisional
    assert not provisional_cal.due(date(2026, 9, 18), "20wd").provisional
    rolled = provisional_cal.due(date(2027, 1, 20), "14d")  # 2-03 Wed: an ordinary day
    assert rolled.date == date(2027, 2, 3) and rolled.provisional
    # 2027-01-22 + 14d = 2-05 除夕; 2-05..08 statutory; 2-06/07 weekend → Tuesday 2-09.
    assert provisional_cal.due(date(2027, 1, 22), "14d").date == date(2027, 2, 9)


def test_natural_days_without_rollover_need_no_calendar(cal):
    """With rollover=False a natural-day period is pure arithmetic: no year is refused."""
    result = cal.due(date(2026, 12, 20), "30d", rollover=False)
    assert result.date == date(2027, 1, 19) and not result.provisional
    with pytest.raises(CalendarNotPublished, match="2027"):
        cal.due(date(2026, 12, 20), "30d")


def test_start_before_the_table_is_refused(cal):
    """A working-day count from 2003 raises CalendarNotPublished(2003)."""
    with pytest.raises(CalendarNotPublished) as caught:
        cal.due(date(2003, 12, 31), "1wd")
    assert caught.value.year == 2003
    with pytest.raises(CalendarNotPublished) as caught:
        cal.before(date(2004, 1, 5), "3wd")  # 2004-01-02 is the first working day
    assert caught.value.year == 2003
    assert cal.before(date(2004, 1, 5), "1wd").date == date(2004, 1, 2)


def test_bad_inputs_raise_the_right_errors(cal):
    """A bad period, a non-date start or a bad extension raises the right InvalidInput."""
    with pytest.raises(InvalidPeriod):
        cal.due(date(2023, 1, 1), "15 wdx")
    with pytest.raises(InvalidDate):
        cal.due("2023-01-01", "15wd")  # type: ignore[arg-type]
    with pytest.raises(InvalidDate):
        cal.before("2023-01-01", "15wd")  # type: ignore[arg-type]
    with pytest.raises(InvalidPeriod):
        cal.due(date(2023, 1, 1), "15wd", extensions=["-1d"])


def test_datetime_start_counts_from_its_date(cal):
    """A datetime start counts working and natural days from its date."""
    assert cal.due(datetime(2023, 9, 28, 23, 59), "15wd").date == date(2023, 10, 25)
    assert cal.due(datetime(2023, 9, 28, 8), "3d").date == date(2023, 10, 7)  # 10-01 → 10-07
