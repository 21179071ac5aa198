"""What the engine hands back: Case (a snapshot with helpers), TickReport, OverdueDeadline.

These are read-only views; changing a case goes through the engine's ``fire``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from policyflow.legaltime import Calendar
from policyflow.render import case_mermaid, register_display
from policyflow.runtime import AllowedEvent, CompiledProcess, allowed, expire
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot

__all__ = ["Case", "OverdueDeadline", "TickAction", "TickReport", "timer_to_dict"]


def _deadline_basis(compiled: CompiledProcess, deadline: str) -> str | None:
    definition = compiled.process.find_deadline(deadline)
    return None if definition is None else definition.basis_text or None


def timer_to_dict(timer: TimerSnapshot, *, basis: str | None = None) -> dict[str, Any]:
    """Return one deadline as JSON-ready data (``deadline``, ``due``, ``status`` first).

    An occurrence of a recurring deadline also has its ``label``.
    """
    data = {
        "deadline": timer.deadline,
        "due": None if timer.due is None else timer.due.isoformat(),
        "status": timer.status.value,
        "expires_at": None if timer.expires_at is None else timer.expires_at.isoformat(),
        "started_on": timer.started_on.isoformat(),
        "period": timer.period,
        "remaining": timer.remaining,
        "extensions_used": len(timer.extensions),
        "provisional": timer.provisional,
        "basis": basis,
    }
    if timer.label is not None:
        data["label"] = timer.label
    return data


@dataclass(frozen=True, slots=True)
class Case:
    """One persisted case as it stands: its snapshot, and the process it runs under.

    Attributes:
        snapshot: the runtime's view of the case.
        compiled: the compiled definition the case started under (not the newest file).
        calendar: the engine's calendar, for :meth:`allowed`.
    """

    snapshot: CaseSnapshot
    compiled: CompiledProcess = field(repr=False)
    calendar: Calendar | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        """The case id."""
        return self.snapshot.case_id

    def to_mermaid(self) -> str:
        """Draw the case on its process (Mermaid stateDiagram-v2).

        The current state is highlighted and each running deadline is annotated with its
        due date; in a notebook the case draws itself the same way.
        """
        return case_mermaid(self.compiled.process, self.snapshot)

    @property
    def process_id(self) -> str:
        """The process id."""
        return self.snapshot.process_id

    @property
    def process_version(self) -> str:
        """The content hash of the definition the case runs under."""
        return self.snapshot.process_version

    @property
    def state(self) -> str:
        """The current state's id."""
        return self.snapshot.state

    @property
    def version(self) -> int:
        """How many events were applied (the optimistic-lock version)."""
        return self.snapshot.version

    @property
    def data(self) -> Mapping[str, Any]:
        """The typed case data."""
        return self.snapshot.data

    @property
    def parent_id(self) -> str | None:
        """The parent case, for a child case."""
        return self.snapshot.parent_id

    @property
    def overdue(self) -> bool:
        """Whether a deadline without a named consequence has passed."""
        return self.snapshot.overdue

    @property
    def previous_state(self) -> str | None:
        """The state the case left when it entered its current one (a return goes there)."""
        return self.snapshot.previous_state

    @property
    def timers(self) -> tuple[TimerSnapshot, ...]:
        """Every deadline the case has started."""
        return self.snapshot.timers

    @property
    def running_timers(self) -> tuple[TimerSnapshot, ...]:
        """The deadlines still armed, suspended or overdue."""
        return self.snapshot.running_timers

    @property
    def is_final(self) -> bool:
        """Whether the case is in a final state."""
        state = self.compiled.process.find_state(self.state)
        return state is not None and state.final

    def deadline_basis(self, deadline: str) -> str | None:
        """Return the legal basis of one of the process's deadlines."""
        return _deadline_basis(self.compiled, deadline)

    def as_of(self, at: datetime) -> Case:
        """The case as the law has it at `at`: every deadline due by then expired.

        A view, not a write: the expiries are the ones the next act or tick on the case
        records at the same instants (docs/engine.md, *Catch-up before apply*). A case
        whose last event is after `at` is returned as it is.
        """
        if at < self.snapshot.updated_at:
            return self
        steps = expire(self.compiled, self.snapshot, now=at, calendar=self.calendar)
        return self if not steps else replace(self, snapshot=steps[-1].snapshot)

    def allowed(self, *, at: datetime | None = None) -> tuple[AllowedEvent, ...]:
        """Return the events that leave the state, each with its guard's outcome.

        With `at`, on the case as of that instant (:meth:`as_of`): after a window ended,
        what it allowed is no longer listed.
        """
        case = self if at is None else self.as_of(at)
        return allowed(case.compiled, case.snapshot, at=at, calendar=self.calendar)

    def to_dict(self) -> dict[str, Any]:
        """Return the case as JSON-ready data: id, state, version, timers and the rest."""
        return {
            "id": self.id,
            "process": self.process_id,
            "process_version": self.process_version,
            "state": self.state,
            "previous_state": self.previous_state,
            "version": self.version,
            "parent": self.parent_id,
            "overdue": self.overdue,
            "started_at": self.snapshot.started_at.isoformat(),
            "updated_at": self.snapshot.updated_at.isoformat(),
            "data": self.compiled.dump_data(self.data),
            "timers": [
                timer_to_dict(t, basis=self.deadline_basis(t.deadline)) for t in self.timers
            ],
        }


