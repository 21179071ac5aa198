"""Catch-up before apply: an event is judged on the case as the law has left it at its instant.

The window of tests/sim/fixtures/notice.yaml is 五个工作日 from service (科学技术部令第20号
第三十九条). Served on Thursday 2023-09-28, the working days after it are 10-07 and 10-08
(make-up working days, 调休上班), 10-09, 10-10 and 10-11 (09-29 to 10-06 are the
Mid-Autumn and National Day holidays): the window's last day is 2023-10-11 and it has
passed at 2023-10-12 00:00, when the deemed waiver (视为放弃) happens by itself.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from policyflow.engine import Engine
from policyflow.errors import EventNotAllowed, InvalidInput
from policyflow.runtime import TimerAction

NOTICE = Path(__file__).parents[1] / "sim" / "fixtures" / "notice.yaml"
FILED = datetime(2023, 9, 25, 9)
SERVED = datetime(2023, 9, 28, 10)
WINDOW_ENDS = datetime(2023, 10, 12)  # the first instant after 2023-10-11


def _served(engine: Engine) -> str:
    case = engine.start(NOTICE, {"party_type": "citizen", "proposed_fine": "20000"}, at=FILED)
    engine.fire(case.id, "notice_served", at=SERVED)
    return case.id


def _changes(engine: Engine, case_id: str) -> list[tuple[str, str, str]]:
    return [
        (row.entry.event, change.deadline, change.action.value)
        for row in engine.history(case_id)
        for change in row.entry.timer_changes
    ]


def test_a_statement_on_the_windows_last_day_is_in_time(engine):
    """科学技术部令第20号 第三十九条: a statement at 23:59 on 2023-10-11 is heard; no waiver."""
    case_id = _served(engine)
    engine.fire(case_id, "statement_received", at=WINDOW_ENDS - timedelta(minutes=1))
    case = engine.get(case_id)
    assert case.state == "rights_window_open"
    assert [e.entry.event for e in engine.history(case_id)] == [
        "start",
        "notice_served",
        "statement_received",
    ]
    assert engine.tick(WINDOW_ENDS - timedelta(seconds=1)).fired == ()


def test_a_statement_after_the_window_is_judged_after_the_deemed_waiver(engine):
    """No tick ran: a statement on 2023-10-12 is refused, the waiver having happened at 00:00."""
    case_id = _served(engine)
    with pytest.raises(EventNotAllowed) as refused:
        engine.fire(case_id, "statement_received", at=datetime(2023, 10, 12, 10))
    message = str(refused.value)
    assert "in state 'review'" in message
    assert "deadline 'statement_window' expired at 2023-10-12 00:00:00" in message
    assert "rights_window_closed" in message
    # refused: nothing written, the waiver included (the next act or tick records it)
    assert [e.entry.event for e in engine.history(case_id)] == ["start", "notice_served"]
    engine.fire(case_id, "decision_made", at=datetime(2023, 10, 13, 9))
    history = [(e.entry.event, e.entry.at, e.entry.automatic) for e in engine.history(case_id)]
    assert history[2:] == [
        ("rights_window_closed", WINDOW_ENDS, True),
        ("decision_made", datetime(2023, 10, 13, 9), False),
    ]
    assert ("rights_window_closed", "statement_window", "fired") in _changes(engine, case_id)
    assert engine.tick(datetime(2023, 10, 14)).fired == ()  # nothing left to fire


def test_an_act_at_the_expiry_instant_comes_after_the_expiry(engine):
    """At 2023-10-12 00:00 exactly the window has passed (expiry instant <= event instant)."""
    case_id = _served(engine)
    with pytest.raises(EventNotAllowed):
        engine.fire(case_id, "statement_received", at=WINDOW_ENDS)


def test_a_late_act_is_recorded_as_late(engine, tiny_path):
    """Met after its expiry: the deadline is overdue first, at 00:00, then met; never in time.

    tiny-permit's acceptance limit is 五个工作日 from 2023-09-28: its last day is 2023-10-11.
    """
    case = engine.start(tiny_path, {"applicant": "甲"}, at=SERVED)
    engine.fire(case.id, "accepted", at=datetime(2023, 10, 12, 9))
    entries = [row.entry for row in engine.history(case.id)]
    assert [(e.event, e.at) for e in entries] == [
        ("start", SERVED),
        ("deadline_expired", WINDOW_ENDS),
        ("accepted", datetime(2023, 10, 12, 9)),
    ]
    assert [(c.deadline, c.action) for c in entries[1].timer_changes] == [
        ("acceptance_limit", TimerAction.OVERDUE)
    ]
    assert ("acceptance_limit", TimerAction.MET) in [
        (c.deadline, c.action) for c in entries[2].timer_changes
    ]
    timer = next(t for t in engine.timers(case.id) if t.deadline == "acceptance_limit")
    assert timer.status.value == "met"
    assert not engine.get(case.id).overdue  # met late ends the overdue mark


def test_an_act_on_the_last_day_meets_the_deadline_in_time(engine, tiny_path):
    """The same acceptance at 23:59:59 on 2023-10-11 is met in time: no overdue entry."""
    case = engine.start(tiny_path, {"applicant": "甲"}, at=SERVED)
    engine.fire(case.id, "accepted", at=WINDOW_ENDS - timedelta(seconds=1))
    assert [row.entry.event for row in engine.history(case.id)] == ["start", "accepted"]
    assert not engine.get(case.id).overdue


def test_tick_before_or_after_gives_the_same_journal(tmp_path, tiny_path):
    """A late acceptance: tick never, tick at the expiry, tick long after: one journal."""
    journals = []
    for policy in ("never", "at expiry", "after"):
        with Engine(tmp_path / f"{policy}.db") as engine:
            case = engine.start(tiny_path, {"applicant": "甲"}, at=SERVED, case_id="c")
            if policy == "at expiry":
                engine.tick(WINDOW_ENDS)
            engine.fire("c", "accepted", at=datetime(2023, 10, 16, 9))
            engine.tick(datetime(2023, 12, 31))
            journals.append([(r.entry.event, r.entry.at) for r in engine.history(case.id)])
    assert journals[0] == journals[1] == journals[2]
    assert journals[0][1] == ("deadline_expired", WINDOW_ENDS)
    assert journals[0][-1][0] == "deemed_granted"  # the decision limit also ran out


def test_an_event_before_the_cases_last_event_is_bad_input(engine, tiny_path):
    """Business time never goes back: an event dated before the last one changes nothing."""
    case = engine.start(tiny_path, {"applicant": "甲"}, at=SERVED)
    with pytest.raises(InvalidInput, match="earlier than the case's last event"):
        engine.fire(case.id, "accepted", at=SERVED - timedelta(seconds=1))
    assert engine.get(case.id).version == 1


class _SlowClock:
    """A clock that steps forward on every reading and then dawdles, to widen any race."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            self._now += timedelta(milliseconds=1)
            moment = self._now
        time.sleep(0.002)
        return moment


