"""The cascade around an act: what one event, or the passing of time, does to a family of cases.

An event on a case at instant T is never alone:

1. **Catch-up.** Every deadline of the case, and of the child cases and cohort members
   that could signal it, whose expiry instant is at or before T expires first, earliest
   first, each with its consequence and recorded at its own instant (:mod:`.expiry`).
2. **The event**, judged on the case as the law has left it (:func:`.step.transition`).
   Each other case it reads (``members``, ``children``, ``parent``, ``cohort``, a
   lookup's hits) is first brought up to the event's instant the same way, and its
   expiries are part of the act's outcome (:class:`_CatchUp`); so is every case an expiry's
   or a signal's step reads, at that step's instant.
3. **Children** the event (or an expiry) starts, begun at its instant.
4. **The signals** the step sends (runtime/signals.py): a transition's ``signal`` to the
   parent, the cohort, children or members, and on reaching a final state the parent's.
   Each receiver is first brought up to the signal's instant the same way, then takes the
   event by law. If any receiver refuses, the sending step does not happen either: an
   event is refused whole; an expiry is recorded as overdue instead (its deadline passed,
   its consequence could not be applied).

Across a family, expiries go in order of instant; at one instant, a parent's before its
children's, and within one case in the order the process declares its deadlines. So
whether a sweep (the engine's tick, the simulator's expiry) ran before an event or not,
every case's journal comes out the same.

This module decides; it reads and writes nothing. The cases it touches beyond the first
come from a :class:`Family` (the engine reads them from its store under lock, the
simulator from its population), and it returns an :class:`Outcome`: every touched case
with its steps in order, which the engine commits in one transaction and the simulator
applies in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from policyflow.errors import InvalidInput, TransitionRefused
from policyflow.legaltime import Calendar
from policyflow.runtime.compiled import CompiledProcess
from policyflow.runtime.expiry import (
    after_expiries,
    expire_timer,
    expiry_instant,
    has_due,
    next_due,
    not_before_last,
    overdue,
)
from policyflow.runtime.family import Family, Outcome, Touched
from policyflow.runtime.journal import JournalEntry
from policyflow.runtime.reads import Live, needed
from policyflow.runtime.roles import Actor, RoleMode
from policyflow.runtime.signals import Broadcast, Signal, cohort_of, receivers
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot
from policyflow.runtime.step import ChildStart, Step, start, transition

__all__ = ["Family", "Outcome", "Touched", "act", "catch_up"]

_MAX_STEPS = 10_000  # expiries that keep restarting each other stop here
# Outcomes of a lone event are built by tuple.__new__ (a named tuple's own __new__ is a
# Python function: keywords, defaults), as the step functions build theirs.
_new = tuple.__new__


def _nothing_due(
    family: Family, compiled: CompiledProcess, snapshot: CaseSnapshot, until: datetime
) -> bool:
    """Whether neither the case nor a child or member that could signal it is due by `until`."""
    if has_due(snapshot, until):
        return False
    if compiled.starts_children and _any(family.children_due(snapshot.case_id, until)):
        return False
    return not (family.is_cohort(compiled.id) and _any(family.members_due(snapshot.case_id, until)))


def _any(cases: Iterable[tuple[CompiledProcess, CaseSnapshot]]) -> bool:
    return next(iter(cases), None) is not None


_NOTHING = Outcome((), None)


def act(
    family: Family,
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    event: str,
    payload: Mapping[str, Any] | None = None,
    *,
    at: datetime,
    actor: Actor | str | None = None,
    calendar: Calendar | None = None,
    overrides: Mapping[str, str] | None = None,
    roles: RoleMode = "check",
) -> Outcome:
    """Apply `event` to the case at `at`, with its whole cascade (see the module's text).

    `overrides` (guard id → reason) passes the event's false soft guards it names
    (:mod:`policyflow.runtime.overrides`); it is the event's alone, not the signal's.
    `actor` and `roles` say who acts and how strictly that is checked
    (:mod:`policyflow.runtime.roles`); the signals and child starts the event causes are
    the law's own acts, taken as ``system``.

    Raises:
        EventNotAllowed, RoleRefused, GuardFailed, InvalidPayload: the event is refused,
            or the parent refuses the signal it makes the case send; nothing is to be
            written (a refusal after expiries names them).
        InvalidPayload: also an override naming a guard the event does not have here, or
            a hard guard.
        InvalidInput: `at` is earlier than the case's last event.
        InvalidCaseData: a child case it starts gets data its process refuses.
        CalendarNotPublished: a deadline reaches a year the calendar does not cover.
    """
    if at < snapshot.updated_at:
        not_before_last(snapshot, event, at)
    # an event that reads other cases takes the cascade: they may be due (see _CatchUp)
    if not needed(compiled, snapshot.state, event) and _nothing_due(family, compiled, snapshot, at):
        # Nothing to expire first (the common case): the event alone, unless it reaches
        # another case. Made as the cascade below would make it, without its bookkeeping.
        step = transition(
            compiled,
            snapshot,
            event,
            payload,
            at=at,
            actor=actor,
            calendar=calendar,
            overrides=overrides,
            roles=roles,
            relations=None,  # reads nothing: needed() said so
        )
        if not step.spawn and not step.signals:
            return _new(Outcome, ((_new(Touched, (compiled, snapshot, (step,))),), step))
        cascade = _Cascade(family, calendar, at)
        cascade.take(cascade.add(compiled, snapshot, 0), step)
        return cascade.outcome(step)
    cascade = _Cascade(family, calendar, at)
    case = cascade.add(compiled, snapshot, 0)
    cascade.take_in_reads(case, event, at)  # their expiries and its own: one order of instants
    cascade.advance(at)
    cascade.busy.add(snapshot.case_id)
    try:
        step = transition(
            compiled,
            case.current,
            event,
            payload,
            at=at,
            actor=actor,
            calendar=calendar,
            overrides=overrides,
            roles=roles,
            relations=cascade.reads(case, at),
        )
    except TransitionRefused as error:
        if case.steps:
            raise after_expiries(error, tuple(case.steps)) from None
        raise
    finally:
        cascade.busy.discard(snapshot.case_id)
    cascade.take(case, step)
    return cascade.outcome(step)


def catch_up(
    family: Family,
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    *,
    until: datetime,
    calendar: Calendar | None = None,
) -> Outcome:
    """Bring the case (and the family its expiries touch) up to `until`: every expiry due.

    What a sweep does for a case nobody acts on: the engine's tick, the simulator's
    expiry. The outcome is empty when nothing was due.

    Raises:
        CalendarNotPublished: a deadline reaches a year the calendar does not cover.
        InvalidCaseData: a child case an expiry starts gets data its process refuses.
    """
    if _nothing_due(family, compiled, snapshot, until):
        return _NOTHING  # most sweeps of a case find its deadline met or moved since
    cascade = _Cascade(family, calendar, until)
    cascade.add(compiled, snapshot, 0)
    cascade.advance(until)
    return cascade.outcome(None)


class _Open:
    """A case in the cascade: as found, as it stands now, and its steps so far."""

    __slots__ = ("before", "compiled", "current", "depth", "steps")

    def __init__(
        self,
        compiled: CompiledProcess,
        before: CaseSnapshot | None,
        current: CaseSnapshot,
        depth: int,
        steps: list[Step],
    ) -> None:
        self.compiled = compiled
        self.before = before
        self.current = current
        self.depth = depth  # a parent is one less than its child: it expires first
        self.steps = steps


class _CatchUp:
    """What one reading step's live reads bring up to its instant (reads.CatchUp).

    Their expiries go with the act's outcome; a refused act writes none of them, and the
    next act or tick writes the same (docs/architecture.md, step 5).
    """

    __slots__ = ("cascade", "depth", "until")

    def __init__(self, cascade: _Cascade, depth: int, until: datetime) -> None:
        self.cascade = cascade
        self.depth = depth
        self.until = until

    def bring(self, cases: Sequence[tuple[CompiledProcess, CaseSnapshot]], *, above: bool) -> None:
        self.cascade.bring(cases, self.depth - 1 if above else self.depth + 1, self.until)

    def entered(self, case_id: str) -> datetime | None:
        return self.cascade.entered(case_id)


class _Held(Mapping[str, tuple[CompiledProcess, CaseSnapshot]]):
    """The cases a cascade holds, each as it now stands: a view, not a copy.

    Every step of a broadcast is given one; copying the open cases for each would make
    a round of n members cost n² (a round of 1,000 spent 0.4 s copying).
    """

    __slots__ = ("open",)

    def __init__(self, open_cases: dict[str, _Open]) -> None:
        self.open = open_cases

    def __getitem__(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        case = self.open[case_id]
        return case.compiled, case.current

    def __iter__(self) -> Iterator[str]:
        return iter(self.open)

    def __len__(self) -> int:
        return len(self.open)


class _Cascade:
    def __init__(self, family: Family, calendar: Calendar | None, until: datetime) -> None:
        self.family = family
        self.calendar = calendar
        self.until = until
        self.open: dict[str, _Open] = {}
        self.started: dict[str, int] = {}  # parent id → children started by this cascade
        self.taken = 0
        # a step whose journal entry gained what its broadcast drew: id(step as made) → it
        self.noted: dict[int, Step] = {}
        self.busy: set[str] = set()  # cases whose step is being judged (see _answer)

    def add(self, compiled: CompiledProcess, snapshot: CaseSnapshot, depth: int) -> _Open:
        """Take in a case as it stands, with its children and members that could signal it.

        Those with a deadline due by the cascade's instant: their expiries may signal it.
        """
        found = self.open.get(snapshot.case_id)
        if found is not None:
            return found
        case = self.open[snapshot.case_id] = _Open(compiled, snapshot, snapshot, depth, [])
        family = self.family
        if compiled.starts_children:
            for child_compiled, child in family.children_due(snapshot.case_id, self.until):
                self.add(child_compiled, child, depth + 1)
        if family.is_cohort(compiled.id):
            for member_compiled, member in family.members_due(snapshot.case_id, self.until):
                self.add(member_compiled, member, depth + 1)
        return case

    def advance(self, until: datetime, first: int = 0) -> None:
        """Expire every deadline of the open cases due at or before `until`, in order.

        `first`: only the cases taken in from that place on (those a read just took in,
        and any they take in), not every open one.
        """
        while True:
            chosen: tuple[_Open, TimerSnapshot] | None = None
            key: tuple[datetime, int, datetime, str] | None = None
            for case in islice(self.open.values(), first, None):
                if case.current.case_id in self.busy:
                    continue
                timer = next_due(case.compiled, case.current, until)
                if timer is None:
                    continue
                current = case.current
                mine = (
                    expiry_instant(current, timer),
                    case.depth,
                    current.started_at,
                    current.case_id,
                )
                if key is None or mine < key:
                    chosen, key = (case, timer), mine
            if chosen is None:
                return
            if self._take_in_expiry_reads(*chosen):
                continue  # what the expiry reads, taken in: one of theirs may come first
            self._expire(*chosen)

    def _take_in_expiry_reads(self, case: _Open, timer: TimerSnapshot) -> bool:
        """Take in the due cases the expiry's event reads; whether any was taken in."""
        plan = case.compiled.deadlines.get(timer.deadline)
        if plan is None or plan.expiry_event is None:
            return False
        count = len(self.open)
        self.take_in_reads(case, plan.expiry_event, expiry_instant(case.current, timer))
        return len(self.open) > count

    def _expire(self, case: _Open, timer: TimerSnapshot) -> None:
        case_id = case.current.case_id
        self.busy.add(case_id)  # what its expiry reads is caught up; never itself again
        try:
            step = expire_timer(
                case.compiled,
                case.current,
                timer,
                calendar=self.calendar,
                relations=self.reads(case, expiry_instant(case.current, timer)),
            )
        finally:
            self.busy.discard(case_id)
        if not step.spawn and not step.signals:
            self._record(case, step)
            return
        mark = self._mark()
        try:
            self.take(case, step)
        except TransitionRefused:  # a receiver refuses a signal: the consequence fails
            self._restore(mark)
            self._record(case, overdue(case.compiled, case.current, timer, calendar=self.calendar))

    def take(self, case: _Open, step: Step) -> None:
        """Record `step`, start the children it asks for and send its signals, in order."""
        self._record(case, step)
        for child in step.spawn:
            self._start_child(case, child, step)
        for sent in step.signals:
            if isinstance(sent, Broadcast):
                self._broadcast(case, sent, step)
            else:
                # a parent, or a cohort: above the sender, as it expires first
                self._send(sent, step, self._receiver(sent.case_id, case.depth - 1))

    def _receiver(self, case_id: str, depth: int) -> _Open:
        """The receiving case, from the cascade if it holds it, else from the family."""
        found = self.open.get(case_id)
        if found is None:
            compiled, snapshot = self.family.case(case_id)
            found = self.add(compiled, snapshot, depth)
        return found  # (a parent too: case() reads any case, locked as parent() does)

    def _send(self, signal: Signal, step: Step, receiver: _Open) -> None:
        """The receiver, brought up to the signal's instant, takes its event by law."""
        at = step.entry.at
        self.advance(at)  # the receiver, and the children it was loaded with, up to the signal
        self._answer(receiver, signal, step)

    def _answer(self, receiver: _Open, signal: Signal, step: Step) -> None:
        # A receiver's journal never goes back in time: a signal from a case whose event
        # was dated before the receiver's last one is the receiver's at that last instant.
        at = max(step.entry.at, receiver.current.updated_at)
        receiver_id = receiver.current.case_id
        if receiver_id in self.busy:  # it would be judged on a state the signal moved on
            raise InvalidInput(
                f"case {receiver_id}: case {step.snapshot.case_id}, which it reads, was "
                f"brought up to {at:%Y-%m-%d %H:%M} and signals it {signal.event!r} while "
                "its step is judged; run tick up to that instant first"
            )
        self.busy.add(receiver_id)
        try:
            answered = transition(
                receiver.compiled,
                receiver.current,
                signal.event,
                signal.payload,
                at=at,
                actor=step.entry.actor,
                calendar=self.calendar,
                by_law=True,  # the law answers the sender's decision: taken as system
                relations=self.reads(receiver, at),
            )
        finally:
            self.busy.discard(receiver_id)
        self.take(receiver, answered)

    def _broadcast(self, case: _Open, broadcast: Broadcast, step: Step) -> None:
        """Send a signal to each child or member it reaches, all brought up to its instant.

        The receivers are taken in first and brought up to the instant together (one sweep,
        not one per receiver), as the cascade holds them (a child started by this very
        step, a member that just changed, included); which of them receive, and in which
        order, is :func:`.signals.receivers`'.
        """
        plan = broadcast.plan
        assert plan.process is not None
        # the family's relatives with the cases this cascade holds laid over them, as a
        # read of children() or members() sees them (:meth:`.reads.Live.related`)
        related = self.reads().related(case.current, plan.process, children=plan.to == "children")
        held = [self.add(compiled, snapshot, case.depth + 1) for compiled, snapshot in related]
        self.advance(step.entry.at)
        opened = {o.current.case_id: o for o in held}
        relatives = [(o.compiled, o.current) for o in held]
        delivery = receivers(broadcast, relatives)
        if delivery.drawn is not None:
            self._note(case, step, f"sample:{plan.event}", delivery.drawn)
        for signal in delivery.signals:
            self._answer(opened[signal.case_id], signal, step)

    def _note(self, case: _Open, step: Step, key: str, value: Mapping[str, Any]) -> None:
        """Record `value` under `key` in the reads of `step`'s journal entry (a sample drawn).

        The draw is made after the step, when the cascade holds the receivers; the entry is
        not written yet, so it is completed in place, before anything is committed.
        """
        made = self.noted.get(id(step), step)
        for index in range(len(case.steps) - 1, -1, -1):
            if case.steps[index] is made:
                entry = made.entry
                noted = made._replace(entry=entry._replace(reads={**entry.reads, key: value}))
                case.steps[index] = noted
                self.noted[id(step)] = noted
                return

    def _start_child(self, parent: _Open, child: ChildStart, step: Step) -> None:
        parent_id = parent.current.case_id
        compiled = self.family.process(child.process_id)
        number = self.started.get(parent_id, 0)
        self.started[parent_id] = number + 1
        started = start(
            compiled,
            self.family.new_id(parent_id, child.process_id, number),
            child.data,
            at=step.entry.at,
            actor=step.entry.actor,
            parent_id=parent_id,
            calendar=self.calendar,
            by_law=True,  # started by the law on the parent's act: as system
        )
        opened = _Open(compiled, None, started.snapshot, parent.depth + 1, [])
        self.open[started.snapshot.case_id] = opened
        self._record(opened, started)

    def reads(self, reader: _Open | None = None, at: datetime | None = None) -> Live:
        """Reads of other cases: the family's, with the cases this cascade holds as they stand.

        With the `reader` and its step's instant `at`, each case read is first brought up
        to `at` (:class:`_CatchUp`).
        """
        if reader is None or at is None:
            return Live(self.family, _Held(self.open))
        return Live(self.family, _Held(self.open), _CatchUp(self, reader.depth, at))

    def bring(
        self, cases: Sequence[tuple[CompiledProcess, CaseSnapshot]], depth: int, until: datetime
    ) -> None:
        """Take in each of `cases` with a deadline due by `until` and bring them up to it.

        Only those (and what they take in) are advanced: the others the cascade holds are
        at the reading step's instant already, or are the reader itself, mid-step.
        """
        count = len(self.open)
        self._take_in_due(cases, depth, until)
        if len(self.open) > count:
            self.advance(until, count)

    def _take_in_due(
        self, cases: Iterable[tuple[CompiledProcess, CaseSnapshot]], depth: int, until: datetime
    ) -> None:
        for compiled, snapshot in cases:
            if snapshot.case_id not in self.open and not _nothing_due(
                self.family, compiled, snapshot, until
            ):
                self.add(compiled, snapshot, depth)

    def take_in_reads(self, case: _Open, event: str, until: datetime) -> None:
        """Take in the due parent, cohort, children and members `event` reads.

        Before the case's catch-up: one sweep, in order of instants (a lookup's hits are
        found, and brought up, when the step is judged: its match is the case's data then).
        """
        compiled, snapshot = case.compiled, case.current
        family = self.family
        for key in needed(compiled, snapshot.state, event):
            kind, _, name = key.partition(":")
            if kind == "children":
                self._take_in_due(family.children(snapshot.case_id, name), case.depth + 1, until)
            elif kind == "members":
                self._take_in_due(family.members(snapshot.case_id, name), case.depth + 1, until)
            elif kind in ("parent", "cohort"):
                other = snapshot.parent_id if kind == "parent" else cohort_of(compiled, snapshot)
                if other and other not in self.open:
                    self._take_in_due((family.case(other),), case.depth - 1, until)

    def entered(self, case_id: str) -> datetime | None:
        """When the case entered its current state in this cascade; None if it did not."""
        case = self.open.get(case_id)
        for step in reversed(case.steps if case is not None else ()):
            entry: JournalEntry = step.entry
            if entry.from_state != entry.to_state:
                return entry.at
        return None

    def _record(self, case: _Open, step: Step) -> None:
        self.taken += 1
        if self.taken > _MAX_STEPS:
            raise InvalidInput(
                f"case {case.current.case_id}: more than {_MAX_STEPS} steps at one act; "
                "its deadlines restart each other without end"
            )
        case.steps.append(step)
        case.current = step.snapshot

    def _mark(self) -> tuple[dict[str, tuple[CaseSnapshot, int]], dict[str, int]]:
        cases = {key: (case.current, len(case.steps)) for key, case in self.open.items()}
        return cases, dict(self.started)

    def _restore(self, mark: tuple[dict[str, tuple[CaseSnapshot, int]], dict[str, int]]) -> None:
        cases, started = mark
        for key in [key for key in self.open if key not in cases]:
            del self.open[key]
        for key, (current, count) in cases.items():
            case = self.open[key]
            case.current = current
            del case.steps[count:]
        self.started = started

    def outcome(self, step: Step | None) -> Outcome:
        if step is not None:
            step = self.noted.get(id(step), step)
        touched = tuple(
            Touched(case.compiled, case.before, tuple(case.steps))
            for case in self.open.values()
            if case.steps
        )
        return Outcome(touched, step)
