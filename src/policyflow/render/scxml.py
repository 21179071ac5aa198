"""SCXML (W3C State Chart XML): the process as a statechart other engines can load.

The file loads with python-statemachine's ``statemachine.io.load`` under its secure,
restricted evaluator. Reads only graph.py.

- each state is a ``<state>``; a final state with no way out is a ``<final>``;
- each transition is a ``<transition event=… target=…>``; an internal transition (the case
  stays where it is) has no target;
- guards are CEL over typed case data, which no SCXML datamodel evaluates. So a guard
  becomes a condition on the event's data, named by the guard's id:
  ``cond="_event.data.has_hearing_right"``. Whoever sends the event says whether each
  guard holds (policyflow's runtime knows: it evaluates the CEL), and the statechart picks
  the same transition the runtime picks. The CEL text, the words and the article stay
  on the transition as ``pf:`` attributes; a soft guard is named in ``pf:soft-guards``;
- a ``to_previous`` transition becomes one transition per state it may return to, each
  marked ``pf:to-previous="true"`` and conditioned on the sender naming the case's
  previous state (``_event.data.previous_state == 'decided'``): SCXML's own ``<history>``
  remembers a compound state's substate, not the state a flat machine came from;
- labels, legal bases and deadlines are carried in the ``pf:`` namespace
  (``urn:policyflow:scxml:1``), which SCXML processors ignore: ``pf:deadlines`` lists
  ``id=period article`` on the states that start them; a recurring deadline's period is
  its recurrence (``annual_report=every 03-31 第四十五条``, ``every month 02``,
  ``every 12mo``), as a timer records it.

The one restriction: condition names must be valid identifiers, which guard ids are.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from policyflow.render.graph import Edge, Graph, GraphSource, as_graph

SCXML = "http://www.w3.org/2005/07/scxml"
PF = "urn:policyflow:scxml:1"


def condition(edge: Edge) -> str | None:
    """The SCXML ``cond`` of `edge`: its guards as event-data flags, or None."""
    parts = [f"_event.data.{guard.id}" for guard in edge.guards]
    if edge.history:  # one transition per state it may return to: the case's says which
        parts.append(f"_event.data.previous_state == '{edge.target}'")
    return " and ".join(parts) if parts else None


def _transition(parent: ET.Element, edge: Edge) -> None:
    attrs = {"event": edge.event}
    if not edge.internal:
        attrs["target"] = edge.target
    cond = condition(edge)
    if cond is not None:
        attrs["cond"] = cond
    attrs[f"{{{PF}}}id"] = edge.transition
    attrs[f"{{{PF}}}zh"] = edge.zh
    attrs[f"{{{PF}}}en"] = edge.en
    if edge.basis:
        attrs[f"{{{PF}}}basis"] = edge.basis
    if edge.guards:
        attrs[f"{{{PF}}}guard"] = " && ".join(f"({g.when})" for g in edge.guards)
        attrs[f"{{{PF}}}guard-zh"] = "；".join(g.zh for g in edge.guards)
        soft = [g.id for g in edge.guards if g.soft]
        if soft:
            attrs[f"{{{PF}}}soft-guards"] = " ".join(soft)
    if edge.history:
        attrs[f"{{{PF}}}to-previous"] = "true"
    if edge.children:
        attrs[f"{{{PF}}}start-child"] = " ".join(edge.children)
    if edge.expiry_of:
        attrs[f"{{{PF}}}expiry-of"] = " ".join(edge.expiry_of)
    ET.SubElement(parent, f"{{{SCXML}}}transition", attrs)


def _document(graph: Graph) -> ET.Element:
    ET.register_namespace("", SCXML)
    ET.register_namespace("pf", PF)
    root = ET.Element(
        f"{{{SCXML}}}scxml",
        {
            "version": "1.0",
            "initial": graph.initial.id,
            "name": graph.process_id.replace("-", "_").replace(".", "_"),
            f"{{{PF}}}process": graph.process_id,
            f"{{{PF}}}version": graph.version,
            f"{{{PF}}}zh": graph.zh,
            f"{{{PF}}}en": graph.en,
        },
    )
    for node in graph.nodes:
        edges = graph.outgoing(node.id)
        tag = "final" if node.final and not edges else "state"
        attrs = {"id": node.id, f"{{{PF}}}zh": node.zh, f"{{{PF}}}en": node.en}
        if node.basis:
            attrs[f"{{{PF}}}basis"] = node.basis
        if node.deadlines:
            attrs[f"{{{PF}}}deadlines"] = "; ".join(
                f"{m.id}={m.period} {m.article}"
                + (f" fire={m.expiry_event}" if m.expiry_event else "")
                for m in node.deadlines
            )
        element = ET.SubElement(root, f"{{{SCXML}}}{tag}", attrs)
        for edge in edges:
            _transition(element, edge)
    return root


def to_scxml(source: GraphSource) -> str:
    """Return `source` as an SCXML document (see the module docstring)."""
    root = _document(as_graph(source))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
