"""The process format: frozen pydantic models, one per element of a process file.

This module owns what a process *is* (data, no behaviour): its roles, typed case fields,
events with payload fields, states, transitions with guards and assignments, deadlines and
their whole life, child processes and the signal a child sends its parent. Loading a file
(with positions for errors) is loader.py's; CEL is expressions.py's; the checks that look
across elements (reachability, unknown names) are lint.py's; running a case is the
runtime's.

Every element carries an English snake_case ``id``, a ``zh`` label in the source's own
term and an ``en`` label. States, transitions, guards and deadlines carry a legal ``basis``:
one citation or a list, each a mapping (``doc``, ``article``, ``paragraph``, ``item``,
``quote``) or the compact text ``"科学技术部令第20号 第四十一条第二款"``.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

from pydantic import Field as PField
from pydantic import model_validator

from policyflow.definition.canonical import canonical_json, without_unset
from policyflow.definition.elements import (
    ID_PATTERN,
    LIST_MAX,
    PROCESS_ID_PATTERN,
    Cel,
    Cited,
    FrozenModel,
    Id,
    Labelled,
    LegalBasis,
    ProcessId,
    Source,
    Text,
    Title,
    as_list,
    basis_text,
)
from policyflow.definition.every import Every
from policyflow.definition.relation_model import KEYS_HELP, LOOKUPS_HELP, Cohort, Lookup
from policyflow.definition.signals import OnFinal, ParentSignalSpec, RankKey, SignalSpec

__all__ = [
    "ID_PATTERN",
    "LIST_MAX",
    "PROCESS_ID_PATTERN",
    "SYSTEM_ROLE",
    "ChildProcess",
    "Deadline",
    "Event",
    "Every",
    "Expiry",
    "Extension",
    "Field",
    "FieldType",
    "FrozenModel",
    "Guard",
    "LegalBasis",
    "OnFinal",
    "ParentSignalSpec",
    "Process",
    "RankKey",
    "Role",
    "SignalSpec",
    "Source",
    "Start",
    "State",
    "Title",
    "Transition",
    "Triggers",
    "basis_text",
]


#: The law acting by itself (an expiry, a child's signal, a child started): never declared.
SYSTEM_ROLE = "system"


class Role(Labelled):
    """Who may act: an authority, a department, a party."""


class FieldType(StrEnum):
    """The types a case field or payload field can have."""

    ENUM = "enum"
    MONEY = "money"
    DECIMAL = "decimal"
    INT = "int"
    BOOL = "bool"
    STR = "str"
    DATE = "date"
    DATETIME = "datetime"
    LIST = "list"
    RECORD = "record"


class Field(Labelled):
    """A typed case field or event payload field.

    ``money`` is a Decimal amount of yuan with at most two decimals (fen); ``decimal`` an
    exact number (a score) with at most ``places`` decimals (0 to 4, default 2); ``list`` needs
    ``items`` (the element type) and, for a list of enum values, ``values``. A record list
    (``items: record``) declares the keys of each item in ``fields``: sub-fields typed like
    any field, except that they are neither record lists, money nor decimal (:meth:`_check`).
    """

    type: FieldType = PField(
        description="enum, money, decimal, int, bool, str, date, datetime or list."
    )
    items: FieldType | None = PField(
        default=None, description="The element type of a list; record: a list of mappings."
    )
    fields: tuple[Field, ...] | None = PField(
        default=None, description="The sub-fields of each item of a record list."
    )
    values: tuple[Text, ...] = PField(default=(), description="The values of an enum.")
    required: bool = PField(default=True, description="Whether a value must be given.")
    default: Any = PField(default=None, description="The value when none is given.")
    min: float | None = PField(default=None, description="Smallest accepted number (inclusive).")
    max: float | None = PField(default=None, description="Largest accepted number (inclusive).")
    max_items: int | None = PField(
        default=None,
        ge=1,
        le=LIST_MAX,
        description="The most items a list holds (default and at most 10,000).",
    )
    places: int | None = PField(
        default=None, ge=0, le=4, description="A decimal's most decimal places (default 2)."
    )

    @model_validator(mode="after")
    def _check(self) -> Field:
        kind = self.items if self.type is FieldType.LIST else self.type
        if self.type is FieldType.RECORD:
            raise ValueError(
                f"field {self.id!r}: 'record' is an item type: write type: list, items: record"
            )
        if self.type is FieldType.LIST and self.items in (None, FieldType.LIST):
            raise ValueError(
                f"field {self.id!r}: a list needs 'items', the element type (not list)"
            )
        if self.type is not FieldType.LIST and self.items is not None:
            raise ValueError(f"field {self.id!r}: 'items' is only for a list")
        if self.type is not FieldType.LIST and self.max_items is not None:
            raise ValueError(f"field {self.id!r}: 'max_items' is only for a list")
        if kind is not FieldType.DECIMAL and self.places is not None:
            raise ValueError(f"field {self.id!r}: 'places' is only for a decimal")
        if kind is FieldType.ENUM and not self.values:
            raise ValueError(f"field {self.id!r}: an enum needs 'values'")
        if kind is not FieldType.ENUM and self.values:
            raise ValueError(f"field {self.id!r}: 'values' is only for an enum")
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"field {self.id!r}: duplicate enum values")
        if kind is FieldType.RECORD:
            self._check_record()
        elif self.fields is not None:
            raise ValueError(f"field {self.id!r}: 'fields' is only for a list of items: record")
        return self

    def _check_record(self) -> None:
        """A record list: its sub-fields given, unique, and neither record lists nor money."""
        if not self.fields:
            raise ValueError(
                f"field {self.id!r}: a list of items: record needs 'fields', the sub-fields "
                "of each item"
            )
        ids = [sub.id for sub in self.fields]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"field {self.id!r}: duplicate sub-field ids: {', '.join(repeated)}")
        for sub in self.fields:
            if sub.element_type is FieldType.RECORD:
                raise ValueError(
                    f"field {self.id!r}: sub-field {sub.id!r} is a record list; a record "
                    "holds scalars and lists of scalars, not further records"
                )
            if sub.element_type in (FieldType.MONEY, FieldType.DECIMAL):
                # An amount (a decimal) enters CEL as a scaled whole number and money.py
                # rewrites the expressions that read one; it does not type a record's keys.
                raise ValueError(
                    f"field {self.id!r}: sub-field {sub.id!r} is {sub.element_type.value}, which "
                    "a record cannot hold yet (CEL reads it exactly only where it can tell its "
                    "type, and it cannot inside a record): keep it in a field of its own"
                )

    @property
    def element_type(self) -> FieldType:
        """The type of the value, or of each element for a list."""
        return self.items if self.items is not None else self.type

    @property
    def decimal_places(self) -> int:
        """A decimal's most decimal places (2 unless declared); 2 for money (the fen)."""
        return 2 if self.places is None else self.places

    @property
    def is_record_list(self) -> bool:
        """Whether each element is a record (a mapping typed by :attr:`fields`)."""
        return self.items is FieldType.RECORD

    @property
    def sub_fields(self) -> dict[str, Field]:
        """The sub-fields of a record list by id (empty for any other field)."""
        return {sub.id: sub for sub in self.fields or ()}

    @property
    def must_be_given(self) -> bool:
        """Whether a value must be given: required, with no default to fall back on."""
        return self.required and self.default is None


