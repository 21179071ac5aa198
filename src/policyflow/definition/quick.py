"""Python closures for the simplest CEL expressions, so the hot path skips the CEL engine.

Most expressions in a process file are a literal (``'deemed'``), a name (``payload.kind``,
``today``), a comparison (``proposed_fine >= 1000000``), a counter (``officers + 1``) or a
few of these joined by ``&&``, ``||``, ``!`` and ``? :``. Calling the CEL engine for them
costs more than the rest of an event (converting every value into CEL and back). This
module compiles exactly that subset into nested Python closures over the values as CEL
sees them (see :func:`policyflow.definition.conversion.to_cel`). An amount is a whole
number of fen there (money.py has already written each expression that reads money in
fen); a closure holds it as an integral Decimal rather than an int, because converting a
Decimal to an int costs more than the rest of a comparison, and treats it as CEL's int.

The CEL engine stays the authority. A closure returns a result only where its operands
have one CEL type on both sides (two ints, two doubles, two strings, two timestamps, two
bools; an amount counts as an int); anything else — a null operand, an int beside a
double, an int leaving the 64-bit range, a missing payload key — raises
:class:`Unsupported`, and the caller evaluates the expression with CEL, which gives the
answer or the error it always gave. An expression outside the subset (a function call, a
macro, ``in``, ``/``, an escape in a string) gets no closure at all.
``tests/definition/test_quick.py`` checks the closures against the CEL engine on generated
expressions and values.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from policyflow.definition.conversion import EXACT, to_fen

__all__ = ["Closure", "Unsupported", "compile_quick"]

#: A compiled expression: the variables (typed Python values, as the runtime keeps them)
#: in, the CEL result out.
Closure = Callable[[Mapping[str, Any]], Any]

_FEN = Decimal("0.01")
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_INT_MIN = -(2**63)
_INT_MAX = 2**63 - 1
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<double>\d+\.\d+(?:[eE][+-]?\d+)?)
  | (?P<int>\d+)(?![\w.])
  | (?P<string>'[^'\\\n]*'|"[^"\\\n]*")
  | (?P<name>[A-Za-z_]\w*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[<>!?:()+\-*.])
    )""",
    re.VERBOSE,
)
# Words CEL reserves or reads as types: an expression using one is left to the CEL engine.
_RESERVED = frozenset(
    {"as", "break", "const", "continue", "else", "for", "function", "if", "import", "in"}
    | {"let", "loop", "package", "namespace", "return", "var", "void", "while"}
    | {"int", "uint", "double", "string", "bool", "bytes", "list", "map", "null_type", "type"}
    | {"dyn"}
)
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class Unsupported(Exception):
    """The closure cannot decide this case the way CEL does: ask the CEL engine."""


def compile_quick(source: str) -> Closure | None:
    """A closure computing `source` as CEL would, or None outside the subset."""
    tokens = _tokenize(source)
    if tokens is None:
        return None
    parser = _Parser(tokens)
    try:
        closure = parser.expression()
    except Unsupported:
        return None
    return closure if parser.at_end() else None


# --- values -------------------------------------------------------------------------------


def _cel(value: Any) -> Any:
    """A typed Python value as CEL sees it (as ``conversion.to_cel``, for scalars)."""
    kind = type(value)
    if kind is str or kind is bool or kind is float or value is None:
        return value
    if kind is int:
        return _int(value)  # beyond 64 bits CEL holds it otherwise: the CEL engine decides
    if kind is Decimal:  # (the first case of _fen, inline: it is most of the money read)
        if value.adjusted() < 16 and value.same_quantum(_FEN):
            return _times(value, _HUNDRED)
        return _fen(value)
    if kind is datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if kind is date:
        return datetime.combine(value, time.min, tzinfo=UTC)
    if isinstance(value, str):  # an enum member
        return str(value)
    raise Unsupported  # lists and maps: the CEL engine


def _fen(value: Decimal) -> Any:
    """An amount as CEL's int: a whole number of fen, as an integral Decimal.

    Raises:
        Unsupported: not a whole number of fen (CEL's conversion refuses it, naming the
            amount), or beyond 64 bits.
    """
    if value.adjusted() < 16 and (value.same_quantum(_FEN) or value.same_quantum(_ONE)):
        return _times(value, _HUNDRED)  # validated money (or whole yuan): exact, in range
    whole = to_fen(value)
    if whole is None:
        raise Unsupported
    return _int(whole)


_times = EXACT.multiply
_WHOLE = frozenset({int, Decimal})  # CEL's int: an int, or an amount's fen
_EXACT_OPS: dict[str, Callable[[Any, Any], Decimal]] = {
    "+": EXACT.add,
    "-": EXACT.subtract,
    "*": EXACT.multiply,
}


def _kind(left: Any, right: Any) -> type:
    """The one CEL type of two operands (bool is not an int, an amount is), or Unsupported."""
    kind = type(left)
    other = type(right)
    if kind is Decimal:
        kind = int
    if other is Decimal:
        other = int
    if kind is not other or kind not in (int, float, str, bool, datetime):
        raise Unsupported
    return kind


