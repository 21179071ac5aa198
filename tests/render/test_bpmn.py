"""BPMN 2.0 export: valid for tools we did not write (SpiffWorkflow, bpmn-moddle), drawn, cited."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from policyflow.render.bpmn import process_id, to_bpmn

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
JS = Path(__file__).resolve().parent / "js"
FLOW_NODES = (
    "startEvent",
    "endEvent",
    "task",
    "exclusiveGateway",
    "parallelGateway",
    "callActivity",
    "boundaryEvent",
)


def _write_all(folder: Path, processes) -> list[Path]:
    paths = []
    for name, process in processes:
        path = folder / f"{name.replace(':', '_')}.bpmn"
        path.write_text(to_bpmn(process), encoding="utf-8")
        paths.append(path)
    return paths


def test_spiffworkflow_parses_and_validates_every_export(tmp_path, all_processes):
    """SpiffWorkflow's XSD validator accepts each file and its parser builds every process.

    The test fixtures and the built-in processes are two catalogs, each parsed together
    (call activities resolve within one); an id may be in both (the ethics-review fixture).
    """
    for fixtures in (True, False):
        group = [(n, p) for n, p in all_processes if n.startswith("fixture:") == fixtures]
        parser = BpmnParser(validator=BpmnValidator())
        for path in _write_all(tmp_path, group):
            parser.add_bpmn_file(str(path))
        for _, process in group:
            spec = parser.get_spec(process_id(process.id))
            names = set(spec.task_specs)
            for state in process.states:
                assert f"State_{state.id}" in names or f"End_{state.id}" in names


def test_spiffworkflow_validator_rejects_a_broken_file(tmp_path, permit):
    """The validator is really checking: an element BPMN does not have is refused."""
    text = (
        to_bpmn(permit)
        .replace("<bpmn:task ", "<bpmn:chore ", 1)
        .replace("</bpmn:task>", "</bpmn:chore>", 1)
    )
    path = tmp_path / "broken.bpmn"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationException):
        BpmnParser(validator=BpmnValidator()).add_bpmn_file(str(path))


def _node() -> str | None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is required under CI=true to validate BPMN with bpmn-moddle")
        pytest.skip("node is not installed: bpmn-moddle validation skipped")
    if not (JS / "node_modules" / "bpmn-moddle").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("CI") == "true":
                pytest.fail("npm is required under CI=true to install bpmn-moddle")
            pytest.skip("npm is not installed: bpmn-moddle validation skipped")
        command = "ci" if (JS / "package-lock.json").is_file() else "install"
        subprocess.run(
            [npm, command, "--no-audit", "--no-fund", "--silent"],
            cwd=JS,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return node


def test_bpmn_moddle_reads_every_export_without_warnings(tmp_path, all_processes):
    """bpmn-moddle (bpmn.io's model) reads each file cleanly; every element has DI."""
    node = _node()
    paths = _write_all(tmp_path, all_processes)
    done = subprocess.run(
        [node, str(JS / "validate.mjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_bpmn_moddle_check_catches_a_missing_shape(tmp_path, permit):
    """The node check fails when a flow node has no BPMNShape (so the test above can fail)."""
    node = _node()
    text = to_bpmn(permit)
    root = ET.fromstring(text)
    plane = root.find(".//bpmndi:BPMNPlane", NS)
    assert plane is not None
    shape = plane.find("bpmndi:BPMNShape[@bpmnElement='State_under_review']", NS)
    assert shape is not None
    plane.remove(shape)
    path = tmp_path / "no-shape.bpmn"
    path.write_text(ET.tostring(root, encoding="unicode"), encoding="utf-8")
    done = subprocess.run(
        [node, str(JS / "validate.mjs"), str(path)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "State_under_review has no diagram shape" in done.stderr


def test_every_node_has_a_shape_and_every_flow_an_edge(process):
    """Diagram interchange covers the whole process, so modelers open it as a picture."""
    root = ET.fromstring(to_bpmn(process))
    proc = root.find("bpmn:process", NS)
    assert proc is not None
    nodes = {e.get("id") for tag in FLOW_NODES for e in proc.findall(f"bpmn:{tag}", NS)}
    flows = {e.get("id") for e in proc.findall("bpmn:sequenceFlow", NS)}
    shapes = {s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    assert nodes == shapes
    assert flows == edges
    for bounds in root.iterfind(".//dc:Bounds", NS):
        assert int(bounds.get("x", "-1")) >= 0 and int(bounds.get("y", "-1")) >= 0
    for edge in root.iterfind(".//bpmndi:BPMNEdge", NS):
        assert len(edge.findall("di:waypoint", NS)) >= 2


def test_layout_runs_left_to_right_along_the_main_line(permit):
    """The initial state is left of the states it leads to; a decision is right of its state."""
    root = ET.fromstring(to_bpmn(permit))
    x = {
        s.get("bpmnElement"): int(s.find("dc:Bounds", NS).get("x"))
        for s in root.iterfind(".//bpmndi:BPMNShape", NS)
    }
    assert (
        x["StartEvent_1"] < x["State_submitted"] < x["Gateway_submitted"] < x["State_under_review"]
    )
    assert x["State_under_review"] < x["State_live"] < x["End_expired"]


def _by_id(root: ET.Element, tag: str, element_id: str) -> ET.Element:
    found = root.find(f".//bpmn:{tag}[@id='{element_id}']", NS)
    assert found is not None, element_id
    return found


def test_boundary_timers_carry_iso_durations_and_the_legal_rule(permit):
    """三年 is exactly P3Y; 五个工作日 has no ISO form: a due-date variable, the rule in words."""
    root = ET.fromstring(to_bpmn(permit))
    validity = _by_id(root, "boundaryEvent", "Timer_permit_validity_live")
    assert validity.get("attachedToRef") == "State_live"
    assert validity.get("cancelActivity") == "true"  # its expiry fires permit_expired, leaving live
    assert validity.findtext("bpmn:timerEventDefinition/bpmn:timeDuration", namespaces=NS) == "P3Y"
    assert "中华人民共和国行政许可法 第五十条第一款" in validity.findtext(
        "bpmn:documentation", namespaces=NS
    )

    notice = _by_id(root, "boundaryEvent", "Timer_acceptance_notice_submitted")
    assert notice.find("bpmn:timerEventDefinition/bpmn:timeDuration", NS) is None
    assert (
        notice.findtext("bpmn:timerEventDefinition/bpmn:timeDate", namespaces=NS)
        == "${due_acceptance_notice}"
    )
    doc = notice.findtext("bpmn:documentation", namespaces=NS)
    assert "≤ 5 工作日" in doc and "第八十二条" in doc and "fires deemed_accepted" in doc
    flow = _by_id(root, "sequenceFlow", "Flow_Timer_acceptance_notice_submitted")
    assert flow.get("targetRef") == "State_under_review"  # where deemed_accepted goes

    decision = _by_id(root, "boundaryEvent", "Timer_review_decision_under_review")
    assert decision.get("cancelActivity") == "false"  # on_expiry: overdue names no consequence
    overdue = _by_id(root, "sequenceFlow", "Flow_Timer_review_decision_under_review")
    assert _by_id(root, "endEvent", overdue.get("targetRef", "")).get("name") == "逾期\noverdue"


def test_guarded_branches_leave_an_exclusive_gateway_with_conditions(permit):
    """Each branch of a decision has a CEL condition: the event and the guard's expression."""
    root = ET.fromstring(to_bpmn(permit))
    flow = _by_id(root, "sequenceFlow", "Flow_accepted")
    assert flow.get("sourceRef") == "Gateway_submitted"
    condition = flow.find("bpmn:conditionExpression", NS)
    assert condition is not None
    assert condition.text == (
        "event == \"accepted\" && ('application_form' in documents && 'budget_sheet' in documents)"
    )
    assert "申请材料齐全" in flow.findtext("bpmn:documentation", namespaces=NS)


def test_child_processes_are_call_activities(permit):
    """inspection_ordered forks into a call activity of permit.inspection beside the main line."""
    root = ET.fromstring(to_bpmn(permit))
    calls = root.findall(".//bpmn:callActivity", NS)
    assert {c.get("calledElement") for c in calls} == {"Process_permit.inspection"}
    assert len(calls) == 2  # from under_review and from expert_review
    fork = _by_id(root, "parallelGateway", "Fork_inspection_ordered__under_review")
    assert len(fork.findall("bpmn:outgoing", NS)) == 2


def test_output_is_deterministic(permit):
    """The same process gives the same bytes."""
    assert to_bpmn(permit) == to_bpmn(permit)
