"""Mermaid and Graphviz: labels in both languages, deadlines with their articles, a case overlay."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pytest

from policyflow.errors import InvalidInput
from policyflow.render import CaseView, case_mermaid, to_dot, to_markdown, to_mermaid, to_svg
from policyflow.render.graph import build
from policyflow.runtime import compile_process, start


def test_every_deadline_is_on_the_state_that_starts_it_with_its_article(process):
    """Each deadline appears as '≤ N unit · 第…条' (or '至 date · 第…条', or '每年3月31日 · 第…条'
    for a recurring one; '· 四(四)' where a 方案 numbers its parts) on its starting state."""
    graph = build(process)
    text = to_mermaid(graph)
    dot_text = to_dot(graph)
    for mark in graph.deadlines:
        assert mark.article, f"deadline {mark.id} has no article"
        if mark.every_zh is not None:
            span = mark.every_zh
        elif mark.ends_on:
            field = process.find_field(mark.ends_on)
            span = f"至 {field.zh if field else '所定日期'}"
        else:
            span = f"≤ {mark.amount} {mark.unit_zh}"
        for state in mark.start_states:
            if graph.node(state).final:
                continue
            # the article as the document numbers it: 第…条, or an outline number (四(四))
            # for a 方案-style document
            prefix = f"    {state} : ◔ {mark.zh} {span} · "
            first = mark.article.split("; ")[0]
            assert any(line.startswith(prefix) and first in line for line in text.splitlines()), (
                prefix + first
            )
        assert mark.label in dot_text


def test_every_state_and_transition_is_drawn(process):
    """Each state has its zh and en label; each transition its event."""
    graph = build(process)
    text = to_mermaid(graph)
    for node in graph.nodes:
        assert f"{node.zh} · {node.en}" in text
    for edge in graph.edges:
        assert f"{edge.source} --> {edge.target} : " in text
        assert edge.event in text
    assert sum(1 for n in graph.nodes if n.final) == text.count("--> [*]")


def test_permit_labels(permit):
    """The permit's five-working-day notice, guards in brackets, expiry and child links."""
    page = to_markdown(permit)
    assert (
        "submitted : ◔ 一次性告知补正期限 ≤ 5 工作日 · 第三十二条第一款第（四）项；第八十二条"
        in page
    )
    assert "live : ◔ 许可有效期 ≤ 3 年 · 第五十条第一款" in page
    # a deadline that ends on a date field is drawn with the field's own label
    assert "live : ◔ 许可证载明的有效期限 至 许可证载明的有效期限 · 第五十条第一款" in page
    assert "submitted --> under_review : 受理 accepted [申请材料齐全]" in page
    assert "submitted --> under_review : ⚑ 逾期不告知视为受理 deemed_accepted" in page
    assert "under_review --> under_review : 指派核查 inspection_ordered ▶ permit.inspection" in page
    assert "[permit.inspection](permit.inspection.md)" in page
    assert page.startswith("# 行政许可申请（通用） · Permit application (generic)")
    assert "```mermaid\nstateDiagram-v2\n" in page
    assert (
        "| 许可决定期限 `review_decision` | ≤ 20 工作日 (≤ 20 working days); 可延长 10 工作日 |"
        in page
    )


def test_dot_has_a_legend_and_marks_expiry_edges(permit):
    """The DOT source carries a legend and draws expiry transitions dashed."""
    text = to_dot(permit)
    assert '"__legend__"' in text and "图例 Legend" in text
    start = '  "renewal_review" -> "live"'
    line = next(ln for ln in text.splitlines() if ln.startswith(start) and "⚑" in ln)
    assert "style=dashed" in line
    assert "rankdir=LR" in text


def _case(permit):
    compiled = compile_process(permit)
    data = {
        "applicant_type": "legal_person",
        "budget": "500000",
        "documents": ["application_form", "budget_sheet"],
    }
    # Started Friday 2023-09-22: five working days, with 9-29..10-6 the National Day and
    # Mid-Autumn holiday and 10-7 (Sat) a make-up working day, are 9-25, 9-26, 9-27, 9-28
    # and 10-7 (2023 State Council notice, counted by hand).
    return start(compiled, "42", data, at=datetime(2023, 9, 22, 10, 0)).snapshot


def test_case_overlay_highlights_the_state_and_dates_the_deadline(permit):
    """case_mermaid(): the current state is classed 'current'; its deadline shows its due date."""
    snapshot = _case(permit)
    assert snapshot.timer("acceptance_notice").due == date(2023, 10, 7)
    text = case_mermaid(permit, snapshot)
    assert "class submitted current" in text
    assert "submitted : ◕ 一次性告知补正期限 到期 2023-10-07" in text
    dot_text = to_dot(permit, snapshot)
    assert "到期 2023-10-07" in dot_text and "penwidth=3" in dot_text
    assert "class submitted current" not in to_mermaid(permit)


def test_case_overlay_refuses_another_process_snapshot(permit, all_processes):
    """A snapshot of one process cannot be drawn on another."""
    other = next(p for name, p in all_processes if p.id == "permit.inspection")
    with pytest.raises(InvalidInput, match="runs process 'permit'"):
        build(other, _case(permit))


def test_notebook_bundles_svg_and_mermaid(permit):
    """Processes (via the hook) and case views give image/svg+xml and text/markdown mermaid."""
    bundle = permit._repr_mimebundle_()
    assert bundle["text/markdown"].startswith("```mermaid\nstateDiagram-v2")
    if shutil.which("dot"):
        assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    view = CaseView(permit, _case(permit))
    case_bundle = view._repr_mimebundle_(include={"text/markdown"})
    assert set(case_bundle) == {"text/markdown"}
    assert "class submitted current" in case_bundle["text/markdown"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_svg_is_drawn_with_labels(permit):
    """Graphviz draws the SVG; the Chinese labels and articles are in it as text."""
    svg = to_svg(permit)
    assert "<svg" in svg and "已提交申请" in svg and "第五十条第一款" in svg
