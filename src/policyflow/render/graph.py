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
from datetime import date, datetime

from policyflow.definition.model import Deadline, LegalBasis, Process, Transition
from policyflow.errors import InvalidInput
from policyflow.legaltime import Period, Unit
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot

_UNIT_ZH = {
    Unit.WORKING_DAY: "工作日",
    Unit.DAY: "日",
    Unit.MONTH: "个月",
    Unit.YEAR: "年",
    Unit.HOUR: "小时",
}
_UNIT_EN = {
    Unit.WORKING_DAY: "working days",
    Unit.DAY: "days",
    Unit.MONTH: "months",
    Unit.YEAR: "years",
    Unit.HOUR: "hours",
}
_ARTICLE = re.compile(r"第[^条]+条")


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


@dataclass(frozen=True, slots=True)
class DeadlineMark:
    """A deadline as drawn on the states that run it.

    Attributes:
        id: the deadline's id.
        zh: its Chinese label.
        en: its English label.
        period: the period in canonical form ("5wd", "90d").
        amount: the number of units.
        unit_zh: the unit in Chinese ("工作日", "日", "个月").
        unit_en: the unit in English.
        iso8601: the ISO 8601 duration when the period is exact (not for working days).
        rollover: whether a last day that is not a working day moves to the next one.
        article: the short citation ("第三十九条").
        basis: every citation with its document.
        expiry_event: the event applied by itself on expiry; None = marks overdue only.
        start_states: the states in which it starts (entered, or reached by its event).
        running_states: every state in which it may be running.
        extension: the extension rule in words with its period, if any.
        due: for a case, the due date of its running timer.
        status: for a case, the timer's status ("armed", "suspended", "overdue").
        provisional: for a case, whether the due date came from a provisional calendar.
        ends_on: for a deadline that ends on a date, the CEL giving that date (then
            ``period`` is "until …" and ``amount`` 0).
        ends_on_zh: that date in words: the field's own label when the CEL names a field
            (有效期至), otherwise 所定日期; ``ends_on_en`` likewise.
        every_zh: for a recurring deadline, when it recurs (每年3月31日, 每 12 个月); drawn
            as one recurring timer instead of a period; ``every_en`` likewise.
        cycle: for a recurring deadline, the BPMN timeCycle: an ISO 8601 repeating
            interval for the period form (``R/P12M``), else a cron expression
            (``0 0 0 31 3 ?``; ``L``: a day 31 is the month's last day).
    """

    id: str
    zh: str
    en: str
    period: str
    amount: int
    unit_zh: str
    unit_en: str
    iso8601: str | None
    rollover: bool
    article: str
    basis: str
    expiry_event: str | None
    start_states: tuple[str, ...]
    running_states: tuple[str, ...]
    extension: str | None = None
    due: date | None = None
    status: str | None = None
    provisional: bool = False
    ends_on: str | None = None
    ends_on_zh: str = "所定日期"
    ends_on_en: str = "the stated date"
    every_zh: str | None = None
    every_en: str | None = None
    cycle: str | None = None

    @property
    def span_zh(self) -> str:
        """The period in Chinese: '≤ 5 工作日'.

        A deadline ending on a date: '至 有效期至'; a recurring one: '每年3月31日'.
        """
        if self.every_zh is not None:
            return self.every_zh
        if self.ends_on is not None:
            return f"至 {self.ends_on_zh}"
        return f"≤ {self.amount} {self.unit_zh}"

    @property
    def label(self) -> str:
        """The label on the state: '≤ 5 工作日 · 第三十九条'."""
        return f"{self.span_zh} · {self.article}"

    @property
    def label_en(self) -> str:
        """The English period: '≤ 5 working days'.

        A deadline ending on a date: 'until Valid until'; a recurring one: 'every year on
        31 March'.
        """
        if self.every_en is not None:
            return self.every_en
        if self.ends_on is not None:
            return f"until {self.ends_on_en}"
        return f"≤ {self.amount} {self.unit_en}"

    @property
    def due_label(self) -> str | None:
        """For a case: '到期 2023-10-12' (with the status when not simply armed)."""
        if self.status is None:
            return None
        if self.due is None:
            return f"{self.status}"
        text = f"到期 {self.due.isoformat()}"
        if self.status != "armed":
            text += f" ({self.status})"
        if self.provisional:
            text += " 暂定"
        return text


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
    """A guard on an edge: its id, its words and its CEL."""

    id: str
    zh: str
    en: str
    when: str
    article: str


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
        actor: the role that acts, if named.
        children: the ids of child processes it starts.
        internal: the case stays in its state (no exit, no entry).
        expiry_of: the deadlines whose expiry fires this event by itself.
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


def _period(deadline: Deadline) -> Period | None:
    if deadline.every is not None:
        return deadline.every.counted
    return None if deadline.period is None else Period.parse(deadline.period)


def _recurring_words(deadline: Deadline, period: Period | None) -> dict[str, str]:
    """How a recurring deadline is drawn: when it recurs, in words and as a BPMN timeCycle."""
    every = deadline.every
    if every is None:
        return {}
    recurrence = every.recurrence
    if recurrence is None:
        assert period is not None
        return {
            "every_zh": f"每 {period.amount} {_UNIT_ZH[period.unit]}",
            "every_en": f"every {period.amount} {_UNIT_EN[period.unit]}",
            "cycle": f"R/{period.iso8601}" if period.iso8601 else f"R/{period}",
        }
    day = "L" if recurrence.day == 31 else str(recurrence.day)
    months = "*" if recurrence.is_monthly else ",".join(map(str, recurrence.months))
    return {
        "every_zh": recurrence.zh,
        "every_en": recurrence.en,
        "cycle": f"0 0 0 {day} {months} ?",
    }


