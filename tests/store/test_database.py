"""The database: URL resolution, SQLite settings, and the migrations that make the schema."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from policyflow.errors import DatabaseUnavailable, InvalidInput
from policyflow.store import fast
from policyflow.store.database import Database, resolve_url
from policyflow.store.tables import metadata


def test_default_url_is_policyflow_db_in_the_current_folder(monkeypatch, tmp_path):
    """Without a URL or POLICYFLOW_DB the database is ./policyflow.db."""
    monkeypatch.delenv("POLICYFLOW_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_url().database == "policyflow.db"


def test_env_var_overrides_the_default_and_argument_overrides_env(monkeypatch, tmp_path):
    """POLICYFLOW_DB beats the default; an explicit URL beats POLICYFLOW_DB."""
    monkeypatch.setenv("POLICYFLOW_DB", str(tmp_path / "env.db"))
    assert resolve_url().database == str(tmp_path / "env.db")
    assert resolve_url(tmp_path / "arg.db").database == str(tmp_path / "arg.db")


def test_postgres_urls_use_psycopg_3():
    """postgresql:// and postgres:// both go through the psycopg 3 driver."""
    assert resolve_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


def test_other_databases_are_refused_in_one_line():
    """A MySQL URL is refused, naming what is supported."""
    with pytest.raises(InvalidInput, match="runs on SQLite or PostgreSQL"):
        resolve_url("mysql://u@h/db")


def test_missing_folder_is_refused_and_creates_nothing(tmp_path):
    """A database path in a folder that does not exist is an input error, not a traceback."""
    with pytest.raises(InvalidInput, match="does not exist"):
        Database(tmp_path / "nowhere" / "x.db")
    assert not (tmp_path / "nowhere").exists()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(sqlite_path):
    """Every SQLite connection runs in WAL mode, enforces foreign keys and waits for locks."""
    database = Database(sqlite_path)
    with database.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_the_hot_path_connection_keeps_the_durable_settings(sqlite_path):
    """transaction() runs on WAL with synchronous=NORMAL (1), never OFF, foreign keys on."""
    database = Database(sqlite_path)
    with database.transaction() as transaction:

        def pragma(name: str) -> object:
            [row] = fast.fetch(transaction, f"PRAGMA {name}")
            return next(iter(row.values()))

        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 1  # NORMAL: 0 would be OFF
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 30000
        assert transaction.connection.in_transaction  # BEGIN IMMEDIATE ran
    database.dispose()


def test_a_failed_transaction_is_rolled_back_and_the_connection_reused(sqlite_path):
    """An error inside transaction() undoes its writes; the next transaction works."""
    from policyflow.store import cases

    database = Database(sqlite_path)
    stored = datetime(2023, 1, 1)
    with pytest.raises(RuntimeError, match="boom"), database.transaction() as transaction:
        cases.put_definition(transaction, "p", "v1", "{}", stored_at=stored)
        raise RuntimeError("boom")
    with database.transaction() as transaction:
        assert cases.find_definition(transaction, "p", "v1") is None
        cases.put_definition(transaction, "p", "v2", "{}", stored_at=stored)
    with database.read() as connection:
        assert cases.find_definition(connection, "p", "v2") == "{}"
    database.dispose()


def test_each_thread_writes_on_its_own_connection(sqlite_path):
    """Four threads share one Database: every write commits, none waits on another's."""
    from policyflow.store import cases

    database = Database(sqlite_path)
    seen: set[int] = set()

    def write(number: int) -> None:
        for round_ in range(5):
            with database.transaction() as transaction:
                seen.add(id(transaction.connection.dbapi_connection))
                cases.put_definition(
                    transaction, "p", f"t{number}-{round_}", "{}", stored_at=datetime(2023, 1, 1)
                )

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4  # one kept connection per thread, reused for its 5 writes
    with database.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM definitions").scalar() == 20
    database.dispose()


def test_first_use_creates_the_schema_at_the_newest_migration(sqlite_path):
    """Opening a new file runs the shipped migrations: every table, at revision head."""
    assert not sqlite_path.exists()
    database = Database(sqlite_path)
    tables = set(inspect(database.engine).get_table_names())
    assert {"cases", "journal", "timers", "definitions", "ledger", "alembic_version"} <= tables
    assert database.revision() == "0008"
    Database(sqlite_path)  # a second open is a no-op, not a second CREATE TABLE
    assert database.revision() == "0008"


