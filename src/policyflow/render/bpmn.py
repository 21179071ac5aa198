"""BPMN 2.0 XML with diagram interchange, for bpmn.io, Camunda Modeler and SpiffWorkflow.

A state machine becomes a BPMN process this way (reads only graph.py and, for the
coordinates, bpmn_layout.py):

- the initial state is preceded by a start event; each state a case waits in is a task;
  a final state with no way out is an end event;
- a state left by more than one transition (or by a guarded one) is followed by an
  exclusive gateway whose outgoing flows carry a CEL condition expression: the event that
  happened and the guards, e.g. ``event == "accepted" && (is_complete)``;
- a transition that starts child processes forks (parallel gateway) into the target state
  and a call activity per child (``calledElement`` is the child's BPMN process id), since
  the child runs beside the main line;
- a deadline is a boundary timer event on each state it starts in (a recurring one, a
  non-interrupting timer with a ``timeCycle``: ``R/P12M``, or a cron expression such as
  ``0 0 0 L 3 ?`` for 每年3月31日); otherwise an ISO 8601
  ``timeDuration`` where the period is exact (days, months, years, hours); for working
  days, which ISO 8601 cannot express, a ``timeDate`` naming the variable ``due_<id>``
  that policyflow's legal calendar computes. The documentation element states the legal
  rule: period in Chinese, article, extension, what expiry does. An expiry that fires an
  event leaving the state interrupts it (the timer's flow goes where that event goes);
  otherwise the timer does not interrupt and leads to an end event marking the case
  overdue. Each deadline also carries a ``pf:deadline`` extension element with the exact
  policyflow data (period, rollover, basis).

Every element gets a BPMNShape and every flow a BPMNEdge, laid out left to right, so the
file opens as a picture. Elements are prefixed ``bpmn:`` as bpmn.io writes them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from policyflow.render.bpmn_layout import Box, Link, layout
from policyflow.render.deadline_marks import DeadlineMark
from policyflow.render.graph import Edge, Graph, GraphSource, Node, as_graph

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
PF = "urn:policyflow:bpmn:1"
CEL = "https://github.com/google/cel-spec"

_NAMESPACES = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI, "pf": PF}

_SIZES = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "task": (150, 84),
    "callActivity": (150, 84),
    "exclusiveGateway": (50, 50),
    "parallelGateway": (50, 50),
}
_TIMER = 36


def process_id(process: str) -> str:
    """The BPMN id of a policyflow process (an NCName): 'Process_most-penalty.recusal'."""
    return f"Process_{process}"


@dataclass
class _Element:
    id: str
    kind: str
    name: str
    documentation: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    name: str = ""
    documentation: str = ""
    condition: str | None = None


@dataclass
class _Timer:
    id: str
    host: str
    mark: DeadlineMark
    interrupting: bool
    fires: str | None
    outgoing: list[str] = field(default_factory=list)


@dataclass
class _Model:
    elements: list[_Element] = field(default_factory=list)
    flows: list[_Flow] = field(default_factory=list)
    timers: list[_Timer] = field(default_factory=list)

    def add(self, element: _Element) -> _Element:
        self.elements.append(element)
        return element

    def connect(self, flow: _Flow) -> _Flow:
        self.flows.append(flow)
        for element in self.elements:
            if element.id == flow.source:
                element.outgoing.append(flow.id)
            if element.id == flow.target:
                element.incoming.append(flow.id)
        for timer in self.timers:
            if timer.id == flow.source:
                timer.outgoing.append(flow.id)
        return flow


def _is_end(node: Node, graph: Graph) -> bool:
    return node.final and not graph.outgoing(node.id)


def _name(zh: str, en: str) -> str:
    return f"{zh}\n{en}"


def _condition(edge: Edge) -> str:
    text = f'event == "{edge.event}"'
    for guard in edge.guards:
        text += f" && ({guard.when})"
    return text


def _edge_doc(edge: Edge) -> str:
    parts = [f"{edge.zh} · {edge.en}", f"事件 event: {edge.event_zh} ({edge.event})"]
    if edge.actor:
        parts.append(f"actor: {edge.actor}")
    for guard in edge.guards:
        soft = " (soft: may be passed with a recorded reason)" if guard.soft else ""
        parts.append(f"条件 guard {guard.id}: {guard.zh} / {guard.en} [{guard.article}]{soft}")
    if edge.history:
        parts.append("H 返回原状态: back to the state the case was in before (to_previous)")
    if edge.basis:
        parts.append(f"依据 basis: {edge.basis}")
    if edge.expiry_of:
        parts.append("fired by the expiry of: " + ", ".join(edge.expiry_of))
    return "\n".join(parts)


def _timer_doc(mark: DeadlineMark) -> str:
    parts = [
        f"{mark.zh} · {mark.en}: {mark.label} ({mark.label_en})",
        f"依据 basis: {mark.basis}",
    ]
    if mark.cycle is not None:
        parts.append(
            f"recurs ({mark.cycle}): one occurrence at a time falls due, each met or overdue "
            "on its own; the exact due date (a day 31 is the month's last day, a day off work "
            f"rolls over) is computed by policyflow and given as the variable due_{mark.id}."
        )
    elif mark.ends_on is not None:
        parts.append(
            f"ends on the date given by {mark.ends_on} when it starts; the due date is "
            f"computed by policyflow and given as the variable due_{mark.id}."
        )
    elif mark.iso8601 is None:
        parts.append(
            f"{mark.amount}个{mark.unit_zh}: working days under the Chinese statutory calendar "
            f"(调休 included) cannot be written as an ISO 8601 duration; the due date is computed "
            f"by policyflow and given as the variable due_{mark.id}."
        )
    elif mark.rollover:
        parts.append(
            "期满日为法定节假日的，以节假日后的第一日为期满日 (the last day rolls over "
            "to the next working day)."
        )
    if mark.extension:
        parts.append(f"延长 extension: {mark.extension}")
    if mark.expiry_event:
        parts.append(f"期满 on expiry: fires {mark.expiry_event}")
    else:
        parts.append("期满 on expiry: the case is marked overdue (the text names no consequence)")
    return "\n".join(parts)


def _semantic(graph: Graph) -> _Model:
    model = _Model()
    model.add(_Element("StartEvent_1", "startEvent", "开始\nstart"))
    ends = {n.id for n in graph.nodes if _is_end(n, graph)}
    ids = {n.id: (f"End_{n.id}" if n.id in ends else f"State_{n.id}") for n in graph.nodes}
    for node in graph.nodes:
        kind = "endEvent" if node.id in ends else "task"
        doc = f"{node.zh} · {node.en}" + (f"\n依据 basis: {node.basis}" if node.basis else "")
        model.add(_Element(ids[node.id], kind, _name(node.zh, node.en), doc))
    # Timers first, so that flows leaving them are recorded on them.
    for mark in graph.deadlines:
        for state in mark.start_states:
            if state in ends:
                continue
            fires = next(
                (
                    e
                    for e in graph.outgoing(state)
                    if mark.expiry_event == e.event and not e.internal and e.target != state
                ),
                None,
            )
            model.timers.append(
                _Timer(
                    f"Timer_{mark.id}_{state}",
                    ids[state],
                    mark,
                    fires is not None,
                    fires.id if fires is not None else None,
                )
            )
    model.connect(_Flow("Flow_start", "StartEvent_1", ids[graph.initial.id]))
    for node in graph.nodes:
        edges = graph.outgoing(node.id)
        if not edges:
            continue
        source = ids[node.id]
        if len(edges) > 1 or edges[0].guards:
            gateway = model.add(_Element(f"Gateway_{node.id}", "exclusiveGateway", ""))
            model.connect(_Flow(f"Flow_{node.id}_choice", source, gateway.id))
            source = gateway.id
        for edge in edges:
            condition = _condition(edge) if source.startswith("Gateway_") else None
            name = ("⚑ " if edge.expiry_of else "") + ("H " if edge.history else "") + edge.event_zh
            target = ids[edge.target]
            if edge.children:
                fork = model.add(_Element(f"Fork_{edge.id}", "parallelGateway", ""))
                model.connect(
                    _Flow(f"Flow_{edge.id}", source, fork.id, name, _edge_doc(edge), condition)
                )
                model.connect(_Flow(f"Flow_{edge.id}_main", fork.id, target))
                for number, child in enumerate(edge.children):
                    call_id = f"Call_{edge.id}_{child.replace('.', '_').replace('-', '_')}"
                    if child in edge.children[:number]:  # the same process started again
                        call_id += f"_{edge.children[: number + 1].count(child)}"
                    model.add(
                        _Element(
                            call_id,
                            "callActivity",
                            f"子程序\n{child}",
                            f"child process {child}, started as a child case",
                            {"calledElement": process_id(child)},
                        )
                    )
                    done = model.add(_Element(f"{call_id}_done", "endEvent", ""))
                    model.connect(_Flow(f"Flow_{call_id}", fork.id, call_id))
                    model.connect(_Flow(f"Flow_{call_id}_done", call_id, done.id))
            else:
                model.connect(
                    _Flow(f"Flow_{edge.id}", source, target, name, _edge_doc(edge), condition)
                )
    for timer in model.timers:
        if timer.fires is not None:
            edge = next(e for e in graph.edges if e.id == timer.fires)
            model.connect(
                _Flow(
                    f"Flow_{timer.id}",
                    timer.id,
                    ids[edge.target],
                    f"⚑ {edge.event_zh}",
                    _edge_doc(edge),
                )
            )
        else:
            overdue = model.add(
                _Element(
                    f"Overdue_{timer.mark.id}_{timer.host}",
                    "endEvent",
                    "逾期\noverdue",
                    "the case is marked overdue",
                )
            )
            model.connect(_Flow(f"Flow_{timer.id}", timer.id, overdue.id))
    return model


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attrs)
    child.text = text
    return child


def _xml(graph: Graph, model: _Model) -> ET.Element:
    for prefix, uri in _NAMESPACES.items():
        ET.register_namespace(prefix, uri)
    b = f"{{{BPMN}}}"
    root = ET.Element(
        f"{b}definitions",
        {
            "id": "Definitions_1",
            "targetNamespace": f"urn:policyflow:process:{graph.process_id}",
            "exporter": "policyflow",
            "exporterVersion": graph.version,
        },
    )
    proc = ET.SubElement(
        root,
        f"{b}process",
        {
            "id": process_id(graph.process_id),
            "name": f"{graph.zh} · {graph.en}",
            "isExecutable": "true",
        },
    )
    doc = f"{graph.zh} · {graph.en} (policyflow {graph.process_id}, version {graph.version})"
    if graph.sources:
        doc += "\n" + "; ".join(graph.sources)
    _text(proc, f"{b}documentation", doc)
    for element in model.elements:
        node = ET.SubElement(proc, f"{b}{element.kind}", {"id": element.id, **element.attrs})
        if element.name:
            node.set("name", element.name)
        if element.documentation:
            _text(node, f"{b}documentation", element.documentation)
        for flow_id in element.incoming:
            _text(node, f"{b}incoming", flow_id)
        for flow_id in element.outgoing:
            _text(node, f"{b}outgoing", flow_id)
    for timer in model.timers:
        mark = timer.mark
        node = ET.SubElement(
            proc,
            f"{b}boundaryEvent",
            {
                "id": timer.id,
                "name": f"{mark.zh}\n{mark.label}",
                "attachedToRef": timer.host,
                "cancelActivity": "true" if timer.interrupting else "false",
            },
        )
        _text(node, f"{b}documentation", _timer_doc(mark))
        ext = ET.SubElement(node, f"{b}extensionElements")
        ET.SubElement(
            ext,
            f"{{{PF}}}deadline",
            {
                "id": mark.id,
                "period": mark.period,
                "rollover": str(mark.rollover).lower(),
                "basis": mark.basis,
                **({"fire": mark.expiry_event} if mark.expiry_event else {}),
            },
        )
        for flow_id in timer.outgoing:
            _text(node, f"{b}outgoing", flow_id)
        definition = ET.SubElement(node, f"{b}timerEventDefinition", {"id": f"{timer.id}_def"})
        typed = {f"{{{XSI}}}type": "bpmn:tFormalExpression"}
        if mark.cycle is not None:
            _text(definition, f"{b}timeCycle", mark.cycle, **typed)
        elif mark.iso8601 is not None:
            _text(definition, f"{b}timeDuration", mark.iso8601, **typed)
        else:
            _text(definition, f"{b}timeDate", f"${{due_{mark.id}}}", **typed)
    for flow in model.flows:
        attrs = {"id": flow.id, "sourceRef": flow.source, "targetRef": flow.target}
        if flow.name:
            attrs["name"] = flow.name
        node = ET.SubElement(proc, f"{b}sequenceFlow", attrs)
        if flow.documentation:
            _text(node, f"{b}documentation", flow.documentation)
        if flow.condition is not None:
            _text(
                node,
                f"{b}conditionExpression",
                flow.condition,
                **{f"{{{XSI}}}type": "bpmn:tFormalExpression", "language": CEL},
            )
    _diagram(root, graph, model)
    return root


def _diagram(root: ET.Element, graph: Graph, model: _Model) -> None:
    boxes = [Box(e.id, *_SIZES[e.kind]) for e in model.elements]
    host = {t.id: t.host for t in model.timers}
    # A timer's flow is laid out as if it left the timer's host task.
    links = [Link(f.id, host.get(f.source, f.source), f.target) for f in model.flows]
    placed = layout(boxes, links)
    bounds = dict(placed.bounds)
    waypoints = dict(placed.waypoints)
    per_host: dict[str, int] = {}
    for timer in model.timers:
        task = bounds[timer.host]
        k = per_host.get(timer.host, 0)
        per_host[timer.host] = k + 1
        x = task.x + task.width - _TIMER - 10 - k * (_TIMER + 6)
        y = task.y + task.height - _TIMER // 2
        bounds[timer.id] = type(task)(x, y, _TIMER, _TIMER)
        for flow_id in timer.outgoing:
            flow = next(f for f in model.flows if f.id == flow_id)
            target = bounds[flow.target]
            start = (x + _TIMER // 2, y + _TIMER)
            if target.x > x + _TIMER:
                drop = (start[0], max(start[1] + 20, target.center_y))
                waypoints[flow_id] = (
                    (start, drop, (target.x, drop[1]))
                    if drop[1] == target.center_y
                    else (
                        start,
                        drop,
                        (target.center_x, drop[1]),
                        (target.center_x, target.y + target.height),
                    )
                )
            else:
                below = max(b.y + b.height for b in bounds.values()) + 30 + 14 * k
                waypoints[flow_id] = (
                    start,
                    (start[0], below),
                    (target.center_x, below),
                    (target.center_x, target.y + target.height),
                )
    d = ET.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", {"id": "Diagram_1"})
    plane = ET.SubElement(
        d, f"{{{BPMNDI}}}BPMNPlane", {"id": "Plane_1", "bpmnElement": process_id(graph.process_id)}
    )
    ordered = [e.id for e in model.elements] + [t.id for t in model.timers]
    for element_id in ordered:
        box = bounds[element_id]
        attrs = {"id": f"{element_id}_di", "bpmnElement": element_id}
        if element_id.startswith("Gateway_"):
            attrs["isMarkerVisible"] = "true"
        shape = ET.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", attrs)
        ET.SubElement(
            shape,
            f"{{{DC}}}Bounds",
            {"x": str(box.x), "y": str(box.y), "width": str(box.width), "height": str(box.height)},
        )
    for flow in model.flows:
        edge = ET.SubElement(
            plane, f"{{{BPMNDI}}}BPMNEdge", {"id": f"{flow.id}_di", "bpmnElement": flow.id}
        )
        for x, y in waypoints[flow.id]:
            ET.SubElement(edge, f"{{{DI}}}waypoint", {"x": str(x), "y": str(y)})


def to_bpmn(source: GraphSource) -> str:
    """Return `source` as BPMN 2.0 XML with diagram interchange (see the module docstring)."""
    graph = as_graph(source)
    root = _xml(graph, _semantic(graph))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