def _start_states(process: Process, deadline: Deadline) -> tuple[str, ...]:
    found: list[str] = list(deadline.start_on.enter)
    for transition in process.transitions:
        if transition.event in deadline.start_on.events:
            found.extend(transition.target(s) for s in transition.from_)
        if set(transition.from_) & set(deadline.start_on.leave) and transition.to is not None:
            found.append(transition.to)
    return tuple(dict.fromkeys(found))


def _stops(deadline: Deadline, transition: Transition, source: str) -> bool:
    """Whether taking `transition` from `source` ends the deadline (met or cancelled)."""
    for triggers in (deadline.met_by, deadline.cancelled_by):
        if transition.event in triggers.events:
            return True
        moves = transition.to is not None and transition.to != source
        if moves and (transition.to in triggers.enter or source in triggers.leave):
            return True
    return deadline.expiry_event == transition.event and transition.to not in (None, source)


def _running_states(
    process: Process, deadline: Deadline, starts: tuple[str, ...]
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
            if state in transition.from_ and not _stops(deadline, transition, state):
                todo.append(transition.target(state))
    order = {s.id: i for i, s in enumerate(process.states)}
    return tuple(sorted(seen, key=lambda s: order.get(s, len(order))))


def _mark(process: Process, deadline: Deadline, timer: TimerSnapshot | None) -> DeadlineMark:
    period = _period(deadline)
    starts = _start_states(process, deadline)
    extension = None
    if deadline.extension is not None:
        ext = Period.parse(deadline.extension.period)
        times = f" ×{deadline.extension.max_times}" if deadline.extension.max_times > 1 else ""
        extension = f"可延长 {ext.amount} {_UNIT_ZH[ext.unit]}{times}"
    running = timer is not None and timer.status.is_running
    return DeadlineMark(
        id=deadline.id,
        zh=deadline.zh,
        en=deadline.en,
        period=_period_text(deadline, period),
        amount=period.amount if period is not None else 0,
        unit_zh=_UNIT_ZH[period.unit] if period is not None else "",
        unit_en=_UNIT_EN[period.unit] if period is not None else "",
        iso8601=period.iso8601 if period is not None else None,
        rollover=deadline.rollover,
        article=article_of(deadline.basis),
        basis=full_basis(deadline.basis),
        expiry_event=deadline.expiry_event,
        start_states=starts,
        running_states=_running_states(process, deadline, starts),
        extension=extension,
        due=timer.due if running and timer is not None else None,
        status=str(timer.status) if running and timer is not None else None,
        provisional=bool(timer.provisional) if running and timer is not None else False,
        ends_on=deadline.ends_on,
        **_ends_on_words(process, deadline.ends_on),
        **_recurring_words(deadline, period),
    )


def _period_text(deadline: Deadline, period: Period | None) -> str:
    every = deadline.every
    recurrence = None if every is None else every.recurrence
    if recurrence is not None:
        return recurrence.canonical
    if period is not None:
        return f"every {period}" if every is not None else str(period)
    return f"until {deadline.ends_on}"


def _ends_on_words(process: Process, ends_on: str | None) -> dict[str, str]:
    """The labels of the date a deadline ends on: its field's, when the CEL is a bare name."""
    field = process.find_field(ends_on.strip()) if ends_on is not None else None
    return {"ends_on_zh": field.zh, "ends_on_en": field.en} if field is not None else {}


def build(process: Process, snapshot: CaseSnapshot | None = None) -> Graph:
    """Return the diagram model of `process`, with `snapshot`'s case overlaid if given.

    Raises:
        InvalidInput: the snapshot belongs to another process, or names a state the
            process does not have.
    """
    if snapshot is not None:
        _check_snapshot(process, snapshot)
    marks = tuple(
        _mark(process, d, snapshot.timer(d.id) if snapshot is not None else None)
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
            GuardMark(
                g.id,
                rule_words(g.zh, zh_labels, zh_payload),
                rule_words(g.en, en_labels, en_payload),
                g.when,
                article_of(g.basis),
            )
            for g in transition.guard
        )
        for source in transition.from_:
            edge_id = transition.id if len(transition.from_) == 1 else f"{transition.id}__{source}"
            kids = tuple(child.process for child in transition.start_child)
            children.extend(kids)
            edges.append(
                Edge(
                    id=edge_id,
                    transition=transition.id,
                    source=source,
                    target=transition.target(source),
                    event=transition.event,
                    event_zh=event.zh if event is not None else transition.event,
                    event_en=event.en if event is not None else transition.event,
                    zh=transition.zh,
                    en=transition.en,
                    guards=guards,
                    article=article_of(transition.basis),
                    basis=full_basis(transition.basis),
                    actor=transition.actor,
                    children=kids,
                    internal=transition.to is None,
                    expiry_of=tuple(m.id for m in marks if m.expiry_event == transition.event),
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
