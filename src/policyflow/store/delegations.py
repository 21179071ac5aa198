"""The ``delegations`` table: grants of a role to a person or body, until a date, chained.

Written by :meth:`policyflow.engine.Engine.delegate`, read before every act by the actor's
id (:func:`for_grantee`) and listed by ``case show`` (:func:`for_case`). What a grant
means is the runtime's (:mod:`policyflow.runtime.delegation`).

A grant decides who may act (科学技术部令第20号 第七条), so it is kept as the journal is:
every row carries its place in one chain of all grants (``sequence`` from 1), the hash of
the grant before (``prev_hash``, :data:`~policyflow.store.journal.GENESIS` for the first)
and its own hash over its content and that link (:func:`grant_hash`). ``verify`` walks
the chain (:func:`policyflow.store.audit.check_delegations`): a grant edited, deleted or
inserted breaks it; the newest grant deleted is found against the anchor, which keeps the
chain's head beside the cases' heads. One chain for all grants, those for one case and
those for every case alike: a grant for no particular case is as tamper-evident.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import RowMapping

from policyflow.definition.canonical import canonical_json
from policyflow.runtime.delegation import Delegation
from policyflow.store import fast
from policyflow.store.fast import Target
from policyflow.store.journal import GENESIS

__all__ = ["HASHED", "add", "for_case", "for_grantee", "grant_hash"]

_ORDER = "ORDER BY until, grantee_id, role"

#: The columns a grant's hash covers: all but the hash itself.
HASHED = (
    "sequence",
    "prev_hash",
    "id",
    "grantee_id",
    "role",
    "case_id",
    "until",
    "basis",
    "granted_at",
)


def grant_hash(values: Mapping[str, Any] | RowMapping) -> str:
    """The SHA-256 of a grant's row: its content, its place and its link to the one before.

    Dates and times hash as ISO text (:func:`~policyflow.definition.canonical.canonical_json`),
    so a row hashes alike as written and as read back from SQLite or PostgreSQL.
    """
    text = canonical_json({name: values[name] for name in HASHED})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def _select(dialect: str, where: str) -> str:
    columns = ", ".join(fast.columns("delegations"))
    return f"SELECT {columns} FROM delegations WHERE {where.format(m=fast.mark(dialect))} {_ORDER}"


def _grant(row: dict[str, Any]) -> Delegation:
    return Delegation(row["grantee_id"], row["role"], row["case_id"], row["until"], row["basis"])


def add(connection: Target, grant_id: str, grant: Delegation, *, granted_at: datetime) -> str:
    """Store one grant at the head of the chain; return its hash.

    On PostgreSQL the table is locked for the transaction first, so two grants made at
    once cannot both take the same place (SQLite's write transaction already excludes it).
    """
    dialect = fast.dialect_of(connection)
    if dialect == "postgresql":
        fast.execute(connection, "LOCK TABLE delegations IN SHARE ROW EXCLUSIVE MODE", [()])
    head = fast.fetch(
        connection, "SELECT sequence, hash FROM delegations ORDER BY sequence DESC LIMIT 1"
    )
    values: dict[str, Any] = {
        "id": grant_id,
        **grant._asdict(),
        "granted_at": granted_at,
        "sequence": head[0]["sequence"] + 1 if head else 1,
        "prev_hash": head[0]["hash"] if head else GENESIS,
    }
    values["hash"] = grant_hash(values)
    batch = fast.Batch()
    batch.insert(dialect, "delegations", values)
    batch.run(connection)
    return str(values["hash"])


def for_grantee(connection: Target, grantee_id: str) -> list[Delegation]:
    """Every grant to `grantee_id`, in force or ended, by end date."""
    sql = _select(fast.dialect_of(connection), "grantee_id = {m}")
    return [_grant(row) for row in fast.fetch(connection, sql, (grantee_id,))]


def for_case(connection: Target, case_id: str) -> list[Delegation]:
    """The grants for `case_id` and those for every case, by end date."""
    sql = _select(fast.dialect_of(connection), "case_id = {m} OR case_id IS NULL")
    return [_grant(row) for row in fast.fetch(connection, sql, (case_id,))]
