"""The shipped calendar: day kinds, cross-checks against two independent sources, files."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import holidays
import pytest

from policyflow import legaltime
from policyflow.errors import CalendarFileError, CalendarNotPublished
from policyflow.legaltime import DayKind

ROOT = Path(__file__).resolve().parents[2]
FIRST, LAST = date(2004, 1, 1), date(2026, 12, 31)
# chinese-calendar 1.11.0 calls 2005-12-31 (Sat) a holiday; the 2006 notice made it a make-up
# workday for 2006-01-03 (liriansu/chinese-calendar issue #125). holidays has it right.
KNOWN_CHINESE_CALENDAR_ERRORS = {date(2005, 12, 31)}


def every_day(first: date = FIRST, last: date = LAST):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def test_agrees_with_chinese_calendar_on_every_day_but_the_pinned_one(cal):
    """Working day or not, 2004-01-01..2026-12-31, equals chinese-calendar except 2005-12-31."""
    disagreements = {
        day for day in every_day() if cal.is_working_day(day) != chinese_calendar.is_workday(day)
    }
    assert disagreements == KNOWN_CHINESE_CALENDAR_ERRORS


def test_chinese_calendar_is_wrong_on_2005_12_31_and_we_are_right(cal):
    """2005-12-31 is a Saturday worked in exchange for 2006-01-03 (2006 notice)."""
    assert chinese_calendar.is_workday(date(2005, 12, 31)) is False  # the known bug
    assert cal.day_kind(date(2005, 12, 31)) is DayKind.MAKEUP_WORKDAY
    assert cal.is_working_day(date(2005, 12, 31))
    assert cal.day_kind(date(2006, 1, 3)) is DayKind.SHIFTED_REST_DAY


def test_agrees_with_holidays_on_every_day(cal):
    """Working day or not equals holidays.China.is_working_day on every day 2004–2026."""
    cn = holidays.China(years=range(2003, 2028))
    assert [d for d in every_day() if cal.is_working_day(d) != cn.is_working_day(d)] == []


def test_kinds_and_names_agree_with_holidays(cal):
    """Statutory holidays carry holidays' names; shifted days its label; make-up days match."""
    cn = holidays.China(years=range(2003, 2028), language="zh_CN")
    for day in every_day():
        kind, name = cal.day_kind(day), cal.holiday_name(day)
        label = cn.get(day)
        if label is not None and label.startswith("休息日（由"):
            assert (kind, name) == (DayKind.SHIFTED_REST_DAY, label), day
        elif label is not None:
            assert (kind, name) == (DayKind.STATUTORY_HOLIDAY, label.replace("; ", "、")), day
        elif day in cn.weekend_workdays:
            assert kind is DayKind.MAKEUP_WORKDAY, day
        else:
            expected = DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY
            assert (kind, name) == (expected, None), day


def test_spring_festival_2023_kinds(cal):
    """2023 notice: 1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班."""
    kinds = {date(2023, 1, d): cal.day_kind(date(2023, 1, d)) for d in range(20, 31)}
    assert kinds == {
        date(2023, 1, 20): DayKind.WORKDAY,
        date(2023, 1, 21): DayKind.WEEKEND,  # 除夕 was not a statutory day before 2025
        date(2023, 1, 22): DayKind.STATUTORY_HOLIDAY,
        date(2023, 1, 23): DayKind.STATUTORY_HOLIDAY,
        date(2023, 1, 24): DayKind.STATUTORY_HOLIDAY,
        date(2023, 1, 25): DayKind.STATUTORY_HOLIDAY,  # 补假 for 1月22日 (Sunday)
        date(2023, 1, 26): DayKind.SHIFTED_REST_DAY,
        date(2023, 1, 27): DayKind.SHIFTED_REST_DAY,
        date(2023, 1, 28): DayKind.MAKEUP_WORKDAY,
        date(2023, 1, 29): DayKind.MAKEUP_WORKDAY,
        date(2023, 1, 30): DayKind.WORKDAY,
    }
    assert cal.holiday_name(date(2023, 1, 22)) == "春节"
    assert cal.holiday_name(date(2023, 1, 26)) == "休息日（由 2023-01-28 调休）"
    assert cal.holiday_name(date(2023, 1, 30)) is None