class Event(Cited):
    """Something that happens to a case: a filing, a service, an approval, an expiry."""

    payload: tuple[Field, ...] = PField(default=(), description="Typed payload fields.")


class State(Cited):
    """Where a case is."""

    initial: bool = PField(default=False, description="The one state a case starts in.")
    final: bool = PField(default=False, description="A state the case ends in.")


class Guard(Cited):
    """A condition a transition needs, in CEL and in words.

    ``zh``/``en`` say the rule in words (they are the refusal's reason); ``{name}`` in the
    words is replaced by the named field's value, formatted (money as ¥1,000,000.00).
    """

    when: Cel = PField(description="CEL expression over the case data and `payload`.")
    soft: bool = PField(
        default=False,
        description="A rule 'as a rule' (一般应, 原则上): when false, it may be passed with a "
        "reason the journal records.",
    )


class ChildProcess(FrozenModel):
    """A child process (a sub-procedure, a BPMN call activity) started by a transition."""

    process: ProcessId = PField(description="The child's process id: permit.inspection.")
    data: dict[Id, Cel] = PField(
        default_factory=dict, description="The child's initial data: field -> CEL expression."
    )
    when: Cel | None = PField(
        default=None,
        description="CEL condition over the data after the event's assignments and `payload`; "
        "false: the child is not started.",
    )
    for_each: Cel | None = PField(
        default=None, description="CEL list: one child per item, `item` bound in when and data."
    )


