"""The process catalogue of the documentation site: one page per built-in process, and an index.

Everything here is read from policyflow's own API: the processes from
:func:`policyflow.catalog` and :func:`policyflow.load`, the diagram and the guards in words
from the render layer's one diagram model (:func:`policyflow.render.graph.build`), a
field's type in words as ``policyflow case show`` prints it, the shipped scenario from
:mod:`policyflow.sim.scenario`. Nothing is written to disk: ``docs_hooks.py`` hands the pages
to MkDocs while it builds, so a new file under ``processes/`` gets its page by itself.

Tables are HTML (escaped here), not Markdown: CEL guards hold ``|``, ``<`` and ``&``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from policyflow.cli.case import field_text
from policyflow.definition.catalog import CatalogEntry, catalog, load
from policyflow.definition.model import Deadline, Field, Process, Triggers
from policyflow.errors import PolicyflowError
from policyflow.render import bpmn, dot
from policyflow.render.deadline_marks import DeadlineMark
from policyflow.render.graph import Graph, GuardMark, build
from policyflow.sim.scenario import shipped_scenario_path

ROOT = Path(__file__).resolve().parents[1]
#: where the pages live in the site
FOLDER = "catalogue"
#: the repository's address, for links to files that are not part of the site
SOURCE_URL = "https://github.com/policyflow/policyflow/blob/main"


@dataclass(frozen=True, slots=True)
class Family:
    """Processes that share an id prefix: most-penalty (and most-penalty.*), hgr-*, ethics-*."""

    key: str
    entries: tuple[CatalogEntry, ...]

    @property
    def heading(self) -> str:
        """The family's id and its source documents: 'hgr · 科学技术部令第21号'."""
        docs = dict.fromkeys(doc for entry in self.entries for doc in entry.sources)
        return f"{self.key} · {'、'.join(docs)}" if docs else self.key


def family_of(process_id: str, ids: Iterable[str]) -> str:
    """The family of `process_id`: a process with children (``most-penalty.*``) is one, by
    its id; any other process belongs to its first word (``hgr-permit`` → ``hgr``).
    """
    top = process_id.split(".", 1)[0]
    if any(other.startswith(f"{top}.") for other in ids):
        return top
    return top.split("-", 1)[0]


def families(entries: Sequence[CatalogEntry]) -> list[Family]:
    """The built-in processes grouped by family, families and processes sorted by id."""
    ids = [entry.id for entry in entries]
    grouped: dict[str, list[CatalogEntry]] = {}
    for entry in entries:
        grouped.setdefault(family_of(entry.id, ids), []).append(entry)
    return [Family(key, tuple(found)) for key, found in sorted(grouped.items())]


def page_path(process_id: str) -> str:
    """The page of a process inside the docs folder: 'catalogue/most-penalty.md'."""
    return f"{FOLDER}/{process_id}.md"


def _cell(text: object) -> str:
    return escape(str(text)) if text not in (None, "") else "—"


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table; the cells are HTML already escaped by the caller."""
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead>"]
    out.append("<tbody>")
    out += ["<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows]
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _bilingual(zh: str, en: str) -> str:
    return f'<span lang="zh">{escape(zh)}</span> · <span lang="en">{escape(en)}</span>'


def index_page(entries: Sequence[CatalogEntry]) -> str:
    """The catalogue's index: every family, every process with its titles side by side."""
    out = [
        "# Process catalogue · 程序目录",
        "",
        f"Every built-in process, {len(entries)} in all, drawn from `processes/` when the site",
        "is built: its states, transitions with their guards in words, events, deadlines with",
        "their articles, and the scenario it ships for `policyflow simulate`. Search (top of the",
        "page) finds a process by a Chinese or an English word: 听证, 伦理, hearing.",
        "",
    ]
    for family in families(entries):
        out += [f"## {escape(family.heading)}", ""]
        rows = [
            (
                f'<a href="{escape(entry.id)}/"><code>{escape(entry.id)}</code></a>',
                f'<span lang="zh">{escape(entry.title_zh)}</span>',
                f'<span lang="en">{escape(entry.title_en)}</span>',
                _cell("、".join(entry.sources)),
                f"{entry.states} / {entry.transitions} / {entry.deadlines}",
            )
            for entry in family.entries
        ]
        head = ("id", "中文", "English", "source", "states / transitions / deadlines")
        out += [_table(head, rows), ""]
    return "\n".join(out)


