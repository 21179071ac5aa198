"""CEL text → a syntax tree whose every node knows where it is in the text.

The ``cel`` package compiles and runs expressions but shows no tree, and the money checks
(money.py) need one: which operand of which operator is an amount, and at which character
a lint error points. This module parses the CEL grammar (the ``common-expression-language``
specification: ``?:``, ``||``, ``&&``, relations with ``in``, ``+ -``, ``* / %``, unary
``! -``, member selection, indexing, calls, lists, maps and literals) into frozen nodes
holding their start and end offsets. Message construction (``Type{field: value}``) and the
optional syntax (``.?``, ``[?``) are not parsed: :class:`CelSyntaxError` says so.

Compiling and running stay the ``cel`` package's: a text this module reads is always one
that package has already compiled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

__all__ = [
    "Binary",
    "Call",
    "CelSyntaxError",
    "Choice",
    "Index",
    "ListOf",
    "Literal",
    "MapOf",
    "Name",
    "Node",
    "Select",
    "Unary",
    "children",
    "parse",
]


class CelSyntaxError(ValueError):
    """A text this parser does not read, at `offset`."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """A node of the tree: the text from `start` to `end` (parentheses around it included)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True, eq=False)
class Literal(Node):
    """A literal: `kind` is int, uint, double, string, bytes, bool or null; `text` as written."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True, eq=False)
class Name(Node):
    """An identifier (a field, ``payload``, ``today``, a variable a macro binds)."""

    name: str


@dataclass(frozen=True, slots=True, eq=False)
class Select(Node):
    """``operand.field``."""

    operand: Node
    field: str


@dataclass(frozen=True, slots=True, eq=False)
class Index(Node):
    """``operand[index]``."""

    operand: Node
    index: Node


@dataclass(frozen=True, slots=True, eq=False)
class Call(Node):
    """``function(args)`` or, with a target, ``target.function(args)`` (macros too)."""

    function: str
    target: Node | None
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ListOf(Node):
    """``[items]``."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True, eq=False)
class MapOf(Node):
    """``{key: value, …}``."""

    entries: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True, slots=True, eq=False)
class Unary(Node):
    """``!operand`` or ``-operand``."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True, eq=False)
class Binary(Node):
    """``left op right``; `at` is the operator's offset."""

    op: str
    left: Node
    right: Node
    at: int


@dataclass(frozen=True, slots=True, eq=False)
class Choice(Node):
    """``condition ? then : otherwise``."""

    condition: Node
    then: Node
    otherwise: Node


def children(node: Node) -> Iterator[Node]:
    """The nodes directly under `node`, in the order of the text."""
    if isinstance(node, Select | Unary):
        yield node.operand
    elif isinstance(node, Index):
        yield node.operand
        yield node.index
    elif isinstance(node, Call):
        if node.target is not None:
            yield node.target
        yield from node.args
    elif isinstance(node, ListOf):
        yield from node.items
    elif isinstance(node, MapOf):
        for key, value in node.entries:
            yield key
            yield value
    elif isinstance(node, Binary):
        yield node.left
        yield node.right
    elif isinstance(node, Choice):
        yield node.condition
        yield node.then
        yield node.otherwise


_STRING_BODY = (
    r"'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\""
    r"|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\""
)
_RAW_BODY = r"'''.*?'''|\"\"\".*?\"\"\"|'[^'\n]*'|\"[^\"\n]*\""
_TOKEN = re.compile(
    rf"""
    (?P<space>\s+|//[^\n]*)
  | (?P<raw>(?:[rR][bB]?|[bB][rR])(?:{_RAW_BODY}))
  | (?P<string>[bB]?(?:{_STRING_BODY}))
  | (?P<double>(?:\d+\.\d+|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)
  | (?P<uint>(?:0[xX][0-9a-fA-F]+|\d+)[uU])
  | (?P<int>0[xX][0-9a-fA-F]+|\d+)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[<>!?:()+\-*/%.,\[\]{{}}])
    """,
    re.VERBOSE | re.DOTALL,
)
_WORDS = {"true": "bool", "false": "bool", "null": "null"}
_RELATIONS = ("==", "!=", "<", "<=", ">", ">=", "in")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # op, name, int, uint, double, string, bytes, end
    text: str
    start: int
    end: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise CelSyntaxError(f"unexpected {source[position]!r}", position)
        kind = match.lastgroup
        assert kind is not None
        text = match.group()
        if kind != "space":
            if kind in ("raw", "string"):
                prefix = text[: len(text) - len(text.lstrip("rRbB"))]
                kind = "bytes" if "b" in prefix.lower() else "string"
            elif kind == "name" and text == "in":
                kind = "op"
            tokens.append(_Token(kind, text, match.start(), match.end()))
        position = match.end()
    tokens.append(_Token("end", "", len(source), len(source)))
    return tokens


