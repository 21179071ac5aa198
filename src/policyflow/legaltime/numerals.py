"""Chinese numerals as regulations write them: 十五, 二十, 九十, 一百二十, 一千零五.

This module owns :func:`parse_chinese_number`. It reads the numerals of time limits in the
sources (up to 九千九百九十九) and nothing more: it does not read dates, money amounts
with 万/亿, or financial numerals (壹贰叁).
"""

from __future__ import annotations

__all__ = ["parse_chinese_number"]

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZERO = frozenset("零〇")


def parse_chinese_number(text: str) -> int:
    """Return the value of a Chinese numeral from 零 to 九千九百九十九.

    Accepts the forms regulations use: ``十五`` (a leading 十 means 一十), ``二十``,
    ``一百二十``, ``一千零五``, ``两`` for 二, and ``零``/``〇`` for zero.

    Raises:
        ValueError: `text` is not such a numeral (the message says what is wrong).
    """
    if not text:
        raise ValueError("empty numeral")
    if text in _ZERO:
        return 0
    total = 0
    digit: int | None = None
    last_unit = 10_000  # units must fall: 千 before 百 before 十
    after_zero = False
    for position, char in enumerate(text):
        if char in _ZERO:
            if digit is not None or position == 0 or after_zero:
                raise ValueError(f"misplaced {char!r} in {text!r}")
            after_zero = True
        elif char in _DIGITS:
            if digit is not None:
                raise ValueError(f"two digits in a row in {text!r}")
            digit = _DIGITS[char]
        elif char in _UNITS:
            unit = _UNITS[char]
            if unit >= last_unit:
                raise ValueError(f"unit {char!r} out of order in {text!r}")
            if digit is None:
                # Only a leading 十 may stand alone (十五 = 15); 百 and 千 need a digit.
                if not (unit == 10 and position == 0):
                    raise ValueError(f"{char!r} needs a digit before it in {text!r}")
                digit = 1
            if digit == 0:
                raise ValueError(f"zero before {char!r} in {text!r}")
            total += digit * unit
            digit = None
            last_unit = unit
            after_zero = False
        else:
            raise ValueError(f"{char!r} is not a Chinese numeral character")
    if after_zero and digit is None:
        raise ValueError(f"{text!r} ends in zero")
    if digit is not None:
        if last_unit == 10 and not after_zero:
            pass  # 二十五: the last digit is the ones
        elif last_unit < 10_000 and not after_zero and last_unit > 10:
            # 一百五 would mean 150 colloquially; regulations write 一百五十. Refuse the doubt.
            raise ValueError(f"ambiguous {text!r}: write 零 or the unit (一百零五 or 一百五十)")
        total += digit
    return total
