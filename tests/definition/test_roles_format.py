"""A transition's actor: one role or a list, each declared (``system`` needs no declaration);
an unknown role is a lint error at its line:column with the closest name, and a single role
written as before keeps the process's version."""

from __future__ import annotations

from policyflow.definition.lint import lint_text
from policyflow.definition.loader import parse
from policyflow.runtime import compile_process

from .conftest import FIXTURES
from .test_soft_history_format import _position

ETHICS = (FIXTURES / "ethics-review.yaml").read_text(encoding="utf-8")
LISTED = ETHICS.replace("    actor: committee\n", "    actor: [committee, applicant]\n", 1)


def _findings(text: str) -> list[str]:
    return [str(p) for p in lint_text(text, "e.yaml")]


def test_a_list_of_declared_roles_lints_clean_and_compiles_in_order():
    assert LISTED != ETHICS
    assert _findings(LISTED) == []
    process = parse(LISTED, "e.yaml").process
    assert [t.roles for t in process.transitions if isinstance(t.actor, tuple)] == [
        ("committee", "applicant")
    ]
    compiled = compile_process(process)
    plans = [p for plans in compiled.by_state.values() for p in plans]
    assert any(p.roles == ("committee", "applicant") for p in plans)


def test_system_needs_no_declaration():
    assert _findings(ETHICS.replace("    actor: committee\n", "    actor: system\n", 1)) == []


def test_an_unknown_role_is_named_at_its_line_and_column_with_the_closest():
    text = ETHICS.replace("    actor: committee\n", "    actor: comittee\n", 1)
    [finding] = _findings(text)
    where = _position(text, "actor: comittee", "comittee")
    assert finding.startswith(f"e.yaml:{where}: transition")
    assert "unknown role 'comittee'" in finding and "did you mean 'committee'" in finding


def test_an_unknown_role_in_a_list_is_named_at_its_item():
    text = ETHICS.replace("    actor: committee\n", "    actor: [committee, applicnt]\n", 1)
    [finding] = _findings(text)
    where = _position(text, "actor: [committee, applicnt]", "applicnt")
    assert finding.startswith(f"e.yaml:{where}:")
    assert "did you mean 'applicant'" in finding


def test_a_single_role_keeps_the_version_and_a_list_changes_it():
    plain = parse(ETHICS, "a.yaml").process
    assert plain.version == parse(ETHICS, "b.yaml").process.version
    assert all(isinstance(t.actor, str | None) for t in plain.transitions)
    assert parse(LISTED, "c.yaml").process.version != plain.version


def test_a_transition_without_an_actor_is_warned_about_at_its_id():
    text = ETHICS.replace("    actor: committee\n", "", 1)
    [problem] = lint_text(text, "e.yaml")
    assert problem.warning and not problem.blocking and problem.code == "role"
    where = _position(text, "  - id: start_review", "start_review")
    assert str(problem).startswith(f"e.yaml:{where}: transition 'start_review' names no actor")
    assert "actor: system" in str(problem)  # how to say the law acts by itself
