"""Plain SQL for the four hot writes, executed on the DBAPI cursor of the open transaction.

Building a SQLAlchemy statement per event costs more than the write itself (statement
construction and cache keys: about 1 ms per event). The writes of one event (case update,
journal append, timer upserts) are therefore fixed SQL text, made once per dialect, run on
the cursor of the connection whose transaction SQLAlchemy holds. Values are converted here
the way SQLAlchemy would store them, so rows written either way compare and sort alike:
on SQLite a datetime is ``YYYY-MM-DD HH:MM:SS.ffffff``, a date ``YYYY-MM-DD``, a bool 0/1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError

from policyflow.store.tables import CASES, JOURNAL, TIMERS

__all__ = ["execute", "insert_sql", "update_sql"]


def _placeholder(dialect: str) -> Callable[[str], str]:
    if dialect == "sqlite":
        return lambda name: f":{name}"
    return lambda name: f"%({name})s"


@cache
def insert_sql(dialect: str, table_name: str) -> str:
    """Return ``INSERT INTO table (every column) VALUES (…)`` for `dialect`."""
    table: Table = {"cases": CASES, "journal": JOURNAL, "timers": TIMERS}[table_name]
    mark = _placeholder(dialect)
    names = [column.name for column in table.columns]
    return (f"INSERT INTO {table.name} ({', '.join(names)}) "
            f"VALUES ({', '.join(mark(n) for n in names)})")


@cache
def update_sql(
    dialect: str, table_name: str, keys: tuple[str, ...], columns: tuple[str, ...]
) -> str:
    """Return ``UPDATE table SET columns WHERE keys`` (a key ``k`` binds as ``_k``)."""
    mark = _placeholder(dialect)
    sets = ", ".join(f"{c} = {mark(c)}" for c in columns)
    where = " AND ".join(f"{k} = {mark('_' + k)}" for k in keys)
    return f"UPDATE {table_name} SET {sets} WHERE {where}"


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def execute(connection: Connection, sql: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Run `sql` once per row on the transaction's cursor; return the rows affected."""
    sqlite = connection.dialect.name == "sqlite"
    cursor = connection.connection.cursor()
    try:
        if sqlite:
            converted = [{k: _sqlite_value(v) for k, v in row.items()} for row in rows]
        else:
            converted = [dict(row) for row in rows]
        try:
            if len(converted) == 1:
                cursor.execute(sql, converted[0])
            else:
                cursor.executemany(sql, converted)
        except connection.dialect.loaded_dbapi.Error as error:
            # the same exception SQLAlchemy raises for its own statements (IntegrityError …)
            raise DBAPIError.instance(
                sql, converted, error, connection.dialect.loaded_dbapi.Error
            ) from error
        return int(cursor.rowcount)
    finally:
        cursor.close()
