"""Fixtures for the national award nomination scenarios (国科发奖〔2023〕225号): a real engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from policyflow import Engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file."""
    eng = Engine(tmp_path / "nomination.db")
    try:
        yield eng
    finally:
        eng.close()
