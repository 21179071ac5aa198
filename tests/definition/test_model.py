"""The process models: legal bases, shorthands, one initial state, content-hash version."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from policyflow.definition.loader import load_text
from policyflow.definition.model import Deadline, Field, LegalBasis, Process

from .conftest import MINIMAL, PERMIT


def test_compact_basis_parses_document_article_paragraph_item():
    """'文号 第N条第N款第（N）项' → its parts; str() gives the same text back."""
    basis = LegalBasis.model_validate("科学技术部令第20号 第四十一条第二款第（一）项")
    assert (basis.doc, basis.article, basis.paragraph, basis.item) == (
        "科学技术部令第20号",
        "第四十一条",
        "第二款",
        "第（一）项",
    )
    assert str(basis) == "科学技术部令第20号 第四十一条第二款第（一）项"
    assert LegalBasis.model_validate("科学技术部令第20号 第四十一条").paragraph is None


def test_compact_basis_without_article_is_refused():
    """A basis must name an article."""
    with pytest.raises(ValidationError, match="expected a document and an article"):
        LegalBasis.model_validate("科学技术部令第20号")


def test_single_items_become_lists_and_version_ignores_layout():
    """`from: a` is `from: [a]`; comments, key order, compact bases leave the version as is."""
    text = MINIMAL.read_text(encoding="utf-8")
    first = load_text(text, "a.yaml")
    variant = text.replace("from: open,", "from: [open],").replace(
        "basis: 科学技术部令第20号 第二十一条}",
        "basis: {article: 第二十一条, doc: 科学技术部令第20号}}",
    )
    variant = "# a comment\n" + variant
    second = load_text(variant, "a.yaml")
    assert second.transitions[0].from_ == ("open",)
    assert first.version == second.version and len(first.version) == 16
    changed = load_text(text.replace("九十日", "六十日"), "a.yaml")
    assert changed.version != first.version


def test_json_round_trip_keeps_version():
    """The engine stores definitions as JSON: reading them back gives the same process."""
    process = load_text(PERMIT.read_text(encoding="utf-8"), PERMIT)
    again = Process.model_validate_json(process.model_dump_json())
    assert again == process and again.version == process.version
    assert '"from":' in process.model_dump_json()


def test_exactly_one_initial_state():
    """No initial state, or two, is refused."""
    base = {"id": "x", "title": {"zh": "甲", "en": "x"}}
    state = {"zh": "甲", "en": "a", "basis": "科学技术部令第20号 第一条"}
    with pytest.raises(ValidationError, match="exactly one initial state"):
        Process.model_validate({**base, "states": [{"id": "a", **state}]})
    with pytest.raises(ValidationError, match="found 'a', 'b'"):
        Process.model_validate(
            {
                **base,
                "states": [
                    {"id": "a", "initial": True, **state},
                    {"id": "b", "initial": True, **state},
                ],
            }
        )


def test_field_declarations_are_checked():
    """An enum needs values; a list needs items; values only for enums."""
    with pytest.raises(ValidationError, match="an enum needs 'values'"):
        Field.model_validate({"id": "kind", "zh": "类", "en": "Kind", "type": "enum"})
    with pytest.raises(ValidationError, match="a list needs 'items'"):
        Field.model_validate({"id": "tags", "zh": "标签", "en": "Tags", "type": "list"})
    with pytest.raises(ValidationError, match="'values' is only for an enum"):
        Field.model_validate({"id": "n", "zh": "数", "en": "N", "type": "int", "values": ["a"]})


def test_ids_are_snake_case_and_expiry_event():
    """Element ids are snake_case English; on_expiry is 'overdue' or {fire: event}."""
    common = {"zh": "期", "en": "D", "period": "5wd", "start_on": {"events": "a"}}
    with pytest.raises(ValidationError, match="pattern"):
        Deadline.model_validate({"id": "BadId", **common})
    assert Deadline.model_validate({"id": "d", **common}).expiry_event is None
    fired = Deadline.model_validate({"id": "d", **common, "on_expiry": {"fire": "deemed_waiver"}})
    assert fired.expiry_event == "deemed_waiver"
    with pytest.raises(ValidationError):
        Deadline.model_validate({"id": "d", **common, "on_expiry": "explode"})
