"""Graphviz: DOT text, and SVG through the ``dot`` program, with a legend.

:func:`to_dot` writes the DOT source (no Graphviz needed); :func:`to_svg` runs ``dot
-Tsvg`` on it. The layout is left to right: the main line of a procedure reads like a
sentence, side branches fan out above and below it. Reads only graph.py.

Each state is a rounded box with its Chinese label in bold, its English label under it
and, for a state that starts a deadline, one amber line per deadline (``◔ 决定期限 ≤ 5
工作日 · 第三十九条``). A transition is labelled with its event, the event id and the role
that takes it (``case_filed · most_head``) and its guards. A transition fired by a
deadline's expiry is dashed and amber; a child process is a separate box linked (and, in
the SVG, clickable) from the transition that starts it. With a case overlaid, its state
is yellow with a red border and its running deadlines show their due dates.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from html import escape

from policyflow.errors import InvalidInput, PolicyflowError
from policyflow.render.graph import Edge, Graph, GraphSource, Node, as_graph
from policyflow.runtime.snapshot import CaseSnapshot

FONT = "sans-serif"
AMBER = "#b7791f"
CHILD = "#2b6cb0"
SOURCE_MARK = "<!-- policyflow-dot-source sha256:"


def _q(text: str) -> str:
    """A double-quoted DOT string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _h(text: str) -> str:
    """Text escaped for a Graphviz HTML-like label."""
    return escape(" ".join(text.split()), quote=True)


#: An internal event offered in this many states or more is listed once, beside the diagram.
COMMON = 3
#: Guard words longer than this are cut in the drawing (the tooltip has them whole).
GUARD_CHARS = 28
#: Processes with more states than this are drawn top to bottom, to keep the page narrow.
TALL = 12


def _common_events(graph: Graph) -> dict[str, list[Edge]]:
    """Internal events offered in COMMON states or more: event -> its edges."""
    found: dict[str, list[Edge]] = {}
    for edge in graph.edges:
        if edge.internal:
            found.setdefault(edge.event, []).append(edge)
    return {event: edges for event, edges in found.items() if len(edges) >= COMMON}


def _guard_text(edge: Edge) -> str | None:
    label = edge.guard_label
    if label is None or len(label) <= GUARD_CHARS:
        return label
    return label[: GUARD_CHARS - 2] + "…]"


def _node_label(graph: Graph, node: Node) -> str:
    rows = [
        f"<TR><TD><B>{_h(node.zh)}</B></TD></TR>",
        f'<TR><TD><FONT POINT-SIZE="10">{_h(node.en)}</FONT></TD></TR>',
    ]
    for mark in node.deadlines:
        text = f"◔ {mark.zh} {mark.label}"
        if mark.extension:
            text += f"（{mark.extension}）"
        rows.append(f'<TR><TD><FONT POINT-SIZE="10" COLOR="{AMBER}">{_h(text)}</FONT></TD></TR>')
    common = _common_events(graph)
    for edge in graph.outgoing(node.id):
        if edge.internal and edge.event not in common:
            text = f"↻ {edge.event_zh} {_event_and_role(edge)}"
            if edge.guard_label:
                text += f" {_guard_text(edge)}"
            if edge.children:
                text += " ▶"
            if edge.signals:
                text += " ✉ " + ", ".join(edge.signals)
            rows.append(f'<TR><TD><FONT POINT-SIZE="9" COLOR="#4a5568">{_h(text)}</FONT></TD></TR>')
    if node.running:
        names = "、".join(graph.deadline(d).zh for d in node.running)
        rows.append(
            f'<TR><TD><FONT POINT-SIZE="9" COLOR="#777777">{_h("计时中: " + names)}'
            "</FONT></TD></TR>"
        )
    if node.current and graph.case is not None:
        rows.append(
            f'<TR><TD><FONT POINT-SIZE="10" COLOR="#c62828"><B>'
            f"{_h('● 案件 ' + graph.case.case_id + ' 当前')}</B></FONT></TD></TR>"
        )
        for mark in graph.deadlines:
            if mark.due_label is not None:
                text = f"◕ {mark.zh} {mark.due_label}"
                rows.append(
                    f'<TR><TD><FONT POINT-SIZE="10" COLOR="#c62828">{_h(text)}</FONT></TD></TR>'
                )
    return '<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def _event_and_role(edge: Edge) -> str:
    """'case_filed · most_head': the event id and who takes it (just the id when unnamed)."""
    return edge.event if edge.role_label is None else f"{edge.event} · {edge.role_label}"


