"""CompiledProcess: a process made ready to run, once, when it is first used.

Compiling checks the definition (the blocking checks of the definition layer), compiles
every CEL expression once, builds the validators of the case data and of each event's
payload, parses every period, and precomputes, for each (state, event), the candidate
transitions with their guards, assignments, child processes and deadline effects. The
step functions (step.py) then do table lookups only. Compiled processes are cached by
content hash (``Process.version``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policyflow.definition.checks import check, start_payload
from policyflow.definition.expressions import (
    RESERVED,
    SEED,
    Expression,
    LegalTimeExpression,
    compile_expression,
    from_cel,
)
from policyflow.definition.fields import FieldSet, holds_values_of
from policyflow.definition.history import return_states
from policyflow.definition.model import (
    ChildProcess,
    Deadline,
    Field,
    FieldType,
    Process,
    State,
    Triggers,
    basis_text,
)
from policyflow.definition.recurring_checks import label_scope
from policyflow.definition.signal_checks import signal_names
from policyflow.definition.signals import SignalSpec
from policyflow.errors import DefinitionError, InvalidInput
from policyflow.legaltime import Period, Unit
from policyflow.runtime.keys import case_keys
from policyflow.runtime.plans import (
    VARIES,
    Assignment,
    ChildPlan,
    DeadlinePlan,
    Effects,
    Enabling,
    GuardPlan,
    RankPlan,
    SamplePlan,
    SignalPlan,
    TransitionPlan,
)
from policyflow.runtime.snapshot import CaseSnapshot

__all__ = [
    "VARIES",
    "Assignment",
    "ChildPlan",
    "CompiledProcess",
    "DeadlinePlan",
    "Effects",
    "Enabling",
    "GuardPlan",
    "RankPlan",
    "SignalPlan",
    "TransitionPlan",
    "compile_process",
]


def _child_plan(
    child: ChildProcess, fields: Mapping[str, Field], payload: Mapping[str, Field] | None
) -> ChildPlan:
    """A child to start, compiled; ``item`` is a name of its data and condition with for_each."""
    extra = ("item",) if child.for_each is not None else ()
    return ChildPlan(
        child.process,
        tuple(
            (k, compile_expression(v, fields, payload, extra=extra)) for k, v in child.data.items()
        ),
        None
        if child.when is None
        else compile_expression(child.when, fields, payload, expect="bool", extra=extra),
        None
        if child.for_each is None
        else compile_expression(child.for_each, fields, payload, expect=FieldType.LIST),
    )


def _signal_plan(
    spec: SignalSpec, fields: Mapping[str, Field], payload: Mapping[str, Field] | None
) -> SignalPlan:
    """A signal, compiled: its payload (and where) over the sender after the step."""
    names = signal_names(spec)
    return SignalPlan(
        spec.event,
        tuple(
            (k, compile_expression(v, fields, payload, extra=names))
            for k, v in spec.payload.items()
        ),
        spec.to,
        spec.process,
        None
        if spec.where is None
        else compile_expression(spec.where, fields, payload, expect="bool", extra=names),
        tuple(RankPlan(key.field, key.order == "desc") for key in spec.rank_by or ()),
        None
        if spec.sample is None
        else SamplePlan(
            spec.sample.fraction,
            spec.sample.at_least
            if isinstance(spec.sample.at_least, int)
            else compile_expression(spec.sample.at_least, fields, payload, expect=FieldType.INT),
            compile_expression(spec.sample.seed, fields, payload, expect=SEED),
        ),
    )


def _fires(triggers: Triggers, event: str, source: str, target: str) -> bool:
    if event in triggers.events:
        return True
    if source == target:
        return False
    return target in triggers.enter or source in triggers.leave


@dataclass(eq=False)
class CompiledProcess:
    """A process ready to run: transition tables, compiled CEL, validators, deadline plans.

    Attributes:
        process: the definition.
        id: its id.
        version: its content hash.
        data_fields: the validator of the case data.
        table: (state, event) → the candidate transitions, in file order.
        deadlines: deadline id → its plan.
        deadline_order: deadline id → its place in the file; deadlines that expire at the
            same instant expire in this order.
        initial: the initial state's id.
        initial_basis: the initial state's legal basis, as the start's journal entry cites it.
        initial_effects: the deadlines started on entry of the initial state.
        finals: the final states' ids.
        signal: what a child sends its parent on reaching a final state, if anything.
        starts_children: whether any transition starts a child case (if not, a case of
            this process never has children to bring up to an instant).
        enabling: state → what decides which events leave it now.
        enabled_memo: the answers of :func:`runtime.enabled`, by what decides them.
    """

    process: Process
    id: str = field(init=False)
    version: str = field(init=False)
    data_fields: FieldSet = field(init=False)
    payloads: dict[str, FieldSet] = field(init=False)
    table: dict[tuple[str, str], tuple[TransitionPlan, ...]] = field(init=False)
    by_state: dict[str, tuple[TransitionPlan, ...]] = field(init=False)
    deadlines: dict[str, DeadlinePlan] = field(init=False)
    deadline_order: dict[str, int] = field(init=False)
    initial: str = field(init=False)
    initial_basis: str = field(init=False)
    initial_effects: Effects = field(init=False)
    finals: frozenset[str] = field(init=False)
    states: dict[str, State] = field(init=False)
    events: frozenset[str] = field(init=False)
    signal: SignalPlan | None = field(init=False)
    starts_children: bool = field(init=False)
    enabling: dict[str, Enabling] = field(init=False)
    return_states: dict[str, tuple[str, ...]] = field(init=False)
    enabled_memo: dict[Any, frozenset[str]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        process = self.process
        blocking = [p for p in check(process, {}, process.id) if p.blocking]
        if blocking:
            text = "; ".join(p.message for p in blocking)
            raise DefinitionError(f"process {process.id!r} cannot run: {text}")
        self.id = process.id
        self.version = process.version
        self.data_fields = FieldSet(process.fields, f"case data of process {process.id!r}")
        self.payloads = {
            e.id: FieldSet(e.payload, f"payload of event {e.id!r}") for e in process.events
        }
        self.states = {s.id: s for s in process.states}
        self.events = frozenset(e.id for e in process.events)
        self.initial = process.initial_state.id
        self.initial_basis = basis_text(process.initial_state.basis)
        self.finals = frozenset(s.id for s in process.final_states)
        self.deadlines = {d.id: _deadline_plan(process, d) for d in process.deadlines}
        self.deadline_order = {d.id: index for index, d in enumerate(process.deadlines)}
        self.return_states = return_states(process)
        table: dict[tuple[str, str], list[TransitionPlan]] = {}
        by_state: dict[str, list[TransitionPlan]] = {}
        guards: dict[tuple[str, str, bool, int], GuardPlan] = {}
        fields = self.data_fields.fields  # what each expression may read, with its type
        for transition in process.transitions:
            given = self.payloads.get(transition.event)
            declared = given.fields if given is not None else {}
            plans = tuple(_guard(g, guards, fields, declared) for g in transition.guard)
            assigns = tuple(
                self._assignment(
                    name,
                    compile_expression(
                        source,
                        fields,
                        declared,
                        expect=fields[name].type,
                        places=fields[name].decimal_places,
                    ),
                    transition.event,
                )
                for name, source in transition.assign.items()
            )
            children = tuple(_child_plan(c, fields, declared) for c in transition.start_child)
            signals = tuple(_signal_plan(s, fields, declared) for s in transition.signal or ())
            payload = self.payloads.get(transition.event)
            for source in transition.from_:
                target = transition.target(source)
                returns = (
                    {
                        back: self._effects(transition.event, source, back)
                        for back in self.return_states.get(source, ())
                    }
                    if transition.to_previous
                    else {}
                )
                plan = TransitionPlan(
                    transition=transition,
                    event=transition.event,
                    source=source,
                    target=target,
                    guards=plans,
                    assigns=assigns,
                    children=children,
                    basis=basis_text(transition.basis),
                    effects=(effects := self._effects(transition.event, source, target)),
                    payload=payload if payload else None,
                    has_effects=bool(effects),
                    to_previous=transition.to_previous,
                    returns=returns,
                    roles=transition.roles,
                    signals=signals,
                )
                table.setdefault((source, transition.event), []).append(plan)
                by_state.setdefault(source, []).append(plan)
        self.table = {key: tuple(plans) for key, plans in table.items()}
        self.starts_children = any(t.start_child for t in process.transitions)
        self.by_state = {key: tuple(plans) for key, plans in by_state.items()}
        self.enabling = {state: _enabling(plans) for state, plans in self.by_state.items()}
        self.initial_effects = Effects(
            started=tuple(
                plan
                for plan in self.deadlines.values()
                if self.initial in plan.deadline.start_on.enter
            )
        )
        spec = process.on_final.signal_parent if process.on_final else None
        self.signal = (
            None
            if spec is None
            else _signal_plan(
                SignalSpec(to="parent", event=spec.event, payload=spec.payload), fields, None
            )
        )

    def effects_to(self, plan: TransitionPlan, target: str) -> Effects:
        """The deadline effects of `plan` when it goes to `target` (a to_previous's return)."""
        found = plan.returns.get(target)
        if found is None:  # a return the definition does not foresee (a case moved by hand)
            found = self._effects(plan.event, plan.source, target)
        return found

    def _effects(self, event: str, source: str, target: str) -> Effects:
        plans = self.deadlines.values()
        return Effects(
            met=tuple(p for p in plans if _fires(p.deadline.met_by, event, source, target)),
            cancelled=tuple(
                p for p in plans if _fires(p.deadline.cancelled_by, event, source, target)
            ),
            suspended=tuple(
                p for p in plans if _fires(p.deadline.suspended_by, event, source, target)
            ),
            resumed=tuple(p for p in plans if _fires(p.deadline.resumed_by, event, source, target)),
            extended=tuple(
                p
                for p in plans
                if p.deadline.extension is not None and p.deadline.extension.event == event
            ),
            started=tuple(p for p in plans if _fires(p.deadline.start_on, event, source, target)),
        )

    def _assignment(self, name: str, expression: Expression, event: str) -> Assignment:
        """Compile ``name: expression`` of a transition on `event` (see :class:`Assignment`)."""
        target = self.data_fields.fields[name]
        kind = target.element_type
        source = None
        if expression.identity is not None:  # a bare name: no function, no calendar
            reads, _, payload_name = expression.identity.partition(".")
            if reads == "payload":
                payload = self.payloads.get(event)
                source = payload.fields.get(payload_name) if payload is not None else None
            elif not payload_name:
                source = self.data_fields.fields.get(reads)
        copies = source is not None and holds_values_of(target, source)
        constant = VARIES
        if (
            not expression.names
            and not expression.payload_names
            and not isinstance(expression, LegalTimeExpression)
        ):
            # an invalid constant is left to be refused where it is applied, the case named
            with contextlib.suppress(InvalidInput):
                constant = self.data_fields.validate_one(
                    name, from_cel(expression.evaluate({}), kind)
                )
        return Assignment(name, expression, kind, copies, constant)

    def validate_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Return `data` as typed case data (Decimal, date …) with defaults filled in.

        Raises:
            InvalidCaseData: naming the field and the type it expected.
        """
        return self.data_fields.validate(data)

    def dump_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Typed case data as JSON-ready values (Decimal → str, date → ISO text)."""
        return self.data_fields.dump(data)

    def load_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The inverse of :meth:`dump_data`: JSON values back to typed case data.

        Raises:
            InvalidCaseData: the stored data no longer fit the fields.
        """
        return self.data_fields.validate(data)

    def is_final(self, state: str) -> bool:
        """True for a final state."""
        return state in self.finals

    def keys_of(self, snapshot: CaseSnapshot) -> tuple[tuple[str, str], ...]:
        """The (key name, value) rows a case is indexed by, ``@cohort`` among them (keys.py)."""
        return case_keys(self.process, self.data_fields.fields, snapshot.data, snapshot.state)


def _enabling(plans: tuple[TransitionPlan, ...]) -> Enabling:
    names: set[str] = set()
    reads_calendar = False
    for plan in plans:
        for guard in plan.guards:
            if not guard.reads_payload:
                names.update(guard.expression.names)
                reads_calendar = reads_calendar or isinstance(guard.expression, LegalTimeExpression)
    extended = {deadline.id: None for plan in plans for deadline in plan.effects.extended}
    unconditional = frozenset(
        plan.event
        for plan in plans
        if not plan.effects.extended and all(guard.reads_payload for guard in plan.guards)
    )
    return Enabling(
        fields=tuple(sorted(names - RESERVED)),
        reads_today="today" in names,
        reads_calendar=reads_calendar,
        extended=tuple(extended),
        leaving=frozenset(plan.event for plan in plans),
        unconditional=unconditional,
    )


def _guard(
    guard: Any,
    cache: dict[tuple[str, str, bool, int], GuardPlan],
    fields: Mapping[str, Field],
    payload: Mapping[str, Field],
) -> GuardPlan:
    # one plan (and one memo) for a guard that several transitions share, unless it reads
    # the payload, whose types (they decide how money in it compiles) differ by event
    key = (guard.id, guard.when, guard.soft, id(payload) if "payload" in guard.when else 0)
    found = cache.get(key)
    if found is None:
        expression = compile_expression(guard.when, fields, payload, expect="bool")
        found = cache[key] = GuardPlan(
            id=guard.id,
            expression=expression,
            zh=guard.zh,
            en=guard.en,
            basis=basis_text(guard.basis),
            reads_payload="payload" in expression.names or bool(expression.relations),
            soft=guard.soft,
        )
    return found


def _deadline_plan(process: Process, deadline: Deadline) -> DeadlinePlan:
    extension = deadline.extension
    fields = {f.id: f for f in process.fields}
    payload = start_payload(process, deadline.start_on)  # what its expressions may read

    def compiled(source: str | None, expect: FieldType | str) -> Expression | None:
        if source is None:
            return None
        return compile_expression(source, fields, payload, expect=expect)

    approving = None if extension is None else process.find_event(extension.event)
    approved = {} if approving is None else {f.id: f for f in approving.payload}
    every = deadline.every
    period = None if deadline.period is None else Period.parse(deadline.period)
    if every is not None:
        period = every.counted
    recurrence = None if every is None else every.recurrence
    added = None if extension is None else Period.parse(extension.period)
    return DeadlinePlan(
        id=deadline.id,
        deadline=deadline,
        period=period,
        rollover=deadline.rollover,
        basis=basis_text(deadline.basis),
        anchor=compiled(deadline.anchor, FieldType.DATE),
        expiry_event=deadline.expiry_event,
        extension_period=added,
        extension_max=0 if extension is None else extension.max_times,
        extension_cap=None
        if extension is None or extension.cap is None
        else Period.parse(extension.cap),
        extension_basis=""
        if extension is None
        else basis_text(extension.basis) or basis_text(deadline.basis),
        extension_rule="" if extension is None else extension.en,
        period_text=recurrence.canonical
        if recurrence is not None
        else ("" if period is None else str(period)),
        is_hours=period is not None and period.unit is Unit.HOUR,
        ends_on=compiled(deadline.ends_on, FieldType.DATE),
        start_when=compiled(deadline.start_on.when, "bool"),
        extension_from=None
        if extension is None or extension.period_from is None
        else compile_expression(extension.period_from, fields, approved, expect=FieldType.INT),
        extension_unit=_extension_unit(deadline, added),
        recurring=every is not None,
        recurrence=recurrence,
        label=None
        if deadline.label is None
        else compile_expression(deadline.label, label_scope(fields), None, expect=FieldType.STR),
        label_from=None
        if deadline.label_from is None
        else compile_expression(
            deadline.label_from,
            fields,
            start_payload(process, deadline.met_by),
            expect=FieldType.STR,
        ),
    )


def _extension_unit(deadline: Deadline, added: Period | None) -> Unit | None:
    """The unit an extension's period_from counts in (default: its period's), or None."""
    extension = deadline.extension
    if extension is None or extension.period_from is None or added is None:
        return None
    return added.unit if extension.unit is None else Unit(extension.unit)


_COMPILED: dict[str, CompiledProcess] = {}


def compile_process(process: Process) -> CompiledProcess:
    """Compile `process` (cached by its content hash).

    Raises:
        DefinitionError: the process cannot run (unknown states, CEL that does not
            compile …); ``policyflow lint`` shows where.
    """
    key = f"{process.id}@{process.version}"
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = CompiledProcess(process)
        if len(_COMPILED) >= 256:
            _COMPILED.clear()
        _COMPILED[key] = compiled
    return compiled
