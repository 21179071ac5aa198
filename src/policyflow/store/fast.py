"""Plain SQL on the DBAPI connection: the engine's hot path, without SQLAlchemy in between.

Building a SQLAlchemy statement per event costs more than the write itself (statement
construction and cache keys: about 1 ms per event), and so does SQLAlchemy's transaction
machinery (connection checkout, begin and commit events: about 0.3 ms). The engine's
writes and the reads they need are therefore fixed SQL text, made once per dialect and
cached by the driver as prepared statements, run either

- in a :class:`Transaction`: begun and ended on the DBAPI connection itself
  (``BEGIN IMMEDIATE`` … ``COMMIT`` on SQLite, the driver's implicit transaction on
  PostgreSQL), see :meth:`policyflow.store.database.Database.transaction`; or
- inside a transaction SQLAlchemy holds (a :class:`~sqlalchemy.Connection` from
  ``Database.read()`` or ``Database.write()``), on that connection's cursor.

Writes are queued in a :class:`Batch` and run together, one ``executemany`` per
statement: an event's few rows, or a whole tick page's.

Values are converted here the way SQLAlchemy would store and return them, so rows
written or read either way compare and sort alike: on SQLite a datetime is
``YYYY-MM-DD HH:MM:SS.ffffff``, a date ``YYYY-MM-DD``, a bool 0/1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Table
from sqlalchemy.exc import DBAPIError

from policyflow.errors import ConcurrentUpdate
from policyflow.store.tables import metadata

__all__ = [
    "Batch",
    "Target",
    "Transaction",
    "columns",
    "dialect_of",
    "encode",
    "encode_row",
    "execute",
    "fetch",
    "insert_sql",
    "mark",
    "update_sql",
]


class Transaction:
    """One transaction on a DBAPI connection, begun and ended by the store itself.

    Made by :meth:`policyflow.store.database.Database.transaction`; the store's
    functions take it wherever they take a SQLAlchemy connection.

    Attributes:
        dialect: ``sqlite`` or ``postgresql``.
        connection: the DBAPI connection (pooled by SQLAlchemy).
        cursor: the one cursor every statement of the transaction runs on.
        error: the driver's base exception class.
    """

    __slots__ = ("connection", "cursor", "dialect", "error")

    def __init__(self, dialect: str, connection: Any, error: type[Exception]) -> None:
        self.dialect = dialect
        self.connection = connection
        self.error = error
        self.cursor = connection.cursor()


# Where the store's functions run: a transaction of ours, or one SQLAlchemy holds.
Target = Connection | Transaction


# datetime → its stored text, for the times written again and again: an event's business
# time and wall-clock time are written twice each (journal and case row), and a deadline's
# expiry instant is shared by every timer due that day. Emptied when full.
_TEXTS: dict[datetime, str] = {}
_TEXTS_MAX = 4096


def _datetime_text(value: datetime) -> str:
    """``value.isoformat(" ", "microseconds")``, the text SQLAlchemy stores, made quicker.

    isoformat with a timespec takes twice as long as without one; a naive datetime's
    isoformat leaves out only a zero fraction, which is added back here.
    """
    if type(value) is not datetime or value.tzinfo is not None:  # a subclass, an offset
        return value.isoformat(" ", "microseconds")
    text = _TEXTS.get(value)
    if text is not None:
        return text
    text = value.isoformat(" ")
    if not value.microsecond:
        text += ".000000"
    if len(_TEXTS) >= _TEXTS_MAX:
        _TEXTS.clear()
    _TEXTS[value] = text
    return text


def _date_text(value: date) -> str:
    return value.isoformat()


def _kind(column_type: Any) -> str | None:
    if isinstance(column_type, DateTime):
        return "datetime"
    if isinstance(column_type, Date):
        return "date"
    if isinstance(column_type, Boolean):
        return "bool"
    return None


_ENCODE: dict[str, Callable[[Any], Any]] = {
    "datetime": _datetime_text,
    "date": _date_text,
    "bool": int,
}
_DECODE: dict[str, Callable[[Any], Any]] = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "bool": bool,
}


def _sqlite_decoders() -> dict[str, Callable[[Any], Any]]:
    """Column name → how SQLite's text or integer becomes the Python value (by name)."""
    found: dict[str, Callable[[Any], Any]] = {}
    for table in metadata.tables.values():
        for column in table.columns:
            kind = _kind(column.type)
            if kind is None:
                continue
            decoder = _DECODE[kind]
            if found.setdefault(column.name, decoder) is not decoder:
                raise TypeError(f"column {column.name!r} has two types in the store's tables")
    return found


