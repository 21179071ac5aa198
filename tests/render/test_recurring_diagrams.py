"""A recurring deadline is drawn as one recurring timer in every format.

The ethics committee's annual report (每年3月31日前, 国科发监〔2023〕167号 第四十五条) and
its tracking review every twelve months (第十九条, 第三十三条).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from policyflow.definition.catalog import load
from policyflow.render.bpmn import to_bpmn
from policyflow.render.dot import to_dot
from policyflow.render.graph import build
from policyflow.render.mermaid import to_markdown, to_mermaid
from policyflow.render.scxml import to_scxml

ETHICS = Path(__file__).parents[1] / "fixtures" / "recurring" / "ethics-annual.yaml"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@pytest.fixture(scope="module")
def ethics():
    return load(ETHICS)


def test_the_marks_say_when_each_recurs(ethics):
    marks = {m.id: m for m in build(ethics).deadlines}
    annual, tracking = marks["annual_report"], marks["tracking_review"]
    assert (annual.span_zh, annual.label_en) == ("每年3月31日", "every year on 31 March")
    assert (annual.period, annual.cycle) == ("every 03-31", "0 0 0 L 3 ?")
    assert (tracking.span_zh, tracking.label_en) == ("每 12 个月", "every 12 months")
    assert (tracking.period, tracking.cycle) == ("every 12mo", "R/P12M")


def test_mermaid_and_dot_draw_one_recurring_line_per_deadline(ethics):
    mermaid = to_mermaid(ethics)
    assert mermaid.count("◔ 年度报告 每年3月31日 · 第四十五条") == 1
    assert "每年3月31日 (every year on 31 March)" in to_markdown(ethics)
    assert to_dot(ethics).count("◔ 年度报告 每年3月31日 · 第四十五条") == 1


def test_bpmn_has_a_non_interrupting_timer_with_a_time_cycle(ethics):
    root = ET.fromstring(to_bpmn(ethics))
    timers = root.findall(f".//{BPMN}boundaryEvent")
    annual = [t for t in timers if t.get("name", "").startswith("年度报告")]
    assert len(annual) == 1
    assert annual[0].get("cancelActivity") == "false"
    cycle = annual[0].find(f"{BPMN}timerEventDefinition/{BPMN}timeCycle")
    assert cycle is not None and cycle.text == "0 0 0 L 3 ?"
    assert annual[0].find(f"{BPMN}timerEventDefinition/{BPMN}timeDuration") is None
    documentation = annual[0].find(f"{BPMN}documentation")
    assert documentation is not None and "recurs (0 0 0 L 3 ?)" in (documentation.text or "")


def test_scxml_lists_the_recurrence_as_the_period(ethics):
    text = to_scxml(ethics)
    assert "annual_report=every 03-31 第四十五条" in text
    assert "tracking_review=every 12mo" in text
