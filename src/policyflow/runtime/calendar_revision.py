"""A newly published calendar year, applied to one case: its provisional deadlines counted again.

A deadline counted over a year whose holiday notice was not out yet is provisional
(weekends and the fixed statutory days only, 国务院令第795号). When the notice is
published, :func:`revise` counts each such deadline of a case again on the calendar with
the notice, as the deadline itself is counted (:func:`~.deadlines.recount`: from its
anchor, with its suspensions and extensions), and returns one step: a ``calendar_revised``
journal entry whose timer changes give each new due date, whose payload gives each old
one, and whose basis is the notice.

History is not rewritten. A deadline that has already expired (fired, overdue, or armed
and past its provisional end) keeps its date; if the notice would have dated it otherwise,
or would date a running one before the revision itself, the legal outcome may differ, so
the case is returned as a :class:`Conflict` and nothing of it changes: a person decides.
A met or cancelled deadline is closed and is not looked at.

The engine calls :func:`revise` for each case with a provisional deadline when a notice is
stored, and replay calls it for each ``calendar_revised`` entry: one function decides both.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any, NamedTuple

from policyflow.legaltime import Calendar
from policyflow.runtime.compiled import CompiledProcess
from policyflow.runtime.deadlines import recount
from policyflow.runtime.journal import JournalEntry, TimerAction, TimerChange
from policyflow.runtime.roles import SYSTEM_ROLE
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot, TimerStatus
from policyflow.runtime.step import Step

__all__ = ["REVISION_EVENT", "Conflict", "Revision", "revise"]

#: The journal event of a revision (like ``deadline_expired``, not a process's own event).
REVISION_EVENT = "calendar_revised"

_CLOSED = (TimerStatus.MET, TimerStatus.CANCELLED)
_EXPIRED = (TimerStatus.FIRED, TimerStatus.OVERDUE)


class Conflict(NamedTuple):
    """A deadline the notice would date otherwise, after its provisional date had effect.

    Attributes:
        deadline: the deadline's id.
        label: the occurrence, for a recurring deadline.
        status: where it stands.
        due: its provisional due date, kept.
        recounted: its due date on the calendar with the notice.
        why: in words, for the report.
    """

    deadline: str
    label: str | None
    status: TimerStatus
    due: date | None
    recounted: date
    why: str


class Revision(NamedTuple):
    """What a notice does to one case.

    Attributes:
        step: the ``calendar_revised`` step (None: nothing to move, or a conflict).
        conflicts: the deadlines whose legal outcome the notice may change; when there
            is any, `step` is None.
    """

    step: Step | None
    conflicts: tuple[Conflict, ...] = ()


def _spans(timer: TimerSnapshot, years: Collection[int]) -> bool:
    last = (timer.due or timer.started_on).year
    return any(timer.started_on.year <= year <= last for year in years)


def revise(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    calendar: Calendar,
    *,
    notice: str,
    years: Collection[int],
    at: datetime,
) -> Revision:
    """Count the case's provisional deadlines over `years` again on `calendar`.

    Args:
        compiled: the case's process.
        snapshot: the case.
        calendar: the calendar with the notice.
        notice: the notice's name (the entry's basis and cause).
        years: the years the notice schedules.
        at: the business time of the revision (not before the case's last event).

    Returns:
        The step to record, or the conflicts that stop it (see the module).

    Raises:
        CalendarNotPublished: a deadline reaches a year `calendar` does not cover.
    """
    at = max(at, snapshot.updated_at)
    timers = list(snapshot.timers)
    changes: list[TimerChange] = []
    moved: list[dict[str, Any]] = []
    conflicts: list[Conflict] = []
    for index, timer in enumerate(snapshot.timers):
        if not timer.provisional or timer.status in _CLOSED or not _spans(timer, years):
            continue
        plan = compiled.deadlines.get(timer.deadline)
        counted = None if plan is None else recount(plan, timer, calendar)
        if counted is None:
            continue
        same_day = counted.date == timer.due and counted.at == timer.due_at
        if same_day and counted.provisional == timer.provisional:
            continue
        new = timer._replace(due=counted.date, due_at=counted.at, provisional=counted.provisional)
        expired = timer.status in _EXPIRED or (
            timer.expires_at is not None and timer.expires_at <= at
        )
        if expired or (new.expires_at is not None and new.expires_at <= at):
            if not same_day:
                why = (
                    f"deadline {timer.deadline} ({timer.status.value}) was due {timer.due} "
                    f"provisionally; {notice} dates it {counted.date}"
                    + (", after it had expired" if expired else ", a day already past")
                )
                conflicts.append(
                    Conflict(
                        timer.deadline, timer.label, timer.status, timer.due, counted.date, why
                    )
                )
            continue  # expired: its date had legal effect, and is not moved
        timers[index] = new
        basis = notice if plan is None else f"{notice}; {plan.basis}"
        changes.append(
            TimerChange(
                timer.deadline, TimerAction.RECOMPUTED, at.date(), new.due, basis, timer.label
            )
        )
        moved.append(
            {
                "deadline": timer.deadline,
                "label": timer.label,
                "from": None if timer.due is None else timer.due.isoformat(),
                "to": None if new.due is None else new.due.isoformat(),
                "provisional": new.provisional,
            }
        )
    if conflicts:
        return Revision(None, tuple(conflicts))
    if not changes:
        return Revision(None)
    entry = JournalEntry(
        snapshot.version + 1,
        REVISION_EVENT,
        snapshot.state,
        snapshot.state,
        at,
        None,
        {"notice": notice, "years": sorted(years), "moved": moved},
        notice,
        tuple(changes),
        False,
        (),
        SYSTEM_ROLE,
    )
    after = snapshot._replace(version=snapshot.version + 1, updated_at=at, timers=tuple(timers))
    return Revision(Step(after, entry))