_SQLITE_DECODERS = _sqlite_decoders()


def _table(name: str) -> Table:
    return metadata.tables[name]


@cache
def columns(table_name: str) -> tuple[str, ...]:
    """Return the column names of one of the store's tables, in table order."""
    return tuple(column.name for column in _table(table_name).columns)


@cache
def _plan(
    table_name: str, names: tuple[str, ...]
) -> tuple[Callable[[Mapping[str, Any]], Any], tuple[tuple[int, Callable[[Any], Any]], ...]]:
    """How to encode `names` of `table_name`: a getter of their values, and which to convert."""
    kinds = {c.name: _kind(c.type) for c in _table(table_name).columns}
    converted = tuple(
        (index, _ENCODE[kind])
        for index, name in enumerate(names)
        if (kind := kinds[name]) is not None
    )
    getter = itemgetter(*names)
    if len(names) == 1:
        return (lambda values: (getter(values),)), converted
    return getter, converted


def mark(dialect: str) -> str:
    """Return the DBAPI placeholder of `dialect` (``?`` for sqlite3, ``%s`` for psycopg)."""
    return "?" if dialect == "sqlite" else "%s"


def encode(
    dialect: str, table_name: str, names: tuple[str, ...], values: Mapping[str, Any]
) -> tuple[Any, ...]:
    """Return `values` of the columns `names`, in that order, as `dialect` stores them."""
    getter, converted = _plan(table_name, names)
    found = getter(values)
    if dialect != "sqlite" or not converted:
        return tuple(found)
    out = list(found)
    for index, encoder in converted:
        value = out[index]
        if value is not None:
            out[index] = encoder(value)
    return tuple(out)


@cache
def _row_plan(dialect: str, table_name: str) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    if dialect != "sqlite":
        return ()
    return _plan(table_name, columns(table_name))[1]


def encode_row(dialect: str, table_name: str, row: Sequence[Any]) -> Sequence[Any]:
    """Return a whole row of `table_name` (every column, in table order) as `dialect` stores it."""
    converted = _row_plan(dialect, table_name)
    if not converted:
        return row
    out = list(row)
    for index, encoder in converted:
        value = out[index]
        if value is not None:
            out[index] = encoder(value)
    return out


@cache
def insert_sql(dialect: str, table_name: str) -> str:
    """Return ``INSERT INTO table (every column) VALUES (…)`` for `dialect`."""
    names = columns(table_name)
    return (
        f"INSERT INTO {table_name} ({', '.join(names)}) "
        f"VALUES ({', '.join([mark(dialect)] * len(names))})"
    )


@cache
def update_sql(dialect: str, table_name: str, keys: tuple[str, ...], sets: tuple[str, ...]) -> str:
    """Return ``UPDATE table SET sets WHERE keys``: parameters are `sets`, then `keys`."""
    placeholder = mark(dialect)
    assignments = ", ".join(f"{c} = {placeholder}" for c in sets)
    where = " AND ".join(f"{k} = {placeholder}" for k in keys)
    return f"UPDATE {table_name} SET {assignments} WHERE {where}"


def dialect_of(target: Target) -> str:
    """Return the dialect name (``sqlite`` or ``postgresql``) of `target`."""
    return target.dialect if isinstance(target, Transaction) else target.dialect.name


