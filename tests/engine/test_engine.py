"""The persisted engine on SQLite: start, fire, tick, queries, versions and the journal.

Dates are counted by hand on China's 2023 schedule: National Day and Mid-Autumn gave
29 September – 6 October off, with make-up working days on Saturday 7 and Sunday 8
October. From Thursday 28 September (not counted), five working days are 7, 8, 9, 10 and
11 October: due 2023-10-11, expired from 2023-10-12 00:00. From Monday 9 October, twenty
working days are 10–13 (4), 16–20 (9), 23–27 (14), 30 Oct – 3 Nov (19) and 6 November
(20): due 2023-11-06, expired from 2023-11-07 00:00.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pytest
from sqlalchemy import text

from policyflow.definition.catalog import load
from policyflow.engine import Engine
from policyflow.errors import (
    ConcurrentUpdate,
    EventNotAllowed,
    GuardFailed,
    InvalidCaseData,
    JournalTampered,
    UnknownCase,
)
from policyflow.runtime import compile_process
from policyflow.runtime.snapshot import TimerStatus

SUBMITTED = datetime(2023, 9, 28, 10)
ACCEPTED = datetime(2023, 10, 9, 10)


def _start(engine, tiny_path, **data):
    return engine.start(tiny_path, {"applicant": "甲公司", **data}, at=SUBMITTED, actor="applicant")


def test_start_persists_state_journal_and_deadline(engine, tiny_path):
    """A started case is stored at version 1 with its journal entry and its running deadline."""
    case = _start(engine, tiny_path)
    stored = engine.get(case.id)
    assert (stored.state, stored.version) == ("submitted", 1)
    assert stored.data["applicant"] == "甲公司"
    timer = stored.snapshot.timer("acceptance_limit")
    assert timer is not None and timer.due == date(2023, 10, 11)
    assert timer.expires_at == datetime(2023, 10, 12)
    [first] = engine.history(case.id)
    assert (first.entry.sequence, first.entry.event) == (1, "start")
    assert first.entry.to_state == "submitted"
    assert first.entry.actor == "applicant"
    assert engine.verify(case.id) == 1


def test_fire_moves_the_case_and_writes_one_journal_row(engine, tiny_path):
    """fire applies the event: new state, version 2, deadline met, next deadline armed."""
    case = _start(engine, tiny_path)
    after = engine.fire(case.id, "accepted", at=ACCEPTED, actor="clerk")
    assert (after.state, after.version) == ("review", 2)
    stored = engine.get(case.id)
    assert stored.snapshot == after.snapshot
    assert stored.snapshot.timer("acceptance_limit").status is TimerStatus.MET
    decision = stored.snapshot.timer("decision_limit")
    assert decision.status is TimerStatus.ARMED and decision.due == date(2023, 11, 6)
    assert [r.entry.event for r in engine.history(case.id)] == ["start", "accepted"]
    assert engine.verify() == 2


def test_a_refused_event_changes_nothing(engine, tiny_path):
    """An event with no transition from the state is refused; version and journal stay."""
    case = _start(engine, tiny_path)
    with pytest.raises(EventNotAllowed) as caught:
        engine.fire(case.id, "decided", at=ACCEPTED)
    assert caught.value.case_id == case.id and caught.value.state == "submitted"
    assert engine.get(case.id).version == 1
    assert len(engine.history(case.id)) == 1


def test_a_false_guard_is_refused_with_its_basis(engine, tiny_path):
    """A guard that is false refuses the event, naming the rule and its article."""
    case = _start(engine, tiny_path, is_complete=False)
    with pytest.raises(GuardFailed) as caught:
        engine.fire(case.id, "accepted", at=ACCEPTED)
    assert "行政许可法 第三十二条" in (caught.value.basis or "")
    assert engine.get(case.id).state == "submitted"


def test_bad_case_data_is_refused_and_nothing_is_stored(engine, tiny_path):
    """Data that fails the declared fields writes no case, no journal, no definition."""
    with pytest.raises(InvalidCaseData):
        engine.start(tiny_path, {"applicant": 12}, at=SUBMITTED)
    with engine.database.read() as connection:
        assert connection.execute(text("SELECT count(*) FROM cases")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM definitions")).scalar() == 0


def test_unknown_case_is_an_input_error(engine):
    """Firing on, reading or verifying a case that does not exist raises UnknownCase."""
    for call in (
        lambda: engine.get("nope"),
        lambda: engine.fire("nope", "accepted"),
        lambda: engine.history("nope"),
        lambda: engine.verify("nope"),
    ):
        with pytest.raises(UnknownCase, match="no case 'nope'"):
            call()


def test_tick_fires_the_expiry_event_at_the_legal_time_once(engine, tiny_path):
    """decision_limit expires at 2023-11-07 00:00: not a second before; then once only."""
    case = _start(engine, tiny_path)
    engine.fire(case.id, "accepted", at=ACCEPTED)
    assert engine.tick(datetime(2023, 11, 6, 23, 59, 59)).actions == ()
    report = engine.tick(datetime(2023, 11, 20, 9))
    [action] = report.fired
    assert (action.case_id, action.deadline, action.event) == (
        case.id,
        "decision_limit",
        "deemed_granted",
    )
    assert action.at == datetime(2023, 11, 7)  # the legal expiry, not the late tick
    assert engine.get(case.id).state == "granted"
    last = engine.history(case.id)[-1].entry
    assert last.automatic and last.at == datetime(2023, 11, 7)
    again = engine.tick(datetime(2023, 11, 20, 9))
    assert again.actions == () and engine.get(case.id).version == 3
    assert engine.verify() == 3


def test_a_dry_run_tick_reports_the_same_actions_and_writes_nothing(engine, tiny_path):
    """--dry-run: the actions a tick would take, by the same runtime; the case unchanged."""
    case = _start(engine, tiny_path)
    engine.fire(case.id, "accepted", at=ACCEPTED)
    before = engine.get(case.id)
    dry = engine.tick(datetime(2023, 11, 20, 9), dry_run=True)
    assert dry.dry_run and [(a.deadline, a.event, a.at) for a in dry.fired] == [
        ("decision_limit", "deemed_granted", datetime(2023, 11, 7))
    ]
    after = engine.get(case.id)
    assert (after.state, after.version) == (before.state, before.version)
    assert len(engine.history(case.id)) == 2
    real = engine.tick(datetime(2023, 11, 20, 9))
    assert not real.dry_run and real.actions == dry.actions
    assert engine.get(case.id).state == "granted"


def test_tick_marks_a_deadline_without_consequence_overdue(engine, tiny_path):
    """acceptance_limit (due 2023-10-11) only marks the case overdue from 2023-10-12 00:00."""
    case = _start(engine, tiny_path)
    assert engine.overdue(datetime(2023, 10, 11, 23, 59)) == []
    pending = engine.overdue(datetime(2023, 10, 12))
    assert [(o.case_id, o.timer.deadline) for o in pending] == [(case.id, "acceptance_limit")]
    report = engine.tick(datetime(2023, 10, 12))
    assert [(a.deadline, a.action) for a in report.overdue] == [("acceptance_limit", "overdue")]
    stored = engine.get(case.id)
    assert stored.overdue and stored.state == "submitted"
    assert stored.snapshot.timer("acceptance_limit").status is TimerStatus.OVERDUE
    assert engine.tick(datetime(2023, 10, 13)).actions == ()
    assert [o.case_id for o in engine.overdue(datetime(2023, 10, 13))] == [case.id]


def test_two_writers_one_wins_the_other_gets_concurrent_update(sqlite_path, tiny_path):
    """Two engines read version 1; the first write wins, the second is refused unchanged."""
    first, second = Engine(sqlite_path), Engine(sqlite_path)
    case = _start(first, tiny_path)
    seen = second.get(case.id).version
    first.fire(case.id, "accepted", at=ACCEPTED, expected_version=seen)
    with pytest.raises(ConcurrentUpdate, match=f"case {case.id} is at version 2, not 1"):
        second.fire(case.id, "accepted", at=ACCEPTED, expected_version=seen)
    assert first.get(case.id).version == 2
    assert len(first.history(case.id)) == 2
    first.close()
    second.close()


def test_a_case_keeps_its_definition_after_the_file_changes(engine, tiny_path, tmp_path):
    """A case started under the 20-working-day limit keeps it after the file says 10."""
    path = tmp_path / "tiny-permit.yaml"
    shutil.copy(tiny_path, path)
    old = engine.start(path, {"applicant": "甲"}, at=SUBMITTED)
    path.write_text(
        path.read_text(encoding="utf-8").replace("二十个工作日", "十个工作日"), encoding="utf-8"
    )
    new = engine.start(path, {"applicant": "乙"}, at=SUBMITTED)
    assert old.process_version != new.process_version
    fresh = Engine(engine.database.url.database)  # no in-memory cache: reads the stored JSON
    old_after = fresh.fire(old.id, "accepted", at=ACCEPTED)
    new_after = fresh.fire(new.id, "accepted", at=ACCEPTED)
    # 10 working days from 9 October: 10–13 (4), 16–20 (9), 23 October (10).
    assert old_after.snapshot.timer("decision_limit").due == date(2023, 11, 6)
    assert new_after.snapshot.timer("decision_limit").due == date(2023, 10, 23)
    assert fresh.get(old.id).process_version == old.process_version
    fresh.close()


def test_the_clock_is_injectable_and_freezegun_drives_the_default(
    sqlite_path, tiny_path, frozen_time
):
    """Without `at`, business time is the clock's now in China Standard Time."""
    # Compile (pydantic models, CEL) before freezing: freezegun's FakeDate is no pydantic type.
    compile_process(load(tiny_path))
    with frozen_time("2023-09-28 02:00:00"):  # 10:00 in Beijing
        with Engine(sqlite_path) as engine:
            case = engine.start(tiny_path, {"applicant": "甲"})
        assert case.snapshot.started_at == datetime(2023, 9, 28, 10)

    class Fixed:
        def now(self) -> datetime:
            return datetime(2023, 10, 12)

    with Engine(sqlite_path, clock=Fixed()) as engine:
        assert [a.deadline for a in engine.tick().overdue] == ["acceptance_limit"]


