"""China's statutory calendar: the shipped tables, calendar files, and periods counted on them.

This module owns :class:`Calendar` (a day table that counts periods), :func:`china` (the
shipped official calendar), :func:`load_calendar` and the calendar file format. The table of
day kinds and the arrays that make counting a lookup are ``day_table.py``'s; counting
periods on them is ``counting.py``'s, which ``Calendar.due`` and ``Calendar.before`` are.

A calendar file holds one non-ordinary day per line, and a ``year`` line for each year whose
whole schedule it gives::

    # comment
    year 2027 official 国务院办公厅关于2027年部分节假日安排的通知
    2027-01-01 statutory_holiday 元旦
    2027-02-20 makeup_workday 春节调休上班

Every day not listed is an ordinary workday (Monday–Friday) or weekend (Saturday–Sunday).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path

from policyflow.errors import CalendarFileError, InvalidDate
from policyflow.legaltime import counting
from policyflow.legaltime.day_table import OFFICIAL, PROVISIONAL, DayKind, DayTable, YearSource

__all__ = ["Calendar", "china", "load_calendar", "parse_date"]


# Kinds accepted in a calendar file: the English value or the Chinese term.
_KIND_WORDS: dict[str, DayKind] = {kind.value: kind for kind in DayKind} | {
    kind.zh: kind for kind in DayKind
}
_KIND_WORDS["周末"] = DayKind.WEEKEND
_STATUSES = (OFFICIAL, PROVISIONAL)


def parse_date(text: str, *, what: str = "date") -> date:
    """Parse an ISO date ``YYYY-MM-DD``; raise InvalidDate naming `what` otherwise.

    Raises:
        InvalidDate: the text is not an existing calendar date.
    """
    cleaned = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
        raise InvalidDate(f"invalid {what} {text!r}: expected an ISO date such as '2023-09-28'")
    try:
        return date.fromisoformat(cleaned)
    except ValueError as error:
        raise InvalidDate(f"invalid {what} {text!r}: {error}") from None


_LINE = re.compile(r"^(?P<date>\S+)\s+(?P<kind>\S+)(?:\s+(?P<name>.+?))?\s*$")
_YEAR = re.compile(r"^year\s+(?P<year>\S+)\s+(?P<status>\S+)(?:\s+(?P<source>.+?))?\s*$")


@dataclass(frozen=True, slots=True)
class _Table:
    """One parsed calendar file: its year lines and its day lines."""

    years: dict[int, YearSource]
    days: dict[date, tuple[DayKind, str | None]]
    lines: dict[date, int]


def _parse_table(text: str, path: str) -> _Table:
    """Parse calendar-file text; raise CalendarFileError naming ``path:line``."""
    years: dict[int, YearSource] = {}
    days: dict[date, tuple[DayKind, str | None]] = {}
    seen_at: dict[date, int] = {}

    def fail(number: int, message: str) -> CalendarFileError:
        return CalendarFileError(f"{path}:{number}: {message}", path=path, line=number)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("year"):
            match = _YEAR.match(line)
            if match is None or not match["year"].isascii() or not match["year"].isdigit():
                raise fail(
                    number,
                    f"bad year line {line!r}: expected 'year YYYY official|provisional SOURCE'",
                )
            year = int(match["year"])
            if not 1900 <= year <= 2200:
                raise fail(number, f"year {year} is out of range 1900–2200")
            if match["status"] not in _STATUSES:
                raise fail(
                    number,
                    f"unknown status {match['status']!r} for year {year}: "
                    "expected 'official' or 'provisional'",
                )
            if year in years:
                raise fail(number, f"year {year} is declared twice")
            years[year] = YearSource(year, match["status"], match["source"] or "")
            continue
        match = _LINE.match(line)
        if match is None:
            raise fail(number, f"bad line {line!r}: expected 'YYYY-MM-DD KIND NAME'")
        try:
            day = parse_date(match["date"])
        except InvalidDate as error:
            raise fail(number, str(error)) from None
        kind = _KIND_WORDS.get(match["kind"])
        if kind is None:
            choices = ", ".join(k.value for k in DayKind)
            raise fail(
                number, f"unknown day kind {match['kind']!r} for {day}: expected one of {choices}"
            )
        if day in seen_at:
            raise fail(number, f"{day} is listed twice (first on line {seen_at[day]})")
        seen_at[day] = number
        days[day] = (kind, match["name"])
    return _Table(years, days, seen_at)


class Calendar(DayTable):
    """A statutory calendar: each day's kind by table lookup, and periods counted on it.

    Build one with :func:`china` or :func:`load_calendar`. A calendar covers whole years;
    asking about a day outside them raises :class:`~policyflow.errors.CalendarNotPublished`.
    The day table is :class:`~policyflow.legaltime.day_table.DayTable`'s; counting periods
    (``due``, ``before``) is ``policyflow.legaltime.counting``'s.
    """

    __slots__ = ()

    due = counting.due
    before = counting.before

    def to_text(self) -> str:
        """The calendar as calendar-file text (round-trips through :func:`load_calendar`)."""
        lines = [f"# policyflow calendar {self.name}\n"]
        for year, source in self._years.items():
            lines.append(f"\nyear {year} {source.status} {source.source}".rstrip() + "\n")
            for day, (kind, name) in sorted(self._days.items()):
                if day.year == year:
                    lines.append(f"{day.isoformat()} {kind.value} {name or ''}".rstrip() + "\n")
        return "".join(lines)

    def with_provisional(self) -> Calendar:
        """This calendar, and beyond its years the provisional rule up to 2060.

        The years this calendar publishes stay as they are; each later (or earlier) year
        of the provisional data (weekends plus the fixed statutory days of 国务院令第795号,
        no 调休) is added, so every result that uses one of them is marked provisional.
        """
        found = _WITH_PROVISIONAL.get(id(self))
        if found is None or found[0] is not self:
            extra = _read_data("china-provisional.txt")
            years = {y: v for y, v in extra.years.items() if y not in self._years}
            days = {d: v for d, v in extra.days.items() if d.year in years}
            beyond = Calendar(
                self._years | years, self._days | days, name=f"{self.name}+provisional"
            )
            found = _WITH_PROVISIONAL[id(self)] = (self, beyond)
        return found[1]

    def merged(self, table: _Table, *, name: str) -> Calendar:
        """A new calendar: this one with `table`'s years replacing and days overriding."""
        days = {d: v for d, v in self._days.items() if d.year not in table.years}
        days.update(table.days)
        return Calendar(self._years | table.years, days, name=name)