@functools.cache
def svg_document(process_id: str) -> str:
    """The process drawn by Graphviz: the SVG document ``policyflow diagram --format svg`` writes.

    Without Graphviz's ``dot`` the committed drawing in diagrams/ is used (it is kept
    current by ``policyflow diagram --all --check``).

    Raises:
        PolicyflowError: no Graphviz and no committed drawing.
    """
    try:
        return dot.to_svg(build(load(process_id)))
    except PolicyflowError:
        committed = ROOT / "diagrams" / f"{process_id}.svg"
        if not committed.is_file():
            raise
        return committed.read_text(encoding="utf-8")


def inline_svg(process_id: str) -> str:
    """The drawing as an element HTML can hold, without the blank lines that end one in Markdown."""
    svg = svg_document(process_id)
    svg = svg[svg.find("<svg") :]
    lines = [line for line in svg.splitlines() if line.strip() and not line.startswith("<!--")]
    return "\n".join(lines)


def bpmn_file(process: Process) -> str:
    """The BPMN 2.0 file of the process, as ``policyflow diagram --format bpmn`` writes it."""
    return bpmn.to_bpmn(build(process))


def _guards_html(guards: Sequence[GuardMark]) -> str:
    if not guards:
        return "—"
    parts = []
    for guard in guards:
        soft = " <em>(soft)</em>" if guard.soft else ""
        parts.append(
            f"<code>{escape(guard.id)}</code>{soft}: {_bilingual(guard.zh, guard.en)}"
            f"<br><small><code>{escape(guard.when)}</code> · {escape(guard.article)}</small>"
        )
    return "<br>".join(parts)


def _triggers(triggers: Triggers) -> list[str]:
    return [
        *triggers.events,
        *(f"enter {state}" for state in triggers.enter),
        *(f"leave {state}" for state in triggers.leave),
    ]


def _states(process: Process, graph: Graph) -> str:
    rows = []
    for node in graph.nodes:
        kind = "initial" if node.initial else ("final" if node.final else "")
        state = process.find_state(node.id)
        basis = state.basis_text if state is not None else node.basis
        label = _bilingual(node.zh, node.en)
        rows.append((f"<code>{escape(node.id)}</code>", label, kind, _cell(basis)))
    return _table(("state", "中文 · English", "kind", "article"), rows)


def _transitions(process: Process, graph: Graph) -> str:
    guards = {edge.transition: edge.guards for edge in graph.edges}
    rows = []
    for transition in process.transitions:
        event = process.find_event(transition.event)
        label = _bilingual(event.zh, event.en) if event is not None else ""
        target = "(previous state)" if transition.to_previous else transition.to or "(stays)"
        reopens = " (reopens)" if transition.reopens else ""
        children = "".join(
            f'<br>starts <a href="../{escape(c.process)}/"><code>{escape(c.process)}</code></a>'
            for c in transition.start_child
        )
        rows.append(
            (
                f"<code>{escape(transition.event)}</code><br>{label}",
                escape(", ".join(transition.from_)) + f" → {escape(target)}{reopens}{children}",
                _cell(transition.actor),
                _guards_html(guards.get(transition.id, ())),
                _cell(transition.basis_text),
            )
        )
    return _table(("event", "from → to", "actor", "guards (all must hold)", "article"), rows)


def _fields_html(fields: Sequence[Field]) -> str:
    if not fields:
        return "—"
    return "<br>".join(
        f"<code>{escape(field_text(f))}</code> {_bilingual(f.zh, f.en)}" for f in fields
    )


def _events(process: Process) -> str:
    rows = [
        (
            f"<code>{escape(event.id)}</code>",
            _bilingual(event.zh, event.en),
            _fields_html(event.payload),
            _cell(event.basis_text),
        )
        for event in process.events
    ]
    return _table(("event", "中文 · English", "payload (? may be left out)", "article"), rows)


