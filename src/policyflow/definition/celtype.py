"""The types of CEL values, as far as money and decimals are concerned (money.py checks them).

CEL is typed at run time only: the ``cel`` package reports a type error by failing on the
values it is given. To tell, when an expression compiles, which operand of which operator
is an amount, money.py gives each node of the tree (syntax.py) one of these types, from
the declared fields, the literals as written and what CEL's functions return. Nothing
here runs an expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from policyflow.definition.model import Field, FieldType
from policyflow.definition.syntax import Literal

__all__ = [
    "BOOL",
    "DYN",
    "ERROR",
    "FEN_SCALE",
    "INT",
    "ORDER",
    "STRING",
    "TIMESTAMP",
    "CelType",
    "is_money",
    "literal_type",
    "literal_value",
    "noun",
    "of_field",
    "plain",
    "result_of",
    "scale_of",
]

#: The scale of an amount as it enters CEL: a whole number of fen.
FEN_SCALE = 2
#: The comparison operators.
ORDER = frozenset({"==", "!=", "<", "<=", ">", ">="})


@dataclass(frozen=True, slots=True)
class CelType:
    """What a node gives, as far as money is concerned.

    `kind` is money (an exact value CEL holds as a scaled whole number: an amount, or a
    decimal field's number), number (a literal), int, whole_double (``double()`` of an int),
    double, uint, string, bytes, bool, null, timestamp, duration, list, map, dyn (unknown)
    or error (already reported). `scale`: a money value's unit is 10**-scale (yuan, or
    points); a number's decimal places. `whole`: a number written as a CEL int. `item`: a
    list's element. `unit`: a money value's unit, ``yuan`` (an amount) or ``decimal`` (a
    number of a decimal field: a score); the two never meet in ``+``, ``-`` or a comparison.
    """

    kind: str
    scale: int = 0
    whole: bool = False
    item: CelType | None = None
    unit: str = "yuan"


DYN = CelType("dyn")
ERROR = CelType("error")
BOOL = CelType("bool")
INT = CelType("int")
STRING = CelType("string")
TIMESTAMP = CelType("timestamp")
_FIELD_TYPES = {
    FieldType.MONEY: CelType("money", FEN_SCALE),
    FieldType.INT: INT,
    FieldType.BOOL: BOOL,
    FieldType.STR: STRING,
    FieldType.ENUM: STRING,
    FieldType.DATE: TIMESTAMP,
    FieldType.DATETIME: TIMESTAMP,
    FieldType.RECORD: CelType("map"),  # its sub-fields hold no money (model.py refuses it)
}
_RESULTS: Mapping[str, CelType] = {
    "int": INT,
    "double": CelType("double"),
    "uint": CelType("uint"),
    "string": STRING,
    "bytes": CelType("bytes"),
    "bool": BOOL,
    "size": INT,
    "timestamp": TIMESTAMP,
    "duration": CelType("duration"),
    "matches": BOOL,
    "contains": BOOL,
    "startsWith": BOOL,
    "endsWith": BOOL,
    "add_working_days": TIMESTAMP,
    "due": TIMESTAMP,
    "before": TIMESTAMP,
    "working_days_between": INT,
    "is_working_day": BOOL,
    **{
        name: INT
        for name in (
            "getFullYear", "getMonth", "getDayOfMonth", "getDate", "getDayOfWeek",
            "getDayOfYear", "getHours", "getMinutes", "getSeconds", "getMilliseconds",
        )
    },
}  # fmt: skip


def of_field(field: Field) -> CelType:
    """The type of a declared field's value."""
    if field.element_type is FieldType.DECIMAL:
        element = CelType("money", field.decimal_places, unit="decimal")
    else:
        element = _FIELD_TYPES.get(field.element_type, DYN)
    return CelType("list", item=element) if field.type is FieldType.LIST else element


def is_money(kind: CelType) -> bool:
    """An amount, or a list of amounts."""
    return kind.kind == "money" or (kind.kind == "list" and _is_money_item(kind))


def noun(kind: CelType) -> str:
    """A money value (or a list of them) in words: an amount, or a decimal number."""
    item = kind.item if kind.kind == "list" and kind.item is not None else kind
    return "a decimal number" if item.unit == "decimal" else "an amount"


def _is_money_item(kind: CelType) -> bool:
    return kind.item is not None and kind.item.kind == "money"


def _places(value: Decimal) -> int:
    """The decimal places a literal needs (0.30 needs 1; 1e3 none)."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # a literal is finite
    return max(0, -exponent)


def literal_value(node: Literal) -> Decimal:
    """The exact value of a number literal as written (``0x10`` is 16, ``1e3`` is 1000)."""
    text = node.text
    if node.kind == "int":
        return Decimal(int(text, 16) if text[:2] in ("0x", "0X") else int(text))
    return Decimal(text)


def scale_of(kind: CelType) -> int:
    """The scale an exact operand has as it stands (a count or a double() of one: 0)."""
    return kind.scale if kind.kind in ("money", "number") else 0


def _integral(kind: CelType) -> bool:
    return kind.kind == "int" or (kind.kind == "number" and kind.whole)


def _binary(kind: CelType) -> bool:
    return kind.kind in ("double", "whole_double") or (kind.kind == "number" and not kind.whole)


def plain(op: str, left: CelType, right: CelType) -> CelType:
    """The type of an operation without money (as far as money needs to know)."""
    if op in ORDER or op == "in":
        return BOOL
    if _integral(left) and _integral(right):
        return INT
    if _binary(left) and _binary(right):
        return CelType("double")
    kinds = (left.kind, right.kind)
    if op == "+" and left.kind == right.kind and left.kind in ("string", "bytes", "list"):
        return left
    if kinds == ("timestamp", "timestamp") and op == "-":
        return CelType("duration")
    if kinds == ("timestamp", "duration") or (kinds == ("duration", "timestamp") and op == "+"):
        return TIMESTAMP
    if kinds == ("duration", "duration"):
        return CelType("duration")
    if kinds == ("uint", "uint"):
        return CelType("uint")
    return DYN


def literal_type(node: Literal) -> CelType:
    """The type of a literal: a number with its places, or its CEL kind."""
    if node.kind == "int":
        return CelType("number", 0, whole=True)
    if node.kind == "double":
        return CelType("number", _places(literal_value(node)))
    return CelType(node.kind)


def result_of(function: str) -> CelType:
    """What a call of `function` gives (dyn for a function not known here)."""
    return _RESULTS.get(function, DYN)
