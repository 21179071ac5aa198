"""Declared fields → validators for case data and event payloads.

A process declares its case fields (and each event its payload fields) with a type:
enum, money (Decimal yuan, at most two decimals), decimal (an exact number at most `places`
decimals, held as a :class:`~policyflow.definition.decimals.Fixed`), int, bool, str, date,
datetime, or a list
of these or of records (each item a mapping validated against the list's sub-fields, held
as a plain dict, as JSON objects in stored data and payloads). This module turns the
declarations into a pydantic model, so bad data is refused at the boundary with
:class:`~policyflow.errors.InvalidCaseData` naming the field (``present[3].category`` inside
a record) and the type it expected, and it converts typed values to and from JSON. What
the fields *mean* is the process's; evaluating CEL over them is expressions.py's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    create_model,
)
from pydantic import Field as PField

from policyflow.definition.decimals import DECIMAL_MAX, Fixed, check_places
from policyflow.definition.model import LIST_MAX, Field, FieldType
from policyflow.errors import InvalidCaseData

__all__ = [
    "INT_MAX",
    "INT_MIN",
    "LIST_MAX",
    "MONEY_MAX",
    "STR_MAX",
    "FieldSet",
    "describe_type",
    "format_value",
]

#: The largest amount of money accepted (yuan). In CEL an amount is a whole number of fen,
#: an int64 (money.py): 13 integer digits leave room for rates and counts before overflow.
MONEY_MAX = Decimal("9999999999999.99")

_CST = timezone(timedelta(hours=8))


def _naive_cst(value: datetime) -> datetime:
    """Business times are naive China Standard Time: convert an aware time and drop the zone."""
    if value.tzinfo is not None:
        return value.astimezone(_CST).replace(tzinfo=None)
    return value


def _money_places(value: Decimal) -> Decimal:
    # 1.500 is 1.50; 1.505 is refused (the bounds, checked first, keep quantize exact)
    quantized = value.quantize(_FEN)
    if quantized != value:
        raise ValueError("more than 2 decimals (the smallest unit is the fen)")
    return quantized


_FEN = Decimal("0.01")


Money = Annotated[
    Decimal,
    PField(ge=-MONEY_MAX, le=MONEY_MAX, allow_inf_nan=False),
    AfterValidator(_money_places),
]
BusinessTime = Annotated[datetime, AfterValidator(_naive_cst)]

#: Integers are CEL int64: a larger one would be accepted and then fail every later guard.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
#: The longest text a str field holds (LIST_MAX, in model.py, the most items of a list).
STR_MAX = 100_000


def _no_text_or_bool(value: Any) -> Any:
    # pydantic would read "3" as 3 and true as 1; a number must be given as a number
    if isinstance(value, str | bool):
        raise ValueError(f"a number, not {'text' if isinstance(value, str) else 'true/false'}")
    return value


Whole = Annotated[int, BeforeValidator(_no_text_or_bool), PField(ge=INT_MIN, le=INT_MAX)]
Text = Annotated[str, PField(max_length=STR_MAX)]  # pydantic refuses a lone surrogate

_SCALAR: dict[FieldType, Any] = {
    FieldType.MONEY: Money,
    FieldType.INT: Whole,
    FieldType.BOOL: Annotated[bool, PField(strict=True)],
    FieldType.STR: Text,
    FieldType.DATE: date,
    FieldType.DATETIME: BusinessTime,
}


def _as_dict(record: BaseModel) -> dict[str, Any]:
    # a record is held as a plain dict: CEL reads it as a map, JSON writes it as an object
    return dict(record.__dict__)


def _record_annotation(field: Field) -> Any:
    """The type of one item of a record list: its sub-fields, strict, no unknown keys."""
    definitions: dict[str, Any] = {
        sub.id: (annotation(sub), ... if sub.must_be_given else sub.default)
        for sub in field.fields or ()
    }
    record = create_model(
        "Record",
        __config__=ConfigDict(
            extra="forbid", strict=False, validate_default=True, protected_namespaces=()
        ),
        **definitions,
    )
    return Annotated[record, AfterValidator(_as_dict)]


def _element_annotation(field: Field) -> Any:
    kind = field.element_type
    if kind is FieldType.RECORD:
        return _record_annotation(field)
    if kind is FieldType.ENUM:
        return Literal[tuple(field.values)]
    if kind is FieldType.DECIMAL:
        return _decimal_annotation(field)
    base = _SCALAR[kind]
    if kind in (FieldType.INT, FieldType.MONEY) and (
        field.min is not None or field.max is not None
    ):
        bounds: dict[str, Any] = {}
        if kind is FieldType.INT:
            # within the declared bounds and within int64, whichever is narrower
            if field.min is not None:
                bounds["ge"] = max(INT_MIN, min(INT_MAX, int(field.min)))
            if field.max is not None:
                bounds["le"] = min(INT_MAX, max(INT_MIN, int(field.max)))
        else:
            if field.min is not None:
                bounds["ge"] = Decimal(str(field.min))
            if field.max is not None:
                bounds["le"] = Decimal(str(field.max))
        return Annotated[base, PField(**bounds)]
    return base


def _decimal_annotation(field: Field) -> Any:
    """A decimal: within its bounds (and DECIMAL_MAX), at most its places, held at them."""
    places = field.decimal_places
    low, high = -DECIMAL_MAX, DECIMAL_MAX
    if field.min is not None:
        low = max(low, Decimal(str(field.min)))
    if field.max is not None:
        high = min(high, Decimal(str(field.max)))
    return Annotated[
        Decimal,
        PField(ge=low, le=high, allow_inf_nan=False),
        AfterValidator(lambda value: check_places(value, places)),
    ]


def annotation(field: Field) -> Any:
    """The Python type (with pydantic constraints) of `field`'s values."""
    element: Any = _element_annotation(field)
    value: Any = (
        Annotated[tuple[element, ...], PField(max_length=field.max_items or LIST_MAX)]
        if field.type is FieldType.LIST
        else element
    )
    return value if field.required else value | None