@dataclass(frozen=True, slots=True)
class OverdueDeadline:
    """A deadline past due: expired but not yet ticked, or marked overdue.

    Attributes:
        case_id: the case.
        process_id: its process.
        state: the state the case is in.
        timer: the deadline.
    """

    case_id: str
    process_id: str
    state: str
    timer: TimerSnapshot

    @property
    def due(self) -> date | None:
        """The deadline's last day."""
        return self.timer.due

    def to_dict(self) -> dict[str, Any]:
        """Return it as JSON-ready data."""
        return {
            "case": self.case_id,
            "process": self.process_id,
            "state": self.state,
            **timer_to_dict(self.timer),
        }


@dataclass(frozen=True, slots=True)
class TickAction:
    """One thing a tick did to one deadline.

    Attributes:
        case_id: the case.
        deadline: the deadline that expired.
        action: ``fired`` (its expiry event was applied) or ``overdue`` (only marked).
        event: the journal entry's event (the expiry event, or ``deadline_expired``).
        sequence: the journal entry's sequence.
        at: the legal time of expiry recorded in the journal (not the tick's time).
        to_state: the case's state afterwards.
        label: the occurrence of a recurring deadline (``2024年度``), else None.
    """

    case_id: str
    deadline: str
    action: str
    event: str
    sequence: int
    at: datetime
    to_state: str
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return it as JSON-ready data."""
        return {
            "case": self.case_id,
            "deadline": self.deadline,
            "action": self.action,
            "event": self.event,
            "sequence": self.sequence,
            "at": self.at.isoformat(),
            "state": self.to_state,
            **({} if self.label is None else {"label": self.label}),
        }


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one :meth:`~policyflow.engine.Engine.tick` did.

    Attributes:
        now: the instant the tick compared deadlines with.
        actions: each deadline fired or marked overdue, in the order done.
        skipped: cases another worker held (their timers are that worker's to fire).
        refused: (case id, one-line reason) for cases whose expiry could not be applied
            (the rules refused it, or it counts into a year the calendar does not
            publish); nothing of theirs was written, and the next tick tries again.
        dry_run: True when nothing was written: the actions are what a tick at `now`
            would do.
    """

    now: datetime
    actions: tuple[TickAction, ...] = ()
    skipped: tuple[str, ...] = ()
    refused: tuple[tuple[str, str], ...] = ()
    dry_run: bool = False

    @property
    def fired(self) -> tuple[TickAction, ...]:
        """The deadlines whose expiry event was applied."""
        return tuple(a for a in self.actions if a.action == "fired")

    @property
    def overdue(self) -> tuple[TickAction, ...]:
        """The deadlines only marked overdue."""
        return tuple(a for a in self.actions if a.action == "overdue")

    @property
    def cases(self) -> tuple[str, ...]:
        """The cases that changed, each once, in order."""
        return tuple(dict.fromkeys(a.case_id for a in self.actions))

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "now": self.now.isoformat(),
            "fired": len(self.fired),
            "overdue": len(self.overdue),
            "actions": [a.to_dict() for a in self.actions],
            "skipped": list(self.skipped),
            "refused": [{"case": c, "reason": r} for c, r in self.refused],
            "dry_run": self.dry_run,
        }


# Notebooks draw a case on its process (SVG and Mermaid), as they draw a process.
register_display(Case, lambda case: (case.compiled.process, case.snapshot))
