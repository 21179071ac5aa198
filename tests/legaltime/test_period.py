"""Periods: the short forms, ISO 8601 and the sources' own wording."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyflow.errors import InvalidPeriod
from policyflow.legaltime import Period, Unit


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("15wd", 15, Unit.WORKING_DAY),
        ("30d", 30, Unit.DAY),
        ("3mo", 3, Unit.MONTH),
        ("1y", 1, Unit.YEAR),
        ("72h", 72, Unit.HOUR),
        (" 15 WD ", 15, Unit.WORKING_DAY),
        ("１５ｗｄ", 15, Unit.WORKING_DAY),  # full-width, as pasted from a Chinese document
        ("P30D", 30, Unit.DAY),
        ("P3M", 3, Unit.MONTH),
        ("P1Y", 1, Unit.YEAR),
        ("PT72H", 72, Unit.HOUR),
        ("十五个工作日", 15, Unit.WORKING_DAY),
        ("三十日", 30, Unit.DAY),
        ("九十日", 90, Unit.DAY),
        ("三个月", 3, Unit.MONTH),
        ("五年", 5, Unit.YEAR),
        ("72小时", 72, Unit.HOUR),
        ("七十二小时", 72, Unit.HOUR),
        ("15个工作日", 15, Unit.WORKING_DAY),
        ("30日", 30, Unit.DAY),
        ("3个月", 3, Unit.MONTH),
        ("30天", 30, Unit.DAY),
        ("三十个自然日", 30, Unit.DAY),
        ("十五个工作日内", 15, Unit.WORKING_DAY),
        ("两个月", 2, Unit.MONTH),
        ("一百二十日", 120, Unit.DAY),
        ("一千零五日", 1005, Unit.DAY),
        ("十二个月", 12, Unit.MONTH),
    ],
)
def test_parses_every_accepted_form(text, amount, unit):
    """Short forms, ISO 8601 and the articles' wording all give the same Period."""
    assert Period.parse(text) == Period(amount, unit)


def test_canonical_text_round_trips_and_renders():
    """str() is canonical; .zh and .iso8601 render the period; working days have no ISO form."""
    period = Period(15, Unit.WORKING_DAY)
    assert str(period) == "15wd" and Period.parse(str(period)) == period
    assert period.zh == "15个工作日" and period.iso8601 is None
    assert Period(30, Unit.DAY).iso8601 == "P30D" and Period(30, Unit.DAY).zh == "30日"
    assert Period(3, Unit.MONTH).iso8601 == "P3M" and Period(3, Unit.MONTH).zh == "3个月"
    assert Period(1, Unit.YEAR).iso8601 == "P1Y"
    assert Period(72, Unit.HOUR).iso8601 == "PT72H" and Period(72, Unit.HOUR).zh == "72小时"


@given(st.integers(1, 9999), st.sampled_from(list(Unit)))
def test_every_period_round_trips_through_its_forms(amount, unit):
    """str, zh and iso8601 all parse back to the same period."""
    period = Period(amount, unit)
    assert Period.parse(str(period)) == period
    assert Period.parse(period.zh) == period
    if period.iso8601 is not None:
        assert Period.parse(period.iso8601) == period


def test_parse_is_cached():
    """The same text gives the very same object (Period.parse is cached)."""
    assert Period.parse("十五个工作日") is Period.parse("十五个工作日")


def test_amount_boundaries():
    """1 and 9999 are accepted; 0 and 10000 are refused; negatives are refused."""
    assert Period.parse("1d").amount == 1 and Period.parse("9999d").amount == 9999
    with pytest.raises(InvalidPeriod, match="at least 1"):
        Period.parse("0d")
    with pytest.raises(InvalidPeriod, match="at most 9999"):
        Period.parse("10000d")
    with pytest.raises(InvalidPeriod, match="cannot be negative"):
        Period.parse("-5d")
    with pytest.raises(InvalidPeriod, match="cannot be negative"):
        Period(-1, Unit.DAY)
    with pytest.raises(InvalidPeriod, match="at least 1"):
        Period(0, Unit.WORKING_DAY)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "15 wdx",
            "invalid period '15 wdx': expected a number and a unit, such as '15wd', '30d', "
            "'3mo', '1y', '72h' or '十五个工作日', '三个月'",
        ),
        ("", "invalid period '': expected a number and a unit"),
        ("wd", "invalid period 'wd': expected a number and a unit"),
        ("十五", "invalid period '十五': expected a number and a unit"),
        ("一百五日", "invalid period '一百五日': cannot read the number '一百五'"),
        ("3月", "invalid period '3月': write months as '3个月' or '3mo'"),
        ("负五日", "invalid period '负五日': a period cannot be negative"),
        ("1.5d", "invalid period '1.5d': expected a number and a unit"),
        ("三十个工作日前", "invalid period '三十个工作日前': expected a number and a unit"),
    ],
)
def test_bad_periods_say_what_is_wrong(text, message):
    """Anything else raises InvalidPeriod (a ValueError) with a one-line message."""
    with pytest.raises(InvalidPeriod) as caught:
        Period.parse(text)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_bad_constructor_arguments_are_refused():
    """Period(amount, unit) refuses non-integers, booleans and unknown units."""
    with pytest.raises(InvalidPeriod, match="whole number"):
        Period(1.5, Unit.DAY)  # type: ignore[arg-type]
    with pytest.raises(InvalidPeriod, match="whole number"):
        Period(True, Unit.DAY)  # type: ignore[arg-type]
    with pytest.raises(InvalidPeriod, match="invalid period unit 'w'"):
        Period(1, "w")  # type: ignore[arg-type]
    assert Period(1, "wd").unit is Unit.WORKING_DAY  # type: ignore[arg-type]
    with pytest.raises(InvalidPeriod, match="expected text"):
        Period.parse(15)  # type: ignore[arg-type]
