"""The linter on the four format extensions: legal time in CEL, extension length from the
payload, deadlines ending on a date, conditional starts. Each fault at file:line:column."""

from __future__ import annotations

import json

import jsonschema
import pytest

from policyflow.definition.catalog import discover, load
from policyflow.definition.lint import lint_text
from policyflow.definition.loader import load_text
from policyflow.definition.schema import process_schema
from policyflow.errors import DefinitionError

from .test_schema import SCHEMA_FILE

# A seizure (查封) with a limit the approver may extend by up to thirty days, a permit-like
# term that ends on a date, and a conditional child. {deadline} and {extra} are filled in.
BASE = """\
title: {{zh: 查封, en: Seizure}}
fields:
  - {{id: seized_on, zh: 查封日期, en: Seized on, type: date}}
  - {{id: valid_until, zh: 有效期至, en: Valid until, type: date, required: false}}
  - {{id: budget, zh: 经费, en: Budget, type: money}}
  - {{id: note, zh: 备注, en: Note, type: str, required: false}}
events:
  - {{id: seized, zh: 查封, en: Seized}}
  - id: extended
    zh: 延长
    en: Extended
    payload:
      - {{id: days, zh: 日数, en: Days, type: int}}
      - {{id: reason, zh: 理由, en: Reason, type: str, required: false}}
  - {{id: paused, zh: 中止, en: Paused}}
  - {{id: resumed, zh: 恢复, en: Resumed}}
  - {{id: released, zh: 解除, en: Released}}
states:
  - {{id: open, zh: 立案, en: Open, initial: true, basis: 科学技术部令第20号 第二十一条}}
  - {{id: held, zh: 查封中, en: Held, basis: 科学技术部令第20号 第三十三条}}
  - {{id: done, zh: 解除, en: Done, final: true, basis: 科学技术部令第20号 第三十三条}}
transitions:
  - {{id: seized, zh: 查封, en: Seize, event: seized, from: open, to: held,
     basis: 科学技术部令第20号 第三十三条{extra}}}
  - {{id: extended, zh: 延长, en: Extend, event: extended, from: held,
     basis: 科学技术部令第20号 第三十三条}}
  - {{id: paused, zh: 中止, en: Pause, event: paused, from: held,
     basis: 科学技术部令第20号 第三十三条}}
  - {{id: resumed, zh: 恢复, en: Resume, event: resumed, from: held,
     basis: 科学技术部令第20号 第三十三条}}
  - {{id: released, zh: 解除, en: Release, event: released, from: held, to: done,
     basis: 科学技术部令第20号 第三十三条}}
deadlines:
  - id: seizure_limit
    zh: 查封期限
    en: Seizure limit
{deadline}
    start_on: {{events: seized}}
    met_by: {{enter: done}}
    basis: 科学技术部令第20号 第三十三条
"""

GOOD_DEADLINE = """\
    period: 三十日
    extension:
      id: approved
      zh: 经批准延长
      en: Extended with approval
      event: extended
      period: 三十日
      period_from: payload.days
      unit: d
      basis: 科学技术部令第20号 第三十三条"""


def text(deadline: str = GOOD_DEADLINE, extra: str = "") -> str:
    return BASE.format(deadline=deadline, extra=extra)


def errors(source: str) -> list[str]:
    return [str(p) for p in lint_text(source, "s.yaml") if not p.warning]


def line_of(source: str, needle: str) -> int:
    """The 1-based line holding `needle` (so positions are checked against the file)."""
    return next(n for n, line in enumerate(source.splitlines(), 1) if needle in line)


def test_the_good_process_loads():
    """A payload-length extension in natural days passes the linter."""
    assert errors(text()) == []
    process = load_text(text(), "s.yaml")
    extension = process.deadlines[0].extension
    assert extension is not None and extension.period_from == "payload.days"


@pytest.mark.parametrize(
    ("deadline", "needle", "message"),
    [
        (
            GOOD_DEADLINE.replace("payload.days", "payload.dayz"),
            "period_from",
            "CEL 'payload.dayz': unknown payload field 'dayz' (did you mean 'days'?)",
        ),
        (
            GOOD_DEADLINE.replace("payload.days", "payload.reason"),
            "period_from",
            "extension length (period_from): CEL 'payload.reason': gives str, expected a whole",
        ),
        (
            GOOD_DEADLINE.replace("unit: d", "unit: wd"),
            "unit: wd",
            "period_from counts in 'wd' but the most one extension may add, '三十日', is in 'd'",
        ),
    ],
)
def test_extension_length_from_the_payload_is_checked(deadline, needle, message):
    """period_from must name a payload field of the approving event giving a whole number."""
    source = text(deadline)
    found = errors(source)
    line = line_of(source, needle)
    assert any(f"s.yaml:{line}:" in e and message in e for e in found), found


