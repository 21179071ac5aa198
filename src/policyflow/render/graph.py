"""One format-neutral diagram model of a process, with an optional case overlay.

:func:`build` reads a :class:`~policyflow.definition.Process` (and, for a live case, its
:class:`~policyflow.runtime.CaseSnapshot`) once and answers every question the output
formats ask: which nodes and edges there are, how each is labelled in Chinese and English,
which deadlines run in which state with which period and article, which transitions start
child processes, and, for a case, where it stands and when its running deadlines fall due.
mermaid.py, dot.py, bpmn.py and scxml.py read only this model, as the diagram model of
python-statemachine (``statemachine/contrib/diagram/model.py``) is read by its renderers.

Nothing here draws, escapes or lays out: that is each format's business.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from policyflow.definition.history import return_states
from policyflow.definition.model import Deadline, Guard, LegalBasis, Process, Transition
from policyflow.errors import InvalidInput
from policyflow.legaltime import Period
from policyflow.render.deadline_marks import (
    UNIT_EN,
    UNIT_ZH,
    DeadlineMark,
    counted_period,
    ends_on_words,
    period_text,
    recurring_words,
)
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot

_ARTICLE = re.compile(r"第[^条]+条")
#: state → the states a ``to_previous`` transition from it can return to
Returns = Mapping[str, tuple[str, ...]]


def article_of(basis: Iterable[LegalBasis]) -> str:
    """The short citation of `basis` for a label: '第三十九条', or '第五条第二款; 第九条'.

    The document is left out (the diagram's title names it) unless the citations come from
    more than one document.
    """
    cites = tuple(basis)
    if len({b.doc for b in cites}) > 1:
        return "; ".join(str(b) for b in cites)
    return "; ".join(f"{b.article}{b.paragraph or ''}{b.item or ''}" for b in cites)


def full_basis(basis: Iterable[LegalBasis]) -> str:
    """Every citation of `basis` with its document, joined by '; '."""
    return "; ".join(str(b) for b in basis)


# "{officers}" in a guard's words stands for a value of the case or of the request, which a
# refusal fills in; a diagram draws the rule, not a case, so a clause that only gives such
# a value is left out ("(assigned {officers})", "（现为{officers}人）"), and a value named
# inside a sentence is replaced by the field's label, marked ‹so›.
_VALUE_CLAUSE = re.compile(r"\s*(?:（[^（）{}]*\{[^}]*\}[^（）]*）|\([^(){}]*\{[^}]*\}[^()]*\))")
_PLACEHOLDER = re.compile(r"\{(payload\.)?([a-z_][a-z0-9_]*)\}")


def rule_words(text: str, labels: Mapping[str, str], payload_labels: Mapping[str, str]) -> str:
    """A guard's words for a diagram: no ``{placeholder}`` left, no value clause.

    Args:
        text: the guard's ``zh`` or ``en`` words.
        labels: the case fields' labels in the words' language, by field id.
        payload_labels: the event's payload fields' labels in that language.
    """
    text = _VALUE_CLAUSE.sub("", text)

    def label(match: re.Match[str]) -> str:
        name = match.group(2)
        found = payload_labels.get(name) if match.group(1) else labels.get(name)
        return f"‹{found or payload_labels.get(name) or labels.get(name) or name}›"

    return _PLACEHOLDER.sub(label, text)


@dataclass(frozen=True, slots=True)
class GuardMark:
    """A guard on an edge: its id, its words and its CEL; soft: a rule "as a rule".

    A soft guard's words say so: 原则上 and "as a rule" are put before them unless they
    already say it (原则, 一般, "as a rule").
    """

    id: str
    zh: str
    en: str
    when: str
    article: str
    soft: bool = False


def soft_words(zh: str, en: str) -> tuple[str, str]:
    """A soft guard's words, marked as a rule that may be passed with a reason."""
    if "原则" not in zh and "一般" not in zh:
        zh = f"原则上{zh}"
    if "as a rule" not in en.lower():
        en = f"as a rule, {en}"
    return zh, en


@dataclass(frozen=True, slots=True)
class Node:
    """A state of the process.

    Attributes:
        id: the state's id.
        zh: its Chinese label.
        en: its English label.
        article: the short citation.
        basis: every citation with its document.
        initial: the state a case starts in.
        final: a state a case ends in.
        deadlines: the deadlines that start in this state.
        running: the ids of deadlines started elsewhere that may still run here.
        current: for a case, the state it is in.
    """

    id: str
    zh: str
    en: str
    article: str
    basis: str
    initial: bool
    final: bool
    deadlines: tuple[DeadlineMark, ...]
    running: tuple[str, ...]
    current: bool = False


@dataclass(frozen=True, slots=True)
class Edge:
    """One transition from one source state.

    Attributes:
        id: unique within the graph: '<transition id>__<source>' when it has several.
        transition: the transition's id.
        source: the state it leaves.
        target: the state it enters (the source itself for an internal transition).
        event: the event's id.
        event_zh: the event's Chinese label.
        event_en: the event's English label.
        zh: the transition's Chinese label.
        en: the transition's English label.
        guards: its guards (all must hold).
        article: the short citation.
        basis: every citation with its document.
        actor: the role that acts (roles joined by " | "), if named.
        children: the ids of child processes it starts.
        internal: the case stays in its state (no exit, no entry).
        expiry_of: the deadlines whose expiry fires this event by itself.
        history: a ``to_previous`` transition, drawn to one state the case may return to
            (H, 返回原状态): one edge for each such state.
        signals: the signals it sends, each ``receivers event`` (``children round_closed``).
    """

    id: str
    transition: str
    source: str
    target: str
    event: str
    event_zh: str
    event_en: str
    zh: str
    en: str
    guards: tuple[GuardMark, ...]
    article: str
    basis: str
    actor: str | None
    children: tuple[str, ...]
    internal: bool
    expiry_of: tuple[str, ...]
    history: bool = False
    signals: tuple[str, ...] = ()

    @property
    def role_label(self) -> str | None:
        """Who takes it, for a label: 'most_head / most_heads_collective', None when unnamed."""
        return None if self.actor is None else self.actor.replace(" | ", " / ")

    @property
    def guard_label(self) -> str | None:
        """The guards in words: '[需听证权利]', or None when unguarded."""
        if not self.guards:
            return None
        return "[" + " ∧ ".join(g.zh for g in self.guards) + "]"


@dataclass(frozen=True, slots=True)
class CaseOverlay:
    """What a live case adds: where it is and as of when."""

    case_id: str
    state: str
    updated_at: datetime
    overdue: bool


@dataclass(frozen=True, slots=True)
class Graph:
    """The diagram model of one process (and, optionally, one case of it).

    Attributes:
        process_id: the process id.
        version: its content hash.
        zh: its Chinese title.
        en: its English title.
        sources: the source documents, '文号 《title》'.
        nodes: the states, in file order.
        edges: the transitions, one per source state, in file order.
        deadlines: every deadline, in file order.
        children: the child process ids started anywhere, in first-use order.
        signal_parent: the event a final state sends the parent, if any.
        case: the case overlay, if a snapshot was given.
    """

    process_id: str
    version: str
    zh: str
    en: str
    sources: tuple[str, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    deadlines: tuple[DeadlineMark, ...]
    children: tuple[str, ...]
    signal_parent: str | None = None
    case: CaseOverlay | None = None

    @property
    def initial(self) -> Node:
        """The initial state."""
        return next(n for n in self.nodes if n.initial)

    def node(self, state_id: str) -> Node:
        """The node of `state_id`."""
        return next(n for n in self.nodes if n.id == state_id)

    def outgoing(self, state_id: str) -> tuple[Edge, ...]:
        """The edges leaving `state_id`, in file order."""
        return tuple(e for e in self.edges if e.source == state_id)

    def deadline(self, deadline_id: str) -> DeadlineMark:
        """The mark of `deadline_id`."""
        return next(d for d in self.deadlines if d.id == deadline_id)


def _targets(transition: Transition, source: str, returns: Returns) -> tuple[str, ...]:
    """The states `transition` can lead to from `source` (a to_previous: each return)."""
    if transition.to_previous:
        return returns.get(source, ())
    return (transition.target(source),)


def _start_states(process: Process, deadline: Deadline, returns: Returns) -> tuple[str, ...]:
    found: list[str] = list(deadline.start_on.enter)
    for transition in process.transitions:
        if transition.event in deadline.start_on.events:
            found.extend(t for s in transition.from_ for t in _targets(transition, s, returns))
        for source in set(transition.from_) & set(deadline.start_on.leave):
            found.extend(t for t in _targets(transition, source, returns) if t != source)
    return tuple(dict.fromkeys(found))


def _stops(deadline: Deadline, transition: Transition, source: str, target: str) -> bool:
    """Whether taking `transition` from `source` to `target` ends the deadline."""
    moves = target != source
    for triggers in (deadline.met_by, deadline.cancelled_by):
        if transition.event in triggers.events:
            return True
        if moves and (target in triggers.enter or source in triggers.leave):
            return True
    return deadline.expiry_event == transition.event and moves


def _running_states(
    process: Process, deadline: Deadline, starts: tuple[str, ...], returns: Returns
) -> tuple[str, ...]:
    """The states a deadline may be running in: flood from its starts until met or cancelled."""
    finals = {s.id for s in process.final_states}
    seen: list[str] = []
    todo = list(starts)
    while todo:
        state = todo.pop(0)
        if state in seen or state in finals:
            continue
        seen.append(state)
        for transition in process.transitions:
            if state not in transition.from_:
                continue
            for target in _targets(transition, state, returns):
                if not _stops(deadline, transition, state, target):
                    todo.append(target)
    order = {s.id: i for i, s in enumerate(process.states)}
    return tuple(sorted(seen, key=lambda s: order.get(s, len(order))))


def _mark(
    process: Process, deadline: Deadline, timer: TimerSnapshot | None, returns: Returns
) -> DeadlineMark:
    period = counted_period(deadline)
    starts = _start_states(process, deadline, returns)
    extension = None
    if deadline.extension is not None:
        ext = Period.parse(deadline.extension.period)
        times = f" ×{deadline.extension.max_times}" if deadline.extension.max_times > 1 else ""
        extension = f"可延长 {ext.amount} {UNIT_ZH[ext.unit]}{times}"
    running = timer is not None and timer.status.is_running
    return DeadlineMark(
        id=deadline.id,
        zh=deadline.zh,
        en=deadline.en,
        period=period_text(deadline, period),
        amount=period.amount if period is not None else 0,
        unit_zh=UNIT_ZH[period.unit] if period is not None else "",
        unit_en=UNIT_EN[period.unit] if period is not None else "",
        iso8601=period.iso8601 if period is not None else None,
        rollover=deadline.rollover,
        article=article_of(deadline.basis),
        basis=full_basis(deadline.basis),
        expiry_event=deadline.expiry_event,
        start_states=starts,
        running_states=_running_states(process, deadline, starts, returns),
        extension=extension,
        due=timer.due if running and timer is not None else None,
        status=str(timer.status) if running and timer is not None else None,
        provisional=bool(timer.provisional) if running and timer is not None else False,
        ends_on=deadline.ends_on,
        **ends_on_words(process, deadline.ends_on),
        **recurring_words(deadline, period),
    )


def build(process: Process, snapshot: CaseSnapshot | None = None) -> Graph:
    """Return the diagram model of `process`, with `snapshot`'s case overlaid if given.

    Raises:
        InvalidInput: the snapshot belongs to another process, or names a state the
            process does not have.
    """
    if snapshot is not None:
        _check_snapshot(process, snapshot)
    returns = return_states(process)
    marks = tuple(
        _mark(process, d, snapshot.timer(d.id) if snapshot is not None else None, returns)
        for d in process.deadlines
    )
    nodes = tuple(
        Node(
            id=state.id,
            zh=state.zh,
            en=state.en,
            article=article_of(state.basis),
            basis=full_basis(state.basis),
            initial=state.initial,
            final=state.final,
            deadlines=tuple(m for m in marks if state.id in m.start_states),
            running=tuple(
                m.id
                for m in marks
                if state.id in m.running_states and state.id not in m.start_states
            ),
            current=snapshot is not None and snapshot.state == state.id,
        )
        for state in process.states
    )
    edges: list[Edge] = []
    children: list[str] = []
    zh_labels = {f.id: f.zh for f in process.fields}
    en_labels = {f.id: f.en for f in process.fields}
    for transition in process.transitions:
        event = process.find_event(transition.event)
        payload = () if event is None else event.payload
        zh_payload = {f.id: f.zh for f in payload}
        en_payload = {f.id: f.en for f in payload}
        guards = tuple(
            _guard_mark(g, zh_labels, en_labels, zh_payload, en_payload) for g in transition.guard
        )
        for source in transition.from_:
            edge_id = transition.id if len(transition.from_) == 1 else f"{transition.id}__{source}"
            kids = tuple(child.process for child in transition.start_child)
            children.extend(kids)
            history = transition.to_previous
            for target in _targets(transition, source, returns):
                edges.append(
                    Edge(
                        id=f"{edge_id}__{target}" if history else edge_id,
                        transition=transition.id,
                        source=source,
                        target=target,
                        event=transition.event,
                        event_zh=event.zh if event is not None else transition.event,
                        event_en=event.en if event is not None else transition.event,
                        zh=transition.zh,
                        en=transition.en,
                        guards=guards,
                        article=article_of(transition.basis),
                        basis=full_basis(transition.basis),
                        actor=" | ".join(transition.roles) or None,
                        children=kids,
                        internal=transition.to is None and not history,
                        expiry_of=tuple(m.id for m in marks if m.expiry_event == transition.event),
                        history=history,
                        signals=tuple(f"{s.to} {s.event}" for s in transition.signal or ()),
                    )
                )
    case = None
    if snapshot is not None:
        case = CaseOverlay(snapshot.case_id, snapshot.state, snapshot.updated_at, snapshot.overdue)
    signal = None
    if process.on_final is not None and process.on_final.signal_parent is not None:
        signal = process.on_final.signal_parent.event
    return Graph(
        process_id=process.id,
        version=process.version,
        zh=process.title.zh,
        en=process.title.en,
        sources=tuple(f"{s.doc} 《{s.title}》" for s in process.sources),
        nodes=nodes,
        edges=tuple(edges),
        deadlines=marks,
        children=tuple(dict.fromkeys(children)),
        signal_parent=signal,
        case=case,
    )


def _guard_mark(
    guard: Guard,
    zh_labels: Mapping[str, str],
    en_labels: Mapping[str, str],
    zh_payload: Mapping[str, str],
    en_payload: Mapping[str, str],
) -> GuardMark:
    zh = rule_words(guard.zh, zh_labels, zh_payload)
    en = rule_words(guard.en, en_labels, en_payload)
    if guard.soft:
        zh, en = soft_words(zh, en)
    return GuardMark(guard.id, zh, en, guard.when, article_of(guard.basis), guard.soft)


def _check_snapshot(process: Process, snapshot: CaseSnapshot) -> None:
    if snapshot.process_id != process.id:
        raise InvalidInput(
            f"case {snapshot.case_id} runs process {snapshot.process_id!r}, "
            f"not {process.id!r}: draw it with its own process"
        )
    if process.find_state(snapshot.state) is None:
        raise InvalidInput(
            f"case {snapshot.case_id} is in state {snapshot.state!r}, "
            f"which process {process.id!r} (version {process.version}) does not have"
        )


#: What the format functions accept: a process (drawn as a definition) or a built graph.
GraphSource = Process | Graph


def as_graph(source: GraphSource, snapshot: CaseSnapshot | None = None) -> Graph:
    """Return `source` as a graph: built from a process (with `snapshot`), or as given.

    Raises:
        InvalidInput: a snapshot given with a graph already built, or a snapshot of
            another process (see :func:`build`).
    """
    if isinstance(source, Graph):
        if snapshot is not None:
            raise InvalidInput("pass the snapshot to build(), not with a graph already built")
        return source
    return build(source, snapshot)
