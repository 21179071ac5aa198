"""A year's notice added to the database moves provisional due dates, and says why.

The process: a five-working-day reply limit (行政许可法 第三十二条) whose expiry fires
`lapsed`. Started on Monday 2026-12-28 on the provisional calendar (2027 has only
weekends and the fixed statutory days), it counts 29, 30, 31 December, Monday 4 and
Tuesday 5 January: due 2027-01-05, provisionally. The test notice gives Monday
2027-01-04 off (worked back on Saturday 9 January), so the count runs 29, 30, 31, 5, 6:
due 2027-01-06.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from policyflow.engine import Engine
from policyflow.errors import InvalidInput
from policyflow.legaltime import china
from policyflow.runtime import TimerAction, TimerStatus

NOTICE = Path(__file__).parents[1] / "fixtures" / "calendars" / "2027-notice.txt"
NOTICE_NAME = "国务院办公厅关于2027年部分节假日安排的通知（测试用） 2026-11-20"
PROCESS = """
id: lapse
title: {zh: 答复期限, en: Reply limit}
events:
  - {id: lapsed, zh: 逾期, en: Lapsed}
  - {id: replied, zh: 答复, en: Replied}
states:
  - {id: waiting, zh: 等待答复, en: Waiting, initial: true, basis: 行政许可法 第三十二条}
  - {id: lapsed, zh: 逾期, en: Lapsed, final: true, basis: 行政许可法 第三十二条}
  - {id: answered, zh: 已答复, en: Answered, final: true, basis: 行政许可法 第三十二条}
transitions:
  - {id: lapse, zh: 逾期, en: Lapse, event: lapsed, from: waiting, to: lapsed,
     basis: 行政许可法 第三十二条}
  - {id: reply, zh: 答复, en: Reply, event: replied, from: waiting, to: answered,
     basis: 行政许可法 第三十二条}
deadlines:
  - {id: reply_limit, zh: 答复期限, en: Reply limit, period: 五个工作日,
     start_on: {enter: waiting}, met_by: {leave: waiting}, on_expiry: {fire: lapsed},
     basis: 行政许可法 第三十二条}
