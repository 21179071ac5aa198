"""Reads of other cases see them as the law has left them at the instant of the act.

A group closes and counts its members (``members``), children (``children``) and lapsed
members found by key (``lookup``); a member and a child read the group (``cohort``,
``parent``). Each case read whose deadline expired before the act, with no tick run since,
is first brought up to the act's instant: its expiry journaled at its own due instant,
committed with the act. A member's lapse tells the group (``signal: to: cohort``): the
group takes it at the member's instant, before the act. The same story with a tick before
the act gives the same journals.

The processes are tests/engine/processes/rc/. Dates on China's 2023 schedule: a case
started on Monday 9 October 2023 has three working days to 12 October (its reply window has
passed from 13 October 00:00); the group's five end on 16 October (passed from 17 October).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from policyflow.engine import Engine
from policyflow.engine.write import StoredFamily
from policyflow.errors import GuardFailed
from policyflow.runtime.relations import LookupQuery
from policyflow.store import relations

PROCESSES = Path(__file__).parent / "processes"
STARTED = datetime(2023, 10, 9, 10)
LATE_START = datetime(2023, 10, 11, 10)  # its window passes on 17 October 00:00
MEMBER_LAPSES = datetime(2023, 10, 13)
GROUP_LAPSES = datetime(2023, 10, 17)
CLOSING = datetime(2023, 10, 16, 10)
PEEKING = datetime(2023, 10, 17, 10)


def _story(path: Path | str, *, tick_at: datetime | None, close_at: datetime = CLOSING) -> Engine:
    engine = Engine(str(path), processes=PROCESSES)
    engine.start("rc.group", {"ref": "R"}, at=STARTED, case_id="group")
    engine.fire("group", "spawn", at=STARTED)
    engine.start("rc.member", {"round_id": "group", "ref": "R"}, at=STARTED, case_id="early")
    engine.start("rc.member", {"round_id": "group", "ref": "R"}, at=LATE_START, case_id="late")
    if tick_at is not None:
        engine.tick(tick_at)
    engine.fire("group", "close", at=close_at)
    return engine


def _child(engine: Engine) -> str:
    (child,) = engine.children("group")
    return child.id


def _journals(engine: Engine) -> dict[str, list[Any]]:
    """Every case's journal, the entries only (no wall clock, no hash), the child by name."""
    child = _child(engine)
    found: dict[str, list[Any]] = {}
    for case_id, entries in engine.journals():
        text = json.dumps([r.entry._asdict() for r in entries], default=str, ensure_ascii=False)
        found["child" if case_id == child else case_id] = json.loads(text.replace(child, "child"))
    return found


def test_members_children_and_lookup_are_read_as_expired_without_a_tick(tmp_path):
    with _story(tmp_path / "a.db", tick_at=None) as engine:
        group = engine.get("group")
        # the early member and the child lapsed on 13 October: only the late member waits
        assert group.state == "closed"
        assert (group.data["waiting_members"], group.data["waiting_children"]) == (1, 0)
        assert group.data["lapsed_found"] == 1
        assert engine.get("early").state == "lapsed"
        assert engine.get("late").state == "waiting"
        assert engine.get(_child(engine)).state == "lapsed"
        for case_id in ("early", _child(engine)):
            last = engine.history(case_id)[-1].entry
            assert (last.event, last.at, last.automatic) == ("lapse", MEMBER_LAPSES, True)
        # the early member's lapse reached the group at its own instant, before the close
        told = [(r.entry.event, r.entry.at) for r in engine.history("group")[-2:]]
        assert told == [("member_lapsed", MEMBER_LAPSES), ("close", CLOSING)]
        reads = engine.history("group")[-1].entry.reads
        assert [m["state"] for m in reads["members:rc.member"]] == ["lapsed", "waiting"]
        assert [c["state"] for c in reads["children:rc.child"]] == ["lapsed"]
        assert [h["id"] for h in reads["lookup:lapsed"]] == ["early"]
        assert reads["lookup:lapsed"][0]["entered"] == {"$t": MEMBER_LAPSES.isoformat()}
        assert engine.verify() > 0


def test_a_tick_before_the_act_changes_no_journal(tmp_path):
    with _story(tmp_path / "a.db", tick_at=None) as without:
        caught_up = _journals(without)
    with _story(tmp_path / "b.db", tick_at=datetime(2023, 10, 14)) as ticked:
        assert _journals(ticked) == caught_up


@pytest.mark.parametrize(
    ("close_at", "early_state", "waiting"),
    [
        (datetime(2023, 10, 12, 23, 59), "waiting", 2),  # a minute before: not yet
        (MEMBER_LAPSES, "lapsed", 1),  # at the instant the window has passed
        (datetime(2023, 10, 13, 0, 1), "lapsed", 1),
    ],
)
def test_a_member_is_caught_up_from_the_instant_its_window_has_passed(
    tmp_path, close_at, early_state, waiting
):
    with _story(tmp_path / "a.db", tick_at=None, close_at=close_at) as engine:
        assert engine.get("early").state == early_state
        assert engine.get("group").data["waiting_members"] == waiting
        reads = engine.history("group")[-1].entry.reads
        assert reads["members:rc.member"][0]["state"] == early_state
        assert engine.verify() > 0


