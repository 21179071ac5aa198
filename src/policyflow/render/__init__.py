"""What people look at: diagrams of processes and cases, and event logs.

Mermaid (:func:`to_mermaid`), Graphviz DOT and SVG (:func:`to_dot`, :func:`to_svg`),
BPMN 2.0 with diagram interchange (:func:`to_bpmn`) and SCXML (:func:`to_scxml`), all
drawn from one format-neutral model (:mod:`policyflow.render.graph`). A case is drawn on
its process with :func:`case_mermaid` / :class:`CaseView`. Event logs are in
:mod:`policyflow.render.eventlog`.

Importing this package registers ``_repr_mimebundle_`` on
:class:`~policyflow.definition.Process`, so processes draw themselves in notebooks.
"""

from __future__ import annotations

from policyflow.render.bpmn import to_bpmn
from policyflow.render.dot import to_dot, to_svg
from policyflow.render.graph import Graph, build
from policyflow.render.mermaid import to_markdown, to_mermaid
from policyflow.render.notebook import (
    CaseView,
    case_mermaid,
    mimebundle,
    register_display,
    register_process_display,
)
from policyflow.render.scxml import to_scxml

__all__ = [
    "CaseView",
    "Graph",
    "build",
    "case_mermaid",
    "mimebundle",
    "register_display",
    "to_bpmn",
    "to_dot",
    "to_markdown",
    "to_mermaid",
    "to_scxml",
    "to_svg",
]

register_process_display()
