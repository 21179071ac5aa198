"""Mermaid stateDiagram-v2: the diagram GitHub, GitLab and Jupyter draw by themselves.

:func:`to_mermaid` writes the diagram text; :func:`to_markdown` wraps it in the page that
diagrams/ keeps for each process (a fenced ``mermaid`` block, which GitHub renders, plus
the deadlines as a table and links to the child processes' pages). Reads only graph.py.

Each state shows its Chinese and English label; a state that starts a deadline carries
it as a description line (``◔ ≤ 5 工作日 · 第三十九条``); transitions are labelled with
their event, the role that takes it (``· authority``) and, in brackets, their guards in
words; final states lead to ``[*]``. With
a case overlaid, its state is highlighted and the running deadlines show their due dates.
"""

from __future__ import annotations

from policyflow.render.graph import Edge, Graph, GraphSource, Node, as_graph
from policyflow.runtime.snapshot import CaseSnapshot

# Words the stateDiagram grammar reserves; a state id equal to one gets a prefix.
_RESERVED = {"state", "note", "end", "direction", "class", "classdef", "as", "click", "style"}


def _sid(state_id: str) -> str:
    return f"s_{state_id}" if state_id.lower() in _RESERVED else state_id


def _text(text: str) -> str:
    """Make `text` safe inside a Mermaid label: no quotes, separators or line breaks."""
    return (
        " ".join(text.split())
        .replace('"', "'")
        .replace("; ", "；")
        .replace(";", "；")
        .replace("#", "＃")
        .replace("-->", "→")
        .replace(":", "：")
    )


def _edge_label(edge: Edge) -> str:
    label = f"{edge.event_zh} {edge.event}"
    if edge.role_label:
        label += f" · {edge.role_label}"
    if edge.guard_label:
        label += f" {edge.guard_label}"
    if edge.expiry_of:
        label = "⚑ " + label
    if edge.history:  # one of the states a to_previous transition may return to
        label = "H 返回原状态 " + label
    if edge.children:
        label += " ▶ " + ", ".join(edge.children)
    if edge.signals:
        label += " ✉ " + ", ".join(edge.signals)
    return _text(label)


def _descriptions(graph: Graph, node: Node) -> list[str]:
    lines = [f"◔ {mark.zh} {mark.label}" for mark in node.deadlines]
    if node.current and graph.case is not None:
        for mark in graph.deadlines:
            if mark.due_label is not None:
                lines.append(f"◕ {mark.zh} {mark.due_label}")
    return [_text(line) for line in lines]


def to_mermaid(source: GraphSource, snapshot: CaseSnapshot | None = None) -> str:
    """Return `source` as a Mermaid ``stateDiagram-v2`` (text, no fences).

    With `snapshot`, the case's state is highlighted and its running deadlines show
    their due dates.
    """
    graph = as_graph(source, snapshot)
    out = ["stateDiagram-v2", "    direction LR"]
    for node in graph.nodes:
        out.append(f'    state "{_text(node.zh)} · {_text(node.en)}" as {_sid(node.id)}')
        out.extend(f"    {_sid(node.id)} : {line}" for line in _descriptions(graph, node))
    out.append(f"    [*] --> {_sid(graph.initial.id)}")
    for edge in graph.edges:
        out.append(f"    {_sid(edge.source)} --> {_sid(edge.target)} : {_edge_label(edge)}")
    for node in graph.nodes:
        if node.final:
            out.append(f"    {_sid(node.id)} --> [*]")
    out.append("    classDef final fill:#eeeeee,stroke:#555555")
    out.append("    classDef timed fill:#fff7e0,stroke:#b7791f")
    finals = [_sid(n.id) for n in graph.nodes if n.final]
    timed = [_sid(n.id) for n in graph.nodes if n.deadlines and not n.final and not n.current]
    if finals:
        out.append(f"    class {','.join(finals)} final")
    if timed:
        out.append(f"    class {','.join(timed)} timed")
    if graph.case is not None:
        out.append("    classDef current fill:#ffd54f,stroke:#c62828,stroke-width:3px")
        out.append(f"    class {_sid(graph.case.state)} current")
    return "\n".join(out) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(source: GraphSource, snapshot: CaseSnapshot | None = None) -> str:
    """Return the Markdown page of `source`: title, the Mermaid block, deadlines, children."""
    graph = as_graph(source, snapshot)
    out = [f"# {graph.zh} · {graph.en}", ""]
    out.append(f"Process `{graph.process_id}`, version `{graph.version}`.")
    if graph.sources:
        out.append("Sources: " + "; ".join(graph.sources) + ".")
    out += ["", "```mermaid", to_mermaid(graph).rstrip("\n"), "```", ""]
    if graph.deadlines:
        out += [
            "## Deadlines · 期限",
            "",
            "| deadline | period | starts in | on expiry | legal basis |",
            "| --- | --- | --- | --- | --- |",
        ]
        for mark in graph.deadlines:
            starts = ", ".join(f"`{s}`" for s in mark.start_states) or "—"
            expiry = (
                f"fires `{mark.expiry_event}`" if mark.expiry_event else "marks the case overdue"
            )
            period = f"{mark.span_zh} ({mark.label_en})"
            if mark.extension:
                period += f"; {mark.extension}"
            out.append(
                f"| {_md_cell(mark.zh)} `{mark.id}` | {_md_cell(period)} | {starts} "
                f"| {expiry} | {_md_cell(mark.basis)} |"
            )
        out.append("")
    if graph.children:
        out += ["## Child processes · 子程序", ""]
        for child in graph.children:
            starters = [e for e in graph.edges if child in e.children]
            via = ", ".join(f"`{e.event}` from `{e.source}`" for e in starters)
            out.append(f"- [{child}]({child}.md), started by {via}")
        out.append("")
    if graph.signal_parent:
        out += [
            f"A case that reaches a final state signals its parent with `{graph.signal_parent}`.",
            "",
        ]
    legend = (
        "Legend: ◔ a deadline that starts in the state (period · article); "
        "⚑ a transition the expiry of a deadline fires by itself; "
        "· role: who takes the transition (system: the law by itself); "
        "[…] guards, all of which must hold; ▶ starts a child process"
    )
    if any(edge.signals for edge in graph.edges):
        legend += "; ✉ sends a signal to other cases (receivers, event)"
    out += [legend + ".", ""]
    return "\n".join(out)