def test_national_day_2023_kinds(cal):
    """2023 notice: 9月29日至10月6日放假调休，共8天。10月7日、10月8日上班."""
    off = [date(2023, 9, 29) + timedelta(days=i) for i in range(8)]
    assert [cal.is_working_day(d) for d in off] == [False] * 8
    assert cal.holiday_name(date(2023, 9, 29)) == "中秋节"
    assert cal.holiday_name(date(2023, 10, 1)) == "国庆节"
    assert cal.is_working_day(date(2023, 10, 7)) and cal.is_working_day(date(2023, 10, 8))
    assert cal.is_working_day(date(2023, 9, 28)) and cal.is_working_day(date(2023, 10, 9))


def test_every_official_year_names_its_notice(cal):
    """Each year 2004–2026 is official and cites the State Council notice it comes from."""
    years = cal.years
    assert list(years) == list(range(2004, 2027))
    for year, source in years.items():
        assert source.status == "official"
        assert f"国务院办公厅关于{year}年部分节假日安排的通知" in source.source


def test_covers_boundaries(cal, provisional_cal):
    """2004 and 2026 are covered; 2003 and 2027 are not; provisional years are not 'covered'."""
    assert cal.covers(2004) and cal.covers(2026)
    assert not cal.covers(2003) and not cal.covers(2027)
    assert not provisional_cal.covers(2027) and provisional_cal.is_provisional(2027)
    assert not cal.is_provisional(2026)
    assert provisional_cal.last_year == 2060


def test_2027_is_refused_by_default_naming_year_and_remedy(cal):
    """A day in 2027 raises CalendarNotPublished with the year and how to supply it."""
    with pytest.raises(CalendarNotPublished) as caught:
        cal.day_kind(date(2027, 1, 4))
    assert caught.value.year == 2027
    message = str(caught.value)
    assert message.startswith(
        "no official holiday schedule for 2027: the calendar covers 2004–2026"
    )
    assert "--calendar FILE" in message and "provisional=True" in message
    with pytest.raises(CalendarNotPublished):
        cal.is_working_day(date(2003, 12, 31))
    assert cal.is_working_day(date(2004, 1, 2)) and not cal.is_working_day(date(2004, 1, 1))


def test_provisional_years_hold_the_fixed_statutory_days_of_order_795(provisional_cal):
    """2027–2060: 元旦1, 春节4 (incl. 除夕), 清明1, 劳动节2, 端午1, 中秋1, 国庆3; no 调休."""
    for year in range(2027, 2061):
        entries = {d: v for d, v in provisional_cal.entries().items() if d.year == year}
        assert {kind for kind, _ in entries.values()} == {DayKind.STATUTORY_HOLIDAY}
        names = Counter()
        for _, name in entries.values():
            for part in (name or "").split("、"):
                names[part] += 1
        assert names == {
            "元旦": 1,
            "农历除夕": 1,
            "春节": 3,
            "清明节": 1,
            "劳动节": 2,
            "端午节": 1,
            "中秋节": 1,
            "国庆节": 3,
        }, year
    # 2027: 春节 is 2月6日; 除夕 2月5日 (Friday) is a statutory day, the weekend stays a weekend.
    assert provisional_cal.day_kind(date(2027, 2, 5)) is DayKind.STATUTORY_HOLIDAY
    assert provisional_cal.day_kind(date(2027, 2, 13)) is DayKind.WEEKEND
    with pytest.raises(CalendarNotPublished) as caught:
        provisional_cal.day_kind(date(2061, 1, 3))
    assert caught.value.year == 2061


def test_working_days_between_excludes_the_first_day(cal):
    """(2023-09-28, 2023-10-09] holds 3 working days: 10-07, 10-08 (make-up) and 10-09."""
    assert cal.working_days_between(date(2023, 9, 28), date(2023, 10, 9)) == 3
    assert cal.working_days_between(date(2023, 9, 28), date(2023, 9, 28)) == 0
    assert cal.working_days_between(date(2023, 10, 9), date(2023, 9, 28)) == -3
    assert cal.working_days(date(2023, 10, 6), date(2023, 10, 9)) == [
        date(2023, 10, 7),
        date(2023, 10, 8),
        date(2023, 10, 9),
    ]


