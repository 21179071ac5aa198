"""replay(): a case rebuilt from its journal, entry by entry, through the runtime.

What a journal entry means, read back: the start with its data; an event with its payload
at its instant (:func:`~.step.transition`); an automatic entry, the expiry of the running
deadline its timer change names, with its event or as ``deadline_expired``
(:func:`~.expiry.overdue`); a ``calendar_revised`` entry, the notice it names counted
into the case's provisional deadlines (:func:`~.calendar_revision.revise`). Each act is
replayed in the role it records, checked again (:mod:`~.roles`), so an entry whose role
may not take its transition does not replay; and, when the caller gives them, on the
calendar in force when it was recorded.
``verify`` compares what this gives with the stored case.

An entry that read other cases (``children('p')``, ``parent``, ``lookup('id')`` …) is
replayed on the answers it recorded (``JournalEntry.reads``), never on the other cases as
they are now: a case's journal replays alone, whatever became of the cases it read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from policyflow.errors import CalendarNotPublished, JournalTampered, PolicyflowError
from policyflow.legaltime import Calendar, china
from policyflow.runtime.calendar_revision import REVISION_EVENT, revise
from policyflow.runtime.compiled import CompiledProcess
from policyflow.runtime.expiry import overdue
from policyflow.runtime.journal import JournalEntry, TimerAction
from policyflow.runtime.reads import Recorded
from policyflow.runtime.roles import SYSTEM_ROLE, Actor
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
    if entry.event == REVISION_EVENT and not entry.automatic:
        return _revised(compiled, snapshot, entry, calendar)
    fired = _expiring(snapshot, entry) if entry.automatic else None
    if fired is not None and entry.event == "deadline_expired":
        return overdue(compiled, snapshot, fired, calendar=calendar).snapshot
    return transition(
        compiled,
        snapshot,
        entry.event,
        entry.payload,
        at=entry.at,
        actor=_actor(entry),
        calendar=calendar,
        fired=fired,
        overrides=dict(entry.overrides),
        by_law=entry.role == SYSTEM_ROLE,
        relations=Recorded(entry.reads),  # what the step read then, never the cases now
    ).snapshot


def _revised(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    entry: JournalEntry,
    calendar: Calendar | None,
) -> CaseSnapshot:
    """A ``calendar_revised`` entry replayed: the same revision, giving the same dates."""
    payload = entry.payload
    revision = revise(
        compiled,
        snapshot,
        china() if calendar is None else calendar,
        notice=str(payload.get("notice", "")),
        years=[int(year) for year in payload.get("years", ())],
        at=entry.at,
    )
    step = revision.step
    recorded = [(c.deadline, c.label, c.due) for c in entry.timer_changes]
    if step is None or [(c.deadline, c.label, c.due) for c in step.changes] != recorded:
        raise _tampered(
            snapshot.case_id,
            entry.sequence,
            f"entry {entry.sequence} ({REVISION_EVENT}) moves other deadlines when replayed "
            f"than it records ({_dates(recorded)})",
        )
    return step.snapshot


def _dates(changes: Sequence[tuple[str, str | None, date | None]]) -> str:
    return ", ".join(f"{deadline} → {due}" for deadline, _label, due in changes) or "none"


def _actor(entry: JournalEntry) -> Actor | str | None:
    """The actor as the entry records it: in its role, so the role is checked again."""
    if entry.role is None or entry.role == SYSTEM_ROLE:
        return entry.actor
    return Actor(entry.actor or "", frozenset({entry.role}))


def replay(
    compiled: CompiledProcess,
    case_id: str,
    parent_id: str | None,
    entries: Sequence[JournalEntry],
    *,
    calendar: Calendar | None = None,
    calendars: Sequence[Calendar | None] | None = None,
) -> CaseSnapshot:
    """Rebuild a case from its journal: its start, then each entry at its own instant.

    `calendars`, when given, holds the calendar each entry was counted on (in force when
    it was recorded: :class:`~policyflow.legaltime.notices.CalendarHistory`), one per
    entry; otherwise every entry is counted on `calendar`.

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
            actor=_actor(first),
            parent_id=parent_id,
            calendar=calendar if calendars is None else calendars[0],
            by_law=first.role == SYSTEM_ROLE,
        ).snapshot
        for number, entry in enumerate(entries[1:], start=1):
            used = calendar if calendars is None else calendars[number]
            snapshot = _step(compiled, snapshot, entry, used)
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
