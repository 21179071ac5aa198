"""Hand-built snapshots and journal entries, and writing them the way the engine does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from policyflow.runtime.journal import JournalEntry, TimerAction, TimerChange
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot, TimerStatus
from policyflow.store import cases, journal, timers
from policyflow.store.convert import canonical_json, case_values
from policyflow.store.database import Database

RECORDED = datetime(2023, 9, 28, 9, 30, 0, 123456)
BASIS = "科学技术部令第20号 第四十一条"


def timer(
    deadline: str = "reply",
    *,
    due: date | None = date(2023, 10, 25),
    status: TimerStatus = TimerStatus.ARMED,
) -> TimerSnapshot:
    return TimerSnapshot(
        deadline=deadline,
        status=status,
        started_on=date(2023, 9, 28),
        period="15wd",
        due=due,
        extensions=("5wd",) if deadline == "x" else (),
    )


def snapshot(
    case_id: str = "c1",
    *,
    version: int = 1,
    state: str = "submitted",
    timers: Sequence[TimerSnapshot] = (),
) -> CaseSnapshot:
    return CaseSnapshot(
        case_id=case_id,
        process_id="permit",
        process_version="v1",
        state=state,
        data={"applicant": "甲公司"},
        version=version,
        started_at=datetime(2023, 9, 28, 10),
        updated_at=datetime(2023, 9, 28, 10),
        timers=tuple(timers),
    )


def entry(
    sequence: int,
    *,
    event: str = "start",
    from_state: str | None = None,
    to_state: str = "submitted",
) -> JournalEntry:
    return JournalEntry(
        sequence=sequence,
        event=event,
        from_state=from_state,
        to_state=to_state,
        at=datetime(2023, 9, 28, 10, sequence),
        actor="clerk",
        payload={"note": f"第{sequence}步"},
        basis=BASIS,
        timer_changes=(
            TimerChange("reply", TimerAction.STARTED, date(2023, 9, 28), date(2023, 10, 25), BASIS),
        ),
    )


def write_case(database: Database, steps: Sequence[tuple[CaseSnapshot, JournalEntry]]) -> str:
    """Write a case through the store the way the engine does: one transaction per step."""
    previous: CaseSnapshot | None = None
    last_hash = journal.GENESIS
    for snap, item in steps:
        with database.write() as connection:
            cases.put_definition(connection, "permit", "v1", "{}", stored_at=RECORDED)
            row = journal.journal_values(
                snap.case_id, item, recorded_at=RECORDED, prev_hash=last_hash
            )
            values = case_values(
                snap,
                data_json=canonical_json(dict(snap.data)),
                recorded_at=RECORDED,
                last_hash=row["hash"],
            )
            if previous is None:
                cases.insert_case(connection, values)
            else:
                cases.update_case(connection, snap.case_id, previous.version, values)
            journal.append(connection, row)
            timers.write_timers(
                connection, snap.case_id, () if previous is None else previous.timers, snap.timers
            )
        previous, last_hash = snap, row["hash"]
    assert previous is not None
    return previous.case_id


def three_steps(case_id: str = "c1") -> list[tuple[CaseSnapshot, JournalEntry]]:
    return [
        (snapshot(case_id, timers=[timer()]), entry(1)),
        (
            snapshot(case_id, version=2, state="review", timers=[timer()]),
            entry(2, event="accepted", from_state="submitted", to_state="review"),
        ),
        (
            snapshot(
                case_id,
                version=3,
                state="decided",
                timers=[timer(status=TimerStatus.MET), timer("x", due=date(2023, 11, 1))],
            ),
            entry(3, event="decided", from_state="review", to_state="decided"),
        ),
    ]
