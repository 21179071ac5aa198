"""China's statutory calendar: what kind of day a date is, by table lookup.

This module owns :class:`Calendar`, :class:`DayKind`, :func:`china` (the shipped official
calendar) and :func:`load_calendar` (custom calendar files). It reads the calendar text
tables in ``data/`` and precomputes, per calendar, the arrays that make counting working
days a lookup: for each day, how many working days there are up to and including it, and
the list of working days. Counting periods with these arrays is left to ``counting.py``.

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
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path

from policyflow.errors import CalendarFileError, CalendarNotPublished, InvalidDate
from policyflow.legaltime import counting

__all__ = [
    "Calendar",
    "DayKind",
    "YearSource",
    "china",
    "load_calendar",
    "parse_date",
]


class DayKind(StrEnum):
    """The kind of a day in China's statutory calendar.

    Legal basis:
        《全国年节及纪念日放假办法》(国务院令第795号) and each year's 国务院办公厅
        notice on holiday arrangements (部分节假日安排的通知).
    """

    WORKDAY = "workday"
    WEEKEND = "weekend"
    STATUTORY_HOLIDAY = "statutory_holiday"
    SHIFTED_REST_DAY = "shifted_rest_day"
    MAKEUP_WORKDAY = "makeup_workday"

    @property
    def is_working(self) -> bool:
        """Whether a day of this kind is a working day (工作日)."""
        return self in _WORKING

    @property
    def zh(self) -> str:
        """The Chinese term for this kind, e.g. ``法定节假日``."""
        return _ZH[self]


_WORKING = frozenset({DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY})
_ZH = {
    DayKind.WORKDAY: "工作日",
    DayKind.WEEKEND: "休息日",
    DayKind.STATUTORY_HOLIDAY: "法定节假日",
    DayKind.SHIFTED_REST_DAY: "调休休息日",
    DayKind.MAKEUP_WORKDAY: "调休上班",
}
# Kinds accepted in a calendar file: the English value or the Chinese term.
_KIND_WORDS: dict[str, DayKind] = {kind.value: kind for kind in DayKind} | {
    text: kind for kind, text in _ZH.items()
}
_KIND_WORDS["周末"] = DayKind.WEEKEND

OFFICIAL = "official"
PROVISIONAL = "provisional"
_STATUSES = (OFFICIAL, PROVISIONAL)


@dataclass(frozen=True, slots=True)
class YearSource:
    """Where a year's schedule comes from.

    Attributes:
        year: the calendar year.
        status: ``"official"`` (a published State Council notice) or ``"provisional"``
            (weekends and the fixed statutory days only, before the notice is out).
        source: the notice (文号 or title, and where it was published), as free text.
    """

    year: int
    status: str
    source: str

    @property
    def is_provisional(self) -> bool:
        """Whether this year's schedule is only provisional."""
        return self.status == PROVISIONAL


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


def _ordinary(day: date) -> DayKind:
    return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY


class Calendar:
    """A statutory calendar: each day's kind, and the arrays that make counting a lookup.

    Build one with :func:`china` or :func:`load_calendar`. A calendar covers whole years;
    asking about a day outside them raises :class:`~policyflow.errors.CalendarNotPublished`.
    Counting periods (``due``, ``before``) is added by ``policyflow.legaltime.counting``.
    """

    __slots__ = (
        "_cum",
        "_days",
        "_first",
        "_gaps",
        "_kinds",
        "_last",
        "_names",
        "_provisional_years",
        "_work",
        "_work_dates",
        "_years",
        "name",
    )

    def __init__(
        self,
        years: Mapping[int, YearSource],
        days: Mapping[date, tuple[DayKind, str | None]],
        *,
        name: str = "custom",
    ) -> None:
        """Build a calendar from its year sources and its non-ordinary days.

        Args:
            years: the years whose schedule is known, each with its source.
            days: every non-ordinary day with its kind and name; days outside `years` are
                ignored.
            name: a short label for messages, e.g. ``"china"``.
        """
        if not years:
            raise ValueError("a calendar needs at least one year")
        self.name = name
        self._years: dict[int, YearSource] = dict(sorted(years.items()))
        self._days = {d: v for d, v in days.items() if d.year in self._years}
        first_year, last_year = min(self._years), max(self._years)
        self._gaps = tuple(y for y in range(first_year, last_year + 1) if y not in self._years)
        self._provisional_years = frozenset(
            y for y, source in self._years.items() if source.is_provisional
        )
        self._first = date(first_year, 1, 1).toordinal()
        self._last = date(last_year, 12, 31).toordinal()
        kinds: list[DayKind] = []
        names: dict[int, str] = {}
        cum: list[int] = []
        work: list[int] = []
        gaps = set(self._gaps)
        count = 0
        for ordinal in range(self._first, self._last + 1):
            day = date.fromordinal(ordinal)
            entry = self._days.get(day)
            kind = entry[0] if entry else _ordinary(day)
            if entry and entry[1]:
                names[ordinal] = entry[1]
            if kind in _WORKING and day.year not in gaps:
                count += 1
                work.append(ordinal)
            kinds.append(kind)
            cum.append(count)
        self._kinds = kinds
        self._names = names
        # _cum[i]: working days from the first covered day up to and including day i.
        self._cum = cum
        # _work[k]: the ordinal of the (k+1)-th working day; _work_dates[k]: that day.
        self._work = work
        self._work_dates = [date.fromordinal(o) for o in work]

    def __repr__(self) -> str:
        return f"<Calendar {self.name} {self.first_year}–{self.last_year}>"

    # ---- coverage -------------------------------------------------------------------

    @property
    def first_year(self) -> int:
        """The first year the calendar covers."""
        return next(iter(self._years))

    @property
    def last_year(self) -> int:
        """The last year the calendar covers (official or provisional)."""
        return next(reversed(self._years))

    @property
    def years(self) -> Mapping[int, YearSource]:
        """Every covered year with its source, in order."""
        return dict(self._years)

    def covers(self, year: int) -> bool:
        """Whether the official schedule of `year` is known (provisional years are not)."""
        source = self._years.get(year)
        return source is not None and not source.is_provisional

    def is_provisional(self, year: int) -> bool:
        """Whether `year` is counted by the provisional rule (weekends and fixed holidays)."""
        return year in self._provisional_years

    def not_published(self, year: int) -> CalendarNotPublished:
        """The error for a year this calendar does not cover, saying how to supply it."""
        official = [y for y, s in self._years.items() if not s.is_provisional]
        span = f"{min(official)}–{max(official)}" if official else "no official year"
        provisional = sorted(self._provisional_years)
        extra = f" (provisionally {provisional[0]}–{provisional[-1]})" if provisional else ""
        hint = "load the published notice with --calendar FILE (legaltime.load_calendar(FILE))"
        if not provisional and year > max(self._years):
            hint += (
                ", or pass provisional=True (--provisional) to count weekends and fixed "
                "statutory days only"
            )
        return CalendarNotPublished(
            f"no official holiday schedule for {year}: the calendar covers {span}{extra}; {hint}",
            year=year,
        )

    def _index(self, day: date) -> int:
        """The array index of `day`; raise CalendarNotPublished if it is not covered."""
        ordinal = day.toordinal()
        if ordinal < self._first or ordinal > self._last or day.year in self._gaps:
            raise self.not_published(day.year)
        return ordinal - self._first

    def _check_span(self, first: int, last: int) -> None:
        """Raise CalendarNotPublished if a year between two ordinals is not covered."""
        if first < self._first:
            raise self.not_published(date.fromordinal(max(first, 1)).year)
        if last > self._last:
            raise self.not_published(max(self._years) + 1)
        if self._gaps:
            lo, hi = date.fromordinal(first).year, date.fromordinal(last).year
            for year in self._gaps:
                if lo <= year <= hi:
                    raise self.not_published(year)

    def _is_provisional_span(self, first: int, last: int) -> bool:
        """Whether any day between two ordinals lies in a provisional year."""
        if not self._provisional_years:
            return False
        lo, hi = date.fromordinal(first).year, date.fromordinal(last).year
        return any(lo <= year <= hi for year in self._provisional_years)

    # ---- counting (policyflow.legaltime.counting) ---------------------------------------

    due = counting.due
    before = counting.before

    # ---- single days ----------------------------------------------------------------

    def day_kind(self, day: date) -> DayKind:
        """Return the kind of `day` (a datetime counts as its date).

        Raises:
            CalendarNotPublished: `day` is in a year the calendar does not cover.
        """
        if isinstance(day, datetime):
            day = day.date()
        return self._kinds[self._index(day)]

    def find_day_kind(self, day: date) -> DayKind | None:
        """Return the kind of `day`, or None when its year is not covered."""
        if isinstance(day, datetime):
            day = day.date()
        ordinal = day.toordinal()
        if ordinal < self._first or ordinal > self._last or day.year in self._gaps:
            return None
        return self._kinds[ordinal - self._first]

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day: an ordinary workday or a make-up workday.

        Legal basis:
            科学技术部令第20号 第六十五条: 工作日 does not include statutory holidays.

        Raises:
            CalendarNotPublished: `day` is in a year the calendar does not cover.
        """
        return self.day_kind(day) in _WORKING

    def holiday_name(self, day: date) -> str | None:
        """The name of a non-ordinary day (e.g. ``国庆节``), or None for an ordinary day.

        Raises:
            CalendarNotPublished: `day` is in a year the calendar does not cover.
        """
        if isinstance(day, datetime):
            day = day.date()
        self._index(day)
        return self._names.get(day.toordinal())

    def find_holiday_name(self, day: date) -> str | None:
        """The name of a non-ordinary day, or None (also when its year is not covered)."""
        if isinstance(day, datetime):
            day = day.date()
        return self._names.get(day.toordinal())

    def working_days_between(self, first: date, last: date) -> int:
        """Count the working days in ``(first, last]``: `first` itself is not counted.

        Negative when `last` is before `first`.

        Raises:
            CalendarNotPublished: a date is in a year the calendar does not cover.
        """
        a, b = self._index(first), self._index(last)
        if b < a:
            return -(self._cum[a] - self._cum[b])
        self._check_span(first.toordinal(), last.toordinal())
        return self._cum[b] - self._cum[a]

    def working_days(self, first: date, last: date) -> list[date]:
        """The working days in ``[first, last]``, in order."""
        self._check_span(first.toordinal(), last.toordinal())
        lo = bisect_right(self._work, first.toordinal() - 1)
        hi = bisect_right(self._work, last.toordinal())
        return [date.fromordinal(o) for o in self._work[lo:hi]]

    def entries(self) -> dict[date, tuple[DayKind, str | None]]:
        """Every non-ordinary day the calendar lists, with its kind and name."""
        return dict(sorted(self._days.items()))

    def to_text(self) -> str:
        """The calendar as calendar-file text (round-trips through :func:`load_calendar`)."""
        lines = [f"# policyflow calendar {self.name}\n"]
        for year, source in self._years.items():
            lines.append(f"\nyear {year} {source.status} {source.source}".rstrip() + "\n")
            for day, (kind, name) in sorted(self._days.items()):
                if day.year == year:
                    lines.append(f"{day.isoformat()} {kind.value} {name or ''}".rstrip() + "\n")
        return "".join(lines)

    def merged(self, table: _Table, *, name: str) -> Calendar:
        """A new calendar: this one with `table`'s years replacing and days overriding."""
        days = {d: v for d, v in self._days.items() if d.year not in table.years}
        days.update(table.days)
        return Calendar(self._years | table.years, days, name=name)


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
