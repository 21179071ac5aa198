"""A year's holiday notice: checked, kept as a user calendar file, and in force from when.

The State Council publishes each year's schedule (国务院办公厅关于YYYY年部分节假日安排的
通知) late in the year before. :func:`read_notice` reads one written as a calendar file (the
shape of the shipped ``data/china.txt``) and refuses it, naming ``file:line``, unless:

- it has at least one ``year`` line, each ``official``, naming its source document and
  the notice's date (an ISO date in the source text, e.g. ``… 2026-11-12 <URL>``), dated
  in the year before the one it schedules or in that year (a later correction);
- every day line falls in a year the file declares (a notice gives whole years);
- a make-up working day (调休上班) is a Saturday or Sunday and a shifted rest day
  (调休休息日) a weekday: the notice moves a weekend's work to a weekday, never the other
  way;
- every fixed statutory day of 国务院令第795号 (元旦, 春节, 清明, 劳动节, 端午, 中秋,
  国庆: the provisional table) is listed as a statutory holiday.

A checked notice is kept either in the database (``policyflow calendar add FILE --db``,
:mod:`policyflow.engine.calendars`) or, for library use, as a user calendar file in
``$POLICYFLOW_CALENDARS`` (default ``~/.local/share/policyflow/calendars``), one
``YEAR.txt`` per year, read by :func:`with_user_years`.

:class:`CalendarHistory` is the calendar in force at each moment: a base calendar, and each
stored year from the wall-clock time it was stored. ``verify`` replays an act recorded
before a year was stored on the calendar without it, as the act was done.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from policyflow.errors import CalendarFileError
from policyflow.legaltime.calendar import Calendar, _parse_table, _read_data, _Table, china
from policyflow.legaltime.day_table import OFFICIAL, DayKind, YearSource

__all__ = [
    "USER_CALENDARS_ENV",
    "CalendarHistory",
    "Notice",
    "parse_notice",
    "read_notice",
    "save_user_notice",
    "user_calendar_dir",
    "with_user_years",
]

#: The environment variable naming the folder of user calendar files (one YEAR.txt a year).
USER_CALENDARS_ENV = "POLICYFLOW_CALENDARS"

_NOTICE_DATE = re.compile(r"(?<![\d/-])(\d{4}-\d{2}-\d{2})(?![\d/-])")
_WEEKEND = (5, 6)


@dataclass(frozen=True, slots=True)
class Notice:
    """One checked notice: its years, their days, and its own text.

    Attributes:
        years: the years it schedules, each with its source (document and date).
        days: every non-ordinary day it lists, with its kind and name.
        dated: the notice's date, per year.
        text: the calendar-file text of each year (its year line and day lines).
    """

    years: dict[int, YearSource]
    days: dict[date, tuple[DayKind, str | None]]
    dated: dict[int, date]
    text: dict[int, str]

    @property
    def name(self) -> str:
        """The notice's name: the source document of its first year, without the URL."""
        source = next(iter(self.years.values())).source
        return source.split(" <", 1)[0].strip()

    @property
    def table(self) -> _Table:
        """The notice as a calendar table, to merge into a calendar."""
        lines = {day: 0 for day in self.days}
        return _Table(dict(self.years), dict(self.days), lines)