def _edge_label(edge: Edge) -> str:
    rows = [f"<TR><TD>{_h(edge.event_zh)}</TD></TR>"]
    # the role beside the event id: who may take it is part of the law (科学技术部令第20号 第七条)
    event = _event_and_role(edge)
    rows.append(f'<TR><TD><FONT POINT-SIZE="8" COLOR="#555555">{_h(event)}</FONT></TD></TR>')
    guard = _guard_text(edge)
    if guard:
        rows.append(f'<TR><TD><FONT POINT-SIZE="9" COLOR="#6b46c1">{_h(guard)}</FONT></TD></TR>')
    if edge.expiry_of:
        rows[0] = f'<TR><TD><FONT COLOR="{AMBER}">{_h("⚑ " + edge.event_zh)}</FONT></TD></TR>'
    if edge.history:
        rows.insert(0, f"<TR><TD>{_h('H 返回原状态 back to the previous state')}</TD></TR>")
    if edge.signals:  # the events it sends other cases: ✉ children round_closed
        text = "✉ " + ", ".join(edge.signals)
        rows.append(f'<TR><TD><FONT POINT-SIZE="8" COLOR="{CHILD}">{_h(text)}</FONT></TD></TR>')
    return '<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0">' + "".join(rows) + "</TABLE>>"


def _legend(graph: Graph) -> str:
    rows = [
        '<TR><TD COLSPAN="2"><B>图例 Legend</B></TD></TR>',
        '<TR><TD>●→</TD><TD ALIGN="LEFT">开始 start</TD></TR>',
        '<TR><TD>▭▭</TD><TD ALIGN="LEFT">终止状态 final state (double border)</TD></TR>',
        f'<TR><TD><FONT COLOR="{AMBER}">◔</FONT></TD><TD ALIGN="LEFT">'
        "期限 deadline that starts in the state: period · article</TD></TR>",
        f'<TR><TD><FONT COLOR="{AMBER}">- - ⚑</FONT></TD><TD ALIGN="LEFT">'
        "期满自动触发 fired by a deadline's expiry</TD></TR>",
        '<TR><TD>· role</TD><TD ALIGN="LEFT">'
        "角色 who takes the transition (system: the law by itself)</TD></TR>",
        '<TR><TD><FONT COLOR="#6b46c1">[…]</FONT></TD><TD ALIGN="LEFT">'
        "条件 guards, all must hold</TD></TR>",
        '<TR><TD>↻</TD><TD ALIGN="LEFT">事件 an event that keeps the case in its state</TD></TR>',
        f'<TR><TD><FONT COLOR="{CHILD}">▶</FONT></TD><TD ALIGN="LEFT">'
        "子程序 child process started beside the main line</TD></TR>",
    ]
    if graph.case is not None:
        rows.append(
            '<TR><TD BGCOLOR="#ffd54f">  </TD>'
            '<TD ALIGN="LEFT">当前状态 the case is here; ◕ due dates</TD></TR>'
        )
    if graph.sources:
        rows.append(
            f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="9">{_h("; ".join(graph.sources))}'
            "</FONT></TD></TR>"
        )
    return (
        '<<TABLE BORDER="1" COLOR="#999999" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
        + "".join(rows)
        + "</TABLE>>"
    )