@pytest.mark.parametrize(("case_id", "event"), [("late", "peek"), ("child", "peek")])
def test_cohort_and_parent_are_read_as_expired(tmp_path, case_id, event):
    """A member reads its cohort, a child its parent, after the group's window has passed."""
    for name, tick_at in (("a", None), ("b", datetime(2023, 10, 17, 8))):
        with Engine(str(tmp_path / f"{name}.db"), processes=PROCESSES) as engine:
            engine.start("rc.group", {"ref": "R"}, at=STARTED, case_id="group")
            engine.fire("group", "spawn", at=STARTED)
            # (its lapse tells the group: the child's read brings it along with the group)
            engine.start(
                "rc.member", {"round_id": "group", "ref": "R"}, at=LATE_START, case_id="late"
            )
            if tick_at is not None:
                engine.tick(tick_at)
            target = _child(engine) if case_id == "child" else case_id
            assert engine.fire(target, event, at=PEEKING).data["seen"] == "late"
            entries = [(r.entry.event, r.entry.at) for r in engine.history("group")]
            assert ("timed_out", GROUP_LAPSES) in entries
            key = "parent" if case_id == "child" else "cohort"
            assert engine.history(target)[-1].entry.reads[key]["state"] == "late"
            assert engine.verify() > 0
            engine.tick(datetime(2023, 10, 18))  # the cases nobody read: swept alike
            journals = _journals(engine)
        if name == "a":
            first = journals
        else:
            assert journals == first


def test_a_refused_act_writes_no_catch_up_and_the_next_tick_writes_the_same(tmp_path):
    """A refusal undoes the catch-up of the cases it read with it; a tick writes the same.

    Three members lapse on 13 October; the close on 16 October reads them (caught up) and
    is refused by its guard (at most two members): nothing is written. The tick after
    writes each lapse at 13 October 00:00, as a tick before the refused act does.
    """
    journals = []
    for name, tick_first in (("a", False), ("b", True)):
        with Engine(str(tmp_path / f"{name}.db"), processes=PROCESSES) as engine:
            engine.start("rc.group", {"ref": "R"}, at=STARTED, case_id="group")
            for number in range(3):
                data = {"round_id": "group", "ref": "R"}
                engine.start("rc.member", data, at=STARTED, case_id=f"m{number}")
            if tick_first:
                engine.tick(datetime(2023, 10, 14))
            with pytest.raises(GuardFailed, match="At most two members"):
                engine.fire("group", "close", at=CLOSING)
            if not tick_first:  # nothing of the refused act written, its catch-ups included
                assert {engine.get(f"m{n}").state for n in range(3)} == {"waiting"}
                assert engine.get("group").version == 1
            engine.tick(datetime(2023, 10, 14))
            assert [r.entry.at for r in engine.history("m0")][-1] == MEMBER_LAPSES
            assert engine.get("group").data["lapses"] == 3
            assert engine.verify() > 0
            journals.append(_journals_of(engine, ("group", "m0", "m1", "m2")))
    assert journals[0] == journals[1]


def _journals_of(engine: Engine, case_ids: tuple[str, ...]) -> dict[str, list[Any]]:
    found = dict(engine.journals())
    return {
        case_id: json.loads(json.dumps([r.entry._asdict() for r in found[case_id]], default=str))
        for case_id in case_ids
    }


@pytest.mark.parametrize(
    ("until", "due"),
    [(datetime(2023, 10, 12, 23, 59), False), (MEMBER_LAPSES, True), (CLOSING, True)],
)
def test_the_store_finds_a_due_member_by_key_whatever_its_state(tmp_path, until, due):
    """With until, a case due by then is a hit outside the state bound, marked due."""
    with Engine(str(tmp_path / "a.db"), processes=PROCESSES) as engine:
        engine.start("rc.member", {"round_id": "g", "ref": "R"}, at=STARTED, case_id="early")
        engine.start("rc.member", {"round_id": "g", "ref": "S"}, at=STARTED, case_id="other")
        query = LookupQuery("rc.member", (("ref", ("R",)),), states=("lapsed",), until=until)
        with engine.database.transaction() as connection:
            family = StoredFamily(engine._writer, connection, {})
            found = family.lookup(query)
            assert family.lookup(query._replace(until=None)) == []  # as stored: waiting
        assert [(hit.case_id, hit.state, hit.due) for hit in found] == (
            [("early", "waiting", True)] if due else []
        )


@pytest.mark.postgres
def test_on_postgres_the_reads_catch_up_as_on_sqlite(tmp_path, postgres_url):
    """The store's due marks (a timer due by the instant, in the lookup's own query) run on
    PostgreSQL too: the same story, with no tick, writes the same journals as on SQLite."""
    with _story(tmp_path / "a.db", tick_at=None) as lite:
        expected = _journals(lite)
    with _story(postgres_url, tick_at=None) as server:
        assert _journals(server) == expected
        assert server.verify() > 0


