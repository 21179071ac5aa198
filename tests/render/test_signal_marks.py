"""A transition's signals are drawn on its edge (✉ receivers event), in Mermaid and DOT."""

from __future__ import annotations

from pathlib import Path

from policyflow.definition.catalog import load
from policyflow.render.dot import to_dot
from policyflow.render.mermaid import to_markdown

PANEL = Path(__file__).parents[1] / "engine" / "processes" / "panel"


def _load(name: str):
    return load(PANEL / name, root=PANEL.parent)


def test_mermaid_labels_the_edge_that_signals_and_explains_the_mark():
    page = to_markdown(_load("main.yaml"))
    assert "reviewing --> decided : ⚑ 评定 decided ✉ children round_closed" in page
    assert "✉ sends a signal to other cases" in page


def test_dot_labels_a_childs_signal_to_its_parent():
    dot = to_dot(_load("reviewer.yaml"))
    assert "✉ parent conflict_declared" in dot


def test_a_process_without_signals_has_no_mark():
    page = to_markdown(load("tiny-audit", root=PANEL.parent))
    assert "✉" not in page
