"""Suspensions (intervals that do not count) and extensions, on real holiday periods."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from policyflow.errors import InvalidInterval
from policyflow.legaltime import Interval, merge_intervals

HEARING = Interval(date(2023, 9, 27), date(2023, 10, 9))


def test_interval_refuses_reversed_and_non_dates():
    """Interval(last < first) raises InvalidInterval; one day is fine; datetimes become dates."""
    assert Interval(date(2023, 1, 1), date(2023, 1, 1)).days == 1
    with pytest.raises(InvalidInterval, match="invalid interval 2023-10-10:2023-10-01: it ends"):
        Interval(date(2023, 10, 10), date(2023, 10, 1))
    with pytest.raises(InvalidInterval, match="is not a date"):
        Interval("2023-01-01", date(2023, 1, 2))  # type: ignore[arg-type]
    assert Interval(datetime(2023, 1, 1, 9), date(2023, 1, 2)).first == date(2023, 1, 1)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2023-10-01", None),
        ("2023-10-01:2023-10-03", None),
        ("2023-10-03:2023-10-01", "ends before it starts"),
        ("2023-10-01:", "expected FIRST:LAST"),
        ("2023-10-01:2023-10-02:2023-10-03", "expected FIRST:LAST"),
        ("2023-02-30:2023-03-01", "day is out of range"),
        ("yesterday", "Invalid isoformat"),
    ],
)
def test_interval_parse(text, fragment):
    """FIRST:LAST or one date parses; anything else raises InvalidInterval saying why."""
    if fragment is None:
        assert str(Interval.parse(text)).startswith(text.split(":")[0])
    else:
        with pytest.raises(InvalidInterval, match=fragment):
            Interval.parse(text)


def test_overlapping_and_touching_intervals_merge():
    """Overlaps and adjacent intervals merge, so each day counts once; gaps stay apart."""
    merged = merge_intervals(
        [
            (date(2023, 10, 1), date(2023, 10, 9)),
            Interval(date(2023, 9, 27), date(2023, 10, 3)),
            "2023-10-10:2023-10-11",
            (date(2023, 10, 20), date(2023, 10, 20)),
        ]
    )
    assert merged == (
        Interval(date(2023, 9, 27), date(2023, 10, 11)),
        Interval(date(2023, 10, 20), date(2023, 10, 20)),
    )
    with pytest.raises(InvalidInterval):
        merge_intervals([(date(2023, 1, 2), date(2023, 1, 1))])
    with pytest.raises(InvalidInterval, match="expected"):
        merge_intervals([42])  # type: ignore[list-item]


def test_working_day_suspension_across_national_day(cal):
    """9-25 + 15wd is 10-20 (9-26..28 1–3; 10-07..09 4–6; 10..13 7–10; 16..20 11–15).
    Suspended 9-27..10-09 loses 5 working days (9-27, 9-28, 10-07, 10-08, 10-09), so the
    count is 9-26 (1), 10-10..13 (2–5), 16..20 (6–10), 23..27 (11–15): 10-27, 5 working days on."""
    assert cal.due(date(2023, 9, 25), "15wd").date == date(2023, 10, 20)
    result = cal.due(date(2023, 9, 25), "15wd", suspensions=[HEARING])
    assert result.date == date(2023, 10, 27)
    assert cal.working_days_between(date(2023, 10, 20), date(2023, 10, 27)) == 5
    assert result.suspensions == (HEARING,)


def test_overlapping_suspensions_count_once(cal):
    """Two overlapping intervals covering 9-27..10-09 give the same due date as one."""
    split = [(date(2023, 9, 27), date(2023, 10, 3)), (date(2023, 10, 1), date(2023, 10, 9))]
    assert cal.due(date(2023, 9, 25), "15wd", suspensions=split).date == date(2023, 10, 27)
    twice = [HEARING, HEARING]
    assert cal.due(date(2023, 9, 25), "15wd", suspensions=twice).date == date(2023, 10, 27)


def test_suspending_only_days_off_changes_nothing(cal):
    """Suspending 9-29..10-06 (all holidays) leaves a working-day due date at 10-20."""
    off = [(date(2023, 9, 29), date(2023, 10, 6))]
    assert cal.due(date(2023, 9, 25), "15wd", suspensions=off).date == date(2023, 10, 20)


def test_suspension_boundaries(cal):
    """Before the start: no effect. On the start day and the next: loses 9-26 only → 10-23.
    Right after the due date: no effect. On the due date itself: moves it one working day."""
    start = date(2023, 9, 25)
    assert cal.due(start, "15wd", suspensions=[(date(2023, 9, 1), date(2023, 9, 25))]).date == date(
        2023, 10, 20
    )
    assert cal.due(
        start, "15wd", suspensions=[(date(2023, 9, 25), date(2023, 9, 26))]
    ).date == date(2023, 10, 23)
    assert cal.due(
        start, "15wd", suspensions=[(date(2023, 10, 21), date(2023, 10, 30))]
    ).date == date(2023, 10, 20)
    assert cal.due(
        start, "15wd", suspensions=[(date(2023, 10, 20), date(2023, 10, 20))]
    ).date == date(2023, 10, 23)


def test_natural_day_suspension_across_national_day(cal):
    """9-01 + 90 days = 11-30 (Thu). Suspended 9-28..10-08 (11 days) → 12-11 (Monday)."""
    assert cal.due(date(2023, 9, 1), "90d").date == date(2023, 11, 30)
    hearing = [(date(2023, 9, 28), date(2023, 10, 8))]
    assert cal.due(date(2023, 9, 1), "90d", suspensions=hearing).date == date(2023, 12, 11)


def test_suspension_then_rollover(cal):
    """2023-01-10 + 30d = 2-09; suspended 1-20..1-30 (11 days) → 2-20 (Monday), no roll needed.
    Suspended 1-20..1-29 (10 days) → 2-19, a Sunday → rolls to 2-20."""
    long = [(date(2023, 1, 20), date(2023, 1, 30))]
    assert cal.due(date(2023, 1, 10), "30d", suspensions=long).date == date(2023, 2, 20)
    short = cal.due(date(2023, 1, 10), "30d", suspensions=[(date(2023, 1, 20), date(2023, 1, 29))])
    assert short.date == date(2023, 2, 20) and short.rolled_over_from == date(2023, 2, 19)


def test_rollover_skips_a_suspension_starting_after_the_holiday(cal):
    """2023-09-16 + 15d = 10-01; roll to 10-07, but 10-07..10-09 is suspended → 10-10."""
    result = cal.due(date(2023, 9, 16), "15d", suspensions=[(date(2023, 10, 7), date(2023, 10, 9))])
    assert result.date == date(2023, 10, 10)


def test_hour_suspension_skips_whole_days(cal):
    """72h from 2023-09-28 10:00 with 9-29..9-30 suspended ends 10-03 10:00 (48h later)."""
    result = cal.due(
        datetime(2023, 9, 28, 10), "72h", suspensions=[(date(2023, 9, 29), date(2023, 9, 30))]
    )
    assert result.at == datetime(2023, 10, 3, 10)


def test_extension_counts_on_from_the_current_due_date(cal):
    """9-28 + 15wd = 10-25; + 10wd: 10-26, 27, 30, 31, 11-01..03, 06, 07, 08 → 11-08."""
    base = cal.due(date(2023, 9, 28), "15wd")
    extended = base.extend("10wd")
    assert extended.date == date(2023, 11, 8)
    assert extended.extensions == (base.period.parse("10wd"),)
    assert cal.due(date(2023, 9, 28), "15wd", extensions=["10wd"]) == extended
    # twice: + 1wd more → 11-09
    assert extended.extend("1wd").date == date(2023, 11, 9)


def test_extension_of_a_ninety_day_limit(cal):
    """3-01 + 90d = 5-30; extended 30 days → 6-29 (Thursday, ordinary)."""
    assert cal.due(date(2023, 3, 1), "90d").extend("三十日").date == date(2023, 6, 29)


def test_extension_skips_suspended_days(cal):
    """9-25 + 5wd: 9-26, 27, 28, 10-07, 10-08 → 10-08. With 10-09..10-13 suspended, a 5wd
    extension counts 10-16..20 → 10-20."""
    base = cal.due(date(2023, 9, 25), "5wd", suspensions=[(date(2023, 10, 9), date(2023, 10, 13))])
    assert base.date == date(2023, 10, 8)
    assert base.extend("5wd").date == date(2023, 10, 20)


def test_extension_past_the_calendar_is_refused(cal):
    """Extending into 2027 raises CalendarNotPublished (no silent estimate)."""
    from policyflow.errors import CalendarNotPublished

    with pytest.raises(CalendarNotPublished):
        cal.due(date(2026, 12, 1), "10wd").extend("30wd")
