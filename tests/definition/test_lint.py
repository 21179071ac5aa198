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