def parse(source: str) -> Node:
    """The tree of `source`.

    Raises:
        CelSyntaxError: a construct this parser does not read, with its offset.
    """
    parser = _Parser(_tokenize(source))
    node = parser.expression()
    token = parser.peek()
    if token.kind != "end":
        raise CelSyntaxError(f"unexpected {token.text!r}", token.start)
    return node


class _Parser:
    """Recursive descent over CEL's precedence: ?: < || < && < relations < + - < * / % < unary."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def _is(self, op: str) -> bool:
        token = self.tokens[self.index]
        return token.kind == "op" and token.text == op

    def _take(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind == "end":
            raise CelSyntaxError("unexpected end of the expression", token.start)
        self.index += 1
        return token

    def _expect(self, op: str) -> _Token:
        token = self._take()
        if token.kind != "op" or token.text != op:
            raise CelSyntaxError(f"expected {op!r}, found {token.text!r}", token.start)
        return token

    def expression(self) -> Node:
        condition = self._binary(0)
        if not self._is("?"):
            return condition
        self.index += 1
        then = self._binary(0)
        self._expect(":")
        otherwise = self.expression()
        return Choice(condition.start, otherwise.end, condition, then, otherwise)

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        _RELATIONS,
        ("+", "-"),
        ("*", "/", "%"),
    )

    def _binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self._unary()
        left = self._binary(level + 1)
        while True:
            token = self.peek()
            if token.kind != "op" or token.text not in self._LEVELS[level]:
                return left
            self.index += 1
            right = self._binary(level + 1)
            left = Binary(left.start, right.end, token.text, left, right, token.start)

    def _unary(self) -> Node:
        token = self.peek()
        if token.kind == "op" and token.text in ("!", "-"):
            self.index += 1
            operand = self._unary()
            return Unary(token.start, operand.end, token.text, operand)
        return self._member()

    def _member(self) -> Node:
        node = self._primary()
        while True:
            if self._is("."):
                self.index += 1
                name = self._take()
                if name.kind != "name":
                    raise CelSyntaxError(
                        f"expected a field name after '.', found {name.text!r}", name.start
                    )
                if self._is("("):
                    args, end = self._arguments(")")
                    node = Call(node.start, end, name.text, node, args)
                else:
                    node = Select(node.start, name.end, node, name.text)
            elif self._is("["):
                self.index += 1
                inner = self.expression()
                close = self._expect("]")
                node = Index(node.start, close.end, node, inner)
            elif self._is("{"):
                raise CelSyntaxError("message construction is not read here", self.peek().start)
            else:
                return node

    def _arguments(self, close: str) -> tuple[tuple[Node, ...], int]:
        """The comma-separated expressions up to `close` (the opening bracket is next)."""
        self.index += 1
        items: list[Node] = []
        while not self._is(close):
            items.append(self.expression())
            if not self._is(close):
                self._expect(",")
        return tuple(items), self._take().end

    def _primary(self) -> Node:
        token = self._take()
        kind = token.kind
        if kind in ("int", "uint", "double", "string", "bytes"):
            return Literal(token.start, token.end, kind, token.text)
        if kind == "name":
            if token.text in _WORDS:
                return Literal(token.start, token.end, _WORDS[token.text], token.text)
            if self._is("("):
                args, end = self._arguments(")")
                return Call(token.start, end, token.text, None, args)
            return Name(token.start, token.end, token.text)
        if kind == "op" and token.text == "(":
            inner = self.expression()
            close = self._expect(")")
            return replace(inner, start=token.start, end=close.end)
        if kind == "op" and token.text == "[":
            self.index -= 1
            items, end = self._arguments("]")
            return ListOf(token.start, end, items)
        if kind == "op" and token.text == "{":
            self.index -= 1
            return self._map(token.start)
        if kind == "op" and token.text == ".":
            raise CelSyntaxError("a leading '.' is not read here", token.start)
        raise CelSyntaxError(f"unexpected {token.text!r}", token.start)

    def _map(self, start: int) -> MapOf:
        self.index += 1
        entries: list[tuple[Node, Node]] = []
        while not self._is("}"):
            key = self.expression()
            self._expect(":")
            entries.append((key, self.expression()))
            if not self._is("}"):
                self._expect(",")
        return MapOf(start, self._take().end, tuple(entries))