def _fire_concurrently(url: str, writers: int, each: int) -> tuple[list[str], str]:
    clock = _SlowClock(datetime(2023, 9, 28, 11))
    with Engine(url, clock=clock) as setup:
        case_id = _served(setup)
    engines = [Engine(url, clock=clock) for _ in range(writers)]
    barrier = threading.Barrier(writers)
    errors: list[str] = []

    def write(engine: Engine) -> None:
        barrier.wait()
        for _ in range(each):
            try:
                engine.fire(case_id, "statement_received")
            except Exception as error:  # every failure is the finding
                errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=write, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.close()
    return errors, case_id


def _assert_all_written_in_order(url: str, case_id: str, count: int) -> None:
    with Engine(url) as engine:
        times = [row.entry.at for row in engine.history(case_id)]
        assert len(times) == 2 + count
        assert times == sorted(times)
        assert engine.verify(case_id) == 2 + count


def test_concurrent_fires_without_a_time_are_never_refused_on_sqlite(sqlite_path):
    """now is read once the case is locked: 4 writers × 10 statements, all written, in order."""
    errors, case_id = _fire_concurrently(f"sqlite:///{sqlite_path}", 4, 10)
    assert errors == []
    _assert_all_written_in_order(f"sqlite:///{sqlite_path}", case_id, 40)


@pytest.mark.postgres
def test_concurrent_fires_without_a_time_are_never_refused_on_postgres(postgres_url):
    """The same on PostgreSQL, 8 writers × 15 statements (502 of 1,200 were refused before)."""
    errors, case_id = _fire_concurrently(postgres_url, 8, 15)
    assert errors == []
    _assert_all_written_in_order(postgres_url, case_id, 120)


def test_a_case_shows_itself_as_the_law_has_it_at_an_instant(engine):
    """as_of and allowed(at=): the waiver is seen at 10-12 00:00 before anything records it."""
    case = engine.get(_served(engine))
    last_day = case.as_of(WINDOW_ENDS - timedelta(microseconds=1))
    assert last_day.state == "rights_window_open"
    assert "statement_received" in {a.event for a in case.allowed(at=WINDOW_ENDS - timedelta(1))}
    after = case.as_of(WINDOW_ENDS)
    assert (after.state, after.version) == ("review", 3)
    assert {a.event for a in case.allowed(at=WINDOW_ENDS)} == {"decision_made"}
    assert engine.get(case.id).state == "rights_window_open"  # a view: nothing was written
    assert case.as_of(SERVED) is case  # before its last event: as it is


def test_an_hour_limit_includes_its_last_instant(engine):
    """二十四小时内 (科学技术部令第21号 第六十五条第三款): documents served at exactly 24 hours are
    in time; a microsecond later the limit has run out (overdue first, then met late)."""
    seized = datetime(2023, 9, 29, 16, 30)  # across the holiday: hours count every day
    journals = []
    for late in (timedelta(0), timedelta(microseconds=1)):
        case = engine.start("hgr-seizure", {}, at=seized - timedelta(hours=1))
        engine.fire(case.id, "executed_in_emergency", {"urgency": "risk_of_loss_of_hgr"}, at=seized)
        at = seized + timedelta(hours=24) + late
        engine.fire(case.id, "documents_served", {"approved_by_head": True}, at=at)
        journals.append([row.entry.event for row in engine.history(case.id)])
    assert journals[0] == ["start", "executed_in_emergency", "documents_served"]
    assert journals[1] == ["start", "executed_in_emergency", "deadline_expired", "documents_served"]