def test_shipped_tables_are_current():
    """scripts/generate_calendar.py --check finds the committed tables up to date."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_calendar.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_runtime_imports_neither_holidays_nor_chinese_calendar():
    """Counting with the shipped calendar needs neither package."""
    code = (
        "import sys, datetime; from policyflow import legaltime;"
        "legaltime.china().due(datetime.date(2023, 9, 28), '15wd');"
        "legaltime.china(provisional=True).day_kind(datetime.date(2030, 1, 1));"
        "print('holidays' in sys.modules, 'chinese_calendar' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


# ---- custom calendar files ----------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "cal.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_calendar_adds_a_newly_published_year(tmp_path, cal):
    """A file with 'year 2027 official' makes 2027 countable, with its 调休."""
    path = write(
        tmp_path,
        (
            "# the 2027 notice (an example)\n"
            "year 2027 official 国务院办公厅关于2027年部分节假日安排的通知\n"
            "2027-01-01 statutory_holiday 元旦\n"
            "2027-02-05 法定节假日 农历除夕\n"
            "2027-02-20 makeup_workday 春节调休上班\n"
        ),
    )
    loaded = legaltime.load_calendar(path)
    assert loaded.covers(2027) and loaded.covers(2026)
    assert loaded.day_kind(date(2027, 2, 5)) is DayKind.STATUTORY_HOLIDAY
    assert loaded.is_working_day(date(2027, 2, 20))  # a Saturday made a workday
    assert loaded.holiday_name(date(2027, 1, 1)) == "元旦"
    # 2026-12-31 (Thu) + 1wd: 2027-01-01 is 元旦 → 2027-01-04 (Mon); not provisional.
    result = loaded.due(date(2026, 12, 31), "1wd")
    assert result.date == date(2027, 1, 4) and not result.provisional
    assert not cal.covers(2027)  # the shipped calendar is untouched


def test_load_calendar_overrides_one_day_of_a_covered_year(tmp_path):
    """A day line in a covered year with no year line overrides that one day (a local holiday)."""
    path = write(tmp_path, "2023-10-09 statutory_holiday 地方假日\n")
    loaded = legaltime.load_calendar(path)
    assert loaded.day_kind(date(2023, 10, 9)) is DayKind.STATUTORY_HOLIDAY
    assert loaded.day_kind(date(2023, 10, 1)) is DayKind.STATUTORY_HOLIDAY  # base kept
    # 2023-10-06 + 1wd: 10-07 make-up → still 10-07; + 3wd: 10-07, 10-08, (10-09 off) 10-10.
    assert loaded.due(date(2023, 10, 6), "3wd").date == date(2023, 10, 10)


def test_a_year_line_replaces_that_years_schedule(tmp_path):
    """Loading 'year 2023' replaces the shipped 2023 days: unlisted days become ordinary."""
    path = write(
        tmp_path, "year 2023 official corrected\n2023-01-02 statutory_holiday 元旦（补假）\n"
    )
    loaded = legaltime.load_calendar(path)
    assert loaded.day_kind(date(2023, 10, 2)) is DayKind.WORKDAY
    assert loaded.years[2023].source == "corrected"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("2023-02-30 statutory_holiday x\n", 1, "day is out of range"),
        ("\n# c\n2023-10-09 holiday x\n", 3, "unknown day kind 'holiday'"),
        ("2023-10-09\n", 1, "bad line '2023-10-09'"),
        ("2023-10-09 workday\n2023-10-09 weekend\n", 2, "listed twice (first on line 1)"),
        ("year 2027 final notice\n", 1, "unknown status 'final'"),
        ("year 20x7 official\n", 1, "bad year line"),
        ("year 2027 official\nyear 2027 official\n", 2, "year 2027 is declared twice"),
        ("2028-01-03 statutory_holiday x\n", 1, "add a line 'year 2028 official SOURCE'"),
        ("10/09/2023 workday\n", 1, "expected an ISO date"),
    ],
)
def test_bad_calendar_file_names_file_and_line(tmp_path, text, line, fragment):
    """Each malformed line is refused with file:line and what is wrong."""
    path = write(tmp_path, text)
    with pytest.raises(CalendarFileError) as caught:
        legaltime.load_calendar(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert fragment in str(caught.value)
    assert caught.value.path == str(path)


def test_missing_and_binary_calendar_files_are_refused(tmp_path):
    """A missing file or a non-UTF-8 file raises CalendarFileError naming the file."""
    with pytest.raises(CalendarFileError, match=r"cannot read calendar file .*nope\.txt"):
        legaltime.load_calendar(tmp_path / "nope.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CalendarFileError, match="not UTF-8"):
        legaltime.load_calendar(bad)


def test_to_text_round_trips(tmp_path, cal):
    """A calendar written with to_text loads back to the same days and years."""
    path = write(tmp_path, cal.to_text())
    loaded = legaltime.load_calendar(path)
    assert loaded.entries() == cal.entries()
    assert loaded.years == cal.years
