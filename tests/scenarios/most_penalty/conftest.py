"""Fixtures for the MOST penalty scenarios: an engine on a temporary SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from policyflow import Engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file."""
    eng = Engine(tmp_path / "penalty.db")
    try:
        yield eng
    finally:
        eng.close()
