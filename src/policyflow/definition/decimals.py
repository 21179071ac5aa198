"""The values of decimal fields: exact numbers (scores) held at their field's places.

A ``decimal`` field (``{id: expert_score, type: decimal, places: 2}``) holds an exact
number with at most ``places`` decimals (0 to 4): 85.5 is held as 85.50. Its value is a
:class:`Fixed`, a Decimal that keeps exactly the field's places, so the value itself says
how it enters CEL: as a whole number at its places (85.50 → 8550), the way an amount enters
as whole fen (conversion.py). money.py rewrites each expression that reads one so that CEL
computes in integers exactly what the text says in decimal; a decimal that leaves an
expression for a decimal field is rounded half up (四舍五入) once, to that field's places.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

__all__ = ["DECIMAL_MAX", "Fixed", "check_places", "rounded", "scaled"]

#: The largest decimal accepted: at 4 places 16 digits, well inside CEL's int64, with room
#: for the weights and sums of a score sheet.
DECIMAL_MAX = Decimal("999999999999.9999")
_ROUNDING = Context(prec=60, rounding=ROUND_HALF_UP)


class Fixed(Decimal):
    """A decimal field's value: a Decimal with exactly its field's places (85.50 at 2).

    Equal to the Decimal of the same value, and formatted and stored as one ("85.50");
    what sets it apart is that CEL reads it as a whole number at its places (:func:`scaled`).
    """

    __slots__ = ()

    @property
    def places(self) -> int:
        """The decimal places it is held at."""
        exponent = self.as_tuple().exponent
        assert isinstance(exponent, int)  # a field's value is finite
        return max(0, -exponent)


def rounded(value: Decimal | int, places: int) -> Fixed:
    """`value` rounded half up (四舍五入) to `places` decimals: 84.995 → 85.00 at 2."""
    return Fixed(Decimal(value).quantize(Decimal(1).scaleb(-places), context=_ROUNDING))


def check_places(value: Decimal, places: int) -> Fixed:
    """`value` held at `places` decimals (85.5 → 85.50), refused if it has more.

    Raises:
        ValueError: more decimals than `places` (the message names the limit).
    """
    try:
        held = rounded(value, places)
    except InvalidOperation:  # beyond the precision: the bounds, checked first, prevent it
        raise ValueError(f"more than {places} decimals") from None
    if held != value:
        raise ValueError(f"more than {places} decimal{'s' if places != 1 else ''}")
    return held


def scaled(value: Fixed) -> int:
    """The whole number CEL reads for `value`: 85.50 → 8550 (at its places)."""
    return int(value.scaleb(value.places))