def _comparable(left: Any, right: Any) -> type:
    """As :func:`_kind`, but an int and a double compare (CEL compares numbers across types).

    Only ints a double holds exactly (|n| <= 2**53) are let through, so that the answer
    does not depend on how an implementation converts between the two.
    """
    kinds = (type(left), type(right))
    if kinds == (int, float) or kinds == (float, int):
        whole = left if kinds[0] is int else right
        if -(2**53) <= whole <= 2**53:
            return float
        raise Unsupported
    return _kind(left, right)


def _int(value: Any) -> Any:
    """An int (or an amount's integral Decimal) within CEL's 64 bits, else Unsupported."""
    if _INT_MIN <= value <= _INT_MAX:
        return value
    raise Unsupported  # CEL reports the overflow


# --- closures -----------------------------------------------------------------------------


def _constant(value: Any) -> Closure:
    return lambda variables: value


def _variable(name: str) -> Closure:
    return lambda variables: _cel(variables.get(name))


def _payload_field(name: str) -> Closure:
    def read(variables: Mapping[str, Any]) -> Any:
        payload = variables.get("payload")
        if payload is None or name not in payload:
            raise Unsupported  # CEL: no such key, or a field of null
        return _cel(payload[name])

    return read


def _compare(op: str, left: Closure, right: Closure) -> Closure:
    def compare(variables: Mapping[str, Any]) -> bool:
        a, b = left(variables), right(variables)
        kind = _comparable(a, b)
        if op == "==":
            return bool(a == b)
        if op == "!=":
            return bool(a != b)
        if kind is bool or a != a or b != b:  # NaN is not ordered: CEL's to say what it gives
            raise Unsupported
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)

    return compare


_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _compare_name(op: str, name: str, literal: Any) -> Closure:
    """``name OP literal`` (a number or a string): the shape of most guards, made direct."""
    if type(literal) is str:
        if op not in ("==", "!="):
            return _compare(op, _variable(name), _constant(literal))
        equal = op == "=="

        def text(variables: Mapping[str, Any]) -> bool:
            value = variables.get(name)
            if not isinstance(value, str):
                raise Unsupported
            return (value == literal) is equal

        return text
    if type(literal) is int and not -(2**53) <= literal <= 2**53:
        return _compare(op, _variable(name), _constant(literal))
    test = _ORDER[op]
    # An amount is compared in yuan with the literal (written in fen) in yuan: exactly the
    # comparison CEL makes in fen, without converting the amount to an int each time.
    yuan = Decimal(literal).scaleb(-2, EXACT) if type(literal) is int else None

    def number(variables: Mapping[str, Any]) -> bool:
        value: Any = variables.get(name)
        kind = type(value)
        if kind is Decimal:
            if (
                yuan is not None
                and value.adjusted() < 16
                and (value.same_quantum(_FEN) or value.same_quantum(_ONE))
            ):
                return test(value, yuan)  # a whole number of fen, well inside 64 bits
            value = _fen(value)
            kind = int
        elif kind is float:
            if value != value and op not in ("==", "!="):
                raise Unsupported  # NaN is not ordered: left to CEL
            return test(value, literal)
        if (
            kind is int
            and _INT_MIN <= value <= _INT_MAX
            and (type(literal) is int or -(2**53) <= value <= 2**53)
        ):
            return test(value, literal)
        raise Unsupported

    return number


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _arithmetic(op: str, left: Closure, right: Closure) -> Closure:
    exact = _EXACT_OPS[op]

    def compute(variables: Mapping[str, Any]) -> Any:
        a, b = left(variables), right(variables)
        if type(a) is Decimal or type(b) is Decimal:  # money, in fen: exact whatever the context
            if type(a) in _WHOLE and type(b) in _WHOLE:
                result = exact(a, b)
                if result.adjusted() < 18:  # well inside 64 bits (else CEL decides)
                    return result
            raise Unsupported
        kind = _kind(a, b)
        if kind is int:
            result = a + b if op == "+" else a - b if op == "-" else a * b
            return _int(result)
        if kind is float:
            return a + b if op == "+" else a - b if op == "-" else a * b
        if kind is str and op == "+":
            return a + b
        raise Unsupported

    return compute


def _logical(decisive: bool, left: Closure, right: Closure) -> Closure:
    """``&&`` (decisive False) or ``||`` (decisive True): the left side alone may decide.

    A left side that is not a bool, or a right side that is not, is left to CEL (which
    may still decide, as CEL's logic forgives an error on the other side).
    """

    def combine(variables: Mapping[str, Any]) -> bool:
        a = left(variables)
        if type(a) is not bool:
            raise Unsupported
        if a == decisive:
            return decisive
        b = right(variables)
        if type(b) is not bool:
            raise Unsupported
        return b

    return combine


