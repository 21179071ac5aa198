"""What one simulated case leaves behind: its record, and each deadline's outcome in it.

The batch runner makes one :class:`CaseRecord` per case (its children inside it); the
result's tables, KPIs and event log (``results.py``) are all derived from these records'
journals. A record is pickled by the worker that simulated it and unpickled here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from policyflow.runtime.journal import JournalEntry, TimerAction
from policyflow.sim.pickling import quick_pickle

__all__ = ["CaseRecord", "DeadlineOutcome", "deadline_outcomes"]


@quick_pickle
@dataclass(frozen=True, slots=True)
class CaseRecord:
    """One simulated case, as the runner leaves it.

    Attributes:
        index: the case's index in arrival order (0-based); its random stream's key.
        case_id: the case's id.
        arrived_at: when it was started.
        data: its initial case data, JSON-ready.
        status: ``final`` (reached a final state), ``open`` (still running when the
            horizon was reached or nothing was left to happen), ``stalled`` (its chosen
            events kept being refused), ``truncated`` (too many events) or
            ``beyond_calendar`` (counting reached a year the calendar does not cover).
        state: the state it was last in.
        journal: every applied event, in order.
        refused: (state, event, reason) of each refused attempt, in order.
        process_id: the process the case runs (a child's is its own).
        parent_id: the parent case of a child case.
        children: the child cases it started (sub-procedures), in order.
    """

    index: int
    case_id: str
    arrived_at: datetime
    data: Mapping[str, Any]
    status: str
    state: str | None
    journal: tuple[JournalEntry, ...]
    refused: tuple[tuple[str, str, str], ...] = ()
    process_id: str = ""
    parent_id: str | None = None
    children: tuple[CaseRecord, ...] = ()

    def family(self) -> Iterator[CaseRecord]:
        """This case and its child cases, depth first."""
        yield self
        for child in self.children:
            yield from child.family()

    @property
    def outcome(self) -> str:
        """The final state reached, or the status of a case that did not reach one."""
        if self.status == "final" and self.state is not None:
            return self.state
        return self.status

    @property
    def ended_at(self) -> datetime | None:
        """When the case entered its final state; None if it did not reach one."""
        if self.status != "final":
            return None
        for entry in self.journal[::-1]:
            if entry.from_state != entry.to_state:
                return entry.at
        return self.arrived_at


@dataclass(frozen=True, slots=True)
class DeadlineOutcome:
    """One run of one deadline in one case, from its start to its end (if it ended).

    Attributes:
        case_id: the case.
        deadline: the deadline's id.
        started_on: its anchor day.
        due: its last due date (after suspensions and extensions).
        outcome: ``met`` (in time), ``met_late``, ``lapsed`` (ran out and its expiry event
            was applied by itself: a deemed waiver, a release; a lawful end, not a breach),
            ``overdue`` (ran out, not met), ``cancelled`` or ``running``.
        ended_on: the day it was met, lapsed or cancelled.
        extensions: how many times it was extended.
        suspensions: how many times it was suspended.
        label: the occurrence, for a recurring deadline (``2024年度``); each is a run.
    """

    case_id: str
    deadline: str
    started_on: date
    due: date | None
    outcome: str
    ended_on: date | None
    extensions: int
    suspensions: int
    label: str | None = None

    @property
    def is_late_or_overdue(self) -> bool:
        """True when the duty was done after the limit, or the limit passed and it was not.

        A lapse is neither: when a period runs out and the law applies its consequence by
        itself (a party's silence is a deemed waiver), nobody broke the limit.
        """
        return self.outcome in ("met_late", "overdue")


def deadline_outcomes(record: CaseRecord) -> list[DeadlineOutcome]:
    """Follow each deadline of one case through its journal's timer changes."""
    done: list[DeadlineOutcome] = []
    # by deadline and occurrence label: each occurrence of a recurring deadline is a run
    running: dict[tuple[str, str | None], dict[str, Any]] = {}

    def close(key: tuple[str, str | None], outcome: str, on: date | None) -> None:
        run = running.pop(key)
        if outcome == "met" and run["missed"]:
            outcome = "met_late"
        done.append(
            DeadlineOutcome(
                record.case_id,
                key[0],
                run["started_on"],
                run["due"],
                outcome,
                on,
                run["extensions"],
                run["suspensions"],
                key[1],
            )
        )

    for entry in record.journal:
        for change in entry.timer_changes:
            name, action = (change.deadline, change.label), change.action
            if action is TimerAction.STARTED:
                if name in running:
                    close(name, "cancelled", change.on)  # restarted: the old run is moot
                running[name] = {
                    "started_on": change.on,
                    "due": change.due,
                    "missed": False,
                    "extensions": 0,
                    "suspensions": 0,
                }
                continue
            run = running.get(name)
            if run is None:
                continue
            if change.due is not None:
                run["due"] = change.due
            if action is TimerAction.EXTENDED:
                run["extensions"] += 1
            elif action is TimerAction.SUSPENDED:
                run["suspensions"] += 1
            elif action is TimerAction.OVERDUE:
                run["missed"] = True
            elif action is TimerAction.MET:
                close(name, "met", change.on)
            elif action is TimerAction.CANCELLED:
                close(name, "cancelled", change.on)
            elif action is TimerAction.FIRED:
                close(name, "lapsed", change.on)
    for name in list(running):
        outcome = "overdue" if running[name]["missed"] else "running"
        close(name, outcome, None)
    return done
