"""The process format: models, the safe YAML loader, typed fields, CEL, checks and catalog.

Data, no behaviour: running a case is the runtime's.
"""

from __future__ import annotations

from policyflow.definition.catalog import CatalogEntry, builtin_root, catalog, load
from policyflow.definition.checks import Problem
from policyflow.definition.expressions import Expression, compile_condition
from policyflow.definition.loader import load_file, load_text, parse
from policyflow.definition.model import (
    SYSTEM_ROLE,
    ChildProcess,
    Deadline,
    Event,
    Expiry,
    Extension,
    Field,
    FieldType,
    Guard,
    LegalBasis,
    OnFinal,
    ParentSignalSpec,
    Process,
    Role,
    Source,
    Start,
    State,
    Title,
    Transition,
    Triggers,
)

__all__ = [
    "SYSTEM_ROLE",
    "CatalogEntry",
    "ChildProcess",
    "Deadline",
    "Event",
    "Expiry",
    "Expression",
    "Extension",
    "Field",
    "FieldType",
    "Guard",
    "LegalBasis",
    "OnFinal",
    "ParentSignalSpec",
    "Problem",
    "Process",
    "Role",
    "Source",
    "Start",
    "State",
    "Title",
    "Transition",
    "Triggers",
    "builtin_root",
    "catalog",
    "compile_condition",
    "load",
    "load_file",
    "load_text",
    "parse",
]
