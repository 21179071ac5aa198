"""The linter catches each listed fault, names the offender, and exits non-zero."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from policyflow.definition.lint import lint_paths

from .conftest import FIXTURES, PERMIT

POLICYFLOW = Path(sys.executable).parent / "policyflow"


@pytest.mark.parametrize(
    ("name", "position", "message"),
    [
        ("bad_schema", "7:40", "fields[0].type: Input should be 'enum', 'money'"),
        (
            "bad_unknown_state",
            "17:77",
            "transition 'closed' goes to unknown state 'dnoe' (did you mean 'done'?)",
        ),
        ("bad_unreachable", "14:10", "state 'limbo' is unreachable from the initial state 'open'"),
        ("bad_dead_end", "14:10", "state 'stuck' is not final and has no transition out of it"),
        (
            "bad_cel_unknown_field",
            "15:96",
            "CEL 'fien > 0': unknown name 'fien' (did you mean 'fine'?)",
        ),
        ("bad_cel_syntax", "15:96", "CEL expression 'fine > ' does not compile"),
        ("bad_cel_type", "15:96", "does not type-check on the declared fields"),
        ("bad_money_double", "29:45", "`(1.0 / 3.0)` is a binary double"),
        (
            "bad_expiry_event",
            "21:47",
            "deadline 'case_limit' fires unknown event 'closd' on expiry (did you mean 'closed'?)",
        ),
        (
            "bad_extension_event",
            "21:76",
            "deadline 'case_limit' is extended by unknown event 'extnded'",
        ),
        ("bad_missing_basis", "17:10", "transition 'closed' has no legal basis"),
        ("bad_duplicate_id", "17:10", "duplicate transition id 'filed' (first at transitions[0])"),
    ],
)
def test_each_fault_is_caught_with_its_position(name, position, message):
    """One fixture per fault: the finding is at file:line:column and names the offender."""
    path = FIXTURES / f"{name}.yaml"
    report = lint_paths([path])
    assert not report.ok
    texts = [str(p) for p in report.errors]
    assert any(t.startswith(f"{path}:{position}: ") and message in t for t in texts), texts


def test_fixture_line_numbers_are_real():
    """The reported line holds the offender (checked by reading the file)."""
    lines = (FIXTURES / "bad_unknown_state.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[16][76:].startswith("dnoe")


def test_clean_files_pass():
    """The permit fixture, its child and the minimal process have no errors."""
    report = lint_paths([PERMIT, FIXTURES / "permit", FIXTURES / "ok_minimal.yaml"])
    assert report.ok, [str(p) for p in report.problems]
    assert len(report.files) == 3


def test_shipped_processes_pass():
    """Every built-in process passes (there may be none yet)."""
    report = lint_paths()
    assert report.ok, [str(p) for p in report.errors]


def test_missing_path_is_an_error():
    """A path that does not exist is reported."""
    report = lint_paths([FIXTURES / "nope.yaml"])
    assert not report.ok and "no such file" in str(report.errors[0])


def test_cli_exit_codes():
    """policyflow lint: exit 0 when clean, 1 with every finding on stderr."""
    ok = subprocess.run(
        [str(POLICYFLOW), "lint", str(PERMIT)], capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0 and "no errors" in ok.stdout
    bad = subprocess.run(
        [str(POLICYFLOW), "lint", str(FIXTURES / "bad_dead_end.yaml"), str(PERMIT)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "stuck" in bad.stderr and "Traceback" not in bad.stderr


_CHILD = """\
id: child
title: {zh: 子流程, en: Child}
roles:
  - {id: officer, zh: 执法人员, en: Officer}
fields:
  - {id: party_type, zh: 当事人类型, en: Party type, type: enum, values: [citizen, legal_person]}
  - {id: fine, zh: 罚款, en: Fine, type: money, min: 0, default: 0}
  - {id: note, zh: 备注, en: Note, type: str, required: false}
events:
  - {id: closed, zh: 结案, en: Closed}
states:
  - {id: open, zh: 受理, en: Open, initial: true, basis: 科学技术部令第20号 第二十一条}
  - {id: done, zh: 结案, en: Done, final: true, basis: 科学技术部令第20号 第五十条}
transitions:
  - {id: closed, zh: 结案, en: Close, event: closed, from: open, to: done, actor: officer,
     basis: 科学技术部令第20号 第五十条}
"""

_PARENT = """\
id: parent
title: {zh: 父流程, en: Parent}
roles:
  - {id: officer, zh: 执法人员, en: Officer}
events:
  - id: referred
    zh: 移送
    en: Referred
    payload:
      - {id: party_type, zh: 当事人类型, en: Party, type: enum, values: [citizen, legal_person]}
