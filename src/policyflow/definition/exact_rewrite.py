"""Running an exact expression on whole numbers: the rewriting half of money.py.

money.py types each node of an expression and notes, for each exact operand of an
operation on money or decimals, the scale it must run at; this writes the text CEL runs:
a literal scaled as written (``0.3`` at scale 3 is ``300``), any other operand multiplied
up (``((total) * 10)``), and ``double(n)`` of a whole number read as ``n``.
"""

from __future__ import annotations

from policyflow.definition.celtype import CelType, literal_value, scale_of
from policyflow.definition.syntax import Call, Choice, Literal, Node, Unary, children

__all__ = ["Rewriter"]

#: The kinds an exact operand may have (an amount or decimal, a literal, a whole number).
EXACT_KINDS = frozenset({"money", "number", "int", "whole_double"})


class Rewriter:
    """The scales noted while typing, and the rewritten text they give."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.types: dict[int, CelType] = {}
        self.wanted: dict[int, int] = {}  # node → the scale it runs at
        self.whole: set[int] = set()  # double(n) calls read as n

    def want(self, node: Node, scale: int) -> None:
        """Run `node` (an exact operand of a money operation) at `scale`."""
        kind = self.types[id(node)]
        if kind.kind == "number":
            if isinstance(node, Unary):
                self.want(node.operand, scale)
            elif isinstance(node, Choice):
                self.want(node.then, scale)
                self.want(node.otherwise, scale)
            else:
                self.wanted[id(node)] = scale
            return
        if kind.kind == "whole_double":
            self.whole.add(id(node))
        if kind.kind in EXACT_KINDS and scale != scale_of(kind):
            self.wanted[id(node)] = scale

    # --- rewriting ---

    def rewritten(self, root: Node) -> str:
        """The source with money as whole numbers (the source itself when nothing changes)."""
        if not self.wanted and not self.whole:
            return self.source
        return self.source[: root.start] + self._emit(root) + self.source[root.end :]

    def _emit(self, node: Node) -> str:
        key = id(node)
        scale = self.wanted.get(key)
        if isinstance(node, Literal) and scale is not None:
            value = literal_value(node)
            whole = value.scaleb(scale)
            assert whole == whole.to_integral_value()  # the scale covers its decimals
            at = self.source.index(node.text, node.start)
            tail = self.source[at + len(node.text) : node.end]
            return self.source[node.start : at] + str(int(whole)) + tail
        if key in self.whole:
            assert isinstance(node, Call)
            text = "(" + self._emit(node.args[0]) + ")"
        else:
            parts: list[str] = []
            position = node.start
            for child in children(node):
                parts.append(self.source[position : child.start])
                parts.append(self._emit(child))
                position = child.end
            parts.append(self.source[position : node.end])
            text = "".join(parts)
        if scale is None:
            return text
        natural = scale_of(self.types[key])
        return f"(({text}) * {10 ** (scale - natural)})"
