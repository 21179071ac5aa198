"""Business times outside the calendar's years are refused before anything is written."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from policyflow.errors import InvalidDate

DATA = {"applicant": "甲公司"}


@pytest.mark.parametrize(
    "at", [datetime(2003, 12, 31, 23, 59), datetime(2061, 1, 1), date(9999, 12, 31)]
)
def test_start_outside_2004_to_2060_is_refused_and_creates_nothing(engine, tiny_path, at):
    """Before the calendar's first year, or past the provisional horizon: refused."""
    with pytest.raises(
        InvalidDate, match="outside the years legal time can be counted in: 2004–2060"
    ):
        engine.start(tiny_path, DATA, at=at)
    assert engine.cases() == []


@pytest.mark.parametrize("at", [datetime(2004, 1, 1), datetime(2023, 9, 28, 10)])
def test_start_within_the_years_is_accepted(engine, tiny_path, at):
    """2004-01-01 00:00 is the first business time accepted."""
    assert engine.start(tiny_path, DATA, at=at).state == "submitted"


def test_fire_and_tick_in_year_9999_are_refused_and_change_nothing(engine, tiny_path):
    """The event and the sweep are refused; the case keeps its version."""
    case = engine.start(tiny_path, DATA, at=datetime(2023, 9, 28, 10))
    with pytest.raises(InvalidDate, match="event time 9999-01-01 00:00"):
        engine.fire(case.id, "accepted", at=datetime(9999, 1, 1))
    with pytest.raises(InvalidDate, match="tick time"):
        engine.tick(now=datetime(9999, 1, 1))
    assert engine.get(case.id).version == case.version
