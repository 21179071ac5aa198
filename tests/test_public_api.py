"""The public surface of policyflow: pinned, sorted, and every error a PolicyflowError."""

from __future__ import annotations

import subprocess
import sys

import policyflow
from policyflow import errors


def test_all_is_sorted_and_unique():
    """__all__ is an explicit, sorted list without duplicates."""
    assert policyflow.__all__ == sorted(set(policyflow.__all__))


def test_every_name_in_all_resolves():
    """Each exported name is importable from the package top level."""
    for name in policyflow.__all__:
        assert getattr(policyflow, name) is not None, name


def test_every_public_error_is_exported():
    """Every exception in errors.py is exported at the top level and derives from the base."""
    for name in errors.__all__:
        exported = getattr(policyflow, name)
        assert exported is getattr(errors, name)
        assert issubclass(exported, policyflow.PolicyflowError), name
        assert name in policyflow.__all__


def test_input_errors_refine_valueerror_and_exit_2():
    """An InvalidInput is also a ValueError, and the CLI exits 2 for it."""
    assert issubclass(errors.InvalidPeriod, ValueError)
    assert errors.InvalidPeriod.exit_code == 2
    assert errors.UnknownProcess.exit_code == 2
    assert issubclass(errors.UnknownProcess, LookupError)


def test_refusals_by_the_state_exit_3_and_wrong_requests_exit_2():
    """The one exit-code rule: 3 when the case's state or data refuse, 2 when the request is wrong.

    An unknown event and an invalid payload are wrong in any state (exit 2), though they
    are refusals of an event; no transition from this state, or a guard false, exit 3.
    """
    for cls in (errors.EventNotAllowed, errors.GuardFailed):
        assert issubclass(cls, errors.TransitionRefused)
        assert cls.exit_code == 3
    for cls in (errors.UnknownEvent, errors.InvalidPayload):
        assert issubclass(cls, errors.TransitionRefused)
        assert cls.exit_code == 2
    assert issubclass(errors.UnknownEvent, errors.EventNotAllowed)
    assert errors.InvalidCaseData.exit_code == 2  # invalid data at start: the same rule


def test_a_missing_extra_exits_2_naming_the_pip_line():
    """MissingExtra is an input error and an ImportError; its message ends with the pip line."""
    error = errors.MissingExtra("a PostgreSQL database", extra="postgres", package="psycopg")
    assert isinstance(error, ImportError) and error.exit_code == 2
    assert str(error).endswith("pip install 'policyflow[postgres]'")
    assert (
        error.facts()["extra"] == "postgres"
        and error.install == "pip install 'policyflow[postgres]'"
    )


def test_error_facts_are_plain_data():
    """An error's facts (for --json) carry its attributes as plain values."""
    error = errors.CalendarNotPublished("no schedule for 2027", year=2027)
    assert error.facts() == {
        "error": "CalendarNotPublished",
        "message": "no schedule for 2027",
        "year": 2027,
    }


def test_importing_legaltime_does_not_import_sqlalchemy():
    """`from policyflow import legaltime` stays light: the engine's database layer loads lazily."""
    code = "import sys; from policyflow import legaltime; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