def _line_numbers(text: str) -> tuple[dict[int, int], dict[date, int]]:
    """The line of each year line and of each day line (the parser checked them)."""
    years: dict[int, int] = {}
    days: dict[date, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "year" and len(words) > 1 and words[1].isdigit():
            years[int(words[1])] = number
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", words[0]):
            days[date.fromisoformat(words[0])] = number
    return years, days


def _fixed_days(year: int) -> dict[date, str | None]:
    """The fixed statutory days of 国务院令第795号 in `year` (empty beyond the table)."""
    provisional = _read_data("china-provisional.txt")
    return {
        day: name
        for day, (kind, name) in provisional.days.items()
        if day.year == year and kind is DayKind.STATUTORY_HOLIDAY
    }


def parse_notice(text: str, where: str) -> Notice:
    """Check a notice's calendar-file text; `where` names it in errors.

    Raises:
        CalendarFileError: the first thing wrong, as ``where:line: what`` (see the module).
    """
    table = _parse_table(text, where)
    year_lines, day_lines = _line_numbers(text)

    def fail(number: int, message: str) -> CalendarFileError:
        return CalendarFileError(f"{where}:{number}: {message}", path=where, line=number)

    if not table.years:
        raise CalendarFileError(
            f"{where}: no 'year' line: a notice names each year it schedules, e.g. "
            "'year 2027 official 国务院办公厅关于2027年部分节假日安排的通知 2026-11-12 <URL>'",
            path=where,
        )
    dated: dict[int, date] = {}
    for year, source in table.years.items():
        number = year_lines[year]
        if source.status != OFFICIAL:
            raise fail(number, f"year {year} is {source.status!r}: a notice is 'official'")
        title = source.source.split(" <", 1)[0].strip()
        found = _NOTICE_DATE.findall(title)
        if not title or not found:
            raise fail(
                number,
                f"year {year} names no notice date: write the source document and its "
                "date, e.g. '国务院办公厅关于2027年部分节假日安排的通知 2026-11-12 <URL>'",
            )
        try:
            day = date.fromisoformat(found[-1])
        except ValueError as error:
            raise fail(number, f"year {year}: bad notice date {found[-1]!r}: {error}") from None
        if not year - 1 <= day.year <= year:
            raise fail(
                number,
                f"year {year}: the notice is dated {day}: a year's notice is published "
                f"in {year - 1} (or, correcting it, in {year})",
            )
        dated[year] = day
    for day, (kind, _name) in table.days.items():
        number = day_lines[day]
        if day.year not in table.years:
            raise fail(
                number,
                f"{day} is in {day.year}, which this notice does not schedule: add a line "
                f"'year {day.year} official SOURCE DATE' above it",
            )
        if kind is DayKind.MAKEUP_WORKDAY and day.weekday() not in _WEEKEND:
            raise fail(
                number, f"{day} is a weekday: a make-up working day (调休上班) is a weekend day"
            )
        if kind is DayKind.SHIFTED_REST_DAY and day.weekday() in _WEEKEND:
            raise fail(
                number, f"{day} is a weekend day: a shifted rest day (调休休息日) is a weekday"
            )
    for year in table.years:
        for day, name in sorted(_fixed_days(year).items()):
            listed = table.days.get(day)
            if listed is None or listed[0] is not DayKind.STATUTORY_HOLIDAY:
                raise fail(
                    year_lines[year],
                    f"year {year} does not list {day} ({name}) as a statutory_holiday: it is "
                    "a fixed statutory day under 《全国年节及纪念日放假办法》"
                    "(国务院令第795号) 第二条",
                )
    texts = {
        year: "".join(
            [f"year {year} {source.status} {source.source}".rstrip() + "\n"]
            + [
                f"{day.isoformat()} {kind.value} {name or ''}".rstrip() + "\n"
                for day, (kind, name) in sorted(table.days.items())
                if day.year == year
            ]
        )
        for year, source in table.years.items()
    }
    return Notice(dict(table.years), dict(table.days), dated, texts)


def read_notice(path: str | Path) -> Notice:
    """Read and check a notice file (see :func:`parse_notice`).

    Raises:
        CalendarFileError: it cannot be read, or is not a valid notice (names file:line).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise CalendarFileError(
            f"cannot read notice file {str(file)!r}: {error.strerror or error}", path=file
        ) from None
    except UnicodeDecodeError:
        raise CalendarFileError(
            f"cannot read notice file {str(file)!r}: it is not UTF-8 text", path=file
        ) from None
    return parse_notice(text, str(file))


def user_calendar_dir() -> Path:
    """The folder of user calendar files: ``$POLICYFLOW_CALENDARS``, else the XDG data one."""
    chosen = os.environ.get(USER_CALENDARS_ENV)
    if chosen:
        return Path(chosen).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "policyflow" / "calendars"


def save_user_notice(notice: Notice, folder: Path | None = None) -> list[Path]:
    """Write each year of `notice` as ``YEAR.txt`` in the user calendar folder.

    Raises:
        CalendarFileError: a year is already there (remove its file to replace it), or the
            folder cannot be written.
    """
    target = user_calendar_dir() if folder is None else folder
    paths = [target / f"{year}.txt" for year in notice.years]
    for path in paths:
        if path.exists():
            raise CalendarFileError(
                f"{path} exists: year {path.stem} is already kept; remove the file to replace it",
                path=path,
            )
    try:
        target.mkdir(parents=True, exist_ok=True)
        for year, path in zip(notice.years, paths, strict=True):
            path.write_text(notice.text[year], encoding="utf-8")
    except OSError as error:
        raise CalendarFileError(
            f"cannot write to {target}: {error.strerror or error}", path=target
        ) from None
    return paths


def with_user_years(base: Calendar | None = None, folder: Path | None = None) -> Calendar:
    """`base` (default :func:`china`) with every year kept in the user calendar folder.

    Each ``YEAR.txt`` is checked again as it is read; a year the base publishes is
    replaced by the file's.

    Raises:
        CalendarFileError: a file there is not a valid notice (names file:line).
    """
    used = china() if base is None else base
    target = user_calendar_dir() if folder is None else folder
    files = sorted(target.glob("*.txt")) if target.is_dir() else []
    for file in files:
        used = used.merged(read_notice(file).table, name=f"{used.name}+{file.name}")
    return used


class CalendarHistory:
    """The calendar in force at each moment: a base, and each stored year from its storing.

    Args:
        base: the calendar without any stored year (None: the official one).
        stored: (stored at, notice) pairs, in the order they were stored.
    """

    def __init__(self, base: Calendar | None, stored: Sequence[tuple[datetime, Notice]] = ()):
        self.base = base
        self._moments = [moment for moment, _ in stored]
        self._calendars: list[Calendar | None] = [base]
        current = china() if base is None else base
        for _, notice in stored:
            current = current.merged(notice.table, name=f"{current.name}+{notice.name}")
            self._calendars.append(current)
        self.years = frozenset(year for _, notice in stored for year in notice.years)

    @property
    def current(self) -> Calendar | None:
        """The calendar now: the base with every stored year (None: the official one)."""
        return self._calendars[-1]

    def at(self, recorded_at: datetime) -> Calendar | None:
        """The calendar in force for an act recorded at `recorded_at` (wall-clock time)."""
        return self._calendars[bisect_right(self._moments, recorded_at)]
