"""Explanations: every day between start and due date, counted or skipped, and why."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from policyflow.legaltime import DayKind, DayStatus, DueDate


def test_explains_fifteen_working_days_across_national_day(cal):
    """9-28 + 15wd: 9-29..10-06 skipped with their kinds; 10-07 is count 1; 10-25 is 15."""
    explanation = cal.due(date(2023, 9, 28), "15wd").explain()
    days = {d.date: d for d in explanation.days}
    assert min(days) == date(2023, 9, 29) and max(days) == date(2023, 10, 25)
    assert len(days) == 27  # 9-29..10-25 inclusive
    assert days[date(2023, 9, 29)].status is DayStatus.SKIPPED
    assert days[date(2023, 9, 29)].kind is DayKind.STATUTORY_HOLIDAY
    assert days[date(2023, 9, 29)].name == "中秋节"
    assert days[date(2023, 10, 5)].kind is DayKind.SHIFTED_REST_DAY
    assert days[date(2023, 10, 7)].kind is DayKind.MAKEUP_WORKDAY
    assert days[date(2023, 10, 7)].number == 1
    assert days[date(2023, 10, 25)].number == 15
    assert explanation.counted == 15
    assert len(explanation.skipped) == 12  # 8 days off + two weekends of 2
    assert any("第二百零一条" in b for b in explanation.basis)
    assert any("第六十五条" in b for b in explanation.basis)


def test_runs_group_consecutive_days(cal):
    """Runs merge 10-01..10-03 (国庆节) and 10-09..10-13 (counts 3–7)."""
    runs = cal.due(date(2023, 9, 28), "15wd").explain().runs()
    national = next(r for r in runs if r.name == "国庆节")
    assert (national.first, national.last, national.days) == (
        date(2023, 10, 1),
        date(2023, 10, 3),
        3,
    )
    week = next(r for r in runs if r.first == date(2023, 10, 9))
    assert (week.last, week.first_number, week.last_number) == (date(2023, 10, 13), 3, 7)


def test_explains_rollover_and_cites_article_203(cal):
    """2026-09-16 + 15d: 15 days counted, 10-01..10-07 rolled over, basis cites 第二百零三条."""
    explanation = cal.due(date(2026, 9, 16), "15d").explain()
    rolled = [d.date for d in explanation.days if d.status is DayStatus.ROLLED_OVER]
    assert rolled[0] == date(2026, 10, 2) and rolled[-1] == date(2026, 10, 8)
    assert explanation.counted == 15
    assert any("第二百零三条" in b for b in explanation.basis)
    plain = cal.due(date(2023, 10, 9), "4d").explain()
    assert not any("第二百零三条" in b for b in plain.basis)


def test_explains_suspended_days(cal):
    """Suspended days are marked suspended and cite 第五十一条; counted days still total N."""
    result = cal.due(
        date(2023, 9, 25), "15wd", suspensions=[(date(2023, 9, 27), date(2023, 10, 9))]
    )
    explanation = result.explain()
    suspended = [d.date for d in explanation.days if d.status is DayStatus.SUSPENDED]
    assert suspended[0] == date(2023, 9, 27) and suspended[-1] == date(2023, 10, 9)
    assert len(suspended) == 13
    assert explanation.counted == 15
    assert any("第五十一条" in b for b in explanation.basis)


def test_explains_extensions_as_later_steps(cal):
    """An extension's days are step 1, numbered from 1 again."""
    explanation = cal.due(date(2023, 9, 28), "15wd").extend("10wd").explain()
    step1 = [d for d in explanation.days if d.step == 1 and d.status is DayStatus.COUNTED]
    assert step1[0].date == date(2023, 10, 26) and step1[0].number == 1
    assert step1[-1].date == date(2023, 11, 8) and step1[-1].number == 10
    assert explanation.counted == 25


def test_explains_counting_backwards(cal):
    """before(10-31, 30wd): days 9-13..10-30, the count running back from 10-30 (1) to 9-13 (30)."""
    explanation = cal.before(date(2023, 10, 31), "30wd").explain()
    days = {d.date: d for d in explanation.days}
    assert min(days) == date(2023, 9, 13) and max(days) == date(2023, 10, 30)
    assert days[date(2023, 10, 30)].number == 1 and days[date(2023, 9, 13)].number == 30
    assert days[date(2023, 10, 1)].status is DayStatus.SKIPPED
    assert explanation.direction == "before"


def test_hours_explain_with_a_note(cal):
    """Hour periods list no days; a note says they are clock arithmetic."""
    explanation = cal.due(datetime(2023, 9, 28, 10), "72h").explain()
    assert explanation.days == ()
    assert "exact clock arithmetic" in explanation.notes[0]


def test_explanation_and_due_date_are_json_ready(cal):
    """to_dict() of both serialises with json.dumps and carries due and provisional."""
    result = cal.due(
        date(2023, 9, 28), "15wd", suspensions=[(date(2023, 10, 9), date(2023, 10, 9))]
    )
    data = result.to_dict()
    assert data["due"] == "2023-10-26" and data["provisional"] is False
    assert data["suspensions"] == ["2023-10-09:2023-10-09"]
    text = json.dumps(result.explain().to_dict(), ensure_ascii=False)
    assert '"status": "suspended"' in text


def test_due_date_is_immutable_and_comparable(cal):
    """A DueDate cannot be changed; equal computations are equal and hash alike."""
    a = cal.due(date(2023, 9, 28), "15wd")
    b = cal.due(date(2023, 9, 28), "十五个工作日")
    assert a == b and hash(a) == hash(b) and a != cal.due(date(2023, 9, 28), "16wd")
    with pytest.raises(AttributeError, match="immutable"):
        a.date = date(2023, 1, 1)  # type: ignore[misc]
    assert isinstance(a, DueDate) and str(a) == "2023-10-25"
    assert (a == "2023-10-25") is False


def test_provisional_results_say_so(provisional_cal):
    """A provisional result's str and dict say provisional."""
    result = provisional_cal.due(date(2026, 12, 20), "15wd")
    assert str(result) == "2027-01-11 (provisional)"
    assert result.to_dict()["provisional"] is True
    assert result.explain().provisional
