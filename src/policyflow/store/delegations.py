"""The ``delegations`` table: grants of a role to a person or body, until a date.

Written by :meth:`policyflow.engine.Engine.delegate`, read before every act by the actor's
id (:func:`for_grantee`) and listed by ``case show`` (:func:`for_case`). What a grant
means is the runtime's (:mod:`policyflow.runtime.delegation`).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from policyflow.runtime.delegation import Delegation
from policyflow.store import fast
from policyflow.store.fast import Target

__all__ = ["add", "for_case", "for_grantee"]

_ORDER = "ORDER BY until, grantee_id, role"


@cache
def _select(dialect: str, where: str) -> str:
    columns = ", ".join(fast.columns("delegations"))
    return f"SELECT {columns} FROM delegations WHERE {where.format(m=fast.mark(dialect))} {_ORDER}"


def _grant(row: dict[str, Any]) -> Delegation:
    return Delegation(row["grantee_id"], row["role"], row["case_id"], row["until"], row["basis"])


def add(connection: Target, grant_id: str, grant: Delegation, *, granted_at: datetime) -> None:
    """Store one grant."""
    batch = fast.Batch()
    batch.insert(
        fast.dialect_of(connection),
        "delegations",
        {"id": grant_id, **grant._asdict(), "granted_at": granted_at},
    )
    batch.run(connection)


def for_grantee(connection: Target, grantee_id: str) -> list[Delegation]:
    """Every grant to `grantee_id`, in force or ended, by end date."""
    sql = _select(fast.dialect_of(connection), "grantee_id = {m}")
    return [_grant(row) for row in fast.fetch(connection, sql, (grantee_id,))]


def for_case(connection: Target, case_id: str) -> list[Delegation]:
    """The grants for `case_id` and those for every case, by end date."""
    sql = _select(fast.dialect_of(connection), "case_id = {m} OR case_id IS NULL")
    return [_grant(row) for row in fast.fetch(connection, sql, (case_id,))]
