"""The catalogue's pages as made for the site (scripts/catalogue_pages.py), without a browser."""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from catalogue_pages import families, family_of, index_page, process_page  # noqa: E402

from policyflow.definition.catalog import catalog, load  # noqa: E402


def test_a_process_with_children_is_a_family_of_its_own_others_go_by_their_first_word():
    ids = ["hgr-permit", "hgr-survey", "most-penalty", "most-penalty.seizure", "ethics-review"]
    assert family_of("most-penalty", ids) == "most-penalty"
    assert family_of("most-penalty.seizure", ids) == "most-penalty"
    assert family_of("hgr-permit", ids) == "hgr"
    assert family_of("ethics-review", ids) == "ethics"
    # without children, most-penalty would go by its first word
    assert family_of("most-penalty", ["most-penalty"]) == "most"


def test_every_built_in_process_is_in_exactly_one_family_and_on_the_index():
    entries = catalog()
    grouped = [entry.id for family in families(entries) for entry in family.entries]
    assert sorted(grouped) == sorted(entry.id for entry in entries)
    index = index_page(entries)
    for entry in entries:
        assert f'href="{escape(entry.id)}/"' in index
        assert entry.title_zh in index and escape(entry.title_en) in index


@pytest.mark.parametrize("process_id", ["most-penalty", "hgr-permit"])
def test_a_process_page_holds_every_state_transition_event_and_deadline(process_id):
    process = load(process_id)
    page = process_page(process_id)
    assert f"# {process.title.zh} · {process.title.en}" in page
    assert all(source.doc in page for source in process.sources)
    assert page.count("<svg") == 1
    for state in process.states:
        assert f"<code>{state.id}</code>" in page and escape(state.en) in page
    for transition in process.transitions:
        assert f"<code>{transition.event}</code>" in page
        assert all(f"<code>{guard.id}</code>" in page for guard in transition.guard)
    for event in process.events:
        assert all(escape(field.id) in page for field in event.payload)
    for deadline in process.deadlines:
        assert f"<code>{deadline.id}</code>" in page
        assert escape(deadline.basis_text) in page
    assert f"({process_id}.bpmn)" in page


def test_the_shipped_scenario_is_shown_and_a_missing_one_is_said():
    assert "most-penalty/main.scenario.yaml" in process_page("most-penalty")
    without = next(
        e.id for e in catalog() if not e.path.with_name(e.path.stem + ".scenario.yaml").exists()
    )
    assert "No scenario is shipped" in process_page(without)


def test_a_guard_with_html_characters_is_escaped():
    page = process_page("most-penalty")
    whens = [g.when for t in load("most-penalty").transitions for g in t.guard]
    risky = [w for w in whens if any(c in w for c in "<>&")]
    assert risky, "most-penalty has a guard comparing with < or >"
    assert all(escape(w) in page for w in risky)


class _Page:
    """What on_page_markdown reads of a MkDocs page: its source path under docs/."""

    def __init__(self, src_uri: str) -> None:
        self.file = type("File", (), {"src_uri": src_uri})()


def test_links_out_of_docs_go_to_the_sites_copy_or_to_the_repository():
    pytest.importorskip("mkdocs")
    from docs_hooks import on_page_markdown

    def fixed(text: str, page: str = "processes/hgr.md") -> str:
        return on_page_markdown(text, _Page(page), {}, None)

    drawing = "[![hgr-permit](../../diagrams/hgr-permit.svg)](../../diagrams/hgr-permit.md)"
    assert fixed(drawing) == (
        "[![hgr-permit](../catalogue/hgr-permit.svg)](../catalogue/hgr-permit.md)"
    )
    assert fixed("[schema](../../processes/policyflow-process.schema.json)") == (
        "[schema](https://github.com/policyflow/policyflow/blob/main/"
        "processes/policyflow-process.schema.json)"
    )
    assert fixed("[x](../diagrams.md#conventions)") == "[x](../diagrams.md#conventions)"
    assert (
        fixed("[x](#here) [y](https://example.org/a.md)")
        == "[x](#here) [y](https://example.org/a.md)"
    )
    # a link to nothing is left as written, for --strict to report
    assert fixed("[gone](../../diagrams/no-such.svg)") == "[gone](../../diagrams/no-such.svg)"
    assert fixed("[root](../LICENSE)", page="index.md") == (
        "[root](https://github.com/policyflow/policyflow/blob/main/LICENSE)"
    )
