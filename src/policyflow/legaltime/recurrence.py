"""Days that recur on the calendar: 每年3月31日前, 每月2日前, 每季度末月25日前.

A :class:`Recurrence` names a day of the month, in every month or in some months of each
year, and answers which such day comes next after a given day. A day number the month
does not have (31 in a 30-day month, 29–31 in February) is the month's last day, as a
period counted in months ends on the month's last day when it has no corresponding day
(民法典 第二百零二条). Whether a day that is not a working day moves to the next working
day is the caller's (the deadline's ``rollover``), not the recurrence's.

This layer knows nothing of processes: the process format's ``every:`` builds one.
"""

from __future__ import annotations

import calendar as _gregorian
from dataclasses import dataclass
from datetime import date

from policyflow.errors import InvalidInput

__all__ = ["Recurrence"]

_ALL_MONTHS = tuple(range(1, 13))


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A day of the month that recurs: in every month, or in the given months of each year.

    Attributes:
        day: the day of the month, 1–31 (clamped to the month's last day).
        months: the months it falls in, ascending, 1–12 (all twelve: monthly).
    """

    day: int
    months: tuple[int, ...] = _ALL_MONTHS

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 31:
            raise InvalidInput(f"a recurring day of the month is 1 to 31, not {self.day}")
        if not self.months:
            raise InvalidInput("a recurring day needs at least one month")
        for month in self.months:
            if not 1 <= month <= 12:
                raise InvalidInput(f"a month is 1 to 12, not {month}")
        ordered = tuple(sorted(set(self.months)))
        if ordered != self.months:
            object.__setattr__(self, "months", ordered)

    @classmethod
    def yearly(cls, month: int, day: int) -> Recurrence:
        """Every year on `day` of `month` (每年3月31日)."""
        return cls(day, (month,))

    @classmethod
    def monthly(cls, day: int) -> Recurrence:
        """Every month on `day` (每月2日)."""
        return cls(day)

    @property
    def is_monthly(self) -> bool:
        """True when it falls in every month."""
        return self.months == _ALL_MONTHS

    def on(self, year: int, month: int) -> date:
        """The recurring day in `month` of `year`: the month's last day if it is shorter."""
        last = _gregorian.monthrange(year, month)[1]
        return date(year, month, min(self.day, last))

    def next_after(self, day: date) -> date:
        """The first recurring day strictly after `day`.

        Raises:
            InvalidInput: it would fall after the year 9999.
        """
        year = day.year
        while year <= 9999:
            for month in self.months:
                found = self.on(year, month)
                if found > day:
                    return found
            year += 1
        raise InvalidInput(f"no recurring day after {day} before the year 10000")

    @property
    def canonical(self) -> str:
        """The compact form a timer records.

        ``every 03-31`` (yearly), ``every month 02``, ``every 03/06/09/12-25``.
        """
        if self.is_monthly:
            return f"every month {self.day:02d}"
        months = "/".join(f"{m:02d}" for m in self.months)
        return f"every {months}-{self.day:02d}"

    @property
    def zh(self) -> str:
        """The recurrence in Chinese: 每年3月31日, 每月2日, 每年3、6、9、12月25日."""
        if self.is_monthly:
            return f"每月{self.day}日"
        return f"每年{'、'.join(str(m) for m in self.months)}月{self.day}日"

    @property
    def en(self) -> str:
        """The recurrence in English: every year on 31 March, every month on day 2."""
        if self.is_monthly:
            return f"every month on day {self.day}"
        names = ", ".join(_gregorian.month_name[m] for m in self.months)
        return f"every year on {self.day} {names}"
