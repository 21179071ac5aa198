"""The day table: what kind of day a date is, and the arrays that make counting a lookup.

This module owns :class:`DayKind`, :class:`YearSource` and :class:`DayTable`: from a set of
covered years and their non-ordinary days, a table of every day's kind and, per day, how
many working days there are up to and including it, and the list of working days. Reading a
calendar file and the shipped calendar are ``calendar.py``'s; counting periods on the
arrays is ``counting.py``'s; explaining a count day by day is ``explain.py``'s. All three
read this module, and it reads none of them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from policyflow.errors import CalendarNotPublished

__all__ = ["OFFICIAL", "PROVISIONAL", "DayKind", "DayTable", "YearSource"]


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

OFFICIAL = "official"
PROVISIONAL = "provisional"


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


def _ordinary(day: date) -> DayKind:
    return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY


class DayTable:
    """Each day's kind over whole years, and the arrays that make counting a lookup.

    A table covers whole years; asking about a day outside them raises
    :class:`~policyflow.errors.CalendarNotPublished`. :class:`~policyflow.legaltime.Calendar`
    is a day table that also counts periods (``due``, ``before``).
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
        """Build a table from its year sources and its non-ordinary days.

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
        return f"<{type(self).__name__} {self.name} {self.first_year}–{self.last_year}>"

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