def test_the_due_timer_index_exists(sqlite_path):
    """timers has the index in the order of tick's pages, and only that one (migration 0008)."""
    indexes = inspect(Database(sqlite_path).engine).get_indexes("timers")
    assert [(i["name"], i["column_names"]) for i in indexes] == [
        ("ix_timers_due", ["status", "expires_at", "case_id", "position"])
    ]


def _diff(database: Database) -> list[object]:
    with database.read() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))


def test_migrations_match_the_tables_on_sqlite(sqlite_path):
    """Alembic autogenerate finds nothing to add: the migrations build exactly the tables."""
    assert _diff(Database(sqlite_path)) == []


def test_migration_files_ship_inside_the_package():
    """The migrations live under src/policyflow, so the wheel carries them."""
    from policyflow.store import database as module

    versions = Path(module.__file__).parent / "migrations" / "versions"
    assert (versions.parent / "env.py").is_file()
    assert sorted(p.name for p in versions.glob("*.py")) == [
        "0001_initial.py",
        "0002_ledger.py",
        "0003_ethics_format.py",
        "0004_roles.py",
        "0005_relations.py",
        "0006_calendar.py",
        "0007_delegation_chain.py",
        "0008_due_order.py",
    ]


@pytest.mark.postgres
def test_migrations_match_the_tables_on_postgres(postgres_url):
    """The same migrations build the same schema on PostgreSQL."""
    database = Database(postgres_url)
    assert database.revision() == "0008"
    assert _diff(database) == []
    database.dispose()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2023, 9, 28),  # no fraction: isoformat leaves it out, the store does not
        datetime(2023, 9, 28, 23, 59, 59, 999999),
        datetime(2023, 9, 28, 10, 0, 0, 1),
        datetime(2023, 9, 28, 10, tzinfo=timezone(timedelta(hours=8))),
    ],
)
def test_datetimes_are_stored_as_sqlalchemy_stores_them(moment):
    """fast's text for a datetime is isoformat(" ", "microseconds"), asked once or twice."""
    assert fast.encode("sqlite", "cases", ("updated_at",), {"updated_at": moment}) == (
        moment.isoformat(" ", "microseconds"),
    )
    assert fast.encode("sqlite", "cases", ("updated_at",), {"updated_at": moment}) == (
        moment.isoformat(" ", "microseconds"),
    )


def test_the_file_is_read_through_a_memory_map(sqlite_path):
    """Every connection maps the first GiB of the file for reading (tick reads scattered rows)."""
    database = Database(sqlite_path)
    with database.transaction() as transaction:
        [row] = fast.fetch(transaction, "PRAGMA mmap_size")
    with database.read() as connection:
        read = connection.exec_driver_sql("PRAGMA mmap_size").scalar()
    database.dispose()
    assert (next(iter(row.values())), read) == (1 << 30, 1 << 30)


def test_a_database_that_only_reads_is_never_created(tmp_path):
    """create=False refuses a missing file and leaves no file behind."""
    with pytest.raises(DatabaseUnavailable, match="none was created"):
        Database(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_a_folder_or_a_foreign_file_is_refused(tmp_path):
    """A folder, or a file that is not SQLite, is DatabaseUnavailable (exit 6), unchanged."""
    with pytest.raises(DatabaseUnavailable, match="it is a folder"):
        Database(tmp_path)
    foreign = tmp_path / "notes.db"
    foreign.write_text("not a database\n")
    with pytest.raises(DatabaseUnavailable, match="file is not a database") as raised:
        Database(foreign)
    assert raised.value.exit_code == 6
    assert foreign.read_text() == "not a database\n"


def test_a_newer_schema_is_refused_before_any_write(sqlite_path):
    """A revision this policyflow does not know is not 'upgraded' over: it is refused."""
    Database(sqlite_path).dispose()
    with sqlite3.connect(sqlite_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0999'")
    connection.close()
    with pytest.raises(DatabaseUnavailable, match="newer than this policyflow knows"):
        Database(sqlite_path)
    with sqlite3.connect(sqlite_path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0999",)
        ]
    connection.close()
