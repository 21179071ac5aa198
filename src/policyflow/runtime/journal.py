"""JournalEntry and TimerChange: what one applied event records.

The runtime produces them; the store appends them with recorded time and the hash chain;
the render layer turns them into event logs. Each is an immutable named tuple (built in a
fraction of a frozen dataclass's time, and pickled as a plain tuple) with JSON-ready parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

# The reads of a step that read no other case. A plain dict (a mappingproxy does not
# pickle, and the simulator's workers pickle journals), shared, typed read-only.
NO_READS: Mapping[str, Any] = {}


class TimerAction(StrEnum):
    """What happened to a deadline."""

    STARTED = "started"
    MET = "met"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    EXTENDED = "extended"
    CANCELLED = "cancelled"
    FIRED = "fired"
    OVERDUE = "overdue"
    #: counted again on a newly published calendar year (``calendar_revised``)
    RECOMPUTED = "recomputed"

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        # by name, a C-level getattr, rather than a call of the enum class by value
        return getattr, (type(self), self.name)


class TimerChange(NamedTuple):
    """One change to one deadline, caused by one event (or by its expiry).

    Attributes:
        deadline: the deadline's id.
        action: what happened.
        on: the business day it happened.
        due: the due date after the change (None while suspended or once ended).
        basis: the legal basis of the deadline.
        label: the occurrence of a recurring deadline it changed (``2024年度``); None for
            a deadline that does not recur.
    """

    deadline: str
    action: TimerAction
    on: date
    due: date | None
    basis: str
    label: str | None = None


class JournalEntry(NamedTuple):
    """One applied event.

    Attributes:
        sequence: 1 for the start, then one more per applied event.
        event: the event's id (``start`` for the start of a case).
        from_state: the state before (None for the start).
        to_state: the state after.
        at: the business time of the event.
        actor: who did it (a person's or body's id), if known.
        payload: the event's validated payload, JSON-ready.
        basis: the legal basis of the transition taken.
        timer_changes: what the event did to the case's deadlines.
        automatic: True when the event was fired by a deadline's expiry, not by a person.
        overrides: (guard id, reason) of each soft guard that was false and was passed
            with a recorded reason, in the transition's order (a soft guard that held is
            not recorded, whatever reason was given).
        role: the role the act was taken in (:mod:`policyflow.runtime.roles`): ``system``
            for the law acting by itself (an expiry, a child's signal, a child started by
            an act); None for an act by an unidentified actor.
        reads: what the step read of other cases (docs/process-format.md, "Relations"),
            by read key (``children:proc``, ``members:proc``, ``parent``, ``cohort``,
            ``lookup:id``), each value as the expressions saw it in self-describing
            JSON-ready form (an instant as ``{"$t": "2023-05-01T00:00:00"}``); a replay
            takes these answers instead of asking the other cases again. Empty when the
            step read none. A step whose signal drew a sample of its receivers also
            records the draw here, under ``sample:<event>`` (runtime/signals.py), so the
            journal shows whom it drew and from which seed.
    """

    sequence: int
    event: str
    from_state: str | None
    to_state: str
    at: datetime
    actor: str | None
    payload: Mapping[str, Any]
    basis: str
    timer_changes: tuple[TimerChange, ...] = ()
    automatic: bool = False
    overrides: tuple[tuple[str, str], ...] = ()
    role: str | None = None
    reads: Mapping[str, Any] = NO_READS
