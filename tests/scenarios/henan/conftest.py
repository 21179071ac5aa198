"""Fixtures for the Henan provincial procedures (issue #19): a real engine on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from policyflow import Engine
from policyflow.legaltime import china


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file; years after 2026 by the provisional calendar.

    Terms of three to five years run past the last year the State Council has published.
    """
    eng = Engine(tmp_path / "henan.db", calendar=china(provisional=True))
    try:
        yield eng
    finally:
        eng.close()
