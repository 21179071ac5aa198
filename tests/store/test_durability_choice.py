"""Durability as a choice: SQLite synchronous=NORMAL (the default) or FULL; PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from policyflow.engine import Engine
from policyflow.errors import InvalidInput
from policyflow.store.database import DURABILITY_ENV, Database

POLICYFLOW = Path(sys.executable).parent / "policyflow"
# PRAGMA synchronous: 1 is NORMAL, 2 is FULL
NORMAL, FULL = 1, 2


def _synchronous(database: Database) -> tuple[int, int]:
    """The setting on a pooled connection and on the one the engine's writes hold."""
    with database.read() as connection:
        pooled = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    with database.transaction() as held:
        held.cursor.execute("PRAGMA synchronous")
        written = held.cursor.fetchone()[0]
    return int(pooled or 0), int(written)


def test_normal_is_the_default(sqlite_path, monkeypatch):
    monkeypatch.delenv(DURABILITY_ENV, raising=False)
    database = Database(sqlite_path)
    assert database.durability == "normal" and _synchronous(database) == (NORMAL, NORMAL)
    database.dispose()


def test_full_syncs_every_commit(sqlite_path):
    with Engine(sqlite_path, durability="full") as engine:
        assert _synchronous(engine.database) == (FULL, FULL)


def test_the_environment_variable_chooses_and_the_argument_wins(sqlite_path, monkeypatch):
    monkeypatch.setenv(DURABILITY_ENV, "full")
    database = Database(sqlite_path)
    assert _synchronous(database) == (FULL, FULL)
    database.dispose()
    database = Database(sqlite_path, durability="normal")
    assert _synchronous(database) == (NORMAL, NORMAL)
    database.dispose()


def test_an_unknown_durability_is_refused_naming_the_choices(sqlite_path, monkeypatch):
    with pytest.raises(InvalidInput, match="unknown durability 'fsync': expected 'normal' or"):
        Engine(sqlite_path, durability="fsync")
    monkeypatch.setenv(DURABILITY_ENV, "FULL")
    with pytest.raises(InvalidInput, match=r"unknown \$POLICYFLOW_DURABILITY 'FULL'"):
        Database(sqlite_path)
    assert not sqlite_path.exists()  # refused before anything was created


def test_the_command_line_option_is_checked(sqlite_path):
    done = subprocess.run(
        [str(POLICYFLOW), "tick", "--db", str(sqlite_path), "--durability", "always"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
        check=False,
    )
    assert done.returncode == 2 and "unknown durability 'always'" in done.stderr
    ok = subprocess.run(
        [str(POLICYFLOW), "tick", "--db", str(sqlite_path), "--durability", "full"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr


@pytest.mark.postgres
def test_full_on_postgresql_insists_on_synchronous_commit(postgres_url):
    """The test server runs with synchronous_commit=off: normal leaves it, full sets it on."""
    for durability, expected in (("normal", "off"), ("full", "on")):
        database = Database(postgres_url, durability=durability)
        with database.read() as connection:
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == expected
        database.dispose()
