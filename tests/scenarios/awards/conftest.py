"""Fixtures for the social S&T award scenarios (国科发奖〔2023〕11号): a real engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from policyflow import Engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file."""
    eng = Engine(tmp_path / "awards.db")
    try:
        yield eng
    finally:
        eng.close()
