"""Chinese numerals as the sources write time limits."""

from __future__ import annotations

import pytest

from policyflow.legaltime import parse_chinese_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("零", 0),
        ("〇", 0),
        ("一", 1),
        ("两", 2),
        ("五", 5),
        ("九", 9),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("二十五", 25),
        ("三十", 30),
        ("九十", 90),
        ("九十九", 99),
        ("一百", 100),
        ("一百零五", 105),
        ("一百一十", 110),
        ("一百二十", 120),
        ("两百", 200),
        ("一千", 1000),
        ("一千零五", 1005),
        ("一千〇五", 1005),
        ("一千零五十", 1050),
        ("一千二百", 1200),
        ("九千九百九十九", 9999),
    ],
)
def test_reads_the_numerals_of_time_limits(text, value):
    """十五 = 15, 一百二十 = 120, 一千零五 = 1005, 两 = 2, 〇/零 = 0."""
    assert parse_chinese_number(text) == value


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("零五", "misplaced"),
        ("五零", "misplaced"),
        ("一千零零五", "misplaced"),
        ("二十零", "ends in zero"),
        ("一百零", "ends in zero"),
        ("百", "needs a digit"),
        ("一百十", "needs a digit"),
        ("十十", "out of order"),
        ("一百一千", "out of order"),
        ("五五", "two digits"),
        ("一百五", "ambiguous"),
        ("一万", "not a Chinese numeral"),
        ("壹", "not a Chinese numeral"),
        ("零十", "misplaced"),
    ],
)
def test_refuses_what_is_not_a_numeral(text, fragment):
    """Malformed or out-of-range numerals raise ValueError saying why."""
    with pytest.raises(ValueError, match=fragment):
        parse_chinese_number(text)