def holds_values_of(target: Field, source: Field) -> bool:
    """Whether every value `source` accepts is a value `target` accepts.

    True for the same declared type (kind, enum values, bounds) when `source` allows no
    null that `target` refuses; False whenever that cannot be told this simply.
    """
    return (
        target.type is source.type
        and target.element_type is source.element_type
        and tuple(target.values) == tuple(source.values)
        and target.min == source.min
        and target.max == source.max
        and target.fields == source.fields
        and target.places == source.places
        and (source.required or not target.required)
    )


def describe_type(field: Field) -> str:
    """What `field` accepts, in words: "an amount of yuan with at most 2 decimals"."""
    words = _describe(field.element_type, field)
    if field.type is FieldType.LIST:
        words = f"a list of {_plural(words)}"
        if field.max_items is not None:
            words += f", at most {field.max_items:,}"
    if field.min is not None or field.max is not None:
        low = "" if field.min is None else f" >= {field.min:g}"
        high = "" if field.max is None else f" <= {field.max:g}"
        words += f" ({(low + ',' + high).strip(', ') if low and high else (low or high).strip()})"
    return words if field.required else f"{words} or null"


def _describe(kind: FieldType, field: Field) -> str:
    if kind is FieldType.RECORD:
        return f"a record of {', '.join(field.sub_fields)}"
    if kind is FieldType.ENUM:
        return "one of " + ", ".join(repr(v) for v in field.values)
    return {
        FieldType.MONEY: "an amount of yuan with at most 2 decimals",
        FieldType.DECIMAL: f"a decimal number with at most {field.decimal_places} decimals",
        FieldType.INT: "a whole number",
        FieldType.BOOL: "true or false",
        FieldType.STR: "text",
        FieldType.DATE: "a date (YYYY-MM-DD)",
        FieldType.DATETIME: "a date and time (YYYY-MM-DDTHH:MM)",
    }[kind]


