"""Sub-procedures in the engine: a parent's event starts a child case, a finished child
signals its parent, each in the one transaction of the event that caused it.

On SQLite and on the real PostgreSQL server of tests/conftest.py. The processes are
tests/engine/processes/tiny-audit/ (main.yaml and expert.yaml). Dates by hand on China's
2023 schedule: the expert is asked on Monday 9 October 2023; ten working days, the start
day not counted, are 10–13 October (4), 16–20 (9) and Monday 23 October (10): the reply
is due 2023-10-23, and the deadline has passed from 2023-10-24 00:00.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from policyflow.engine import Engine
from policyflow.errors import EventNotAllowed, UnknownProcess

PROCESSES = Path(__file__).parent / "processes"

OPENED = datetime(2023, 9, 28, 10)
ASKED = datetime(2023, 10, 9, 10)
ANSWERED = datetime(2023, 10, 12, 15)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, sqlite_path) -> str:
    """The database under test: an SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(sqlite_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def audits(url):
    with Engine(url, processes=PROCESSES) as opened:
        yield opened


def _asked(engine: Engine):
    audit = engine.start("tiny-audit", {"topic": "经费使用"}, at=OPENED, actor="auditor")
    audit = engine.fire(audit.id, "opinion_requested", at=ASKED, actor="auditor")
    [expert] = engine.children(audit.id)
    return audit, expert


def test_a_transition_starts_its_child_case_in_the_same_event(audits):
    """opinion_requested moves the audit and starts the expert case, data and deadline set."""
    audit, expert = _asked(audits)
    assert (audit.state, audit.version) == ("awaiting_opinion", 2)
    assert expert.process_id == "tiny-audit.expert"
    assert expert.parent_id == audit.id
    assert (expert.state, expert.version) == ("asked", 1)
    assert expert.data["question"] == "经费使用"  # computed from the parent's data
    [first] = audits.history(expert.id)
    assert (first.entry.event, first.entry.at, first.entry.actor) == ("start", ASKED, "auditor")
    reply = expert.snapshot.timer("reply_limit")
    assert reply is not None and reply.due == date(2023, 10, 23)
    assert audits.verify() == 3  # audit: start, opinion_requested; expert: start


def test_a_finished_child_signals_its_parent_in_the_same_event(audits):
    """The expert's approval ends the child and applies opinion_given to the audit."""
    audit, expert = _asked(audits)
    done = audits.fire(expert.id, "approved", at=ANSWERED, actor="expert")
    assert (done.state, done.version) == ("favourable", 2)
    parent = audits.get(audit.id)
    assert (parent.state, parent.version) == ("reviewed", 3)
    assert parent.data["opinions"] == 1 and parent.data["is_favourable"] is True
    last = audits.history(audit.id)[-1].entry
    assert (last.event, last.payload, last.at, last.actor) == (
        "opinion_given",
        {"is_favourable": True},
        ANSWERED,
        "expert",
    )
    assert audits.verify() == 5
    # and the parent goes on under its own rules
    assert audits.fire(audit.id, "closed", at=ANSWERED).state == "closed"


def test_a_refused_signal_rolls_back_the_childs_event(audits):
    """A parent that no longer awaits the opinion refuses it; the child's event is undone."""
    audit, expert = _asked(audits)
    audits.fire(audit.id, "request_withdrawn", at=ASKED)
    with pytest.raises(EventNotAllowed) as caught:
        audits.fire(expert.id, "approved", at=ANSWERED)
    assert (caught.value.case_id, caught.value.event) == (audit.id, "opinion_given")
    unchanged = audits.get(expert.id)
    assert (unchanged.state, unchanged.version) == ("asked", 1)
    assert len(audits.history(expert.id)) == 1
    assert audits.get(audit.id).version == 3  # start, opinion_requested, request_withdrawn
    assert audits.verify() == 4


def test_a_child_that_cannot_start_rolls_back_the_parents_event(url, tmp_path):
    """With the child's process file gone, opinion_requested writes nothing at all."""
    folder = tmp_path / "processes" / "tiny-audit"
    folder.mkdir(parents=True)
    shutil.copy(PROCESSES / "tiny-audit" / "main.yaml", folder / "main.yaml")
    with Engine(url, processes=tmp_path / "processes") as engine:
        audit = engine.start("tiny-audit", {"topic": "经费使用"}, at=OPENED)
        with pytest.raises(UnknownProcess, match=r"tiny-audit\.expert"):
            engine.fire(audit.id, "opinion_requested", at=ASKED)
        after = engine.get(audit.id)
        assert (after.state, after.version) == ("open", 1)
        assert engine.children(audit.id) == []
        assert engine.verify() == 1


def test_a_childs_expiry_signals_its_parent_in_the_tick(audits):
    """reply_limit passes at 2023-10-24 00:00: deemed rejected, and the audit told, once."""
    audit, expert = _asked(audits)
    assert audits.tick(datetime(2023, 10, 23, 23, 59, 59)).actions == ()
    report = audits.tick(datetime(2023, 10, 25, 9))
    [action] = report.fired
    assert (action.case_id, action.event, action.at) == (
        expert.id,
        "deemed_rejected",
        datetime(2023, 10, 24),
    )
    assert audits.get(expert.id).state == "unfavourable"
    parent = audits.get(audit.id)
    assert (parent.state, parent.data["is_favourable"]) == ("reviewed", False)
    last = audits.history(audit.id)[-1].entry
    assert (last.event, last.at) == ("opinion_given", datetime(2023, 10, 24))
    assert audits.tick(datetime(2023, 10, 26)).actions == ()
    assert audits.verify() == 5


def test_a_tick_over_several_pages_fires_each_timer_once(audits, tiny_path, monkeypatch):
    """Pages of 7 due timers: 20 deemed grants and 3 child expiries, each exactly once."""
    from policyflow.engine import tick as tick_module

    monkeypatch.setattr(tick_module, "PAGE", 7)
    permits = []
    for number in range(20):
        case = audits.start(tiny_path, {"applicant": f"甲{number}"}, at=OPENED)
        permits.append(audits.fire(case.id, "accepted", at=datetime(2023, 10, 9, 10)).id)
    pairs = [_asked(audits) for _ in range(3)]
    # tiny-permit: acceptance met on 9 October; decision_limit (20 wd) expires 2023-11-07.
    report = audits.tick(datetime(2023, 11, 8))
    fired = sorted((a.case_id, a.event) for a in report.fired)
    expected = sorted(
        [(p, "deemed_granted") for p in permits]
        + [(expert.id, "deemed_rejected") for _, expert in pairs]
    )
    assert fired == expected
    assert report.skipped == () and report.refused == ()
    for audit, _ in pairs:
        assert audits.get(audit.id).state == "reviewed"
    for permit in permits:
        assert audits.get(permit).state == "granted"
    assert audits.tick(datetime(2023, 11, 8)).actions == ()
    assert audits.verify() == 3 * 20 + 5 * 3


@pytest.mark.postgres
def test_concurrent_tick_workers_signal_each_parent_once(postgres_url):
    """Four PostgreSQL workers sweep 30 expired experts: each parent hears exactly once."""
    import threading

    with Engine(postgres_url, processes=PROCESSES) as setup:
        pairs = [_asked(setup) for _ in range(30)]
    workers = [Engine(postgres_url, processes=PROCESSES) for _ in range(4)]
    barrier = threading.Barrier(len(workers))
    reports = []

    def sweep(engine: Engine) -> None:
        barrier.wait()
        reports.append(engine.tick(datetime(2023, 10, 25)))

    threads = [threading.Thread(target=sweep, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fired = sorted(a.case_id for report in reports for a in report.fired)
    assert fired == sorted(expert.id for _, expert in pairs)  # each expiry exactly once
    check = workers[0]
    for audit, _ in pairs:
        events = [r.entry.event for r in check.history(audit.id)]
        assert events == ["start", "opinion_requested", "opinion_given"]
    assert check.verify() == 5 * 30
    for engine in workers:
        engine.close()
