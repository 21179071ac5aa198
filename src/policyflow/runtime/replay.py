"""replay(): a case rebuilt from its journal, entry by entry, through the runtime.

What a journal entry means, read back: the start with its data; an event with its payload
at its instant (:func:`~.step.transition`); an automatic entry, the expiry of the running
deadline its timer change names, with its event or as ``deadline_expired``
(:func:`~.expiry.overdue`). ``verify`` compares what this gives with the stored case.
"""

from __future__ import annotations

from collections.abc import Sequence

from policyflow.errors import CalendarNotPublished, JournalTampered, PolicyflowError
from policyflow.legaltime import Calendar
from policyflow.runtime.compiled import CompiledProcess
from policyflow.runtime.expiry import overdue
from policyflow.runtime.journal import JournalEntry, TimerAction
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot, TimerStatus
from policyflow.runtime.step import start, transition

__all__ = ["replay"]


def _tampered(case_id: str, sequence: int, why: str) -> JournalTampered:
    return JournalTampered(f"case {case_id}: {why}", case_id=case_id, sequence=sequence)


def _expiring(snapshot: CaseSnapshot, entry: JournalEntry) -> TimerSnapshot:
    """The armed timer whose expiry an automatic entry records."""
    for change in entry.timer_changes:
        if change.action in (TimerAction.FIRED, TimerAction.OVERDUE):
            for timer in reversed(snapshot.timers):
                if (
                    timer.deadline == change.deadline
                    and timer.status is TimerStatus.ARMED
                    and timer.label == change.label
                ):
                    return timer
            break
    raise _tampered(
        snapshot.case_id,
        entry.sequence,
        f"entry {entry.sequence} records an expiry of no running deadline",
    )


def _step(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    entry: JournalEntry,
    calendar: Calendar | None,
) -> CaseSnapshot:
    fired = _expiring(snapshot, entry) if entry.automatic else None
    if fired is not None and entry.event == "deadline_expired":
        return overdue(compiled, snapshot, fired, calendar=calendar).snapshot
    return transition(
        compiled,
        snapshot,
        entry.event,
        entry.payload,
        at=entry.at,
        actor=entry.actor,
        calendar=calendar,
        fired=fired,
        overrides=dict(entry.overrides),
    ).snapshot


def replay(
    compiled: CompiledProcess,
    case_id: str,
    parent_id: str | None,
    entries: Sequence[JournalEntry],
    *,
    calendar: Calendar | None = None,
) -> CaseSnapshot:
    """Rebuild a case from its journal: its start, then each entry at its own instant.

    An automatic entry expires the running deadline its timer change names (with its
    event, or ``deadline_expired``). Children started and signals sent are other cases'
    journals, replayed with those cases.

    Raises:
        JournalTampered: the journal has no start, an entry is refused by the rules, or
            it ends in another state than the runtime reaches.
    """
    if not entries or entries[0].event != "start":
        raise _tampered(case_id, 1, "its journal does not begin with its start")
    first = entries[0]
    try:
        snapshot = start(
            compiled,
            case_id,
            first.payload,
            at=first.at,
            actor=first.actor,
            parent_id=parent_id,
            calendar=calendar,
        ).snapshot
        for entry in entries[1:]:
            snapshot = _step(compiled, snapshot, entry, calendar)
            if snapshot.state != entry.to_state:
                raise _tampered(
                    case_id,
                    entry.sequence,
                    f"entry {entry.sequence} ({entry.event}) leads to {snapshot.state!r} "
                    f"when replayed, not {entry.to_state!r}",
                )
    except JournalTampered:
        raise
    except PolicyflowError as error:
        if isinstance(error, CalendarNotPublished):
            raise  # a year the calendar does not cover: the caller must say how to count it
        raise _tampered(
            case_id, len(entries), f"its journal does not replay: {str(error).splitlines()[0]}"
        ) from None
    return snapshot
