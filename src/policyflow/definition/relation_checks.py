"""The linter's checks of relations between cases: keys, the cohort, lookups and their reads.

Beside checks.py (which runs them) because that module holds every other check. Within one
file (:func:`check_relations`, :func:`check_reads`): no field is named ``parent`` or
``cohort`` (read as bare names; the calls ``children('p')`` and the like need no
reserving), the
keys and a lookup's ``match`` and ``since`` compile, the cohort's field is a str field,
and every ``lookup('id')`` names a declared lookup and every ``cohort`` a declared cohort.
Across files (:func:`lookup_faults`, lint.py, where the looked-up process can be known):
each ``match`` key is one that process declares in ``keys``, and each field ``read`` is
one of its fields, not money.
"""

from __future__ import annotations

from typing import Any

from policyflow.definition.checking import Checking, Path_
from policyflow.definition.expressions import Expression, closest
from policyflow.definition.model import FieldType, Process
from policyflow.definition.relations import RELATION_CALLS

#: Field ids a relation takes: read as bare names, a field of that id would hide them.
#: (``children``, ``members`` and ``lookup`` are read only as calls with an id in quotes,
#: which a field cannot be; ethics-committee has a field ``members``, read as a list.)
RESERVED_FIELDS = frozenset({"parent", "cohort"})

__all__ = ["MONEY_REFUSED", "RESERVED_FIELDS", "check_reads", "check_relations", "lookup_faults"]

#: Why money never reaches another case's expressions (the reason a record cannot hold it).
MONEY_REFUSED = (
    "CEL reads an amount as fen only where it can tell it is one, and it cannot in another "
    "case's item: read the amount in that case's own expressions instead"
)


def check_reads(checker: Checking, expression: Expression, where: Path_, what: str) -> None:
    """Report each read of `expression` that the process does not declare."""
    process = checker.process
    lookups = [lookup.id for lookup in process.lookups or ()]
    for key in sorted(expression.relations):
        kind, _, name = key.partition(":")
        if kind == "lookup" and name not in lookups:
            checker.add(
                where,
                "unknown",
                f"{what}: lookup({name!r}) names no lookup of this process{closest(name, lookups)}"
                " (declare it under lookups:)",
                blocking=True,
            )
        elif kind == "cohort" and process.cohort is None:
            checker.add(
                where,
                "unknown",
                f"{what}: reads cohort, and the process declares no cohort: "
                "(cohort: {process: …, field: …})",
                blocking=True,
            )


def check_relations(checker: Checking) -> None:
    """The within-file checks of the process's relations (see the module's text)."""
    process = checker.process
    for index, field in enumerate(process.fields):
        if field.id in RESERVED_FIELDS:
            checker.add(
                ("fields", index, "id"),
                "reserved",
                f"field id {field.id!r} is reserved in expressions for reading other cases "
                f"({', '.join(sorted(RESERVED_FIELDS))}; and "
                f"{', '.join(f'{c}(…)' for c in sorted(RELATION_CALLS))} as calls)",
                blocking=True,
            )
    for name, source in (process.keys or {}).items():
        _no_reads(checker, source, ("keys", name), f"key {name!r}", None)
    cohort = process.cohort
    if cohort is not None:
        holder = checker.fields.get(cohort.field)
        if holder is None or holder.type is not FieldType.STR:
            found = "no such field" if holder is None else f"a {holder.type.value} field"
            checker.add(
                ("cohort", "field"),
                "unknown",
                f"cohort field {cohort.field!r}: {found}; the cohort case's id is kept in a str "
                f"field{closest(cohort.field, checker.fields) if holder is None else ''}",
                blocking=True,
            )
    seen: dict[str, int] = {}
    for index, lookup in enumerate(process.lookups or ()):
        where: Path_ = ("lookups", index)
        if lookup.id in seen:
            checker.add(
                (*where, "id"),
                "duplicate",
                f"duplicate lookup id {lookup.id!r} (first at lookups[{seen[lookup.id]}])",
                blocking=True,
            )
        seen.setdefault(lookup.id, index)
        for key, source in lookup.match.items():
            what = f"lookup {lookup.id!r} match {key!r}"
            _no_reads(checker, source, (*where, "match", key), what, None)
        if lookup.since is not None:
            what = f"lookup {lookup.id!r} since"
            _no_reads(checker, lookup.since, (*where, "since"), what, FieldType.DATE)


def _no_reads(
    checker: Checking, source: str, where: Path_, what: str, expect: FieldType | None
) -> None:
    """Check a CEL that is evaluated to find other cases: it may not read them itself."""
    expression = checker.cel(source, where, what, payload=None, expect=expect)
    if expression is not None and expression.relations:
        checker.add(
            where,
            "cel",
            f"{what}: reads {', '.join(sorted(expression.relations))}; the expressions that "
            "find other cases read only this case's own fields",
            blocking=True,
        )


def lookup_faults(process: Process, target: Process, index: int) -> list[tuple[Path_, str]]:
    """What is wrong with lookup number `index` of `process` given the process it looks up.

    Returns:
        (where in the file, message) of each fault: a ``match`` key `target` does not
        declare in ``keys``, a field ``read`` it does not have, or one that is money.
    """
    lookup = (process.lookups or ())[index]
    where: Path_ = ("lookups", index)
    name = f"lookup {lookup.id!r} of {target.id!r}"
    faults: list[tuple[Path_, str]] = []
    keys = target.keys or {}
    for key in lookup.match:
        if key not in keys:
            faults.append(
                (
                    (*where, "match", key),
                    f"{name}: matches on key {key!r}, which {target.id!r} does not declare "
                    f"under keys:{closest(key, keys)}",
                )
            )
    fields = {f.id: f for f in target.fields}
    states = {s.id for s in target.states}
    for number, state in enumerate(lookup.states):
        if state not in states:
            hint = closest(state, states)
            faults.append(((*where, "states", number), f"{name}: unknown state {state!r}{hint}"))
    for number, read in enumerate(lookup.read):
        field = fields.get(read)
        if field is None:
            hint = closest(read, fields)
            faults.append(((*where, "read", number), f"{name}: reads unknown field {read!r}{hint}"))
        elif field.element_type is FieldType.MONEY or _holds_money(field):
            faults.append(
                (
                    (*where, "read", number),
                    f"{name}: reads {read!r}, which is money: {MONEY_REFUSED}",
                )
            )
        elif field.element_type is FieldType.DECIMAL:
            faults.append(
                (
                    (*where, "read", number),
                    f"{name}: reads {read!r}, which is a decimal: CEL reads a decimal exactly "
                    "only where it can tell it is one, and it cannot in another case's item",
                )
            )
    return faults


def _holds_money(field: Any) -> bool:
    return any(sub.element_type is FieldType.MONEY for sub in getattr(field, "fields", None) or ())
