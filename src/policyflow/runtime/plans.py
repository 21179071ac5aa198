"""The compiled plans a CompiledProcess is made of: guards, deadlines, transitions, signals.

Plain immutable values built once by compiled.py; the step functions (step.py) read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from policyflow.definition.expressions import Expression
from policyflow.definition.fields import FieldSet
from policyflow.definition.model import Deadline, FieldType, Transition
from policyflow.legaltime import Period, Recurrence, Unit

__all__ = [
    "VARIES",
    "Assignment",
    "ChildPlan",
    "DeadlinePlan",
    "Effects",
    "Enabling",
    "GuardPlan",
    "RankPlan",
    "SamplePlan",
    "SignalPlan",
    "TransitionPlan",
]


@dataclass(frozen=True, slots=True)
class GuardPlan:
    """A compiled guard: its CEL, its words and its basis; soft: it may be passed with a reason."""

    id: str
    expression: Expression
    zh: str
    en: str
    basis: str
    reads_payload: bool
    soft: bool = False


@dataclass(frozen=True, slots=True)
class DeadlinePlan:
    """A deadline with its periods parsed and its expressions compiled.

    ``period`` is None for a deadline that ends on a date (``ends_on``, compiled);
    ``start_when`` is its start condition; ``extension_from`` the CEL whole number that
    gives an extension's length in ``extension_unit`` (``extension_period`` is then the
    most one extension may add).

    A recurring deadline (``every``) is ``recurring``: ``recurrence`` is the calendar day
    it falls due on (None for the period form, whose ``period`` each occurrence counts),
    ``label`` names an occurrence over ``due`` and the data, ``label_from`` the occurrence
    a meeting event meets.
    """

    id: str
    deadline: Deadline
    period: Period | None
    rollover: bool
    basis: str
    anchor: Expression | None
    expiry_event: str | None
    extension_period: Period | None = None
    extension_max: int = 0
    extension_cap: Period | None = None
    extension_basis: str = ""
    extension_rule: str = ""
    period_text: str = ""

    is_hours: bool = False
    ends_on: Expression | None = None
    start_when: Expression | None = None
    extension_from: Expression | None = None
    extension_unit: Unit | None = None
    recurring: bool = False
    recurrence: Recurrence | None = None
    label: Expression | None = None
    label_from: Expression | None = None


@dataclass(frozen=True, slots=True)
class Effects:
    """What one transition (from one state) does to the deadlines, in the order applied."""

    met: tuple[DeadlinePlan, ...] = ()
    cancelled: tuple[DeadlinePlan, ...] = ()
    suspended: tuple[DeadlinePlan, ...] = ()
    resumed: tuple[DeadlinePlan, ...] = ()
    extended: tuple[DeadlinePlan, ...] = ()
    started: tuple[DeadlinePlan, ...] = ()
    #: True when the effects only meet or cancel deadlines (the common case)
    only_ends: bool = field(init=False)

    def __post_init__(self) -> None:
        only = not (self.suspended or self.resumed or self.extended or self.started)
        object.__setattr__(self, "only_ends", only)

    def __bool__(self) -> bool:
        return bool(
            self.met
            or self.cancelled
            or self.suspended
            or self.resumed
            or self.extended
            or self.started
        )


@dataclass(frozen=True, slots=True)
class ChildPlan:
    """A child process to start, with its data's expressions and its condition.

    With ``for_each`` (a CEL list), one child per item, ``item`` bound in `when` and `data`.
    """

    process: str
    data: tuple[tuple[str, Expression], ...]
    when: Expression | None = None
    for_each: Expression | None = None


#: Assignment.constant of an expression whose value depends on the case.
VARIES: Any = object()


class Assignment(NamedTuple):
    """One field a transition sets (``assign:``), compiled.

    Attributes:
        field: the case field it sets.
        expression: what gives the value.
        kind: the field's element type (how a CEL result becomes a value of it).
        copies: the expression is a bare reference to a field or payload field whose
            values are all values of this one (same declared type, no null where none is
            allowed): its typed value is taken as it is, already validated.
        constant: the typed value, when the expression reads nothing (no field, no
            payload, no date, no calendar) and gives a valid value; else VARIES.
    """

    field: str
    expression: Expression
    kind: FieldType
    copies: bool
    constant: Any


@dataclass(frozen=True, slots=True)
class TransitionPlan:
    """One transition from one source state, ready to run.

    A ``to_previous`` transition's target is the case's previous state: ``target`` is then
    its source (a placeholder), and ``returns`` holds, for each state it can return to,
    the deadline effects of going there (:meth:`effects_to`).
    """

    transition: Transition
    event: str
    source: str
    target: str
    guards: tuple[GuardPlan, ...]
    assigns: tuple[Assignment, ...]
    children: tuple[ChildPlan, ...]
    basis: str
    effects: Effects
    payload: FieldSet | None
    has_effects: bool = False
    to_previous: bool = False
    returns: Mapping[str, Effects] = field(default_factory=dict)
    roles: tuple[str, ...] = ()  # the roles that may take it (:mod:`.roles`); () = any
    signals: tuple[SignalPlan, ...] = ()  # sent after the step, in order


@dataclass(frozen=True, slots=True)
class Enabling:
    """What decides which events leave one state now (see :func:`runtime.enabled`).

    The payload-free guards of the state's transitions are functions of the case fields
    they read, of ``today`` when they read it, of the calendar when they count legal time;
    an extension event is enabled by its deadline's status and the extensions it has had.
    Nothing else can change the answer, so these values key its memo.

    Attributes:
        fields: the case fields the payload-free guards read.
        reads_today: whether one of them reads ``today``.
        reads_calendar: whether one of them counts legal time.
        extended: the deadlines the state's events extend.
        leaving: every event that leaves the state.
        unconditional: the events always enabled here: one of their transitions has no
            guard decidable before the payload and extends no deadline.
    """

    fields: tuple[str, ...]
    reads_today: bool
    reads_calendar: bool
    extended: tuple[str, ...]
    leaving: frozenset[str] = frozenset()
    unconditional: frozenset[str] = frozenset()


class RankPlan(NamedTuple):
    """One key of a signal's ranking: the receiver's field, highest first unless ascending."""

    field: str
    descending: bool


class SamplePlan(NamedTuple):
    """A seeded random sample of a signal's receivers (runtime/signals.py :func:`draw`)."""

    share: Decimal
    at_least: int | Expression
    seed: Expression


@dataclass(frozen=True, slots=True)
class SignalPlan:
    """An event a case sends another case (or many) after a step.

    ``to`` is parent, cohort, children or members (the last two: each case of ``process``
    for which ``where`` holds, ranked by ``rank_by`` when given). The finished child's
    ``on_final.signal_parent`` is one with ``to`` parent. The payload's expressions (and
    ``where``) read the sender after the step, and for many receivers ``c`` and ``ranked``.
    """

    event: str
    payload: tuple[tuple[str, Expression], ...]
    to: str = "parent"
    process: str | None = None
    where: Expression | None = None
    rank_by: tuple[RankPlan, ...] = ()
    sample: SamplePlan | None = None

    @property
    def many(self) -> bool:
        """Whether it reaches each case of a process (children, members), not one case."""
        return self.process is not None
