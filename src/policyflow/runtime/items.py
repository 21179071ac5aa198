"""A case as another case's expressions see it through a relation: its item.

A signal's ``c`` (the receiving case), and what ``children('proc')``, ``members('proc')``,
``parent`` and ``cohort`` give, is one map per case: ``id``, ``state`` and each of the
case's data fields except money and decimals, in CEL form (dates as timestamps, a record
list as a list of maps, a missing optional value as null) — the form conversion.to_cel
gives the case's own fields when its own expressions read them.

Money stays out: an amount enters CEL as whole fen only where money.py can tell an
expression reads money, and through a map it cannot (the reason a record cannot hold money).
A decimal field stays out for the same reason (a whole number at its places, read as
points, would compare wrongly); a ranking by one reads it beside the item (signals.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policyflow.definition.conversion import to_cel
from policyflow.definition.model import FieldType

if TYPE_CHECKING:
    from policyflow.runtime.compiled import CompiledProcess
    from policyflow.runtime.snapshot import CaseSnapshot

__all__ = ["case_item", "item_fields"]

#: process version → the ids of the fields an item holds (every field but money, decimal).
_ITEM_FIELDS: dict[str, tuple[str, ...]] = {}


def item_fields(compiled: CompiledProcess) -> tuple[str, ...]:
    """The ids of the data fields a case of `compiled` shows through a relation, in file order."""
    found = _ITEM_FIELDS.get(compiled.version)
    if found is None:
        found = tuple(
            f.id
            for f in compiled.process.fields
            if f.element_type not in (FieldType.MONEY, FieldType.DECIMAL)
        )
        _ITEM_FIELDS[compiled.version] = found
    return found


def case_item(compiled: CompiledProcess, snapshot: CaseSnapshot) -> dict[str, Any]:
    """The case as a CEL map: ``id``, ``state``, each data field but money and decimals.

    Args:
        compiled: the case's process.
        snapshot: the case as it stands.

    Returns:
        A new dict the caller may extend (a signal adds ``rank`` and ``through``).
    """
    data = snapshot.data
    item: dict[str, Any] = {name: to_cel(data.get(name)) for name in item_fields(compiled)}
    item["id"] = snapshot.case_id  # after the fields: the case's own id and state always win
    item["state"] = snapshot.state
    return item