def _run(target: Target, sql: str, rows: Sequence[Sequence[Any]], *, many: bool) -> Any:
    """Run `sql` on the transaction's cursor (or a new one); return the cursor."""
    if isinstance(target, Transaction):
        cursor, error = target.cursor, target.error
    else:
        cursor, error = target.connection.cursor(), target.dialect.loaded_dbapi.Error
    try:
        if many:
            cursor.executemany(sql, rows)
        else:
            cursor.execute(sql, rows[0])
    except error as failure:
        # the same exception SQLAlchemy raises for its own statements (IntegrityError …)
        raise DBAPIError.instance(sql, list(rows), failure, error) from failure
    return cursor


def _done(target: Target, cursor: Any) -> None:
    if not isinstance(target, Transaction):
        cursor.close()


def execute(target: Target, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    """Run `sql` once per parameter row; return how many rows it changed.

    Raises:
        sqlalchemy.exc.DBAPIError: the driver's error, wrapped as SQLAlchemy wraps its
            own statements' (``IntegrityError`` …), so callers catch one kind.
    """
    cursor = _run(target, sql, rows, many=len(rows) != 1)
    try:
        return int(cursor.rowcount)
    finally:
        _done(target, cursor)


def fetch(target: Target, sql: str, parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Run a query; return its rows as dicts, values as SQLAlchemy would return them."""
    cursor = _run(target, sql, [parameters], many=False)
    try:
        rows = cursor.fetchall()
        names = [d[0] for d in cursor.description]
    finally:
        _done(target, cursor)
    found = [dict(zip(names, row, strict=True)) for row in rows]
    if dialect_of(target) == "sqlite":
        decoded = [(n, d) for n in names if (d := _SQLITE_DECODERS.get(n)) is not None]
        for item in found:
            for name, decoder in decoded:
                value = item[name]
                if value is not None:
                    item[name] = decoder(value)
    return found


class Batch:
    """Writes collected for one transaction, run together: one ``executemany`` per statement.

    Statements run in the order each was first added, every statement's rows in the order
    they were added. The caller makes sure that this order is a safe one: the engine adds,
    per case, one case row, its journal rows, and one set of timer changes (different
    rows, different keys), so running all cases' UPDATEs, then all their journal INSERTs,
    and so on, writes the same rows as running them case by case.
    """

    __slots__ = ("_checked", "_rows")

    def __init__(self) -> None:
        self._rows: dict[str, list[Sequence[Any]]] = {}
        # statement → what to raise if fewer rows matched than parameter rows were given
        self._checked: dict[str, list[str]] = {}

    def add(self, sql: str, row: Sequence[Any], *, conflict: str | None = None) -> None:
        """Queue `sql` with one parameter row.

        Args:
            sql: the statement (fixed text: the same text groups rows into one call).
            row: its parameters.
            conflict: for a version-checked UPDATE: the message of the
                :class:`~policyflow.errors.ConcurrentUpdate` raised if this row matches
                nothing.
        """
        rows = self._rows.get(sql)
        if rows is None:
            rows = self._rows[sql] = []
        rows.append(row)
        if conflict is not None:
            self._checked.setdefault(sql, []).append(conflict)

    def insert(self, dialect: str, table_name: str, values: Mapping[str, Any]) -> None:
        """Queue the insert of one row of `table_name` (every column in `values`)."""
        self.add(
            insert_sql(dialect, table_name),
            encode(dialect, table_name, columns(table_name), values),
        )

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._rows.values())

    def run(self, target: Target) -> None:
        """Run every queued statement on `target`, then forget them.

        Raises:
            ConcurrentUpdate: a version-checked UPDATE matched fewer rows than it was
                given (another writer moved a case first); the caller's transaction must
                be rolled back.
            sqlalchemy.exc.DBAPIError: the driver refused a statement.
        """
        queued, checked = self._rows, self._checked
        self._rows, self._checked = {}, {}
        for sql, rows in queued.items():
            changed = execute(target, sql, rows)
            conflicts = checked.get(sql)
            if conflicts is not None and changed != len(rows):
                raise ConcurrentUpdate(
                    conflicts[0]
                    if len(conflicts) == 1
                    else f"{len(rows) - changed} of {len(rows)} cases were changed by another "
                    f"writer ({conflicts[0]})"
                )