def test_verify_catches_a_tampered_row(engine, tiny_path):
    """A journal row changed with raw SQL is reported with its case and sequence."""
    case = _start(engine, tiny_path)
    engine.fire(case.id, "accepted", at=ACCEPTED)
    with engine.database.write() as connection:
        connection.execute(text("UPDATE journal SET actor = 'mallory' WHERE sequence = 2"))
    with pytest.raises(JournalTampered) as caught:
        engine.verify()
    assert (caught.value.case_id, caught.value.sequence) == (case.id, 2)


def test_cases_filters_by_process_and_state(engine, tiny_path):
    """cases() lists by process and state, oldest first."""
    b = engine.start(tiny_path, {"applicant": "乙"}, at=datetime(2023, 9, 29, 10))
    a = _start(engine, tiny_path)  # started later, but on an earlier business day
    engine.fire(b.id, "accepted", at=ACCEPTED)
    assert [c.id for c in engine.cases(process="tiny-permit")] == [a.id, b.id]
    assert [c.id for c in engine.cases(state="review")] == [b.id]
    assert engine.cases(process="other") == []


def test_event_log_has_the_xes_columns(engine, tiny_path):
    """event_log() is a DataFrame with the XES names, one row per journal entry."""
    case = _start(engine, tiny_path)
    engine.fire(case.id, "accepted", at=ACCEPTED, actor="clerk")
    log = engine.event_log()
    assert list(log.columns[:5]) == [
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "org:resource",
        "lifecycle:transition",
    ]
    assert list(log["concept:name"]) == ["start", "accepted"]
    assert list(log["org:resource"]) == ["applicant", "clerk"]
    assert log["time:timestamp"].iloc[1].isoformat() == "2023-10-09T10:00:00+08:00"
    assert set(log["policyflow:process"]) == {"tiny-permit"}