def to_dot(source: GraphSource, snapshot: CaseSnapshot | None = None) -> str:
    """Return `source` as Graphviz DOT text, laid out left to right, with a legend."""
    graph = as_graph(source, snapshot)
    title = f"{graph.zh} · {graph.en}\n{graph.process_id} (version {graph.version})"
    if graph.case is not None:
        title += f"\n案件 case {graph.case.case_id} · {graph.case.updated_at.isoformat(sep=' ')}"
    out = [
        f"digraph {_q(graph.process_id)} {{",
        f"  graph [rankdir={'TB' if len(graph.nodes) > TALL else 'LR'}, fontname={_q(FONT)},"
        f" fontsize=16, labelloc=t, label={_q(title)},"
        " nodesep=0.35, ranksep=0.55, pad=0.3, newrank=true];",
        f'  node [fontname={_q(FONT)}, fontsize=12, shape=box, style="rounded,filled",'
        ' fillcolor="#ffffff", color="#4a5568", margin="0.12,0.06"];',
        f'  edge [fontname={_q(FONT)}, fontsize=10, color="#4a5568", arrowsize=0.7];',
        '  "__start__" [shape=circle, width=0.22, fixedsize=true, label="", style=filled,'
        ' fillcolor="#1a202c"];',
    ]
    for node in graph.nodes:
        attrs = [f"label={_node_label(graph, node)}", f"tooltip={_q(node.basis or node.en)}"]
        if node.final:
            attrs += ["peripheries=2", 'fillcolor="#edf2f7"']
        elif node.deadlines:
            attrs += ['fillcolor="#fffaf0"', f'color="{AMBER}"']
        if node.current:
            attrs += ['fillcolor="#ffd54f"', 'color="#c62828"', "penwidth=3"]
        out.append(f"  {_q(node.id)} [{', '.join(attrs)}];")
    out.append(f"  {_q('__start__')} -> {_q(graph.initial.id)};")
    for edge in graph.edges:
        if edge.internal:
            continue  # listed inside its state (↻), not drawn as a loop
        attrs = [f"label={_edge_label(edge)}", f"tooltip={_q(edge.basis or edge.en)}"]
        if edge.expiry_of:
            attrs += ["style=dashed", f'color="{AMBER}"']
        elif edge.history:  # to one of the states a to_previous transition may return to
            attrs += ["style=dashed"]
        out.append(f"  {_q(edge.source)} -> {_q(edge.target)} [{', '.join(attrs)}];")
    common = _common_events(graph)
    if common:
        rows = [
            '<TR><TD ALIGN="LEFT"><B>↻ 多数状态中均可发生 events offered in most states'
            "</B></TD></TR>"
        ]
        for event, edges in common.items():
            text = f"↻ {edges[0].event_zh} {event}"
            roles = " / ".join(dict.fromkeys(e.role_label for e in edges if e.role_label))
            if roles:
                text += f" · {roles}"
            guard = _guard_text(edges[0])
            if guard:
                text += f" {guard}"
            kids = sorted({c for e in edges for c in e.children})
            if kids:
                text += " ▶ " + ", ".join(kids)
            text += f" · {edges[0].article} · {len(edges)} states"
            rows.append(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10">{_h(text)}</FONT></TD></TR>')
        table = (
            '<<TABLE BORDER="1" COLOR="#999999" CELLBORDER="0" CELLSPACING="1">'
            + "".join(rows)
            + "</TABLE>>"
        )
        out.append(f'  "__common__" [shape=plaintext, style="", label={table}];')
    for child in graph.children:
        child_id = f"child:{child}"
        out.append(
            f"  {_q(child_id)} [label={_q('▶ 子程序 child process' + chr(10) + child)},"
            f' shape=component, style=filled, fillcolor="#ebf8ff", color="{CHILD}",'
            f" fontcolor={_q(CHILD)}, fontsize=10, URL={_q(child + '.svg')}];"
        )
        if any(child in e.children for e in graph.edges if e.event in common):
            out.append(
                f'  "__common__" -> {_q(child_id)}'
                f" [style=dotted, color={_q(CHILD)}, arrowhead=empty];"
            )
        for edge in graph.edges:
            if child in edge.children and edge.event not in common:
                out.append(
                    f"  {_q(edge.target)} -> {_q(child_id)} [style=dotted, color={_q(CHILD)},"
                    f" arrowhead=empty, label={_q('▶ ' + edge.event)}, fontcolor={_q(CHILD)},"
                    " fontsize=8];"
                )
    out.append(f'  "__legend__" [shape=plaintext, style="", label={_legend(graph)}];')
    out.append("}")
    return "\n".join(out) + "\n"


def source_digest(dot_text: str) -> str:
    """The sha256 of a DOT source, stamped into its SVG so staleness is checkable anywhere."""
    return hashlib.sha256(dot_text.encode("utf-8")).hexdigest()


def svg_digest(svg_text: str) -> str | None:
    """The DOT source digest stamped into an SVG by :func:`to_svg`, or None."""
    start = svg_text.find(SOURCE_MARK)
    if start < 0:
        return None
    start += len(SOURCE_MARK)
    end = svg_text.find(" -->", start)
    return svg_text[start:end] if end > start else None


def dot_program() -> str:
    """The path of Graphviz's ``dot``.

    Raises:
        InvalidInput: it is not installed (with how to install it): exit 2, as for a
            missing extra.
    """
    found = shutil.which("dot")
    if found is None:
        raise InvalidInput(
            "Graphviz's 'dot' program is not installed: install it (apt-get install graphviz, "
            "brew install graphviz) or use --format dot / mermaid"
        )
    return found


def svg_from_dot(dot_text: str) -> str:
    """Run ``dot -Tsvg`` on `dot_text`; stamp the source digest into the SVG.

    Raises:
        PolicyflowError: Graphviz is missing or fails.
    """
    done = subprocess.run(
        [dot_program(), "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True, check=False
    )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PolicyflowError(
            f"Graphviz 'dot' failed: {message[-1] if message else done.returncode}"
        )
    svg = done.stdout.decode("utf-8")
    stamp = f"{SOURCE_MARK}{source_digest(dot_text)} -->\n"
    head, sep, rest = svg.partition("?>\n")
    return head + sep + stamp + rest if sep else stamp + svg


def to_svg(source: GraphSource, snapshot: CaseSnapshot | None = None) -> str:
    """Return `source` drawn as SVG by Graphviz (see :func:`to_dot`).

    Raises:
        PolicyflowError: Graphviz's ``dot`` is not installed or fails.
    """
    return svg_from_dot(to_dot(source, snapshot))
