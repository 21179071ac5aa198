"""CompiledProcess: tables per (state, event), cached by version, refuses unrunnable definitions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from policyflow.definition.loader import load_text
from policyflow.definition.model import Process
from policyflow.errors import DefinitionError, InvalidCaseData
from policyflow.runtime import compile_process

from .conftest import FIXTURES


def test_table_has_one_entry_per_source_state(permit):
    """A transition from a list of states is one table entry per state."""
    assert [
        p.source for p in permit.by_state["expert_review"] if p.event == "inspection_reported"
    ] == ["expert_review"]
    (plan,) = permit.table[("under_review", "inspection_reported")]
    assert plan.target == "under_review" and plan.payload is not None
    assert ("submitted", "granted") not in permit.table


def test_effects_follow_enter_and_leave(permit):
    """Entering expert review suspends the decision deadline; leaving it resumes it."""
    (start_review,) = permit.table[("under_review", "expert_review_started")]
    (finish,) = permit.table[("expert_review", "expert_review_finished")]
    assert [d.id for d in start_review.effects.suspended] == ["review_decision"]
    assert [d.id for d in finish.effects.resumed] == ["review_decision"]
    (extend,) = permit.table[("under_review", "review_extended")]
    assert [d.id for d in extend.effects.extended] == [
        "review_decision"
    ] and not extend.effects.started


def test_cached_by_version(permit):
    """The same definition compiles once."""
    assert compile_process(permit.process) is permit
    assert compile_process(Process.model_validate_json(permit.process.model_dump_json())) is permit


def test_data_round_trip(permit):
    """validate_data → dump_data → load_data gives the same typed data."""
    typed = permit.validate_data(
        {"applicant_type": "citizen", "budget": 5, "granted_on": "2023-10-31"}
    )
    assert typed["budget"] == Decimal("5.00") and typed["granted_on"] == date(2023, 10, 31)
    assert permit.load_data(permit.dump_data(typed)) == typed
    with pytest.raises(InvalidCaseData):
        permit.validate_data({"applicant_type": "citizen"})


def test_unrunnable_definition_is_refused():
    """A definition that skipped the loader (JSON) is still checked before it runs."""
    text = (FIXTURES / "ok_minimal.yaml").read_text(encoding="utf-8")
    process = load_text(text, "m.yaml")
    broken = process.model_dump()
    broken["transitions"][1]["to"] = "nowhere"
    with pytest.raises(DefinitionError, match="goes to unknown state 'nowhere'"):
        compile_process(Process.model_validate(broken))
