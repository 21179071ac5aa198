"""CompiledProcess: tables per (state, event), cached by version, refuses unrunnable definitions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from policyflow.definition.loader import load_text
from policyflow.definition.model import Process
from policyflow.errors import DefinitionError, InvalidCaseData, InvalidPayload
from policyflow.runtime import apply, compile_process, start
from policyflow.runtime.compiled import VARIES

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


ASSIGNING = """
title: {zh: 赋值, en: Assignments}
roles:
  - {id: officer, zh: 执法人员, en: Officer}
fields:
  - {id: fine, zh: 罚款, en: Fine, type: money}
  - {id: level, zh: 等级, en: Level, type: enum, values: [low, high]}
  - {id: served_on, zh: 送达日, en: Served on, type: date, required: false}
  - {id: decided_on, zh: 决定日, en: Decided on, type: date}
  - {id: count, zh: 次数, en: Count, type: int, max: 3}
events:
  - id: filed
    zh: 立案
    en: Filed
    payload:
      - {id: fine, zh: 罚款, en: Fine, type: money}
      - {id: level, zh: 等级, en: Level, type: enum, values: [low, high, other]}
      - {id: served_on, zh: 送达日, en: Served on, type: date, required: false}
states:
  - {id: open, zh: 受理, en: Open, initial: true, basis: 科学技术部令第20号 第二十一条}
  - {id: done, zh: 结案, en: Done, final: true, basis: 科学技术部令第20号 第五十条}
transitions:
  - id: filed
    zh: 立案
    en: File
    event: filed
    from: open
    to: done
    actor: officer
    basis: 科学技术部令第20号 第二十一条
    assign:
      fine: payload.fine
      level: payload.level
      served_on: payload.served_on
      decided_on: payload.served_on
      count: "2"
"""


def test_assignments_are_typed_once_where_they_can_be():
    """A constant is typed when compiled; a copy of a value of the same type is not re-checked.

    Only where every value of the source is a value of the field: an enum with another
    value, or an optional source into a required field, is still validated when applied.
    """
    compiled = compile_process(load_text(ASSIGNING, "assigning.yaml"))
    (plan,) = compiled.table[("open", "filed")]
    by_field = {a.field: a for a in plan.assigns}
    assert by_field["fine"].copies and by_field["served_on"].copies
    assert not by_field["level"].copies  # the payload allows 'other'
    assert not by_field["decided_on"].copies  # the payload may be null, the field may not
    assert by_field["count"].constant == 2 and type(by_field["count"].constant) is int
    assert all(by_field[name].constant is VARIES for name in ("fine", "level", "served_on"))


FILED = {"fine": "12.50", "level": "high", "served_on": "2023-03-01"}


def _file(compiled, payload):
    """Start a case of ASSIGNING and apply `filed` to it with `payload`."""
    case = start(
        compiled,
        "c1",
        {"fine": 0, "level": "low", "decided_on": "2023-01-01", "count": 0},
        at=datetime(2023, 3, 1, 9),
    )
    return apply(compiled, case.snapshot, "filed", payload, at=datetime(2023, 3, 2, 9))


def test_a_checked_assignment_still_refuses_a_value_outside_the_field():
    """The values a copy cannot vouch for are refused where they are applied, by field."""
    compiled = compile_process(load_text(ASSIGNING, "assigning.yaml"))
    done = _file(compiled, FILED)
    assert done.snapshot.data["fine"] == Decimal("12.50")
    assert done.snapshot.data["served_on"] == date(2023, 3, 1) == done.snapshot.data["decided_on"]
    assert done.snapshot.data["count"] == 2
    with pytest.raises(InvalidPayload, match="cannot set 'level'"):
        _file(compiled, {**FILED, "level": "other"})
    with pytest.raises(InvalidPayload, match="cannot set 'decided_on'"):
        _file(compiled, {**FILED, "served_on": None})


def test_an_invalid_constant_is_refused_where_it_is_applied():
    """A constant outside its field is refused when it is applied, not when compiled."""
    compiled = compile_process(load_text(ASSIGNING.replace('count: "2"', 'count: "7"'), "a.yaml"))
    (plan,) = compiled.table[("open", "filed")]
    assert {a.field: a for a in plan.assigns}["count"].constant is VARIES
    with pytest.raises(InvalidPayload, match="cannot set 'count'"):
        _file(compiled, FILED)