class Transition(Cited):
    """An event moving a case from a state (or one of several) to a state.

    ``to`` may be omitted: the case stays where it is (an internal transition, which does
    not enter or leave a state for the deadlines). ``to_previous`` instead of ``to`` sends
    the case back to the state it was in before it entered the current one (an appeal
    dismissed: back to the decision). ``reopens`` says that the transition leaves a final
    state on purpose (an appeal against a decision), which the linter otherwise refuses.
    """

    event: Id = PField(description="The event's id.")
    from_: tuple[Id, ...] = PField(alias="from", description="One source state or a list.")
    to: Id | None = PField(default=None, description="The target state; omitted = stay.")
    to_previous: bool = PField(
        default=False,
        description="Instead of `to`: back to the state the case was in before this one.",
    )
    reopens: bool = PField(
        default=False,
        description="Leaves a final state on purpose (an appeal against a decision).",
    )
    actor: Id | tuple[Id, ...] | None = PField(
        default=None, description="The role that takes it, or a list (any of them may)."
    )
    guard: tuple[Guard, ...] = PField(default=(), description="One guard or a list; all must hold.")
    assign: dict[Id, Cel] = PField(
        default_factory=dict, description="Case field -> CEL expression, set when taken."
    )
    start_child: tuple[ChildProcess, ...] = PField(
        default=(), description="Child processes to start."
    )
    signal: tuple[SignalSpec, ...] | None = PField(
        default=None, description="Signals to send after the step: one or a list, in order."
    )

    @model_validator(mode="before")
    @classmethod
    def _wrap_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            value = dict(value)
            for key in ("from", "from_", "guard", "start_child", "basis"):
                if key in value:
                    value[key] = as_list(value[key])
            if value.get("signal") is not None:  # (null stays unset: the hash leaves it out)
                value["signal"] = as_list(value["signal"])
        return value

    def target(self, source: str) -> str:
        """The state the case is in after the transition from `source`.

        For ``to_previous`` the state is only known on the case (its previous state):
        this gives `source`, and the runtime and the linter look up the case's or the
        possible previous states (:func:`policyflow.definition.history.return_states`).
        """
        return source if self.to is None else self.to

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles that may take it, in the order written; () when it names none."""
        actor = self.actor
        return (actor,) if isinstance(actor, str) else actor or ()


class Triggers(FrozenModel):
    """Events and state changes that act on a deadline.

    ``events``: any of these events; ``enter``: entering any of these states; ``leave``:
    leaving any of them. A transition that stays in its state neither enters nor leaves it.
    """

    events: tuple[Id, ...] = PField(default=())
    enter: tuple[Id, ...] = PField(default=())
    leave: tuple[Id, ...] = PField(default=())

    @model_validator(mode="before")
    @classmethod
    def _wrap_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: as_list(v) if k in ("events", "enter", "leave") else v for k, v in value.items()
            }
        return value

    def __bool__(self) -> bool:
        return bool(self.events or self.enter or self.leave)


class Start(Triggers):
    """What starts a deadline, and on what condition.

    ``when`` is a CEL condition evaluated over the case data after the event's assignments,
    with ``payload``: when it is false the deadline does not start (and a running one
    keeps running).
    """

    when: Cel | None = PField(
        default=None, description="CEL condition; false: the deadline does not start."
    )


class Extension(Cited):
    """How a deadline may be extended: the approving event, the period, the limits.

    Its ``id`` names the rule; ``zh``/``en`` say it in words. With ``period_from`` the
    approver decides the length: a CEL whole number over the data and the approving event's
    ``payload`` (``payload.days``), counted in ``unit`` (by default the unit of ``period``);
    ``period`` is then the most one extension may add, and ``cap`` the most all may add.
    """

    event: Id = PField(description="The approving event; each occurrence adds `period`.")
    period: Text = PField(
        description="The period added, as the text writes it: 十个工作日; with `period_from`, "
        "the most one extension may add."
    )
    period_from: Cel | None = PField(
        default=None,
        description="CEL whole number giving the length asked (payload.days), in `unit`.",
    )
    unit: Literal["wd", "d", "mo", "y", "h"] | None = PField(
        default=None,
        description="The unit of `period_from`: wd, d, mo, y or h (default: that of `period`).",
    )
    max_times: int = PField(default=1, ge=1, description="How many times at most.")
    cap: str | None = PField(default=None, description="The total of all extensions at most.")

    @model_validator(mode="after")
    def _check_unit(self) -> Extension:
        if self.unit is not None and self.period_from is None:
            raise ValueError(f"extension {self.id!r}: 'unit' is only for 'period_from'")
        return self


class Expiry(FrozenModel):
    """What a deadline's expiry does: fire an event of the process by itself."""

    fire: Id = PField(description="The event applied by itself on expiry: deemed_waiver.")


