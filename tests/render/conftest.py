"""Processes to draw in the render tests: the feature fixture and every built-in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyflow.definition.catalog import discover, load
from policyflow.definition.model import Process

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "processes"
# Only the good fixtures: the folder also holds bad_*.yaml, one fault each.
FIXTURE_FILES = {
    "fixture:permit": "permit.yaml",
    "fixture:permit.inspection": "permit/inspection.yaml",
    "fixture:ethics-review": "ethics-review.yaml",  # soft guards, reopening, to_previous
}
NAMES = [*FIXTURE_FILES, *discover()]


def _load(name: str) -> Process:
    if name in FIXTURE_FILES:
        return load(FIXTURES / FIXTURE_FILES[name], root=FIXTURES)
    return load(name)


@pytest.fixture(params=NAMES)
def process(request: pytest.FixtureRequest) -> Process:
    """Each process once: permit (every feature of the format), its child, every built-in."""
    return _load(request.param)


@pytest.fixture(scope="session")
def permit() -> Process:
    """The permit fixture: every feature of the format."""
    return _load("fixture:permit")


@pytest.fixture(scope="session")
def all_processes() -> list[tuple[str, Process]]:
    """(name, process) for the fixtures and every built-in process."""
    return [(name, _load(name)) for name in NAMES]
