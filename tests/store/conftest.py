"""Store fixtures: an SQLite database in a temporary file."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyflow.store.database import Database


@pytest.fixture
def database(sqlite_path: Path) -> Database:
    return Database(sqlite_path)
