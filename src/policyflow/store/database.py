"""Database: one SQLAlchemy engine, its connection settings, and the schema migration.

SQLite (the default, a single file) or PostgreSQL (``postgresql+psycopg://…``). On SQLite
every connection runs in WAL mode with foreign keys on and a busy timeout, and a write
transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock before it reads, so a
read-then-write never fails half way with "database is locked". On PostgreSQL writes lock
the rows they change (``SELECT … FOR UPDATE``), see :mod:`policyflow.store.cases`.

Two ways to write: :meth:`Database.write` (a SQLAlchemy connection: migrations, tests,
anything rare) and :meth:`Database.transaction` (the engine's events and ticks: the same
BEGIN IMMEDIATE … COMMIT on the DBAPI connection itself, without SQLAlchemy's
per-transaction machinery, on a connection each thread keeps).

The schema is created and upgraded on first use by the Alembic migrations shipped in
``store/migrations``, run in code (no ``alembic.ini`` needed).
"""

from __future__ import annotations

import importlib.util
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, create_engine, event, make_url
from sqlalchemy import Engine as SAEngine
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from policyflow.errors import DatabaseUnavailable, InvalidInput, MissingExtra
from policyflow.store.fast import Transaction

__all__ = [
    "DEFAULT_PATH",
    "DURABILITIES",
    "DURABILITY_ENV",
    "ENV_VAR",
    "Database",
    "durability_of",
    "resolve_url",
]

ENV_VAR = "POLICYFLOW_DB"
#: The environment variable giving the default durability (``full`` or ``normal``).
DURABILITY_ENV = "POLICYFLOW_DURABILITY"
#: How durable a commit is: ``normal`` (the default) or ``full``; see :func:`durability_of`.
DURABILITIES = ("normal", "full")
DEFAULT_PATH = "policyflow.db"
BUSY_TIMEOUT_MS = 30_000
WAL_CHECKPOINT_PAGES = 10_000
# SQLite reads the first GiB of the file through a memory map instead of a read() call
# per page: a tick over a large database reads thousands of cases and timers scattered
# over it (10,000 due among 1,000,000 open cases: 1.8 s → 1.3 s). Writes still go
# through the WAL with write(), so durability is unchanged; the map is address space,
# not memory (pages are the operating system's file cache).
MMAP_SIZE = 1 << 30
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Serialises concurrent schema upgrades on PostgreSQL (an arbitrary, fixed lock key).
_MIGRATION_LOCK = 7_305_119_264_118