def test_unit_without_period_from_is_a_schema_error():
    """unit belongs to period_from."""
    source = text(GOOD_DEADLINE.replace("      period_from: payload.days\n", ""))
    (found,) = errors(source)
    assert "'unit' is only for 'period_from'" in found


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        (
            "    period: 三十日\n    ends_on: valid_until",
            "give exactly one of 'period' and 'ends_on' (got both)",
        ),
        ("    rollover: false", "give exactly one of 'period' and 'ends_on' (got neither)"),
        ("    ends_on: valid_until\n    anchor: seized_on", "'anchor' is for a period"),
    ],
)
def test_period_or_ends_on_exactly_one(deadline, message):
    """A deadline has a period or an end date, not both, not neither; at the deadline's line."""
    source = text(deadline)
    found = errors(source)
    line = line_of(source, "id: seizure_limit")
    assert any(f"s.yaml:{line}:" in e and message in e for e in found), found


def test_ends_on_must_give_a_date():
    """ends_on is type-checked as a date over the data and the starting event's payload."""
    source = text("    ends_on: note")
    line = line_of(source, "ends_on: note")
    (found,) = errors(source)
    assert found.startswith(f"s.yaml:{line}:14: ") and "gives str, expected a timestamp" in found
    assert errors(text("    ends_on: due(seized_on, '三个月')")) == []


def test_a_deadline_ending_on_a_date_cannot_be_suspended():
    """Suspension cannot move a fixed date: a blocking error, and loading refuses it."""
    source = text(
        "    ends_on: valid_until\n"
        "    suspended_by: {events: paused}\n"
        "    resumed_by: {events: resumed}"
    )
    line = line_of(source, "suspended_by")
    (found,) = errors(source)
    assert f"s.yaml:{line}:" in found and "ends on a date (ends_on), which a suspension" in found
    with pytest.raises(DefinitionError, match="which a suspension cannot move"):
        load_text(source, "s.yaml")


def test_start_conditions_are_type_checked_as_conditions():
    """start_on.when and start_child.when must give true or false and name known fields."""
    source = text(GOOD_DEADLINE + "\n    start_on: {events: seized, when: budget}").replace(
        "    start_on: {events: seized}\n", "", 1
    )
    line = line_of(source, "when: budget")
    (found,) = errors(source)
    assert f"s.yaml:{line}:" in found and "start condition: CEL 'budget': gives" in found
    assert "expected true or false" in found
    child = ",\n     start_child: [{process: other, when: budjet > 0}]"
    source = text(extra=child)
    (found,) = errors(source)
    assert f"s.yaml:{line_of(source, 'budjet')}:" in found
    assert "unknown name 'budjet' (did you mean 'budget'?)" in found
    assert (
        errors(text(extra=",\n     start_child: [{process: other, when: budget >= 1000000}]")) == []
    )


def test_legal_time_misuse_is_reported_where_it_is_written():
    """A guard calling add_working_days with the wrong types: at the guard's when."""
    guard = (
        ",\n     guard: {id: in_time, zh: 期限内, en: in time, "
        "when: \"add_working_days(seized_on, 'x') >= today\", basis: 科学技术部令第20号 第三十三条}"
    )
    source = text(extra=guard)
    (found,) = errors(source)
    assert f"s.yaml:{line_of(source, 'add_working_days')}:" in found
    assert "add_working_days(date, int): argument 2 is string, expected int" in found


def test_schema_knows_the_new_keys():
    """The kept JSON Schema accepts the new keys and refuses a unit it does not know."""
    validator = jsonschema.Draft202012Validator(process_schema())
    import yaml

    data = json.loads(json.dumps(yaml.safe_load(text()), default=str))
    assert not list(validator.iter_errors(data))
    data["deadlines"][0]["extension"]["unit"] = "weeks"
    assert list(validator.iter_errors(data))
    assert '"period_from"' in SCHEMA_FILE.read_text(encoding="utf-8")


def test_new_optional_keys_leave_existing_versions_unchanged():
    """Every built-in's content hash still matches its committed diagram (unset keys not hashed)."""
    from pathlib import Path

    diagrams = Path(__file__).parents[2] / "diagrams"
    checked = 0
    for process_id in discover():
        page = diagrams / f"{process_id}.md"
        if not page.exists():
            continue
        assert f"version `{load(process_id).version}`" in page.read_text(encoding="utf-8")
        checked += 1
    assert checked > 0
