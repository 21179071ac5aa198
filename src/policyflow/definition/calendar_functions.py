"""The legal-time functions every CEL expression may call, bound to one calendar.

``add_working_days(d, n)``, ``due(d, period)``, ``before(d, period)``,
``working_days_between(a, b)`` and ``is_working_day(d)`` count on the Calendar the runtime
was given (legaltime does the counting); the date functions (date_functions.py:
``date(y, m, d)``, ``add_months(d, n)`` and the like) are bound with them. CEL hands each
call's arguments over as Python values (a date as a timestamp at 00:00 UTC); this module
checks their number and types, counts, and keeps the error of a call that fails, because
CEL reports any failure of a Python function as a generic RuntimeError. Evaluating is
expressions.py's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from policyflow.definition.date_functions import DATE_FUNCTIONS, DateFunctions
from policyflow.errors import InvalidInput, InvalidPeriod
from policyflow.legaltime import Calendar, Period, Unit

__all__ = ["LEGAL_TIME_FUNCTIONS", "ArgumentError", "LegalTimeFunctions"]

#: The legal-time functions every expression may call, each with its signature in words.
LEGAL_TIME_FUNCTIONS: Mapping[str, str] = {
    "add_working_days": "add_working_days(date, int)",
    "due": "due(date, period string[, rollover bool])",
    "before": "before(date, period string[, rollover bool])",
    "working_days_between": "working_days_between(date, date)",
    "is_working_day": "is_working_day(date)",
    **DATE_FUNCTIONS,
}


class ArgumentError(InvalidInput):
    """A legal-time function called with the wrong number or types of arguments."""


def _cel_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "timestamp"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "map"
    return type(value).__name__


_WANTED: Mapping[str, tuple[type, str]] = {
    "d": (datetime, "a date (timestamp)"),
    "i": (int, "int"),
    "s": (str, "a period string such as '30wd' or '九十日'"),
    "b": (bool, "bool"),
}


class LegalTimeFunctions(DateFunctions):
    """The legal-time functions bound to one calendar, for one evaluation.

    A function that fails keeps its error, because CEL reports any failure of a Python
    function as a generic RuntimeError: the expression re-raises the error kept here
    (CalendarNotPublished, or a message naming the function and the argument).
    """

    __slots__ = ("calendar", "error")

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.error: InvalidInput | None = None

    def table(self) -> dict[str, Any]:
        """Function name → callable, for a cel.Context."""
        return {
            "add_working_days": self.add_working_days,
            "due": self.due,
            "before": self.before,
            "working_days_between": self.working_days_between,
            "is_working_day": self.is_working_day,
            **self.date_table(),
        }

    def _fail(self, error: InvalidInput) -> InvalidInput:
        self.error = error
        return error

    def _args(self, name: str, args: tuple[Any, ...], kinds: str) -> list[Any]:
        """Check `args` against `kinds` (d date, i int, s string, b bool; upper case: optional)."""
        signature = LEGAL_TIME_FUNCTIONS[name]
        least = sum(1 for k in kinds if k.islower())
        if not least <= len(args) <= len(kinds):
            count = str(least) if least == len(kinds) else f"{least} or {len(kinds)}"
            raise self._fail(
                ArgumentError(f"{signature} takes {count} argument(s), got {len(args)}")
            )
        checked: list[Any] = []
        for number, (value, kind) in enumerate(zip(args, kinds, strict=False), start=1):
            python, words = _WANTED[kind.lower()]
            fits = type(value) is int if python is int else isinstance(value, python)
            if not fits:
                raise self._fail(
                    ArgumentError(
                        f"{signature}: argument {number} is {_cel_type(value)}, expected {words}"
                    )
                )
            checked.append(_legal_day(value) if kind == "d" else value)
        return checked

    def _count(self, name: str, args: tuple[Any, ...], *, forward: bool) -> datetime:
        day, text, *rest = self._args(name, args, "dsB")
        try:
            period = Period.parse(text)
        except InvalidPeriod as error:
            raise self._fail(InvalidInput(f"{LEGAL_TIME_FUNCTIONS[name]}: {error}")) from None
        start: date | datetime = _instant(args[0]) if period.unit is Unit.HOUR else day
        count = self.calendar.due if forward else self.calendar.before
        try:
            counted = count(start, period, rollover=rest[0] if rest else True)
        except InvalidInput as error:
            raise self._fail(error) from None
        return _timestamp(counted.at if counted.at is not None else counted.date)

    def add_working_days(self, *args: Any) -> datetime:
        """The n-th working day after d (d not counted): ``due(d, 'nwd')``."""
        day, n = self._args("add_working_days", args, "di")
        try:
            return _timestamp(self.calendar.due(day, Period(n, Unit.WORKING_DAY)).date)
        except InvalidInput as error:
            raise self._fail(error) from None

    def due(self, *args: Any) -> datetime:
        """The last day of a period counted from d (``Calendar.due``)."""
        return self._count("due", args, forward=True)

    def before(self, *args: Any) -> datetime:
        """The day that lies a period before d (``Calendar.before``)."""
        return self._count("before", args, forward=False)

    def working_days_between(self, *args: Any) -> int:
        """The working days in (a, b]; negative when b is before a."""
        first, last = self._args("working_days_between", args, "dd")
        try:
            return self.calendar.working_days_between(first, last)
        except InvalidInput as error:
            raise self._fail(error) from None

    def is_working_day(self, *args: Any) -> bool:
        """Whether d is a working day."""
        (day,) = self._args("is_working_day", args, "d")
        try:
            return self.calendar.is_working_day(day)
        except InvalidInput as error:
            raise self._fail(error) from None


def _legal_day(value: datetime) -> date:
    """The legal day of a CEL timestamp (a date is 00:00 UTC; a business time, CST as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.date()


def _instant(value: datetime) -> datetime:
    """A CEL timestamp as a naive business time."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


def _timestamp(value: date) -> datetime:
    """A day (00:00) or an instant as a CEL timestamp."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.combine(value, time.min, tzinfo=UTC)


class _QuietLegalTime(logging.Filter):
    """Drop the cel package's warning for a legal-time function that failed on purpose.

    The error is re-raised with its own words (or reported by the linter), so the
    package's log line would only repeat it on stderr.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(
            message.startswith(f"Python function '{name}' failed") for name in LEGAL_TIME_FUNCTIONS
        )


logging.getLogger("cel").addFilter(_QuietLegalTime())
