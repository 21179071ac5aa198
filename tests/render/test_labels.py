"""Labels on diagrams are filled in: no raw `{placeholder}` of a guard's words is ever drawn."""

from __future__ import annotations

import re

import pytest

from policyflow.definition.catalog import discover, load
from policyflow.render import bpmn, dot, mermaid, scxml
from policyflow.render.graph import build, rule_words

# a placeholder of a guard's words; `${due_x}` in BPMN is an expression, not a placeholder
RAW = re.compile(r"(?<!\$)\{(?:payload\.)?[a-z_][a-z0-9_]*\}")
LABELS = {"officers": "执法人员人数", "fine_amount": "罚款数额"}


@pytest.mark.parametrize(
    ("words", "drawn"),
    [
        ("执法人员不得少于两人（现为{officers}人）", "执法人员不得少于两人"),
        ("two officers (assigned {officers})", "two officers"),
        (
            "自告知书送达之日（{notice_served_on}）起五个工作日内提出",
            "自告知书送达之日起五个工作日内提出",
        ),
        ("quantity (here {payload.quantity_delta}) or use", "quantity or use"),
        ("共计{fine_amount}元", "共计‹罚款数额›元"),
        ("a {kind} permit", "a ‹kind› permit"),
        ("no value here (and no brace)", "no value here (and no brace)"),
    ],
)
def test_rule_words_leave_out_value_clauses_and_name_values_by_label(words, drawn):
    """A clause that only gives a value goes; a value inside a sentence shows its label."""
    assert rule_words(words, LABELS, {}) == drawn


def test_a_payload_placeholder_takes_the_payload_fields_label():
    """`{payload.x}` inside a sentence names the event's payload field."""
    assert rule_words("the fine {payload.fine}", {"fine": "case"}, {"fine": "decided"}) == (
        "the fine ‹decided›"
    )


@pytest.mark.parametrize("process_id", sorted(discover()))
def test_no_built_in_diagram_shows_a_raw_placeholder(process_id):
    """Every format of every built-in process: guard labels without `{name}`."""
    graph = build(load(process_id))
    texts = {
        "mermaid": mermaid.to_mermaid(graph),
        "dot": dot.to_dot(graph),
        "bpmn": bpmn.to_bpmn(graph),
        "scxml": scxml.to_scxml(graph),
    }
    for fmt, text in texts.items():
        assert RAW.findall(text) == [], (process_id, fmt)
