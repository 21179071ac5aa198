"""A year's notice: checked line by line, kept as a user file, in force from its storing."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from policyflow import legaltime
from policyflow.errors import CalendarFileError
from policyflow.legaltime.notices import (
    USER_CALENDARS_ENV,
    CalendarHistory,
    parse_notice,
    read_notice,
    save_user_notice,
    with_user_years,
)

ROOT = Path(__file__).parents[2]
NOTICE = ROOT / "tests" / "fixtures" / "calendars" / "2027-notice.txt"
TEXT = NOTICE.read_text(encoding="utf-8")


def _edited(old: str, new: str) -> str:
    assert old in TEXT
    return TEXT.replace(old, new, 1)


def test_the_test_notice_is_read_with_its_name_date_and_days():
    notice = read_notice(NOTICE)
    assert list(notice.years) == [2027] and notice.dated == {2027: date(2026, 11, 20)}
    assert notice.name == "国务院办公厅关于2027年部分节假日安排的通知（测试用） 2026-11-20"
    assert notice.days[date(2027, 1, 9)][0] is legaltime.DayKind.MAKEUP_WORKDAY
    # its text round-trips: read again, the same notice
    assert parse_notice(notice.text[2027], "again").days == notice.days


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (" official ", " provisional ", 3, "year 2027 is 'provisional': a notice is 'official'"),
        (" 2026-11-20", "", 3, "year 2027 names no notice date"),
        (" 2026-11-20", " 2025-12-31", 3, "the notice is dated 2025-12-31"),
        (" 2026-11-20", " 2028-01-01", 3, "the notice is dated 2028-01-01"),
        ("2027-01-09 makeup", "2027-01-08 makeup", 6, "2027-01-08 is a weekday"),
        ("2027-01-04 shifted", "2027-01-03 shifted", 5, "2027-01-03 is a weekend day"),
        ("2027-04-05 statutory_holiday 清明节\n", "", 3, "does not list 2027-04-05 (清明节)"),
        (
            "2027-10-03 statutory_holiday",
            "2028-10-03 statutory_holiday",
            18,
            "2028-10-03 is in 2028",
        ),
        ("2027-05-02 statutory_holiday", "2027-05-02 holiday", 13, "unknown day kind 'holiday'"),
    ],
)
def test_a_malformed_notice_is_refused_at_the_failing_line(tmp_path, old, new, line, message):
    bad = tmp_path / "bad.txt"
    bad.write_text(_edited(old, new), encoding="utf-8")
    with pytest.raises(CalendarFileError) as raised:
        read_notice(bad)
    assert str(raised.value).startswith(f"{bad}:{line}: ")
    assert message in str(raised.value)


def test_a_notice_dated_in_its_own_year_is_a_correction_and_accepted():
    assert parse_notice(_edited(" 2026-11-20", " 2027-01-02"), "x").dated[2027] == date(2027, 1, 2)


def test_a_file_without_a_year_line_is_refused():
    with pytest.raises(CalendarFileError, match="no 'year' line"):
        parse_notice("2027-01-01 statutory_holiday 元旦\n", "x")


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_shipped_years_under_the_current_rules_pass_as_notices(year):
    """The checks hold for the real notices (dated here: the shipped lines name no date)."""
    text = legaltime.china().to_text()
    block = text[text.index(f"year {year} ") :]
    block = block[: block.find("\nyear ", 1) + 1 or None]
    dated = block.replace(" <", f" {year - 1}-11-12 <", 1)
    assert list(parse_notice(dated, "shipped").years) == [year]


def test_user_years_are_kept_in_the_folder_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv(USER_CALENDARS_ENV, str(tmp_path / "kept"))
    [path] = save_user_notice(read_notice(NOTICE))
    assert path == tmp_path / "kept" / "2027.txt"
    calendar = with_user_years()
    assert calendar.covers(2027) and calendar.day_kind(date(2027, 1, 4)).value == "shifted_rest_day"
    assert calendar.due(date(2026, 12, 28), "五个工作日").date == date(2027, 1, 6)
    with pytest.raises(CalendarFileError, match="2027 is already kept"):
        save_user_notice(read_notice(NOTICE))


def test_without_a_folder_the_calendar_is_the_base(tmp_path, monkeypatch):
    monkeypatch.setenv(USER_CALENDARS_ENV, str(tmp_path / "none"))
    assert with_user_years() is legaltime.china()


def test_history_gives_the_calendar_in_force_at_each_recorded_time():
    stored_at = datetime(2026, 12, 29, 9)
    history = CalendarHistory(legaltime.china(provisional=True), [(stored_at, read_notice(NOTICE))])
    before = history.at(stored_at - timedelta(microseconds=1))  # just before its storing
    assert before is not None and before.is_provisional(2027)
    assert history.at(stored_at) is history.current  # from its storing on
    assert history.at(datetime(2030, 1, 1)) is history.current
    assert history.current is not None and not history.current.is_provisional(2027)
    assert history.years == {2027}


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "add_calendar_year.py"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_maintainer_script_adds_a_year_to_the_shipped_tables(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shipped = ROOT / "src" / "policyflow" / "legaltime" / "data"
    for name in ("china.txt", "china-provisional.txt"):
        (data / name).write_text((shipped / name).read_text(encoding="utf-8"), encoding="utf-8")
    assert _script(str(NOTICE), "--data", str(data), "--check").returncode == 1
    done = _script(str(NOTICE), "--data", str(data))
    assert done.returncode == 0, done.stderr
    official = (data / "china.txt").read_text(encoding="utf-8")
    old = (shipped / "china.txt").read_text(encoding="utf-8")
    assert (
        official.startswith(old) and official[len(old) :] == "\n" + read_notice(NOTICE).text[2027]
    )
    provisional = (data / "china-provisional.txt").read_text(encoding="utf-8")
    assert "year 2027" not in provisional and "year 2028 provisional" in provisional
    calendar = legaltime.load_calendar(data / "china.txt", legaltime.china())
    assert calendar.covers(2027) and calendar.last_year == 2027
    assert _script(str(NOTICE), "--data", str(data), "--check").returncode == 0
    again = _script(str(NOTICE), "--data", str(data))
    assert again.returncode == 2 and "year 2027 is already official" in again.stderr
    assert (data / "china.txt").read_text(encoding="utf-8") == official


def test_the_maintainer_script_refuses_a_malformed_notice_and_writes_nothing(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "china.txt").write_text("# empty\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text(_edited(" 2026-11-20", ""), encoding="utf-8")
    done = _script(str(bad), "--data", str(data))
    assert done.returncode == 2 and f"{bad}:3: year 2027 names no notice date" in done.stderr
    assert (data / "china.txt").read_text(encoding="utf-8") == "# empty\n"
