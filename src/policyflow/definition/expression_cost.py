"""The most work a CEL expression can do: bounded before it is ever run.

A comprehension (``all``, ``exists``, ``exists_one``, ``filter``, ``map``) runs its body once
per item, so comprehensions nested inside each other multiply: four nested ``.all()`` over
100 items run the body 100,000,000 times, about a hundred seconds inside the CEL package,
during which an engine holds its case's write lock. The CEL package offers no budget it
checks while it runs, but the bound is known before it runs: every list a case or an event
holds has at most ``LIST_MAX`` items, or the ``max_items`` its field declares, and a list
written in the expression has its own length. :func:`check_cost` counts the steps of the
worst case on the syntax tree and refuses an expression over :data:`CEL_MAX_STEPS` when the
process loads, so the linter reports it at its line and an engine never starts it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from math import prod

from policyflow.definition.model import LIST_MAX
from policyflow.definition.syntax import (
    Binary,
    Call,
    CelSyntaxError,
    ListOf,
    Name,
    Node,
    Select,
    children,
    parse,
)
from policyflow.errors import InvalidInput

__all__ = ["CEL_MAX_STEPS", "check_cost", "worst_steps"]

#: Most steps one expression may take in its worst case: about a second in the CEL package.
CEL_MAX_STEPS = 1_000_000

_COMPREHENSIONS = frozenset({"all", "exists", "exists_one", "filter", "map"})
_COMPREHENSION_CALL = re.compile(r"\.\s*(?:all|exists_one|exists|filter|map)\s*\(")


def worst_steps(node: Node, lists: Mapping[str, int] | None = None) -> int:
    """The steps `node` takes at most: one per node, each comprehension's body once per item.

    `lists` gives the most items of the lists the expression reads by name (``members``,
    ``payload.present``): a field's ``max_items``; any other list holds up to LIST_MAX.
    """
    sizes = lists or {}
    if isinstance(node, Call) and node.target is not None and node.function in _COMPREHENSIONS:
        per_item = 1 + sum(worst_steps(argument, sizes) for argument in node.args[1:])
        return worst_steps(node.target, sizes) + _most_items(node.target, sizes) * per_item
    steps = 1 + sum(worst_steps(child, sizes) for child in children(node))
    if isinstance(node, Binary) and node.op == "in":
        steps += _most_items(node.right, sizes)  # a search through the list
    return steps


def _most_items(node: Node, lists: Mapping[str, int]) -> int:
    """The most items the list `node` gives: its length if written out, else its bound."""
    if isinstance(node, ListOf):
        return max(len(node.items), 1)
    if isinstance(node, Call) and node.target is not None and node.function in _COMPREHENSIONS:
        return _most_items(node.target, lists)  # filter and map give no more than they read
    if isinstance(node, Binary) and node.op == "+":
        return _most_items(node.left, lists) + _most_items(node.right, lists)
    if isinstance(node, Name):
        return lists.get(node.name, LIST_MAX)
    if isinstance(node, Select) and isinstance(node.operand, Name):
        return lists.get(f"{node.operand.name}.{node.field}", LIST_MAX)
    return LIST_MAX


def check_cost(source: str, lists: Mapping[str, int] | None = None) -> None:
    """Refuse an expression whose worst case runs past :data:`CEL_MAX_STEPS`.

    An expression this module's parser does not read (message construction, optional
    syntax) is bounded by its comprehensions alone: it may hold one, not one inside another.

    Raises:
        InvalidInput: the worst case and the bound, and what to do instead.
    """
    try:
        steps = worst_steps(parse(source), lists)
    except CelSyntaxError:
        found = len(_COMPREHENSION_CALL.findall(source))
        steps = prod([LIST_MAX] * found) if found > 1 else 0
    if steps > CEL_MAX_STEPS:
        raise InvalidInput(
            f"CEL expression {source[:80]!r}{'…' if len(source) > 80 else ''} may take "
            f"{steps:,} steps, more than the {CEL_MAX_STEPS:,} allowed: a list holds up to "
            f"{LIST_MAX:,} items unless its field declares max_items, and a comprehension "
            "(all, exists, filter, map) nested in another runs once per pair; declare "
            "max_items on the lists, compare against a list written out, or record the "
            "result as a field when the event is given"
        )
