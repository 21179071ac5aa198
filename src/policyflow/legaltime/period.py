"""Periods of time as the law states them: ``15wd``, ``3mo`` or ``十五个工作日``.

This module owns :class:`Period` and :class:`Unit`: what a period is and how it is written
and read. How a period is counted on a calendar belongs to ``counting.py``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TypeAlias

from policyflow.errors import InvalidPeriod
from policyflow.legaltime.numerals import parse_chinese_number

__all__ = ["Period", "PeriodLike", "Unit"]


class Unit(StrEnum):
    """The unit of a period.

    Legal basis:
        科学技术部令第20号 第六十五条: a limit marked 工作日 counts working days; any other
        limit counts natural days (自然日).
    """

    WORKING_DAY = "wd"
    DAY = "d"
    MONTH = "mo"
    YEAR = "y"
    HOUR = "h"

    @property
    def zh(self) -> str:
        """The Chinese unit as the sources write it, e.g. ``个工作日``."""
        return _UNIT_ZH[self]


_UNIT_ZH = {
    Unit.WORKING_DAY: "个工作日",
    Unit.DAY: "日",
    Unit.MONTH: "个月",
    Unit.YEAR: "年",
    Unit.HOUR: "小时",
}
_ISO = {Unit.DAY: "P{}D", Unit.MONTH: "P{}M", Unit.YEAR: "P{}Y", Unit.HOUR: "PT{}H"}

# The largest amount accepted: longer than any limit in Chinese law, and small enough that
# every result stays a valid date.
MAX_AMOUNT = 9999

_EXAMPLES = "such as '15wd', '30d', '3mo', '1y', '72h' or '十五个工作日', '三个月'"


@dataclass(frozen=True, slots=True)
class Period:
    """A length of time: an amount of one unit, e.g. 15 working days.

    ``str(period)`` is the canonical form (``"15wd"``) and parses back to an equal period.

    Attributes:
        amount: how many units, from 1 to 9999.
        unit: working days, natural days, months, years or hours.
    """

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        """Refuse amounts that are not whole positive numbers and unknown units."""
        if type(self.amount) is not int:
            raise InvalidPeriod(
                f"invalid period amount {self.amount!r}: expected a whole number of units"
            )
        if not isinstance(self.unit, Unit):
            try:
                object.__setattr__(self, "unit", Unit(self.unit))
            except ValueError:
                units = ", ".join(repr(u.value) for u in Unit)
                raise InvalidPeriod(
                    f"invalid period unit {self.unit!r}: expected one of {units}"
                ) from None
        if self.amount < 0:
            raise InvalidPeriod(f"invalid period '{self}': a period cannot be negative")
        if self.amount == 0:
            raise InvalidPeriod(
                f"invalid period '{self}': a period is at least 1 {self.unit.value} "
                "(the start day is never counted, so a zero period would end before it begins)"
            )
        if self.amount > MAX_AMOUNT:
            raise InvalidPeriod(f"invalid period '{self}': at most {MAX_AMOUNT} units are accepted")

    def __str__(self) -> str:
        return f"{self.amount}{self.unit.value}"

    @property
    def zh(self) -> str:
        """The period in the sources' wording with Arabic digits, e.g. ``15个工作日``."""
        return f"{self.amount}{self.unit.zh}"

    @property
    def iso8601(self) -> str | None:
        """The ISO 8601 duration (``P30D``, ``P3M``, ``P1Y``, ``PT72H``); None for working days."""
        template = _ISO.get(self.unit)
        return None if template is None else template.format(self.amount)

    @property
    def is_working_days(self) -> bool:
        """Whether the period counts working days."""
        return self.unit is Unit.WORKING_DAY

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read a period from its short form or from the sources' own wording.

        Accepted: ``15wd``, ``30d``, ``3mo``, ``1y``, ``72h``; ISO 8601 ``P30D``, ``P3M``,
        ``P1Y``, ``PT72H``; and Chinese: ``十五个工作日``, ``三十日``, ``九十日``, ``三个月``,
        ``五年``, ``72小时``, ``15个工作日``, ``30天``, ``三十个自然日`` (a trailing 内 is
        allowed: ``十五个工作日内``). Results are cached.

        Raises:
            InvalidPeriod: the text is not a period, or it is zero or negative.
        """
        if not isinstance(text, str):
            raise InvalidPeriod(f"invalid period {text!r}: expected text {_EXAMPLES}")
        return _parse(text)

    @classmethod
    def coerce(cls, value: PeriodLike) -> Period:
        """Return `value` if it is a Period, else parse it.

        Raises:
            InvalidPeriod: `value` is neither a Period nor a period's text.
        """
        if type(value) is Period:
            return value
        return cls.parse(value)  # type: ignore[arg-type]


PeriodLike: TypeAlias = Period | str

_ASCII = re.compile(r"^(?P<sign>[-+]?)(?P<amount>[0-9]+)\s*(?P<unit>wd|d|mo|y|h)$", re.IGNORECASE)
_ISO_RE = re.compile(
    r"^(?P<sign>[-+]?)P(?:(?P<d>[0-9]+)D|(?P<mo>[0-9]+)M|(?P<y>[0-9]+)Y|T(?P<h>[0-9]+)H)$"
)
_CJK = re.compile(
    r"^(?P<sign>[-负]?)(?P<amount>[0-9]+|[零〇一二两三四五六七八九十百千]+)\s*"
    r"(?P<unit>个?工作日|个?自然日|日|天|个月|年|个?小时)内?$"
)
_CJK_UNITS = {
    "工作日": Unit.WORKING_DAY,
    "自然日": Unit.DAY,
    "日": Unit.DAY,
    "天": Unit.DAY,
    "个月": Unit.MONTH,
    "年": Unit.YEAR,
    "小时": Unit.HOUR,
}


@lru_cache(maxsize=4096)
def _parse(text: str) -> Period:
    # NFKC folds full-width digits and letters (１５ｗｄ) into ASCII.
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if match := _ASCII.match(cleaned):
        return _build(text, match["sign"], int(match["amount"]), Unit(match["unit"].lower()))
    if match := _ISO_RE.match(cleaned.upper()):
        for unit in (Unit.DAY, Unit.MONTH, Unit.YEAR, Unit.HOUR):
            if match[unit.value]:
                return _build(text, match["sign"], int(match[unit.value]), unit)
    if match := _CJK.match(cleaned):
        amount_text = match["amount"]
        if amount_text.isascii():
            amount = int(amount_text)
        else:
            try:
                amount = parse_chinese_number(amount_text)
            except ValueError as error:
                raise InvalidPeriod(
                    f"invalid period {text!r}: cannot read the number {amount_text!r} ({error})"
                ) from None
        unit_text = match["unit"]
        unit_key = unit_text if unit_text in _CJK_UNITS else unit_text.removeprefix("个")
        return _build(text, match["sign"], amount, _CJK_UNITS[unit_key])
    if re.match(r"^[0-9]+\s*月$", cleaned):
        raise InvalidPeriod(
            f"invalid period {text!r}: write months as '{cleaned[:-1].strip()}个月' or "
            f"'{cleaned[:-1].strip()}mo' ('{cleaned}' reads as a month of the year)"
        )
    raise InvalidPeriod(f"invalid period {text!r}: expected a number and a unit, {_EXAMPLES}")


def _build(text: str, sign: str, amount: int, unit: Unit) -> Period:
    if sign in ("-", "负"):
        raise InvalidPeriod(f"invalid period {text!r}: a period cannot be negative")
    if amount == 0:
        raise InvalidPeriod(
            f"invalid period {text!r}: a period is at least 1 {unit.value} "
            "(the start day is never counted, so a zero period would end before it begins)"
        )
    if amount > MAX_AMOUNT:
        raise InvalidPeriod(f"invalid period {text!r}: at most {MAX_AMOUNT} units are accepted")
    return Period(amount, unit)
