"""The date functions every CEL expression may call: build a date, read it, move it by months.

``date(y, m, d)``, ``end_of_month(d)``, ``add_months(d, n)``, ``year(d)``, ``month(d)``
and ``day(d)``. They count on no calendar (a month is a month whatever its working days),
but run as the legal-time functions do (calendar_functions.py holds them together), so
that a wrong argument is reported in words, naming the function. ``add_months`` ends on
the month's last day when the month has no corresponding day (2024-01-31 plus one month is
2024-02-29), as a period of months does (民法典 第二百零二条).
"""

from __future__ import annotations

import calendar as _gregorian
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any, Protocol

from policyflow.errors import InvalidInput
from policyflow.legaltime import add_months

__all__ = ["DATE_FUNCTIONS", "DateFunctions"]

#: The date functions, each with its signature in words.
DATE_FUNCTIONS: Mapping[str, str] = {
    "date": "date(int year, int month, int day)",
    "end_of_month": "end_of_month(date)",
    "add_months": "add_months(date, int)",
    "year": "year(date)",
    "month": "month(date)",
    "day": "day(date)",
}


class _Checked(Protocol):
    def _args(self, name: str, args: tuple[Any, ...], kinds: str) -> list[Any]: ...

    def _fail(self, error: InvalidInput) -> InvalidInput: ...


class DateFunctions:
    """The date functions, mixed into the legal-time functions (which check arguments).

    A day comes in as a legal day (``date``) and goes out as a CEL timestamp at 00:00.
    """

    __slots__ = ()

    def date(self: _Checked, *args: Any) -> datetime:
        """The day `d` of month `m` of year `y`."""
        y, m, d = self._args("date", args, "iii")
        try:
            return _timestamp(date(y, m, d))
        except ValueError as error:
            raise self._fail(InvalidInput(f"date({y}, {m}, {d}): {error}")) from None

    def end_of_month(self: _Checked, *args: Any) -> datetime:
        """The last day of the month of `d`."""
        (day,) = self._args("end_of_month", args, "d")
        last = _gregorian.monthrange(day.year, day.month)[1]
        return _timestamp(day.replace(day=last))

    def add_months(self: _Checked, *args: Any) -> datetime:
        """`d` moved by `n` months (negative: back), on the month's last day if shorter."""
        day, months = self._args("add_months", args, "di")
        try:
            return _timestamp(add_months(day, months))
        except InvalidInput as error:
            raise self._fail(error) from None

    def year(self: _Checked, *args: Any) -> int:
        """The year of `d`."""
        (day,) = self._args("year", args, "d")
        return int(day.year)

    def month(self: _Checked, *args: Any) -> int:
        """The month of `d`, 1 to 12."""
        (day,) = self._args("month", args, "d")
        return int(day.month)

    def day(self: _Checked, *args: Any) -> int:
        """The day of the month of `d`, 1 to 31."""
        (value,) = self._args("day", args, "d")
        return int(value.day)

    def date_table(self) -> dict[str, Any]:
        """Function name → callable, for a cel.Context."""
        return {name: getattr(self, name) for name in DATE_FUNCTIONS}


def _timestamp(day: date) -> datetime:
    """A day as a CEL timestamp (00:00 UTC, as the case data's dates are)."""
    return datetime.combine(day, time.min, tzinfo=UTC)