def _report_story(path: Path | str, *, tick_at: datetime | None, report_at: datetime) -> Engine:
    """The group reports (reading no member) after its one member's window has passed."""
    engine = Engine(str(path), processes=PROCESSES)
    engine.start("rc.group", {"ref": "R"}, at=STARTED, case_id="group")
    engine.start("rc.member", {"round_id": "group", "ref": "R"}, at=STARTED, case_id="early")
    if tick_at is not None:
        engine.tick(tick_at)
    engine.fire("group", "report", at=report_at)
    return engine


@pytest.mark.parametrize(
    ("report_at", "told"),
    [
        (datetime(2023, 10, 12, 23, 59), 0),  # a minute before the member's window passes
        (MEMBER_LAPSES, 1),  # at the instant it has passed
        (CLOSING, 1),
    ],
)
def test_a_cohort_acting_alone_takes_its_due_members_signals_first(tmp_path, report_at, told):
    """A round's act that reads no member still brings along the members due by then.

    The member's lapse signals the group (``signal: {to: cohort}``): the group counts it
    at the member's instant, before the report, whether or not a tick ran first.
    """
    with _report_story(tmp_path / "a.db", tick_at=None, report_at=report_at) as engine:
        group = engine.get("group")
        assert (group.data["lapses"], group.data["reported"]) == (told, told)
        assert engine.get("early").state == ("lapsed" if told else "waiting")
        entries = [(r.entry.event, r.entry.at) for r in engine.history("group")[1:]]
        assert entries == [("member_lapsed", MEMBER_LAPSES)] * told + [("report", report_at)]
        assert engine.verify() > 0
        without = _journals_of(engine, ("group", "early"))
    tick_at = min(report_at, datetime(2023, 10, 14))
    with _report_story(tmp_path / "b.db", tick_at=tick_at, report_at=report_at) as ticked:
        assert _journals_of(ticked, ("group", "early")) == without
        assert ticked.verify() > 0


@pytest.mark.parametrize(
    ("until", "due"),
    [(datetime(2023, 10, 12, 23, 59), []), (MEMBER_LAPSES, ["early"]), (CLOSING, ["early"])],
)
def test_the_store_finds_a_cohorts_due_members_by_its_id(tmp_path, until, due):
    """Only the members of that cohort, of the processes naming its process, due by then."""
    with Engine(str(tmp_path / "a.db"), processes=PROCESSES) as engine:
        engine.start("rc.group", {"ref": "R"}, at=STARTED, case_id="group")
        engine.start("rc.group", {"ref": "S"}, at=STARTED, case_id="other")
        engine.start("rc.member", {"round_id": "group", "ref": "R"}, at=STARTED, case_id="early")
        engine.start("rc.member", {"round_id": "group", "ref": "R"}, at=LATE_START, case_id="late")
        engine.start("rc.member", {"round_id": "other", "ref": "S"}, at=STARTED, case_id="else")
        with engine.database.transaction() as connection:
            family = StoredFamily(engine._writer, connection, {})
            assert family.is_cohort("rc.group")
            assert not family.is_cohort("rc.member")
            assert [s.case_id for _, s in family.members_due("group", until)] == due
            assert relations.due_members(connection, ["group"], ["rc.child"], until) == {}


def test_a_tick_brings_a_cohort_along_with_its_member_due_at_the_same_instant(tmp_path):
    """The group and its member are due at one instant: the group expires first (it is
    above), then the member lapses and tells it, in the group's own transaction."""
    with Engine(str(tmp_path / "a.db"), processes=PROCESSES) as engine:
        engine.start("rc.group", {"ref": "R"}, at=STARTED, case_id="group")
        engine.start("rc.member", {"round_id": "group", "ref": "R"}, at=LATE_START, case_id="late")
        done = engine.tick(PEEKING)
        assert [(a.case_id, a.event) for a in done.actions] == [
            ("group", "timed_out"),
            ("late", "lapse"),
        ]
        told = [(r.entry.event, r.entry.at) for r in engine.history("group")[1:]]
        assert told == [("timed_out", GROUP_LAPSES), ("member_lapsed", GROUP_LAPSES)]
        assert engine.verify() > 0


@pytest.mark.postgres
def test_on_postgres_a_cohort_takes_its_due_members_signals_as_on_sqlite(tmp_path, postgres_url):
    """The due-members query (keys index, then each member's timers) on PostgreSQL: the
    round that reads no member counts its member's lapse at the member's instant, as on
    SQLite, and writes the same journals."""
    with _report_story(tmp_path / "a.db", tick_at=None, report_at=CLOSING) as lite:
        expected = _journals_of(lite, ("group", "early"))
    with _report_story(postgres_url, tick_at=None, report_at=CLOSING) as server:
        assert server.get("group").data["lapses"] == 1
        assert _journals_of(server, ("group", "early")) == expected
        assert server.verify() > 0