def _not(operand: Closure) -> Closure:
    def negate(variables: Mapping[str, Any]) -> bool:
        value = operand(variables)
        if type(value) is not bool:
            raise Unsupported
        return not value

    return negate


def _negative(operand: Closure) -> Closure:
    def negative(variables: Mapping[str, Any]) -> Any:
        value = operand(variables)
        if type(value) is int:
            return _int(-value)
        if type(value) is Decimal:  # an amount's fen
            return _int(value.copy_negate())
        if type(value) is float:
            return -value
        raise Unsupported

    return negative


def _choice(condition: Closure, then: Closure, otherwise: Closure) -> Closure:
    def choose(variables: Mapping[str, Any]) -> Any:
        value = condition(variables)
        if value is True:
            return then(variables)
        if value is False:
            return otherwise(variables)
        raise Unsupported

    return choose


# --- parsing ------------------------------------------------------------------------------


def _tokenize(source: str) -> list[tuple[str, str]] | None:
    tokens: list[tuple[str, str]] = []
    position = 0
    end = len(source.rstrip())
    while position < end:
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            return None
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over CEL's precedence: ?: < || < && < relations < + - < * < unary."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0

    def at_end(self) -> bool:
        return self.index == len(self.tokens)

    def _peek(self) -> str | None:
        if self.index < len(self.tokens):
            kind, text = self.tokens[self.index]
            return text if kind == "op" else None
        return None

    def _take(self) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise Unsupported
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _expect(self, op: str) -> None:
        if self._take() != ("op", op):
            raise Unsupported

    def expression(self) -> Closure:
        condition = self._or()
        if self._peek() != "?":
            return condition
        self.index += 1
        then = self._or()
        self._expect(":")
        return _choice(condition, then, self.expression())

    def _or(self) -> Closure:
        left = self._and()
        while self._peek() == "||":
            self.index += 1
            left = _logical(True, left, self._and())
        return left

    def _and(self) -> Closure:
        left = self._relation()
        while self._peek() == "&&":
            self.index += 1
            left = _logical(False, left, self._relation())
        return left

    def _relation(self) -> Closure:
        start = self.index
        left = self._sum()
        op = self._peek()
        if op in ("==", "!=", "<", "<=", ">", ">="):
            self.index += 1
            middle = self.index
            right = self._sum()
            simple = _name_and_literal(
                self.tokens[start : middle - 1], self.tokens[middle : self.index], op
            )
            left = _compare_name(*simple) if simple is not None else _compare(op, left, right)
            if self._peek() in ("==", "!=", "<", "<=", ">", ">="):
                raise Unsupported  # chained relations: the CEL engine
        return left

    def _sum(self) -> Closure:
        left = self._product()
        while (op := self._peek()) in ("+", "-"):
            self.index += 1
            left = _arithmetic(op, left, self._product())
        return left

    def _product(self) -> Closure:
        left = self._unary()
        while self._peek() == "*":
            self.index += 1
            left = _arithmetic("*", left, self._unary())
        return left

    def _unary(self) -> Closure:
        op = self._peek()
        if op == "!":
            self.index += 1
            return _not(self._unary())
        if op == "-":
            self.index += 1
            return _negative(self._unary())
        return self._primary()

    def _primary(self) -> Closure:
        kind, text = self._take()
        if kind == "int":
            return _constant(_int(int(text)))
        if kind == "double":
            return _constant(float(text))
        if kind == "string":
            return _constant(text[1:-1])
        if kind == "op" and text == "(":
            inner = self.expression()
            self._expect(")")
            return inner
        if kind != "name" or text in _RESERVED:
            raise Unsupported
        if text in _LITERALS:
            return _constant(_LITERALS[text])
        if self._peek() == "(":
            raise Unsupported  # a function call
        if self._peek() == ".":
            if text != "payload":
                raise Unsupported
            self.index += 1
            kind, field = self._take()
            if kind != "name" or self._peek() in (".", "(", "["):
                raise Unsupported
            return _payload_field(field)
        return _variable(text)


def _name_and_literal(
    left: list[tuple[str, str]], right: list[tuple[str, str]], op: str
) -> tuple[str, str, Any] | None:
    """(op, name, literal) when a relation is one variable against one number or string."""
    if len(left) != 1 or len(right) != 1:
        return None
    (left_kind, left_text), (right_kind, right_text) = left[0], right[0]
    if left_kind == "name" and right_kind in ("int", "double", "string"):
        name, literal = left_text, _literal(right_kind, right_text)
    elif right_kind == "name" and left_kind in ("int", "double", "string"):
        name, literal, op = right_text, _literal(left_kind, left_text), _FLIP[op]
    else:
        return None
    if name in _LITERALS or name == "payload":
        return None
    return op, name, literal


def _literal(kind: str, text: str) -> Any:
    """The value of a number or string token."""
    if kind == "int":
        return int(text)
    if kind == "double":
        return float(text)
    return text[1:-1]
