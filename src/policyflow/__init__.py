"""policyflow: Chinese science-and-technology procedures as typed, deadline-aware state machines.

The public facade. Light layers are imported eagerly; heavy ones (the engine, which pulls
in SQLAlchemy) load on first use through module ``__getattr__``, so that
``from policyflow import legaltime`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from policyflow import legaltime
from policyflow.errors import (
    CalendarFileError,
    CalendarNotPublished,
    ConcurrentUpdate,
    DefinitionError,
    EventNotAllowed,
    GuardFailed,
    InvalidCaseData,
    InvalidDate,
    InvalidInput,
    InvalidInterval,
    InvalidPayload,
    InvalidPeriod,
    JournalTampered,
    MissingExtra,
    PolicyflowError,
    TransitionRefused,
    UnknownCase,
    UnknownEvent,
    UnknownProcess,
)

if TYPE_CHECKING:
    from policyflow.definition.catalog import catalog, load
    from policyflow.engine import Engine

__version__ = "0.1.0"

# name -> module that defines it; imported on first attribute access.
_LAZY: dict[str, str] = {
    "Engine": "policyflow.engine",
    "catalog": "policyflow.definition.catalog",
    "load": "policyflow.definition.catalog",
    "sim": "policyflow.sim",
}

__all__ = [
    "CalendarFileError",
    "CalendarNotPublished",
    "ConcurrentUpdate",
    "DefinitionError",
    "Engine",
    "EventNotAllowed",
    "GuardFailed",
    "InvalidCaseData",
    "InvalidDate",
    "InvalidInput",
    "InvalidInterval",
    "InvalidPayload",
    "InvalidPeriod",
    "JournalTampered",
    "MissingExtra",
    "PolicyflowError",
    "TransitionRefused",
    "UnknownCase",
    "UnknownEvent",
    "UnknownProcess",
    "catalog",
    "legaltime",
    "load",
    "sim",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'policyflow' has no attribute {name!r}")
    imported = importlib.import_module(module)
    # a lazy subpackage (``sim``) is the module itself; a lazy name is an attribute of one
    value = imported if module == f"{__name__}.{name}" else getattr(imported, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