def _plural(words: str) -> str:
    if words.startswith("a record of "):
        return "records of " + words[len("a record of ") :]
    if words.startswith("one of "):
        return "values from " + words[len("one of ") :]
    return words.removeprefix("an ").removeprefix("a ")


def format_value(value: Any, kind: FieldType | None = None) -> str:
    """A value as a person reads it: money as ¥1,000,000.00, dates ISO, lists comma-joined."""
    if value is None:
        return "null"
    if isinstance(value, Fixed) or kind is FieldType.DECIMAL:
        return str(value)
    if isinstance(value, Decimal) or (kind is FieldType.MONEY and isinstance(value, int | float)):
        return f"¥{Decimal(str(value)):,.2f}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(format_value(v, kind) for v in value) + "]"
    if isinstance(value, Mapping):  # a record
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return str(value)


_AS_IS = frozenset({str, int, bool, float, type(None)})


def _to_json(value: Any) -> Any:
    if type(value) in _AS_IS:  # most values: checked first, by exact type
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):  # a record
        return {k: _to_json(v) for k, v in value.items()}
    return value


# Values whose type and value decide their validation: equal ones give equal results.
# (Not Decimal nor float: Decimal("-0") equals Decimal("0") but keeps its sign.)
_MEMO_TYPES = frozenset({str, bool, int, type(None), date})
_MEMO_SIZE = 10_000


def _memo_key(data: Mapping[str, Any]) -> tuple[tuple[str, type, Any], ...] | None:
    """The key under which the validation of `data` is remembered, or None if it is not.

    Payloads repeat: the same filing, the same choice of an enum, the same day; checking
    them costs a few times as much as finding them again.
    """
    key = []
    for name, value in data.items():
        kind = type(value)
        if kind not in _MEMO_TYPES:
            return None
        key.append((name, kind, value))
    return tuple(key)


def _shown(value: Any) -> str:
    """A given value for a message: quoted, printable (a lone surrogate escaped), short."""
    text = f"'{value}'" if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 80 else f"{text[:60]}… ({len(text):,} characters)"


