"""The format and linter checks of signals and for_each (tests/engine/processes/panel/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policyflow.definition.lint import lint_paths, lint_text
from policyflow.definition.loader import load_text
from policyflow.errors import DefinitionError

PANEL = Path(__file__).parents[1] / "engine" / "processes" / "panel"
MAIN = (PANEL / "main.yaml").read_text(encoding="utf-8")


def _errors(text: str) -> list[str]:
    return [str(p) for p in lint_text(text, "main.yaml") if not p.warning]


def test_the_panel_and_its_reviewer_lint_clean():
    assert lint_paths([PANEL]).errors == ()


def test_a_signal_to_children_needs_the_process():
    text = MAIN.replace(
        "      process: panel.reviewer\n      event: round_closed", "      event: round_closed"
    )
    with pytest.raises(DefinitionError, match="a signal to children needs 'process'"):
        load_text(text, "main.yaml")


def test_where_and_rank_by_are_only_for_many_receivers():
    text = MAIN.replace("to: children", "to: parent")
    with pytest.raises(DefinitionError, match="process, where, rank_by is only for children"):
        load_text(text, "main.yaml")


def test_an_unknown_name_in_where_is_placed_at_its_line():
    text = MAIN.replace("c.state == 'reviewing'", "c.state == reviewing")
    [error] = _errors(text)
    line = MAIN.splitlines().index("      where: \"c.state == 'reviewing'\"") + 1
    assert error.startswith(f"main.yaml:{line}:") and "unknown name 'reviewing'" in error


def test_item_is_a_name_only_where_the_child_iterates():
    text = MAIN.replace("        for_each: reviewers\n", "")
    assert any("unknown name 'item'" in e for e in _errors(text))


def _linted(tmp_path: Path, old: str, new: str, file: str = "main.yaml") -> list[str]:
    folder = tmp_path / "panel"
    shutil.copytree(PANEL, folder)
    path = folder / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), "utf-8")
    return [p.message for p in lint_paths([folder]).errors]


def test_an_event_the_children_do_not_have_is_an_error(tmp_path):
    [message] = _linted(tmp_path, "event: round_closed", "event: round_close")
    assert "signals 'round_close' to children of 'panel.reviewer', which has no such event" in (
        message
    )
    assert "did you mean 'round_closed'" in message


def test_rank_by_a_field_the_children_do_not_have_is_an_error(tmp_path):
    [message] = _linted(tmp_path, "{field: score}", "{field: scores}")
    assert "ranks by 'scores', which 'panel.reviewer' does not have" in message


def test_a_payload_the_receiving_event_does_not_declare_is_an_error(tmp_path):
    [message] = _linted(tmp_path, "        rank: c.rank\n", "        place: c.rank\n")
    assert "payload field(s) the event does not declare: place" in message


def test_a_where_that_does_not_type_check_on_a_receiver_is_an_error(tmp_path):
    [message] = _linted(tmp_path, "c.state == 'reviewing'", "c.score > 'high'")
    assert "where cannot be evaluated on a typical receiver" in message


def test_a_childs_signal_to_its_parent_is_checked_against_the_parent(tmp_path):
    old = "event: conflict_declared, payload"
    [message] = _linted(tmp_path, old, "event: conflict_declare, payload", "reviewer.yaml")
    assert "'conflict_declare'" in message and "'panel' has no such event" in message


def test_a_receivers_money_cannot_be_read_through_c(tmp_path):
    folder = tmp_path / "panel"
    shutil.copytree(PANEL, folder)
    reviewer = folder / "reviewer.yaml"
    text = reviewer.read_text(encoding="utf-8")
    fee = "  - {id: fee, zh: 评审费, en: Fee, type: money, required: false}\n"
    reviewer.write_text(text.replace("events:\n", fee + "events:\n", 1), "utf-8")
    main = folder / "main.yaml"
    main.write_text(
        main.read_text(encoding="utf-8").replace("c.state == 'reviewing'", "c.fee > 0"), "utf-8"
    )
    [message] = [p.message for p in lint_paths([folder]).errors]
    assert "where reads c.fee, an amount of money, which another case cannot read" in message


def test_for_each_over_something_that_is_not_a_list_is_refused_at_its_line():
    text = MAIN.replace("for_each: reviewers", "for_each: topic")
    where = r"main.yaml:\d+:\d+: .*\(for_each\).*expected a list"
    with pytest.raises(DefinitionError, match=where):
        load_text(text, "main.yaml")


def test_a_signal_to_the_cohort_of_a_process_without_one_is_an_error():
    text = MAIN.replace("to: children", "to: cohort").replace(
        "      process: panel.reviewer\n      event: round_closed", "      event: round_closed"
    )
    text = text.replace("      where: \"c.state == 'reviewing'\"\n", "")
    text = text.replace("      rank_by: [{field: score}]\n", "")
    errors = _errors(text)
    assert any("'panel' declares no cohort" in e for e in errors), errors


def test_members_of_a_process_whose_cohort_is_not_the_sender_is_an_error(tmp_path):
    [message] = _linted(tmp_path, "to: children", "to: members")
    assert "to members of 'panel.reviewer', whose cohort is not 'panel'" in message