# calendar id → (the calendar, it with the provisional years): a few calendars per process
_WITH_PROVISIONAL: dict[int, tuple[Calendar, Calendar]] = {}


def _read_data(filename: str) -> _Table:
    resource = resources.files("policyflow.legaltime") / "data" / filename
    return _parse_table(
        resource.read_text(encoding="utf-8"), f"policyflow/legaltime/data/{filename}"
    )


@cache
def china(*, provisional: bool = False) -> Calendar:
    """China's official statutory calendar, 2004–2026, as published by the State Council.

    Args:
        provisional: also count 2027–2060 by the provisional rule: weekends plus the fixed
            statutory days of 国务院令第795号, with no 调休. Every result that uses a day
            of those years is marked provisional.

    Returns:
        A shared, immutable calendar (one per value of `provisional`).

    Legal basis:
        《全国年节及纪念日放假办法》(国务院令第795号); 国务院办公厅 notices on each year's
        holiday arrangements (named on each year line of ``data/china.txt``).
    """
    official = _read_data("china.txt")
    if not provisional:
        return Calendar(official.years, official.days, name="china")
    extra = _read_data("china-provisional.txt")
    return Calendar(
        official.years | extra.years, official.days | extra.days, name="china+provisional"
    )


def load_calendar(path: str | Path, base: Calendar | None = None) -> Calendar:
    """Load a calendar file that extends or overrides `base` (default: :func:`china`).

    A ``year`` line in the file gives that year's whole schedule: it adds the year, or
    replaces the base's schedule for it. A day line in a year without a ``year`` line
    overrides that one day of the base (a local holiday, a correction).

    Raises:
        CalendarFileError: the file cannot be read, or a line is malformed (names file:line),
            or a day falls in a year neither the file nor the base covers.
    """
    base = china() if base is None else base
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise CalendarFileError(
            f"cannot read calendar file {str(file)!r}: {error.strerror or error}", path=file
        ) from None
    except UnicodeDecodeError:
        raise CalendarFileError(
            f"cannot read calendar file {str(file)!r}: it is not UTF-8 text", path=file
        ) from None
    table = _parse_table(text, str(file))
    known = set(table.years) | set(base.years)
    for day, number in sorted(table.lines.items(), key=lambda item: item[1]):
        if day.year not in known:
            raise CalendarFileError(
                f"{file}:{number}: {day} is in {day.year}, which neither this file nor the base "
                f"calendar covers: add a line 'year {day.year} official SOURCE' above it",
                path=file,
                line=number,
            )
    return base.merged(table, name=f"{base.name}+{file.name}")


def business_years(calendar: Calendar | None) -> tuple[int, int]:
    """The first and last year a business time may fall in under `calendar`.

    From the calendar's first year to its last or the provisional horizon of the official
    calendar (2060), whichever is later: a later time could never have a deadline counted.
    """
    used = china() if calendar is None else calendar
    return used.first_year, max(used.last_year, china(provisional=True).last_year)


def require_business_year(moment: date, what: str, calendar: Calendar | None) -> None:
    """Refuse a business day or time whose year legal time cannot be counted in.

    Raises:
        InvalidDate: naming `what`, the value and the years (:func:`business_years`).
    """
    first, last = business_years(calendar)
    if not first <= moment.year <= last:
        shown = (
            moment.isoformat(sep=" ", timespec="minutes")
            if isinstance(moment, datetime)
            else moment.isoformat()
        )
        raise InvalidDate(
            f"{what} {shown} is outside the years legal time can be counted in: "
            f"{first}–{last} (the calendar's years and the provisional horizon)"
        )