class FieldSet:
    """The validator of one set of declared fields (a process's case data or a payload).

    Args:
        fields: the declared fields.
        name: what they are, for messages: "case data of 'permit'", "payload of 'applied'".
    """

    def __init__(self, fields: Iterable[Field], name: str) -> None:
        self.fields: dict[str, Field] = {f.id: f for f in fields}
        self.name = name
        annotations = {field.id: annotation(field) for field in self.fields.values()}
        # each field's core validator, without TypeAdapter.validate_python's Python wrapper
        self._validators: dict[str, Any] = {
            name: TypeAdapter(typed).validator for name, typed in annotations.items()
        }
        # Defaults are typed once, here, rather than validated again in every validate();
        # a bad default (the linter reports it) is left to be refused where it is used.
        definitions: dict[str, Any] = {}
        all_typed = True
        for field in self.fields.values():
            default: Any = ... if field.must_be_given else field.default
            if default is not ... and default is not None:
                try:
                    default = self._validators[field.id].validate_python(default)
                except ValidationError:
                    all_typed = False
            definitions[field.id] = (annotations[field.id], default)
        self.model: type[BaseModel] = create_model(
            "CaseData",
            __config__=ConfigDict(extra="forbid", strict=False, validate_default=not all_typed),
            **definitions,
        )
        self._validator = self.model.__pydantic_validator__
        self._memo: dict[tuple[tuple[str, type, Any], ...], dict[str, Any]] = {}

    def __bool__(self) -> bool:
        return bool(self.fields)

    def validate(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Return `data` as typed values (Decimal, date …), defaults filled in.

        Raises:
            InvalidCaseData: naming every offending field, the type it expects and what was
                given (the attributes name the first).
        """
        if type(data) is not dict and not isinstance(data, Mapping):  # dict: no ABC check
            raise InvalidCaseData(
                f"invalid {self.name}: expected a mapping of field names to values, "
                f"got {type(data).__name__}",
                field="",
                expected="a mapping",
                got=repr(data)[:80],
            )
        key = _memo_key(data)
        found = self._memo.get(key) if key is not None else None
        if found is not None:
            return dict(found)
        try:
            # the model's validator itself, without model_validate's Python wrapper
            model = self._validator.validate_python(data if type(data) is dict else dict(data))
        except ValidationError as error:
            raise self._error(error, data) from None
        values: dict[str, Any] = model.__dict__  # the new model's own dict; the model is dropped
        if key is not None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = dict(values)
        return values

    def validate_one(self, name: str, value: Any) -> Any:
        """Return `value` as a typed value of field `name`.

        Raises:
            InvalidCaseData: the value does not fit the field.
        """
        try:
            return self._validators[name].validate_python(value)
        except ValidationError as error:
            raise self._error(error, {name: value}, prefix=name) from None

    def dump(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """`data` as JSON-ready values: Decimal → str, date → ISO text, tuple → list."""
        # most values are JSON already: tested inline, without a call per value
        return {
            name: value if type(value) in _AS_IS else _to_json(value)
            for name, value in data.items()
        }

    def _error(
        self, error: ValidationError, data: Mapping[str, Any], prefix: str | None = None
    ) -> InvalidCaseData:
        problems: list[tuple[str, str, str]] = []
        for item in error.errors():
            loc: list[str | int] = list(item["loc"])
            if prefix is not None:
                loc = [prefix, *loc]
            top = str(loc[0]) if loc else ""
            field = self.fields.get(top)
            if field is not None and field.is_record_list and len(loc) > 1:
                problems.append(_record_problem(field, loc, _path(loc), item))
                continue
            path = ".".join(str(part) for part in loc)  # (kinds.1: as it always was)
            if item["type"] == "extra_forbidden":
                known = ", ".join(sorted(self.fields)) or "none"
                problems.append((path, f"a declared field ({known})", "an unknown field"))
                continue
            if item["type"] == "missing":
                expected = describe_type(field) if field else "a value"
                problems.append((path, expected, "nothing (the field is required)"))
                continue
            expected = describe_type(field) if field else item["msg"]
            got = data.get(top, item.get("input")) if top in data else item.get("input")
            problems.append((path, _with_detail(expected, item), _shown(got)))
        text = "; ".join(f"field '{p}' expects {e}, got {g}" for p, e, g in problems)
        first = problems[0] if problems else ("", "", "")
        return InvalidCaseData(
            f"invalid {self.name}: {text}", field=first[0], expected=first[1], got=first[2]
        )


def _path(loc: list[str | int]) -> str:
    """A pydantic error location as a person writes it: ``present[3].category``."""
    text = str(loc[0]) if loc else ""
    for part in loc[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _with_detail(expected: str, item: Any) -> str:
    """`expected`, with pydantic's detail where it says more than the type (a bound …)."""
    detail = str(item["msg"])
    if (
        item["type"] in ("value_error", "string_too_long", "too_long", "string_unicode")
        or "decimals" in detail
        or "less than or equal" in detail
        or "greater than or equal" in detail
    ):
        expected += f"; {detail.removeprefix('Value error, ').lower()}"
    return expected


def _record_problem(
    field: Field, loc: list[str | int], path: str, item: Any
) -> tuple[str, str, str]:
    """(path, expected, got) for an error inside record list `field` (``present[3]…``)."""
    got = _shown(item.get("input"))
    if len(loc) == 2:  # one item that is not a mapping
        return path, _describe(FieldType.RECORD, field), got
    sub = field.sub_fields.get(str(loc[2]))
    if item["type"] == "extra_forbidden" or sub is None:
        known = ", ".join(field.sub_fields)
        return path, f"a sub-field of {field.id!r} ({known})", "an unknown key"
    if item["type"] == "missing":
        return path, describe_type(sub), "nothing (the sub-field is required)"
    return path, _with_detail(describe_type(sub), item), got