class Deadline(Cited):
    """A time limit: what starts it, its period, what meets, stops, suspends or extends it.

    ``on_expiry`` is ``overdue`` (the case is only marked overdue: the text names no
    consequence) or ``{fire: event}`` (a deemed waiver, a mandatory release, a deemed
    grant). ``anchor`` is a CEL date (e.g. ``payload.served_on``); by default the legal day
    of the starting event.

    A deadline has either a ``period`` or ``ends_on``, a CEL date (a permit's
    ``valid_until``): it then falls due on that day (moved to the next working day only
    with ``rollover``), an extension adds its period to it, and it cannot be suspended.

    A recurring deadline (``every``) has neither: each occurrence falls due on its own
    and is named by ``label``; a meeting event meets the occurrence ``label_from`` names.
    """

    period: Text | None = PField(
        default=None,
        description="Verbatim or canonical: 十五个工作日, 15wd, 九十日, 3mo (or give ends_on).",
    )
    ends_on: Cel | None = PField(
        default=None,
        description="CEL date the deadline ends on (instead of a period): valid_until.",
    )
    rollover: bool = PField(
        default=True, description="A last day that is not a working day moves to the next one."
    )
    start_on: Start = PField(description="What starts the deadline, and on what condition.")
    anchor: Cel | None = PField(default=None, description="CEL date the period counts from.")
    met_by: Triggers = PField(default_factory=Triggers, description="What meets it in time.")
    cancelled_by: Triggers = PField(default_factory=Triggers, description="What ends it unmet.")
    suspended_by: Triggers = PField(default_factory=Triggers, description="What suspends it.")
    resumed_by: Triggers = PField(default_factory=Triggers, description="What resumes it.")
    extension: Extension | None = PField(default=None, description="How it may be extended.")
    on_expiry: Literal["overdue"] | Expiry = PField(
        default="overdue",
        description="'overdue', or {fire: event} where the text names a consequence.",
    )
    every: Every | None = PField(
        default=None,
        description="A recurring deadline: {month, day}, {day}, {months, day} or {period}.",
    )
    label: Cel | None = PField(
        default=None,
        description="CEL string naming an occurrence, over `due` and the case data "
        "(default: its due date, YYYY-MM-DD).",
    )
    label_from: Cel | None = PField(
        default=None,
        description="CEL over the meeting event's `payload` and the data: the label it meets "
        "(default: the oldest open occurrence).",
    )

    @property
    def expiry_event(self) -> str | None:
        """The event fired on expiry, or None when expiry only marks the case overdue."""
        return self.on_expiry.fire if isinstance(self.on_expiry, Expiry) else None

    @model_validator(mode="after")
    def _period_or_end(self) -> Deadline:
        if self.every is not None or self.label is not None or self.label_from is not None:
            return self._check_recurring()
        if (self.period is None) == (self.ends_on is None):
            which = "both" if self.period is not None else "neither"
            raise ValueError(
                f"deadline {self.id!r}: give exactly one of 'period' and 'ends_on' (got {which})"
            )
        if self.ends_on is not None and self.anchor is not None:
            raise ValueError(
                f"deadline {self.id!r}: 'anchor' is for a period; 'ends_on' gives the day itself"
            )
        return self

    def _check_recurring(self) -> Deadline:
        """A recurring deadline: each occurrence falls due, is met or is overdue on its own."""
        name = f"deadline {self.id!r}"
        if self.every is None:
            raise ValueError(f"{name}: 'label' and 'label_from' are for a recurring one (every)")
        conflicts = [
            key
            for key, given in (
                ("period", self.period is not None),
                ("ends_on", self.ends_on is not None),
                ("extension", self.extension is not None),
                ("suspended_by", bool(self.suspended_by)),
                ("resumed_by", bool(self.resumed_by)),
            )
            if given
        ]
        if conflicts:
            raise ValueError(
                f"{name} recurs (every), so it takes no {', '.join(map(repr, conflicts))}: "
                "each occurrence falls due on its own day (give a period inside every)"
            )
        if self.expiry_event is not None:
            raise ValueError(
                f"{name} recurs (every): an occurrence that passes is only overdue "
                "(on_expiry: overdue); an expiry event would fire once a year by itself"
            )
        return self


