"""policyflow: Chinese science-and-technology procedures as typed, deadline-aware state machines.

The public facade. Light layers are imported eagerly; heavy ones (the engine, which pulls
in SQLAlchemy) load on first use through module ``__getattr__``, so that
``from policyflow import legaltime`` stays cheap.

In IPython and Jupyter, importing the package also lets processes, cases and simulation
results draw themselves (SVG, or Mermaid without Graphviz): :func:`_install_display`
registers the drawing by type name, and the render layer loads only when one is shown.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from policyflow import legaltime
from policyflow.errors import (
    CalendarFileError,
    CalendarNotPublished,
    ConcurrentUpdate,
    DatabaseUnavailable,
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

__version__ = "0.1.0"  # the one place the version is written (pyproject reads it)

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
    "DatabaseUnavailable",
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


# (module, class) of the objects that draw themselves in a notebook
_DISPLAYED = (
    ("policyflow.definition.model", "Process"),
    ("policyflow.engine.case", "Case"),
    ("policyflow.sim.results", "SimulationResult"),
)


def _draw(obj: Any) -> dict[str, str]:
    """Draw `obj` for IPython: loads the render layer on the first object shown."""
    from policyflow.render.notebook import mimebundle_of

    return mimebundle_of(obj)


def _install_display() -> None:
    """Register the drawing of processes, cases and results with a running IPython.

    By type *name* (IPython's deferred printers), so that none of their modules, nor the
    render layer, is imported here. Without a running IPython this does nothing, and
    imports nothing.
    """
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    formatter = getattr(getattr(shell, "display_formatter", None), "mimebundle_formatter", None)
    if formatter is None:
        return
    for module, name in _DISPLAYED:
        formatter.for_type_by_name(module, name, _draw)


_install_display()
