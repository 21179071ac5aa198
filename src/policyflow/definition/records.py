"""The sub-fields an expression reads from the records of a record list, checked by name.

A record list (``type: list``, ``items: record``) enters CEL as a list of maps
(conversion.py), and CEL reads a key a map lacks as an error of the values, not of the
types: ``present.filter(m, !m.recusd)`` fails only on a non-empty list, and the linter's
dry run (expressions.py) cannot tell it from a division by zero. So this module reads the
syntax tree (syntax.py) and finds each ``x.name`` whose ``x`` is a record of a declared
record list, bound by a macro (``all``, ``exists``, ``exists_one``, ``filter``, ``map``)
over the list or indexed from it (``present[0]``), and reports a ``name`` that is not one
of the list's sub-fields, with the closest one.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from policyflow.definition.model import Field
from policyflow.definition.syntax import (
    Call,
    CelSyntaxError,
    Index,
    Name,
    Node,
    Select,
    children,
    parse,
)

__all__ = ["record_problems"]

#: A record list as an expression names it (``present``, ``payload.present``) and its field.
_Found = tuple[str, Field] | None
#: The names macros bind, each to the record list whose record it is (None: not a record).
_Scope = Mapping[str, _Found]

_MACROS = frozenset({"all", "exists", "exists_one", "filter", "map"})


def record_problems(
    source: str, fields: Mapping[str, Field], payload: Mapping[str, Field] | None
) -> list[str]:
    """The sub-fields `source` reads from records that their record list does not declare.

    Args:
        source: the CEL text (already compiled by the cel package).
        fields: the case fields.
        payload: the event's payload fields, or None where there is none.
    """
    case_lists = {name: f for name, f in fields.items() if f.is_record_list}
    payload_lists = {name: f for name, f in (payload or {}).items() if f.is_record_list}
    if not case_lists and not payload_lists:
        return []
    try:
        root = parse(source)
    except CelSyntaxError:
        return []  # money.py reports what this parser does not read, where it matters
    finder = _Finder(case_lists, payload_lists)
    finder.visit(root, {})
    return finder.problems


class _Finder:
    """Walks the tree with the names macros bind: a record of a list, or something else."""

    def __init__(self, case_lists: Mapping[str, Field], payload_lists: Mapping[str, Field]) -> None:
        self.case_lists = case_lists
        self.payload_lists = payload_lists
        self.problems: list[str] = []

    def list_of(self, node: Node, scope: _Scope) -> _Found:
        """(name, field) of the record list `node` gives, or None."""
        if isinstance(node, Name) and node.name not in scope:
            found = self.case_lists.get(node.name)
            return None if found is None else (node.name, found)
        if (
            isinstance(node, Select)
            and isinstance(node.operand, Name)
            and node.operand.name == "payload"
            and "payload" not in scope
        ):
            found = self.payload_lists.get(node.field)
            return None if found is None else (f"payload.{node.field}", found)
        if isinstance(node, Call) and node.function == "filter" and node.target is not None:
            return self.list_of(node.target, scope)  # a filtered list holds the same records
        return None

    def record_of(self, node: Node, scope: _Scope) -> _Found:
        """(name, field) of the record list whose record `node` is, or None."""
        if isinstance(node, Name):
            return scope.get(node.name)
        if isinstance(node, Index):
            return self.list_of(node.operand, scope)
        return None

    def visit(self, node: Node, scope: _Scope) -> None:
        if isinstance(node, Select):
            record = self.record_of(node.operand, scope)
            if record is not None and node.field not in record[1].sub_fields:
                name, field = record
                self.problems.append(
                    f"unknown sub-field {node.field!r} of the records of {name!r}"
                    f"{_closest(node.field, field.sub_fields)}"
                )
        if (
            isinstance(node, Call)
            and node.function in _MACROS
            and node.target is not None
            and len(node.args) in (2, 3)
            and isinstance(node.args[0], Name)
        ):
            self.visit(node.target, scope)
            # the macro's variable is a record of the list, or (over anything else) not one
            inner = {**scope, node.args[0].name: self.list_of(node.target, scope)}
            for body in node.args[1:]:
                self.visit(body, inner)
            return
        for child in children(node):
            self.visit(child, scope)


def _closest(name: str, known: Mapping[str, Field]) -> str:
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else f" (it has {', '.join(known)})"
