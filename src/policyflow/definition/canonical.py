"""Canonical JSON: the one text a value has wherever policyflow hashes or stores it.

Sorted keys, no spaces, non-ASCII kept; dates and datetimes as ISO text, Decimals as
strings. A definition's version is the hash of its canonical JSON; the store writes case
data, payloads and definitions in it and chains the journal's hashes over it; event logs
show payloads in it. The store's writers of the journal row (``store/journal.py``,
``hashed_text``) and of timer changes (``store/convert.py``, ``timer_changes_json``)
build the same text directly, on the hot path; their tests hold them byte for byte to
this function.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["canonical_json", "without_unset"]


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")


# One encoder for every call (json.dumps with options builds a new one each time).
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
)


def canonical_json(value: Any) -> str:
    """Return `value` as canonical JSON: sorted keys, no spaces, non-ASCII kept.

    Dates and datetimes become ISO text and Decimals strings, so the same value always
    gives the same text (and the same hash).

    Raises:
        TypeError: a value JSON cannot hold (naming its type).
    """
    if not value and isinstance(value, list | tuple | dict):
        return "[]" if isinstance(value, list | tuple) else "{}"
    return _CANONICAL.encode(value)


def without_unset(node: Any, added: frozenset[str]) -> Any:
    """`node` (plain JSON data) without the keys of `added` that are unset.

    Unset is null, or false for a flag (``soft``, ``reopens``, ``to_previous``): a process
    that does not use a key added to the format later hashes as it did before the key
    existed (model.py's ``_ADDED_KEYS``).
    """
    if isinstance(node, dict):
        return {
            k: without_unset(v, added)
            for k, v in node.items()
            if not ((v is None or v is False) and k in added)
        }
    if isinstance(node, list):
        return [without_unset(v, added) for v in node]
    return node
