"""The process-level elements of relations between cases: keys, the cohort, lookups.

A process may say what other cases may look it up by (``keys``), which case it belongs to
(``cohort``) and which other cases its expressions may ask about (``lookups``); CEL reads
them as ``cohort`` and ``lookup('id')`` (definition/relations.py rewrites those reads).
docs/process-format.md, "Relations", describes the format; model.py's Process holds them.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field as PField
from pydantic import model_validator

from policyflow.definition.elements import Cel, Cited, FrozenModel, Id, ProcessId, as_list

__all__ = ["KEYS_HELP", "LOOKUPS_HELP", "Cohort", "Lookup"]

KEYS_HELP = (
    "What other cases may look this one up by: key name -> CEL giving a str, an int, a date "
    "or a list of them (one index entry each)."
)
LOOKUPS_HELP = "Other cases this one's expressions may read as lookup('id')."


class Cohort(FrozenModel):
    """The case a case belongs to: its id is in one of the case's str fields."""

    process: ProcessId = PField(description="The cohort case's process: nomination-round.")
    field: Id = PField(description="The str field of this process holding the cohort case's id.")


class Lookup(Cited):
    """Other cases an expression may ask about: ``lookup('id')`` gives those that match."""

    process: ProcessId = PField(description="The process of the cases looked up.")
    match: dict[Id, Cel] = PField(
        min_length=1,
        description="Their key name -> our CEL (a value or a list): a case matches when, for "
        "every key, one of its values equals one of ours.",
    )
    states: tuple[Id, ...] = PField(
        default=(), description="Only cases now in one of these states (default: any)."
    )
    since: Cel | None = PField(
        default=None,
        description="CEL date: only cases that entered their state on or after it.",
    )
    read: tuple[Id, ...] = PField(
        default=(), description="Their fields each hit carries (money is refused)."
    )

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: as_list(v) if k in ("states", "read") else v for k, v in value.items()}
        return value
