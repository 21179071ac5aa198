"""Engine fixtures: the tiny permit process, and an engine on a temporary SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

PROCESSES = Path(__file__).parent / "processes"
TINY = PROCESSES / "tiny-permit.yaml"


@pytest.fixture
def tiny_path() -> Path:
    return TINY


@pytest.fixture
def engine(sqlite_path):
    from policyflow.engine import Engine

    with Engine(sqlite_path) as opened:
        yield opened