states:
  - {id: open, zh: 受理, en: Open, initial: true, basis: 科学技术部令第20号 第二十一条}
  - {id: done, zh: 结案, en: Done, final: true, basis: 科学技术部令第20号 第五十条}
transitions:
  - id: referred
    zh: 移送
    en: Refer
    event: referred
    from: open
    to: done
    actor: officer
    start_child:
      - process: CHILD
        data: DATA
    basis: 科学技术部令第20号 第五十条
"""


def _lint_pair(tmp_path, data: str, child: str = "child"):
    parent = tmp_path / "parent.yaml"
    parent.write_text(_PARENT.replace("CHILD", child).replace("DATA", data), encoding="utf-8")
    (tmp_path / "child.yaml").write_text(_CHILD, encoding="utf-8")
    return parent, lint_paths([parent, tmp_path / "child.yaml"])


def test_a_child_started_with_what_it_requires_passes(tmp_path):
    """Only required fields without a default must be given; optional and defaulted may not."""
    _, report = _lint_pair(tmp_path, "{party_type: payload.party_type}")
    assert report.problems == (), [str(p) for p in report.problems]


def test_a_child_started_without_a_required_field_is_an_error(tmp_path):
    """The finding sits on the start's data and names the missing field, and only it."""
    parent, report = _lint_pair(tmp_path, "{note: \"'x'\"}")
    texts = [str(p) for p in report.errors]
    assert texts == [
        f"{parent}:24:9: transition 'referred' starts 'child' without the field(s) it "
        "requires: party_type (give them under data:)"
    ]
    assert parent.read_text(encoding="utf-8").splitlines()[23][8:].startswith("data:")


def test_a_child_started_with_an_unknown_field_is_an_error(tmp_path):
    """A data key the child does not declare is named, with the closest field."""
    parent, report = _lint_pair(tmp_path, "{party_type: payload.party_type, fien: '1'}")
    texts = [str(p) for p in report.errors]
    assert len(texts) == 1 and texts[0].startswith(f"{parent}:24:54: ")
    # placed at the value given for the unknown field
    assert parent.read_text(encoding="utf-8").splitlines()[23][47:].startswith("fien: '1'")
    assert "starts 'child' with unknown field 'fien' (did you mean 'fine'?)" in texts[0]


def test_an_unknown_child_process_is_a_warning(tmp_path):
    """A child found neither among the files linted nor the built-ins: a warning only."""
    _, report = _lint_pair(tmp_path, "{}", child="chlid")
    assert report.ok
    (warning,) = [p for p in report.problems if p.warning]
    assert "starts 'chlid': no such process" in warning.message
    assert "(did you mean 'child'?)" in warning.message


def test_a_built_in_child_is_checked_too(tmp_path):
    """A user's process that starts a built-in child is held to the child's fields."""
    parent = tmp_path / "parent.yaml"
    parent.write_text(_PARENT.replace("CHILD", "hgr-penalty").replace("DATA", "{}"), "utf-8")
    report = lint_paths([parent])
    texts = [str(p) for p in report.errors]
    assert len(texts) == 1 and "authority_level, party_type" in texts[0], texts


@pytest.mark.parametrize(
    ("on_final", "message"),
    [
        (
            "{signal_parent: {event: refered}}",
            "which signals 'refered' on finishing, but 'parent' has no such event "
            "(did you mean 'referred'?)",
        ),
        (
            "{signal_parent: {event: referred, payload: {party_type: \"'citizen'\", x: '1'}}}",
            "which signals 'referred' with payload field(s) the event does not declare: x",
        ),
        (
            "{signal_parent: {event: referred}}",
            "which signals 'referred' without the payload field(s) it requires: party_type",
        ),
    ],
)
def test_a_child_whose_signal_the_parent_would_refuse_is_an_error(tmp_path, on_final, message):
    """The event a child signals on finishing is the parent's, with the payload it declares."""
    parent, _ = _lint_pair(tmp_path, "{party_type: payload.party_type}")
    child = tmp_path / "child.yaml"
    child.write_text(_CHILD + f"on_final: {on_final}\n", encoding="utf-8")
    report = lint_paths([parent, child])
    texts = [str(p) for p in report.errors]
    assert texts == [f"{parent}:23:18: transition 'referred' starts 'child', {message}"], texts
    assert parent.read_text(encoding="utf-8").splitlines()[22][17:] == "child"


def test_a_child_whose_signal_the_parent_takes_passes(tmp_path):
    parent, _ = _lint_pair(tmp_path, "{party_type: payload.party_type}")
    child = tmp_path / "child.yaml"
    on_final = "{signal_parent: {event: referred, payload: {party_type: party_type}}}"
    child.write_text(_CHILD + f"on_final: {on_final}\n", encoding="utf-8")
    assert lint_paths([parent, child]).problems == ()
