"""How typed values cross into CEL and back.

Values cross into CEL as follows (quick.py mirrors it for the values it reads):

* money (Decimal yuan, at most two decimals) → int, a whole number of fen: ¥97,197.12 is
  9719712. Every amount is exact, and so is everything money.py lets an expression do with
  it; an amount that leaves an expression comes back through :func:`to_amount`, rounded
  half up to the fen.
* a decimal field's value (a :class:`~policyflow.definition.decimals.Fixed`) → int, a whole
  number at its places: 85.50 at 2 places is 8550. One that leaves an expression comes back
  through :func:`to_decimal`, rounded half up to the receiving field's places.
* date → timestamp at 00:00 UTC, datetime → timestamp (the zone is only a label:
  business times are naive China Standard Time); ``duration('86400s')`` adds a day.
* enum → string, list → list, a record (an item of a record list) → map, a missing
  optional value → null.

Which expressions read money, and how they are rewritten to compute on fen, is money.py's;
evaluating them is expressions.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation, Overflow
from typing import Any

from policyflow.definition.decimals import Fixed, rounded, scaled
from policyflow.definition.model import Field, FieldType
from policyflow.errors import InvalidInput

__all__ = [
    "EXACT",
    "SEED",
    "from_cel",
    "sample_value",
    "to_amount",
    "to_cel",
    "to_decimal",
    "to_fen",
    "wrong_type",
]

_HUNDRED = Decimal(100)
#: Exact decimal arithmetic, whatever the thread's context: what would round raises instead.
EXACT = Context(prec=60, traps=[Inexact, InvalidOperation, Overflow])
_times = EXACT.multiply
_ROUNDING = Context(prec=60, rounding=ROUND_HALF_UP)


def to_fen(value: Decimal) -> int | None:
    """An amount as a whole number of fen (¥97,197.12 → 9719712); None if it is not one."""
    try:
        fen = _times(value, _HUNDRED)
        whole = int(fen)
    except (ArithmeticError, ValueError):  # NaN, infinity, too large
        return None
    return whole if whole == fen else None


def to_cel(value: Any) -> Any:
    """A typed Python value as CEL sees it (Decimal → int fen, date → timestamp …).

    Raises:
        InvalidInput: an amount with more than two decimals (the smallest unit is the fen).
    """
    if isinstance(value, Fixed):  # a decimal field's value, at its places
        return scaled(value)
    if isinstance(value, Decimal):
        fen = to_fen(value)
        if fen is None:
            raise InvalidInput(f"amount {value} is not a whole number of fen")
        return fen
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=UTC)
    if isinstance(value, tuple | list):
        return [to_cel(v) for v in value]
    if isinstance(value, Mapping):
        return {k: to_cel(v) for k, v in value.items()}
    return value


def to_amount(value: Any, scale: int) -> Any:
    """An amount CEL computed in units of 10**-scale yuan, as Decimal yuan to the fen.

    The one rounding money goes through: half up (四舍五入), when it leaves an expression.
    Anything but an int (null from a branch) is returned as it is; a list, element-wise.
    """
    if type(value) is int or type(value) is Decimal:  # (quick.py holds fen as a Decimal)
        return Decimal(value).scaleb(-scale, EXACT).quantize(_FEN, context=_ROUNDING)
    if isinstance(value, list):
        return [to_amount(v, scale) for v in value]
    return value


def to_decimal(value: Any, scale: int, places: int | None) -> Any:
    """A decimal CEL computed in units of 10**-scale, as a Fixed.

    Rounded half up (四舍五入) to `places` when the receiving field is known, once, as it
    leaves the expression; exact (at `scale`) when it is not. Anything but a number (null
    from a branch) is returned as it is; a list, element-wise.
    """
    if type(value) is int or type(value) is Decimal:  # (quick.py holds a whole as Decimal)
        exact = Decimal(value).scaleb(-scale, EXACT)
        return Fixed(exact) if places is None else rounded(exact, places)
    if isinstance(value, list):
        return [to_decimal(v, scale, places) for v in value]
    return value


def from_cel(value: Any, kind: FieldType | None) -> Any:
    """A CEL result as the typed value of a field of `kind` (None: as it comes).

    A number for a money field is yuan, rounded half up to the fen (an amount computed
    from money arrives as Decimal already, from :func:`to_amount`); a timestamp becomes a
    naive datetime, or its day for a date field. The field's validator checks the rest.
    """
    if type(value) in _AS_THEY_ARE:  # most results, by exact type (a datetime is not one)
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.date() if kind is _DATE else value
    if isinstance(value, float):
        if kind is _MONEY:
            return Decimal(repr(value)).quantize(_FEN, rounding=ROUND_HALF_UP)
        return Decimal(repr(value)) if kind is None else value
    if isinstance(value, int):  # (a bool returned above)
        return Decimal(value).quantize(_FEN, rounding=ROUND_HALF_UP) if kind is _MONEY else value
    if isinstance(value, list):
        return tuple(from_cel(v, kind) for v in value)
    if isinstance(value, dict):  # a record: its field's validator types each value
        return {k: from_cel(v, None) for k, v in value.items()}
    return value


#: What a sample's seed must give (``expect=SEED``): a string or a whole number.
SEED = "seed"


def wrong_type(result: Any, expect: FieldType | str | None) -> str | None:
    """Why `result` (an expression's, typed back) is not a value for `expect`, or None."""
    if expect is None:
        return None
    if expect == "bool":
        ok = isinstance(result, bool)
        words = "true or false"
    elif expect in (FieldType.DATE, FieldType.DATETIME):
        ok = isinstance(result, datetime)
        words = "a timestamp (a date)"
    elif expect in (FieldType.MONEY, FieldType.DECIMAL):
        ok = isinstance(result, float | int | Decimal) and not isinstance(result, bool)
        words = "a number"
    elif expect is FieldType.INT:
        ok = isinstance(result, int) and not isinstance(result, bool)
        words = "a whole number"
    elif expect is FieldType.BOOL:
        ok = isinstance(result, bool)
        words = "true or false"
    elif expect in (FieldType.STR, FieldType.ENUM):
        ok = isinstance(result, str)
        words = "a string"
    elif expect is FieldType.LIST:
        ok = isinstance(result, list)
        words = "a list"
    elif expect == SEED:
        ok = isinstance(result, str | int) and not isinstance(result, bool)
        words = "a string or a whole number (a sample's seed)"
    else:
        return None
    if ok:
        return None
    return f"gives {type(result).__name__}, expected {words}"


# Enum members and constants read once: reading a member from its class is a Python call.
_MONEY = FieldType.MONEY
_DATE = FieldType.DATE
_FEN = Decimal("0.01")
_AS_THEY_ARE = frozenset({str, bool, type(None), date, Decimal})


def sample_value(field: Field) -> Any:
    """A typical value of `field` for a dry run (used to type-check expressions).

    A record list holds one record of typical sub-field values.
    """
    kind = field.element_type
    if kind is FieldType.RECORD:
        return ({sub.id: sample_value(sub) for sub in field.fields or ()},)
    value: Any = {
        FieldType.ENUM: field.values[0] if field.values else "",
        FieldType.MONEY: Decimal("1.00"),
        FieldType.DECIMAL: rounded(1, field.decimal_places),
        FieldType.INT: 1,
        FieldType.BOOL: True,
        FieldType.STR: "x",
        FieldType.DATE: date(2023, 1, 2),
        FieldType.DATETIME: datetime(2023, 1, 2, 9, 0),
    }[kind]
    return (value,) if field.type is FieldType.LIST else value