#: Optional keys added after the first version of the format (a deadline's ``ends_on``,
#: ``period`` now optional, start conditions ``when``, an extension's ``period_from`` and
#: ``unit``, a record list's ``fields``, a list's ``max_items``, a recurring deadline's
#: ``every``, ``label`` and ``label_from``; a guard's ``soft``, a transition's ``reopens``,
#: ``to_previous`` and ``signal``, a child's ``for_each``): left out of the content hash
#: while they are null (or false, for a flag).
_ADDED_KEYS = frozenset(
    {
        "ends_on",
        "period",
        "when",
        "period_from",
        "unit",
        "fields",
        "max_items",
        "every",
        "label",
        "label_from",
        "soft",
        "reopens",
        "to_previous",
        "signal",
        "for_each",
        *("keys", "cohort", "lookups"),  # relations between cases (relation_model.py)
        "sample",  # a seeded random sample of a signal's receivers (signals.py)
        "places",  # a decimal field's places (type: decimal)
    }
)


class Process(FrozenModel):
    """A procedure as data: one process file.

    ``version`` is the content hash of the definition: the first 16 hex digits of the
    sha256 of its canonical JSON, so comments, key order and whitespace do not change it.
    """

    id: ProcessId = PField(description="Process id: the kebab-case path under processes/.")
    title: Title
    sources: tuple[Source, ...] = PField(default=())
    roles: tuple[Role, ...] = PField(default=())
    fields: tuple[Field, ...] = PField(default=(), description="Typed case fields.")
    events: tuple[Event, ...] = PField(default=())
    states: tuple[State, ...]
    transitions: tuple[Transition, ...] = PField(default=())
    deadlines: tuple[Deadline, ...] = PField(default=())
    on_final: OnFinal | None = None
    keys: dict[Id, Cel] | None = PField(default=None, description=KEYS_HELP)
    cohort: Cohort | None = PField(default=None, description="The case this one belongs to.")
    lookups: tuple[Lookup, ...] | None = PField(default=None, description=LOOKUPS_HELP)

    @cached_property
    def version(self) -> str:
        """The content hash of the definition (sha256 hex of its canonical JSON, first 16).

        Keys added to the format later (:data:`_ADDED_KEYS`) are left out while unset, so
        that a new optional key does not change the version of every existing process.
        """
        canonical = canonical_json(without_unset(self.model_dump(mode="json"), _ADDED_KEYS))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    @property
    def initial_state(self) -> State:
        """The state every case starts in."""
        for state in self.states:
            if state.initial:
                return state
        raise LookupError(f"process {self.id!r} has no initial state")  # the loader prevents it

    @property
    def final_states(self) -> tuple[State, ...]:
        """The states a case ends in."""
        return tuple(s for s in self.states if s.final)

    def find_state(self, state_id: str) -> State | None:
        """The state `state_id`, or None."""
        return next((s for s in self.states if s.id == state_id), None)

    def find_event(self, event_id: str) -> Event | None:
        """The event `event_id`, or None."""
        return next((e for e in self.events if e.id == event_id), None)

    def find_deadline(self, deadline_id: str) -> Deadline | None:
        """The deadline `deadline_id`, or None."""
        return next((d for d in self.deadlines if d.id == deadline_id), None)

    def find_field(self, field_id: str) -> Field | None:
        """The case field `field_id`, or None."""
        return next((f for f in self.fields if f.id == field_id), None)

    @model_validator(mode="after")
    def _check_states(self) -> Process:
        initial = [s.id for s in self.states if s.initial]
        if len(initial) != 1:
            which = ", ".join(repr(i) for i in initial) or "none"
            raise ValueError(f"a process needs exactly one initial state (found {which})")
        return self