"""


class _At:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "lapse.yaml").write_text(PROCESS, encoding="utf-8")
    return tmp_path


def _engine(folder: Path, now: datetime) -> Engine:
    return Engine(
        folder / "cases.db",
        processes=folder,
        calendar=china(provisional=True),
        clock=_At(now),
    )


def test_a_2027_notice_moves_a_provisional_due_date_and_the_journal_says_why(folder):
    with _engine(folder, datetime(2026, 12, 29, 9)) as engine:
        case = engine.start("lapse", {}, at=datetime(2026, 12, 28, 10))
        before = case.snapshot.timer("reply_limit")
        assert (before.due, before.provisional) == (date(2027, 1, 5), True)
        report = engine.add_calendar(NOTICE)
        assert report.revised == {case.id: [("reply_limit", "2027-01-05", "2027-01-06")]}
        assert report.conflicts == {} and report.refused == {}
        after = engine.get(case.id)
        timer = after.snapshot.timer("reply_limit")
        assert (timer.due, timer.provisional, after.version) == (date(2027, 1, 6), False, 2)
        entry = engine.history(case.id)[-1].entry
        assert entry.event == "calendar_revised" and entry.basis == NOTICE_NAME
        assert entry.payload["moved"] == [
            {
                "deadline": "reply_limit",
                "label": None,
                "from": "2027-01-05",
                "to": "2027-01-06",
                "provisional": False,
            }
        ]
        [change] = entry.timer_changes
        assert (change.action, change.due) == (TimerAction.RECOMPUTED, date(2027, 1, 6))
        assert change.basis.startswith(NOTICE_NAME)
        assert engine.verify() == 2
    # a later engine counts on the stored year, and the expiry comes at the new date
    with _engine(folder, datetime(2027, 1, 10)) as engine:
        assert not engine.calendar.is_provisional(2027)
        assert engine.tick(datetime(2027, 1, 6, 23, 59)).actions == ()  # due to the end of 6th
        [fired] = engine.tick(datetime(2027, 1, 7)).actions
        assert (fired.case_id, fired.event, fired.at) == (case.id, "lapsed", datetime(2027, 1, 7))
        assert engine.verify() == 3
        # a case started now counts on the notice from the start: nothing provisional
        fresh = engine.start("lapse", {}, at=datetime(2026, 12, 28, 10))
        assert fresh.snapshot.timer("reply_limit").due == date(2027, 1, 6)
        assert not fresh.snapshot.timer("reply_limit").provisional
        assert engine.verify() == 4


def test_an_expired_provisional_deadline_is_reported_and_nothing_rewritten(folder):
    """Past its provisional end (5 January) by the time the notice comes: not moved."""
    with _engine(folder, datetime(2027, 1, 6, 9)) as engine:
        case = engine.start("lapse", {}, at=datetime(2026, 12, 28, 10))
        report = engine.add_calendar(NOTICE)
        assert report.revised == {}
        [conflict] = report.conflicts[case.id]
        assert (conflict.deadline, conflict.due, conflict.recounted) == (
            "reply_limit",
            date(2027, 1, 5),
            date(2027, 1, 6),
        )
        assert "after it had expired" in conflict.why
        after = engine.get(case.id)
        assert after.version == 1 and after.snapshot.timer("reply_limit").due == date(2027, 1, 5)
        assert engine.verify() == 1


def test_a_fired_deadline_the_notice_dates_the_same_is_left_alone(folder):
    """Fired on 2027-01-05 (counted before 2027): the notice changes nothing of it."""
    with _engine(folder, datetime(2027, 1, 20)) as engine:
        case = engine.start("lapse", {}, at=datetime(2026, 12, 21, 10))  # due 2026-12-28
        engine.tick(datetime(2027, 1, 1))
        assert engine.get(case.id).snapshot.timer("reply_limit").status is TimerStatus.FIRED
        report = engine.add_calendar(NOTICE)
        assert report.revised == {} and report.conflicts == {}
        assert engine.get(case.id).version == 2


def test_a_met_deadline_is_closed_and_not_looked_at(folder):
    with _engine(folder, datetime(2027, 1, 20)) as engine:
        case = engine.start("lapse", {}, at=datetime(2026, 12, 28, 10))
        engine.fire(case.id, "replied", at=datetime(2026, 12, 30, 10))
        report = engine.add_calendar(NOTICE)
        assert report.revised == {} and report.conflicts == {}
        assert engine.get(case.id).snapshot.timer("reply_limit").due == date(2027, 1, 5)
        assert engine.verify() == 2


def test_a_year_already_stored_is_refused_and_nothing_changes(folder):
    with _engine(folder, datetime(2026, 12, 29, 9)) as engine:
        engine.add_calendar(NOTICE)
        case = engine.start("lapse", {}, at=datetime(2026, 12, 28, 10))
        with pytest.raises(InvalidInput, match="calendar year 2027 is already stored"):
            engine.add_calendar(NOTICE)
        assert engine.get(case.id).version == 1


@pytest.mark.postgres
def test_a_notice_moves_a_provisional_due_date_on_postgresql(postgres_url, tmp_path):
    (tmp_path / "lapse.yaml").write_text(PROCESS, encoding="utf-8")
    with Engine(
        postgres_url,
        processes=tmp_path,
        calendar=china(provisional=True),
        clock=_At(datetime(2026, 12, 29, 9)),
    ) as engine:
        case = engine.start("lapse", {}, at=datetime(2026, 12, 28, 10))
        report = engine.add_calendar(NOTICE)
        assert report.revised == {case.id: [("reply_limit", "2027-01-05", "2027-01-06")]}
        assert engine.get(case.id).snapshot.timer("reply_limit").due == date(2027, 1, 6)
        assert engine.verify() == 2
    with Engine(postgres_url, processes=tmp_path, calendar=china(provisional=True)) as engine:
        assert not engine.calendar.is_provisional(2027) and engine.verify() == 2