def _anchor(deadline: Deadline) -> str:
    starts = ", ".join(_triggers(deadline.start_on)) or "—"
    text = f"starts on {escape(starts)}"
    if deadline.start_on.when is not None:
        text += f" when <code>{escape(deadline.start_on.when)}</code>"
    if deadline.anchor is not None:
        text += f"<br>counted from <code>{escape(deadline.anchor)}</code>"
    return text


def _exclusions(deadline: Deadline) -> str:
    paused, resumed = _triggers(deadline.suspended_by), _triggers(deadline.resumed_by)
    parts = []
    if paused:
        parts.append(f"paused by {escape(', '.join(paused))}")
    if resumed:
        parts.append(f"resumed by {escape(', '.join(resumed))}")
    if deadline.rollover:
        parts.append("a last day off work rolls over to the next working day")
    return "<br>".join(parts) or "—"


def _extension(deadline: Deadline, mark: DeadlineMark) -> str:
    extension = deadline.extension
    if extension is None:
        return "—"
    text = f"{escape(mark.extension or extension.period)} on <code>{escape(extension.event)}</code>"
    if extension.cap:
        text += f", at most {escape(extension.cap)} in all"
    return text


def _deadlines(process: Process, graph: Graph) -> str:
    rows = []
    for deadline in process.deadlines:
        mark = graph.deadline(deadline.id)
        expiry = (
            f"fires <code>{escape(deadline.expiry_event)}</code>"
            if deadline.expiry_event
            else "marked overdue"
        )
        rows.append(
            (
                f"<code>{escape(deadline.id)}</code><br>{_bilingual(deadline.zh, deadline.en)}",
                f"{escape(mark.span_zh)}<br><small>{escape(mark.label_en)}</small>",
                _cell(mark.unit_en or ("date" if mark.ends_on else "")),
                _anchor(deadline),
                _exclusions(deadline),
                _extension(deadline, mark),
                expiry,
                _cell(deadline.basis_text),
            )
        )
    head = ("deadline", "period", "unit", "anchor", "exclusions", "extension", "on expiry")
    return _table((*head, "article"), rows)


def _scenario(process: Process) -> list[str]:
    path = shipped_scenario_path(process)
    if path is None or not path.is_file():
        return [
            "No scenario is shipped: `policyflow simulate` runs the generic one (uniform",
            "choices among the allowed events, 1,000 cases over a year).",
        ]
    relative = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    return [
        f"`{relative}`, what `policyflow simulate {process.id}` runs when given no other:",
        "",
        f'??? example "{relative}"',
        "",
        "    ```yaml",
        *(f"    {line}" for line in path.read_text(encoding="utf-8").splitlines()),
        "    ```",
    ]


def process_page(process_id: str) -> str:
    """The page of one built-in process, in Markdown with HTML tables and the SVG inline."""
    process = load(process_id)
    graph = build(process)
    title = process.title
    out = [
        "---",
        f"title: {process.id} · {title.zh}",
        "---",
        "",
        f"# {title.zh} · {title.en}",
        "",
        f"`{process.id}` · version `{process.version}` · "
        f"[{_relative_file(process)}]({SOURCE_URL}/{_relative_file(process)})",
        "",
        "## Legal sources · 法律依据",
        "",
        *(f"- {s.doc} 《{s.title}》, in force {s.in_force.isoformat()}" for s in process.sources),
        "",
        "## Diagram · 流程图",
        "",
        f'<div class="pf-diagram" markdown="0">\n{inline_svg(process.id)}\n</div>',
        "",
        f"Full size: [{process.id}.svg]({process.id}.svg). BPMN 2.0 with diagram interchange, "
        f"for bpmn.io or Camunda Modeler: [{process.id}.bpmn]({process.id}.bpmn).",
        "",
        "## States · 状态",
        "",
        _states(process, graph),
        "",
        "## Transitions · 流转",
        "",
        _transitions(process, graph),
        "",
        "## Events · 事件",
        "",
        _events(process),
        "",
        "## Deadlines · 期限",
        "",
        _deadlines(process, graph) if process.deadlines else "No deadlines.",
        "",
        "## Scenario · 模拟场景",
        "",
        *_scenario(process),
        "",
    ]
    return "\n".join(out)


def _relative_file(process: Process) -> str:
    path = {entry.id: entry.path for entry in catalog()}[process.id]
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