def resolve_url(url: str | Path | None = None) -> URL:
    """Return the database URL to use.

    `url` wins; then the ``POLICYFLOW_DB`` environment variable; then the file
    ``policyflow.db`` in the current directory. A plain path means an SQLite file;
    ``postgresql://`` and ``postgres://`` mean PostgreSQL through psycopg 3.

    Raises:
        InvalidInput: the URL cannot be parsed or names another database.
        MissingExtra: a PostgreSQL URL, and psycopg is not installed.
    """
    text = str(url) if url is not None else os.environ.get(ENV_VAR) or DEFAULT_PATH
    if not text.strip():
        raise InvalidInput("empty database path: give a file path or a postgresql:// URL")
    if "://" not in text:
        if text == ":memory:":
            return make_url("sqlite://")
        return URL.create("sqlite", database=str(Path(text).expanduser()))
    for prefix in ("postgres://", "postgresql://"):
        if text.startswith(prefix):
            text = "postgresql+psycopg://" + text[len(prefix) :]
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise InvalidInput(
            f"invalid database URL {text!r}: expected a file path, sqlite:///FILE "
            "or postgresql://USER@HOST/DB"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InvalidInput(
            f"unsupported database {parsed.get_backend_name()!r} in {parsed!r}: "
            "policyflow runs on SQLite or PostgreSQL"
        )
    if parsed.get_driver_name() == "psycopg" and importlib.util.find_spec("psycopg") is None:
        raise MissingExtra("a PostgreSQL database", extra="postgres", package="psycopg")
    return parsed


def durability_of(value: str | None) -> str:
    """The durability asked for: `value`, else ``$POLICYFLOW_DURABILITY``, else ``normal``.

    ``normal``: on SQLite ``synchronous=NORMAL`` (WAL): a killed process loses nothing it
    committed; a power cut or an operating-system crash may lose the last commits, never
    corrupt the file. ``full``: ``synchronous=FULL``: each commit is synced to disk
    before it returns, so it survives a power cut too. On PostgreSQL a commit is durable
    by the server's settings (``synchronous_commit = on``, ``fsync = on`` by default) and
    ``normal`` leaves them as they are; ``full`` sets ``synchronous_commit = on`` for
    policyflow's sessions, whatever the server's default.

    Raises:
        InvalidInput: neither value (naming where it came from).
    """
    chosen = value if value is not None else os.environ.get(DURABILITY_ENV) or "normal"
    if chosen not in DURABILITIES:
        where = "durability" if value is not None else f"${DURABILITY_ENV}"
        raise InvalidInput(f"unknown {where} {chosen!r}: expected 'normal' or 'full'")
    return chosen


def _configure_sqlite(engine: SAEngine, durability: str = "normal") -> None:
    synchronous = "FULL" if durability == "full" else "NORMAL"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN, instead of pysqlite's own
        # (deferred, and late) transaction handling.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL: a killed process loses nothing committed; only a power cut may
        # drop the last commits, never corrupt the file. FULL: each commit syncs the WAL.
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Read the file through a memory map (up to MMAP_SIZE): see MMAP_SIZE.
        cursor.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
        # Copy the WAL back into the database every 10,000 pages (~40 MB) instead of
        # 1,000: each checkpoint syncs the files, and fewer, larger ones cost less per
        # event (measured ~15-25 % on fire). Durability is the same: a commit is in the
        # WAL either way, and a crash replays the WAL.
        cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("policyflow_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@cache
def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def driver_reason(error: BaseException) -> str:
    """The first line of a database error: the driver's own where SQLAlchemy wraps it."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


@cache
def _known_revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    return frozenset(r.revision for r in ScriptDirectory(str(MIGRATIONS)).walk_revisions())


def _check_file(path: Path, *, create: bool) -> None:
    """Refuse an SQLite path that cannot be opened as asked, before SQLite creates it."""
    name = str(path)
    if path.is_dir():
        raise DatabaseUnavailable(
            f"cannot use database {name}: it is a folder, not a file", database=name
        )
    if not path.parent.is_dir():
        raise InvalidInput(f"cannot open database {name}: folder {path.parent} does not exist")
    if not create and not path.exists():
        raise DatabaseUnavailable(
            f"no database at {name}: this command only reads, so none was created "
            "(check --db or $POLICYFLOW_DB)",
            database=name,
        )


class Database:
    """One database: its SQLAlchemy engine, transactions, and schema.

    Args:
        url: a path, an SQLite or PostgreSQL URL, or None (see :func:`resolve_url`).
        migrate: create or upgrade the schema now (the default).
        create: whether a missing SQLite file may be created; False for what only reads.
        durability: ``normal`` or ``full`` (None: ``$POLICYFLOW_DURABILITY``, else
            ``normal``); see :func:`durability_of`.

    Raises:
        DatabaseUnavailable: the file is missing (with `create` False) or a folder, is not
            an SQLite database or not policyflow's, its schema is newer than this
            policyflow, or the server cannot be reached. Nothing is created or changed.
    """

    def __init__(
        self,
        url: str | Path | None = None,
        *,
        migrate: bool = True,
        create: bool = True,
        durability: str | None = None,
    ) -> None:
        self.durability = durability_of(durability)
        self.url = resolve_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgres = not self.is_sqlite
        if self.is_sqlite:
            memory = self.url.database in (None, "", ":memory:")
            if not memory and self.url.database is not None:
                _check_file(Path(self.url.database), create=create)
            self.engine = create_engine(
                self.url,
                connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
                poolclass=StaticPool if memory else None,
            )
            _configure_sqlite(self.engine, self.durability)
        else:
            # `full`: commits wait for the WAL flush even if the server's default is lower
            options = {"options": "-c synchronous_commit=on"} if self.durability == "full" else {}
            self.engine = create_engine(self.url, pool_pre_ping=True, connect_args=options)
        self._dialect = self.engine.dialect.name
        # Per-thread SQLite connections for transaction() (not for an in-memory database:
        # its one connection is the database).
        self._hold = self.is_sqlite and self.url.database not in (None, "", ":memory:")
        self._local = threading.local()
        self._held: weakref.WeakSet[Any] = weakref.WeakSet()
        self._held_lock = threading.Lock()
        self._dbapi_error: type[Exception] = self.engine.dialect.loaded_dbapi.Error
        if migrate:
            try:
                self.migrate()
            except (SQLAlchemyError, self._dbapi_error) as error:
                self.dispose()
                raise self.unavailable(error) from None
            except DatabaseUnavailable:
                self.dispose()
                raise

    @property
    def name(self) -> str:
        """The database as a user named it: the file, or the URL without its password."""
        if self.is_sqlite:
            return self.url.database or ":memory:"
        return self.url.render_as_string(hide_password=True)

    def unavailable(self, error: BaseException) -> DatabaseUnavailable:
        """The one-line error for a database error `error` met on this database."""
        return DatabaseUnavailable(
            f"cannot use database {self.name}: {driver_reason(error)}", database=self.name
        )

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Open a read transaction (deferred on SQLite: it takes no write lock)."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """Open a write transaction, committed at the end, rolled back on any error."""
        with self.engine.connect() as connection:
            connection.execution_options(policyflow_write=True)
            with connection.begin():
                yield connection

    def transaction(self) -> AbstractContextManager[Transaction]:
        """Open a write transaction on the DBAPI connection itself: the engine's hot path.

        The same guarantees as :meth:`write` (``BEGIN IMMEDIATE`` on SQLite; committed
        at the end, rolled back on any error), without SQLAlchemy's per-transaction
        machinery. Statements go through :mod:`policyflow.store.fast` (the store's
        functions take the yielded :class:`~policyflow.store.fast.Transaction`).

        On an SQLite file each thread keeps one connection for these transactions (made
        by the pool, so with the same settings and ``connect`` hooks, then detached from
        it): a pool checkout and checkin cost as much as the SQL of a small event.
        PostgreSQL connections come from the pool each time (checked by a ping).
        """
        return _Scope(self)

    def _held_transaction(self) -> Transaction | None:
        """This thread's own SQLite connection, as a reusable Transaction (None: use the pool)."""
        if not self._hold or getattr(self._local, "busy", False):
            return None  # PostgreSQL, an in-memory database, or a nested transaction
        held: Transaction | None = getattr(self._local, "transaction", None)
        if held is None or held.connection.dbapi_connection is None:
            connection = self.engine.raw_connection()
            connection.detach()  # ours now: closed with the thread, or by dispose()
            held = Transaction(self._dialect, connection, self._dbapi_error)
            self._local.transaction = held
            with self._held_lock:
                self._held.add(connection)
        self._local.busy = True
        return held

    def _drop_held(self) -> None:
        held: Transaction | None = getattr(self._local, "transaction", None)
        self._local.transaction = None
        if held is not None:
            with self._held_lock:
                self._held.discard(held.connection)
            held.connection.close()

    def migrate(self) -> None:
        """Create the schema, or upgrade it to the newest migration; a no-op when current."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext

        head = _head_revision()
        with self.write() as connection:
            if self.is_postgres:
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            current = MigrationContext.configure(connection).get_current_revision()
            if current == head:
                return
            self._check_upgradable(connection, current, head)
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def _check_upgradable(
        self, connection: Connection, current: str | None, head: str | None
    ) -> None:
        """Refuse a schema this policyflow cannot upgrade, before anything is written."""
        from sqlalchemy import inspect

        if current is None:
            tables = set(inspect(connection).get_table_names())
            if tables & {"cases", "journal", "timers"}:
                raise DatabaseUnavailable(
                    f"cannot use database {self.name}: it has policyflow's tables but no "
                    "schema revision (alembic_version is missing or empty), so which "
                    "migrations it has had is unknown; restore it from a backup",
                    database=self.name,
                )
        elif current not in _known_revisions():
            raise DatabaseUnavailable(
                f"cannot use database {self.name}: its schema is at revision {current}, "
                f"newer than this policyflow knows (newest {head}); upgrade policyflow",
                database=self.name,
            )

    def revision(self) -> str | None:
        """Return the schema's current Alembic revision (None before the first migration)."""
        from alembic.runtime.migration import MigrationContext

        with self.read() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def dispose(self) -> None:
        """Close every pooled connection, and the connections threads keep for writes."""
        with self._held_lock:
            held = list(self._held)
            self._held.clear()
        for connection in held:
            connection.close()
        self._local = threading.local()
        self.engine.dispose()


class _Scope:
    """One :meth:`Database.transaction`: begun on entry; committed, or rolled back, on exit.

    A class rather than a generator-based context manager: every event opens one, and
    this costs a third as much.
    """

    __slots__ = ("_database", "_pooled", "_transaction")

    def __init__(self, database: Database) -> None:
        self._database = database

    def __enter__(self) -> Transaction:
        database = self._database
        held = database._held_transaction()
        self._pooled = None
        if held is None:
            self._pooled = database.engine.raw_connection()
            self._transaction = Transaction(database._dialect, self._pooled, database._dbapi_error)
        else:
            self._transaction = held
        if database.is_sqlite:
            try:
                self._transaction.cursor.execute("BEGIN IMMEDIATE")
            except BaseException:
                try:
                    self._abort()
                finally:
                    self._release()
                raise
        return self._transaction

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                try:
                    self._transaction.connection.commit()
                except BaseException:
                    self._abort()
                    raise
            else:
                self._abort()
        finally:
            self._release()

    def _abort(self) -> None:
        try:
            self._transaction.connection.rollback()
        except BaseException:
            if self._pooled is None:
                self._database._drop_held()  # a connection that cannot roll back is not reused
            raise

    def _release(self) -> None:
        if self._pooled is not None:
            self._transaction.cursor.close()
            self._pooled.close()  # back to the pool
        else:
            self._database._local.busy = False
