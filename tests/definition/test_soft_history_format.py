"""The format keys soft, reopens and to_previous: lint findings at line:column, and hashes.

Each fault is made by editing the ethics-review fixture's text; the expected position is
found in the edited text itself (the line of the offending key, the column of its value).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policyflow.definition.catalog import discover, load
from policyflow.definition.history import return_states
from policyflow.definition.lint import lint_text
from policyflow.definition.loader import parse
from policyflow.errors import DefinitionError
from policyflow.runtime import compile_process

from .conftest import FIXTURES

ETHICS = (FIXTURES / "ethics-review.yaml").read_text(encoding="utf-8")
MINIMAL = (FIXTURES / "ok_minimal.yaml").read_text(encoding="utf-8")
DIAGRAMS = Path(__file__).parents[2] / "diagrams"


def _position(text: str, line_marker: str, value: str) -> str:
    """'line:column' of `value` on the first line containing `line_marker` (from 1)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line_marker in line:
            return f"{number}:{line.index(value, line.index(line_marker)) + 1}"
    raise AssertionError(f"{line_marker!r} not in the text")


def _findings(text: str) -> list[str]:
    return [str(p) for p in lint_text(text, "e.yaml")]


def test_the_fixture_lints_clean():
    assert _findings(ETHICS) == []


def test_leaving_a_final_state_without_reopens_stays_an_error():
    text = ETHICS.replace("    reopens: true\n", "")
    where = _position(text, "from: decided", "decided")
    assert f"e.yaml:{where}: transition 'appeal' leaves final state 'decided'" in "\n".join(
        _findings(text)
    )


def test_reopens_on_a_transition_from_no_final_state_is_an_error():
    marker = "to: reviewing, reopens: true"
    text = ETHICS.replace(
        "to: reviewing, actor: committee, basis", f"{marker}, actor: committee, basis"
    )
    where = _position(text, "reopens: true,", "true")
    [finding] = _findings(text)
    assert finding.startswith(f"e.yaml:{where}: transition 'uphold_appeal' says reopens: true")


def test_to_previous_with_to_is_a_blocking_error():
    text = ETHICS.replace(
        "from: appeal, to_previous: true,", "from: appeal, to: decided, to_previous: true,"
    )
    where = _position(text, "to: decided, to_previous: true", "true")
    problems = lint_text(text, "e.yaml")
    [problem] = problems
    assert str(problem).startswith(f"e.yaml:{where}: transition 'dismiss_appeal' has both")
    assert problem.blocking
    with pytest.raises(DefinitionError, match="both 'to' and 'to_previous'"):
        compile_process(parse(text, "e.yaml").process)


def test_to_previous_from_a_state_nothing_enters_is_an_error():
    """The initial state of the minimal process has no state before it to return to."""
    back = (
        "  - {id: back, zh: 返回, en: Back, event: closed, from: open, to_previous: true,\n"
        "     basis: 科学技术部令第20号 第五十条}\n"
    )
    text = MINIMAL.replace("deadlines:\n", back + "deadlines:\n", 1)
    findings = _findings(text)
    where = _position(text, "from: open, to_previous", "open")
    assert any(
        f.startswith(f"e.yaml:{where}: transition 'back' returns to the previous state")
        for f in findings
    ), findings


def test_return_states_follow_the_transitions_into_each_state():
    process = load(FIXTURES / "ethics-review.yaml")
    returns = return_states(process)
    assert returns["change_review"] == ("submitted", "reviewing")
    assert returns["appeal"] == ("decided",)
    # back from change review into submitted: submitted's previous may be change_review
    assert returns["submitted"] == ("change_review",)
    assert returns["decided"] == ("reviewing", "appeal")


def test_flags_left_false_keep_the_version():
    """soft/reopens/to_previous written false hash as if absent; set true, they change it."""
    base = load(FIXTURES / "ethics-review.yaml")
    plain = ETHICS.replace("        soft: true\n", "").replace("    reopens: true\n", "")
    assert "soft: true" not in plain and "reopens: true" not in plain
    written_false = ETHICS.replace("        soft: true\n", "        soft: false\n").replace(
        "    reopens: true\n", "    reopens: false\n"
    )
    assert parse(plain, "a.yaml").process.version == parse(written_false, "b.yaml").process.version
    assert parse(plain, "a.yaml").process.version != base.version


@pytest.mark.parametrize("process_id", sorted(discover()))
def test_every_shipped_process_keeps_its_version(process_id):
    """The versions the committed diagrams were drawn with, before these keys existed."""
    drawn = (DIAGRAMS / f"{process_id}.scxml").read_text(encoding="utf-8")
    [version] = re.findall(r'pf:version="([0-9a-f]{16})"', drawn)
    assert load(process_id).version == version
