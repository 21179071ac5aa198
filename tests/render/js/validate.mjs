// Parse BPMN 2.0 files with bpmn-moddle (the model behind bpmn.io and Camunda Modeler)
// and fail on anything it warns about: unknown elements or attributes, unresolved
// references, bad nesting. Then check what bpmn-js needs to draw the file: a BPMNShape
// for every flow node and a BPMNEdge for every sequence flow.
//
// Usage: node validate.mjs FILE.bpmn [...]   exit 0 when every file is clean, 1 otherwise.
import { readFile } from "node:fs/promises";
import { BpmnModdle } from "bpmn-moddle";

const moddle = new BpmnModdle();

function flowElements(container, out) {
  for (const element of container.flowElements || []) {
    out.push(element);
    if (element.flowElements) flowElements(element, out);
  }
  return out;
}

async function check(path) {
  const problems = [];
  const xml = await readFile(path, "utf8");
  let parsed;
  try {
    parsed = await moddle.fromXML(xml, "bpmn:Definitions");
  } catch (error) {
    return [`${path}: not readable as BPMN: ${error.message}`];
  }
  for (const warning of parsed.warnings) {
    problems.push(`${path}: ${warning.message}`);
  }
  const definitions = parsed.rootElement;
  const drawn = new Set();
  for (const diagram of definitions.diagrams || []) {
    if (diagram.plane && diagram.plane.bpmnElement) drawn.add(diagram.plane.bpmnElement.id);
    for (const shape of diagram.plane.planeElement || []) {
      if (!shape.bpmnElement) {
        problems.push(`${path}: ${shape.id} refers to no element`);
        continue;
      }
      drawn.add(shape.bpmnElement.id);
      if (shape.$type === "bpmndi:BPMNEdge" && (shape.waypoint || []).length < 2) {
        problems.push(`${path}: edge ${shape.id} has fewer than two waypoints`);
      }
      if (shape.$type === "bpmndi:BPMNShape" && !shape.bounds) {
        problems.push(`${path}: shape ${shape.id} has no bounds`);
      }
    }
  }
  const processes = (definitions.rootElements || []).filter((e) => e.$type === "bpmn:Process");
  if (processes.length === 0) problems.push(`${path}: no bpmn:Process`);
  for (const process of processes) {
    if (!drawn.has(process.id)) problems.push(`${path}: no BPMNPlane for process ${process.id}`);
    for (const element of flowElements(process, [])) {
      if (!drawn.has(element.id)) {
        problems.push(`${path}: ${element.$type} ${element.id} has no diagram shape or edge`);
      }
    }
  }
  return problems;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE.bpmn [...]");
  process.exit(2);
}
let failed = false;
for (const file of files) {
  const problems = await check(file);
  for (const problem of problems) console.error(problem);
  if (problems.length) failed = true;
}
if (!failed) console.log(`ok: ${files.length} file(s)`);
process.exit(failed ? 1 : 0);