def test_export_writes_xes_and_csv(engine, tiny_path, tmp_path):
    """export() writes an XES document with one trace per case, and a CSV with a header."""
    import xml.etree.ElementTree as ET

    case = _start(engine, tiny_path)
    engine.fire(case.id, "accepted", at=ACCEPTED)
    xes = engine.export(tmp_path / "log.xes")
    root = ET.parse(xes).getroot()
    ns = {"x": "http://www.xes-standard.org/"}
    traces = root.findall("x:trace", ns)
    assert len(traces) == 1 and len(traces[0].findall("x:event", ns)) == 2
    lines = engine.export(tmp_path / "log.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("case:concept:name,concept:name,time:timestamp,org:resource")
    assert len(lines) == 3


def test_a_case_draws_itself_on_its_process(engine, tiny_path):
    """case.to_mermaid() highlights the current state; notebooks get SVG and Mermaid."""
    case = engine.get(_start(engine, tiny_path).id)
    drawing = case.to_mermaid()
    assert "class submitted current" in drawing
    assert "2023-10-11" in drawing  # the running acceptance_limit's due date
    bundle = case._repr_mimebundle_(include=None, exclude=None)
    assert "text/markdown" in bundle or "text/plain" in bundle
    assert any("submitted" in str(v) for v in bundle.values())
