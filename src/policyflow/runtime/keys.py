"""The keys a case is indexed by: what lookups and cohort members find it through.

A process's ``keys`` (name → CEL giving a str, an int, a date or a list of them) and its
``cohort`` field give each case (key name, value) rows: one per value, the cohort under
:data:`COHORT_KEY`. Values are strings (``str(int)``, dates in ISO form), the form a
:class:`~policyflow.runtime.relations.LookupQuery` matches in. The engine writes them for
every case it touches, the simulator keeps them in memory (sim/population_index.py);
:meth:`CompiledProcess.keys_of <policyflow.runtime.compiled.CompiledProcess.keys_of>`
gives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from policyflow.definition.expressions import Expression, compile_expression, from_cel
from policyflow.definition.model import Field, Process
from policyflow.errors import InvalidInput

__all__ = ["COHORT_KEY", "case_keys", "key_values"]

#: The key name under which a case is indexed by the id of its cohort case.
COHORT_KEY = "@cohort"

_KEYS: dict[str, tuple[tuple[str, Expression], ...]] = {}  # by process version


def key_values(value: Any) -> tuple[str, ...]:
    """A key's value (a CEL value or a list of them) as the strings it is indexed by.

    A str as it is, an int in decimal, a date as ISO ``2023-05-01``, an instant that is
    not a midnight as ISO text; null gives nothing. Repeated values count once.

    Raises:
        InvalidInput: a value of another type (a bool, a double, a map).
    """
    items = value if isinstance(value, list | tuple) else [value]
    found: list[str] = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, str | int | date):
            raise InvalidInput(
                f"a key's value is {type(item).__name__}, expected a str, an int or a date"
            )
        if isinstance(item, datetime):  # a date reaches CEL as a timestamp at 00:00
            plain = from_cel(item, None)
            midnight = plain.time() == datetime.min.time()
            found.append(plain.date().isoformat() if midnight else plain.isoformat())
        elif isinstance(item, date):
            found.append(item.isoformat())
        else:
            found.append(str(item))
    return tuple(dict.fromkeys(found))


def case_keys(
    process: Process, fields: Mapping[str, Field], data: Mapping[str, Any], state: str
) -> tuple[tuple[str, str], ...]:
    """The (key name, value) rows of a case of `process` with `data` in `state`.

    Raises:
        InvalidInput: a key's expression fails or gives a value of another type.
    """
    cohort = process.cohort
    if not process.keys and cohort is None:
        return ()
    keys = _KEYS.get(process.version)
    if keys is None:
        declared = process.keys or {}
        keys = tuple((name, compile_expression(text, fields)) for name, text in declared.items())
        if len(_KEYS) >= 256:
            _KEYS.clear()
        _KEYS[process.version] = keys
    variables = dict(data)
    variables["state"] = state
    rows: list[tuple[str, str]] = []
    for name, expression in keys:
        rows.extend((name, value) for value in key_values(expression.evaluate(variables)))
    if cohort is not None:
        cohort_id = data.get(cohort.field)
        if cohort_id:
            rows.append((COHORT_KEY, str(cohort_id)))
    return tuple(rows)
