"""Fixtures for the ethics review scenarios (国科发监〔2023〕167号): a real engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from policyflow import Engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file."""
    eng = Engine(tmp_path / "ethics.db")
    try:
        yield eng
    finally:
        eng.close()
