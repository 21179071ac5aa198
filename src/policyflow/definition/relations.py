"""Reads of other cases in CEL, rewritten into hidden variables when an expression compiles.

``children('p')``, ``members('p')``, ``parent``, ``cohort`` and ``lookup('id')``: CEL
cannot call back into the runtime, and a read of another case must be known before the
expression runs: the runtime fills it (live from the cases, or from the journal on
replay) and records it. So each read becomes a variable of its own, named from its *read
key* (``children:nomination``, ``parent``, ``lookup:banned``) by :func:`hidden_name` —
a name no field can have (field ids do not begin with ``_``) — and
:func:`rewrite_relations` gives the rewritten text with the set of read keys, which
:class:`~policyflow.definition.expressions.Expression` keeps as ``relations``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from policyflow.definition.syntax import Call, CelSyntaxError, Literal, Name, Node, children, parse
from policyflow.errors import InvalidInput

__all__ = [
    "RELATION_CALLS",
    "RELATION_NAMES",
    "as_written",
    "hidden_name",
    "original_offset",
    "read_key_of",
    "relation_sample",
    "rewrite_relations",
    "samples",
]

#: The reads written as a call with one id in quotes: ``children('proc')``.
RELATION_CALLS = frozenset({"children", "members", "lookup"})
#: Every name a relation takes (no field may have one of these ids).
RELATION_NAMES = frozenset({"parent", "cohort", *RELATION_CALLS})

_PREFIX = "_rel_"
_ESCAPES = {"_": "_u", "-": "_d", ".": "_p", ":": "__"}
_ESCAPE = re.compile(r"[_\-.:]")
_BOUND = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")
_MENTION = re.compile(r"\b(?:parent|cohort|children|members|lookup)\b")


def hidden_name(key: str) -> str:
    """The CEL variable a read key is given as: ``children:a-b`` → ``_rel_children__a_db``."""
    return _PREFIX + _ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], key)


def read_key_of(name: str) -> str | None:
    """The read key a hidden variable stands for, or None for any other name."""
    if not name.startswith(_PREFIX):
        return None
    return re.sub(
        r"_[udp_]", lambda m: {"_u": "_", "_d": "-", "_p": ".", "__": ":"}[m.group(0)], name[5:]
    )


def as_written(name: str) -> str:
    """A name as the process file writes it: a hidden variable as its read, else itself.

    ``_rel_lookup__banned`` → ``lookup('banned')``, ``_rel_members__nomination`` →
    ``members('nomination')``, ``_rel_parent`` → ``parent``: what a refusal shows.
    """
    key = read_key_of(name)
    if key is None:
        return name
    kind, _, argument = key.partition(":")
    return f"{kind}('{argument}')" if argument else kind


def relation_sample(key: str) -> object:
    """What a read gives in a dry run (the linter's type check): an empty list or map.

    Their items' fields are not known where the expression compiles, so the dry run
    checks only what it can: reading a field of an empty map fails on the values, which
    the type check leaves alone.
    """
    return {} if key in ("parent", "cohort") else []


def rewrite_relations(source: str) -> tuple[str, frozenset[str]]:
    """`source` with each read of another case replaced by its hidden variable.

    A name a macro binds (``x`` in ``list.map(x, …)``) is not a read, nor is a field of a
    map (``c.parent``). A text the syntax module does not read is left as it is (CEL
    then reports the unknown names).

    Raises:
        InvalidInput: ``children``, ``members`` or ``lookup`` called without exactly one id
            in quotes.
    """
    spans = _spans(source)
    if not spans:
        return source, frozenset()
    parts: list[str] = []
    last = 0
    for start, end, key in spans:
        parts.append(source[last:start])
        parts.append(hidden_name(key))
        last = end
    parts.append(source[last:])
    return "".join(parts), frozenset(key for _, _, key in spans)


def original_offset(source: str, offset: int | None) -> int | None:
    """Where in `source` (as written) lies `offset` of its rewritten text.

    A fault found in the rewritten text (money.py's) is reported at the written text's
    line and column: an offset inside a hidden variable is the read's own start.
    """
    if offset is None:
        return None
    shift = 0
    for start, end, key in _spans(source):
        rewritten = start + shift
        if offset < rewritten:
            break
        width = len(hidden_name(key))
        if offset < rewritten + width:
            return start
        shift += width - (end - start)
    return offset - shift


def _spans(source: str) -> list[tuple[int, int, str]]:
    """(start, end, read key) of each read in `source`, in text order."""
    if _MENTION.search(source) is None:
        return []
    try:
        tree = parse(source)
    except CelSyntaxError:
        return []
    spans: list[tuple[int, int, str]] = []
    _collect(tree, source, set(_BOUND.findall(source)), spans)
    return sorted(spans)


def _collect(node: Node, source: str, bound: set[str], spans: list[tuple[int, int, str]]) -> None:
    if isinstance(node, Name) and node.name in ("parent", "cohort") and node.name not in bound:
        start = node.start + source[node.start : node.end].index(node.name)
        spans.append((start, start + len(node.name), node.name))
        return
    if isinstance(node, Call) and node.target is None and node.function in RELATION_CALLS:
        argument = node.args[0] if len(node.args) == 1 else None
        if not isinstance(argument, Literal) or argument.kind != "string":
            raise InvalidInput(
                f"CEL expression {source!r}: {node.function}() takes one "
                f"{'lookup id' if node.function == 'lookup' else 'process id'} in quotes, "
                f"such as {node.function}('{'banned' if node.function == 'lookup' else 'x'}')"
            )
        spans.append((node.start, node.end, f"{node.function}:{_unquoted(argument.text)}"))
        return
    for child in children(node):
        _collect(child, source, bound, spans)


def _unquoted(text: str) -> str:
    """A string literal's text without its quotes (an id needs no escapes)."""
    for quote in ('"""', "'''", '"', "'"):
        if len(text) >= 2 * len(quote) and text.startswith(quote) and text.endswith(quote):
            return text[len(quote) : -len(quote)]
    return text


def samples(keys: frozenset[str]) -> Mapping[str, object]:
    """The hidden variables of `keys` with their dry-run values (see :func:`relation_sample`)."""
    return {hidden_name(key): relation_sample(key) for key in keys}
