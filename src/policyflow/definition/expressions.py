"""CEL expressions: compiled once, checked against the declared fields, evaluated safely.

This is the only module that imports ``cel`` (the ``common-expression-language`` package,
a Rust core). A process file's guards, assignments, deadline anchors, child data and
parent signals are CEL; CEL cannot call Python, read files or reach anything but the
variables it is given: the case's fields by name, ``payload`` (the event's payload as a
map), ``today`` (the legal day of the event, a timestamp at 00:00) and ``state``.

An expression is compiled against the fields it may read (their declared types) and the
type its result is for, because money is exact decimal inside CEL too: an amount enters
CEL as a whole number of fen (conversion.py), money.py rewrites each expression that
touches money so that its comparisons and calculations are exact, and refuses what cannot
be (an amount beside a binary double, divided, given to a function). An amount leaves an
expression rounded half up to the fen. Dates are timestamps (conversion.py).

Legal time: every expression may call ``add_working_days(d, n)``, ``due(d, period)``,
``before(d, period)``, ``working_days_between(a, b)`` and ``is_working_day(d)``
(calendar_functions.py), counted on the calendar the runtime was given: the scope entry
:data:`CALENDAR` (default ``policyflow.legaltime.china()``). Only an expression that calls
one of them is evaluated with a ``cel.Context`` holding them (and memoised per calendar);
every other expression runs exactly as before. A count that reaches a year the calendar
does not publish raises :class:`~policyflow.errors.CalendarNotPublished`.

The simplest expressions (literals, names, comparisons, counters, ``&&``, ``||``, ``!``,
``? :``) run as Python closures (:mod:`policyflow.definition.quick`) that hand every case
they cannot decide exactly as CEL would back to CEL. Other evaluations are memoised per
expression on the values they read (CEL is pure), which makes a repeated guard a
dictionary lookup.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import cel

from policyflow.definition.calendar_functions import (
    LEGAL_TIME_FUNCTIONS,
    ArgumentError,
    LegalTimeFunctions,
)
from policyflow.definition.conversion import (
    SEED,
    from_cel,
    sample_value,
    to_amount,
    to_cel,
    to_decimal,
    wrong_type,
)
from policyflow.definition.expression_cost import check_cost
from policyflow.definition.expression_size import check_size
from policyflow.definition.model import Field, FieldType, Process
from policyflow.definition.money import MoneyPlan, plan_money
from policyflow.definition.quick import Unsupported, compile_quick
from policyflow.definition.records import record_problems
from policyflow.definition.relations import original_offset, rewrite_relations, samples
from policyflow.errors import CalendarNotPublished, InvalidInput, InvalidPeriod
from policyflow.legaltime import Calendar, Period, china

__all__ = [
    "CALENDAR",
    "LEGAL_TIME_FUNCTIONS",
    "RESERVED",
    "SEED",
    "Expression",
    "ExpressionProblem",
    "LegalTimeExpression",
    "check_expression",
    "closest",
    "compile_condition",
    "compile_expression",
    "expression_problems",
    "from_cel",
    "sample_value",
    "to_cel",
]

#: Names every expression may use besides the case fields.
RESERVED = frozenset({"payload", "today", "state"})
#: The scope entry holding the legal Calendar (not a CEL name: ids are snake_case).
CALENDAR = "@calendar"

_MEMO_SIZE = 4096
_BOUND = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")
_PAYLOAD_NAME = re.compile(r"\bpayload\s*\.\s*([A-Za-z_]\w*)")
_PAYLOAD_INDEX = re.compile(r"\bpayload\s*\[\s*['\"]([A-Za-z_]\w*)['\"]\s*\]")
_MISSING = object()
# What the cel package raises when an expression fails on its values.
_CEL_ERRORS = (TypeError, ValueError, RuntimeError, ArithmeticError, IndexError, KeyError)
_IDENTITY = re.compile(r"(?:payload\s*\.\s*)?[A-Za-z_]\w*")


@dataclass(frozen=True, slots=True)
class _Declared:
    """What an expression was compiled against (see :func:`compile_expression`)."""

    fields: Mapping[str, Field]
    payload: Mapping[str, Field] | None
    expect: FieldType | str | None
    extra: frozenset[str]


class Expression:
    """One CEL expression, compiled once against the fields it may read.

    Attributes:
        source: the text as written.
        cel_source: the text CEL runs: `source`, or its rewriting with money as whole
            numbers (money.py).
        names: the variables it reads (case fields and reserved names), excluding names a
            macro binds (the ``x`` in ``list.all(x, x > 0)``).
        payload_names: the payload fields it reads (``payload.served_on``).
        money: how it runs with money, and where money cannot be exact in it.
        relations: the reads of other cases it makes, by read key (``children:proc``,
            ``parent``, ``lookup:id``: definition/relations.py); the runtime fills each
            as a hidden variable before it runs.
    """

    __slots__ = (
        "_memo",
        "_program",
        "_quick",
        "cel_source",
        "declared",
        "identity",
        "money",
        "names",
        "payload_names",
        "relations",
        "source",
    )

    def __init__(
        self,
        source: str,
        program: cel.Program,
        names: tuple[str, ...],
        money: MoneyPlan,
        declared: _Declared,
        relations: frozenset[str] = frozenset(),
    ) -> None:
        self.source = source
        self.relations = relations
        self.cel_source = money.source
        self._program = program
        self.names = names
        self.money = money
        self.declared = declared
        found = _PAYLOAD_NAME.findall(source) + _PAYLOAD_INDEX.findall(source)
        self.payload_names: frozenset[str] = frozenset(found)
        self._memo: dict[Any, Any] = {}
        # the simplest expressions run as Python closures (quick.py); CEL decides the rest
        self._quick = None if money.problems else compile_quick(money.source)
        bare = source.strip()
        #: the name a bare reference (``budget``, ``payload.served_on``) reads, else None
        is_name = (
            _IDENTITY.fullmatch(bare) is not None
            and bare not in ("true", "false", "null")
            and not relations  # ``parent`` alone is a hidden variable, not a field
        )
        self.identity: str | None = "".join(bare.split()) if is_name else None

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """Evaluate over typed Python values; return the CEL result (timestamps …).

        An amount comes back as Decimal yuan, rounded half up to the fen. A variable the
        expression reads but `variables` lacks is null.

        Raises:
            InvalidInput: the expression fails on these values (a type mismatch, a division
                by zero), naming the expression.
        """
        quick = self._quick
        if quick is not None:
            try:
                return quick(variables)
            except Unsupported:
                pass  # operands the closure does not decide: CEL gives the answer or error
        names = self.names
        values = tuple(variables.get(n) for n in names)
        setting = self._setting(variables)
        key = _memo_key(setting, values)
        if key is not _MISSING:
            found = self._memo.get(key, _MISSING)
            if found is not _MISSING:
                return found
        result = self._run(setting, {n: to_cel(v) for n, v in zip(names, values, strict=True)})
        if key is not _MISSING:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = result
        return result

    def _setting(self, variables: Mapping[str, Any]) -> Any:
        """What besides the values read decides the result (part of the memo key): none."""
        return None

    def _run(self, setting: Any, context: dict[str, Any]) -> Any:
        """Run the program on CEL values (no memo)."""
        try:
            return self._program.execute(context)
        except _CEL_ERRORS as error:
            detail = " ".join(str(error).split())[:160]
            raise InvalidInput(f"CEL expression {self.source!r} failed: {detail}") from None

    def evaluate_quiet(self, variables: Mapping[str, Any]) -> Any:
        """Like :meth:`evaluate`, but a failure gives None instead of raising."""
        try:
            return self.evaluate(variables)
        except InvalidInput:
            return None

    def value(self, variables: Mapping[str, Any]) -> Any:
        """Evaluate to a typed Python value.

        A bare reference gives the variable's own value (a Decimal, a date); anything else
        goes through CEL (an amount → Decimal, a timestamp → naive datetime).
        """
        name = self.identity
        if name is not None:
            if "." in name:
                payload = variables.get("payload") or {}
                return payload.get(name.split(".", 1)[1])
            return variables.get(name)
        return from_cel(self.evaluate(variables), None)

    def holds(self, variables: Mapping[str, Any]) -> bool:
        """Evaluate as a condition: True only for the boolean true."""
        return self.evaluate(variables) is True


def _memo_key(setting: Any, values: tuple[Any, ...]) -> Any:
    """The memo key of `values` read under `setting` (a calendar, or None), or _MISSING.

    Values holding a payload map or lists are made hashable; what cannot be is not kept.
    """
    key = (setting, values)
    try:
        hash(key)
    except TypeError:
        pass
    else:
        return key
    parts: list[Any] = []
    for value in values:
        if isinstance(value, Mapping):
            value = tuple(sorted(value.items()))
        elif isinstance(value, list):
            value = tuple(value)
        parts.append(value)
    key = (setting, tuple(parts))
    try:
        hash(key)
    except TypeError:
        return _MISSING
    return key


class LegalTimeExpression(Expression):
    """An expression that calls a legal-time function: evaluated with the scope's calendar.

    The calendar is the scope entry :data:`CALENDAR` (``policyflow.legaltime.china()``
    when absent or None); the memo is keyed by the calendar as well as the values read.
    """

    __slots__ = ()

    def _setting(self, variables: Mapping[str, Any]) -> Any:
        """The scope's calendar (the functions count on it), ``china()`` when absent."""
        calendar = variables.get(CALENDAR)
        return china() if calendar is None else calendar

    def _run(self, setting: Any, context: dict[str, Any]) -> Any:
        """Run with the legal-time functions bound to the calendar `setting`.

        Raises:
            CalendarNotPublished: a count reaches a year the calendar does not cover.
            InvalidInput: the expression fails on these values, naming the function and
                the argument where a legal-time function was misused.
        """
        return self.execute_with(setting, context)

    def execute_with(self, calendar: Calendar, context: Mapping[str, Any]) -> Any:
        """Run the program on CEL values with the functions bound to `calendar` (no memo).

        Raises:
            CalendarNotPublished: a count reaches a year the calendar does not cover.
            InvalidInput: as :meth:`evaluate`.
        """
        functions = LegalTimeFunctions(calendar)
        try:
            return self._program.execute(
                cel.Context(variables=dict(context), functions=functions.table())
            )
        except _CEL_ERRORS as error:
            kept = functions.error
            if isinstance(kept, CalendarNotPublished):
                raise kept from None  # with its own words and year
            detail = str(kept) if kept is not None else " ".join(str(error).split())[:160]
            failure = ArgumentError if isinstance(kept, ArgumentError) else InvalidInput
            raise failure(f"CEL expression {self.source!r} failed: {detail}") from None


class _AmountExpression(Expression):
    """An expression whose result is money: CEL's whole number back to Decimal yuan."""

    __slots__ = ()

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """As :meth:`Expression.evaluate`; the amount rounded half up to the fen."""
        money = self.money
        if money.unit == "decimal":
            return to_decimal(super().evaluate(variables), money.scale or 0, money.places)
        return to_amount(super().evaluate(variables), money.scale or 0)


class _LegalTimeAmountExpression(_AmountExpression, LegalTimeExpression):
    """An expression that gives money and calls a legal-time function."""

    __slots__ = ()


class _UnsoundExpression(Expression):
    """An expression in which money cannot be exact: it is reported, and never run."""

    __slots__ = ()

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """Refuse: the loader and the linter report why, at its line and column.

        Raises:
            InvalidInput: always, with the first reason.
        """
        reason = self.money.problems[0].message
        raise InvalidInput(f"CEL expression {self.source!r} cannot run: {reason}")


def _compile(source: str) -> cel.Program:
    check_size(source)
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError) as error:
        detail = " ".join(str(error).split())
        detail = detail.removeprefix(f"Failed to parse expression '{source}': ")
        raise InvalidInput(f"CEL expression {source!r} does not compile: {detail}") from None
    return program


def _list_sizes(fields: Mapping[str, Field], payload: Mapping[str, Field] | None) -> dict[str, int]:
    """The declared most items of each list field, by the name an expression reads it by."""
    sizes = {name: f.max_items for name, f in fields.items() if f.max_items is not None}
    for name, f in (payload or {}).items():
        if f.max_items is not None:
            sizes[f"payload.{name}"] = f.max_items
    return sizes


def compile_expression(
    source: str,
    fields: Mapping[str, Field],
    payload: Mapping[str, Field] | None = None,
    *,
    expect: FieldType | str | None = None,
    extra: Iterable[str] = (),
    places: int | None = None,
) -> Expression:
    """Compile `source` once, against the fields it may read.

    An expression that touches money runs with money as whole numbers (money.py): the
    types decide how. One that calls a legal-time function comes back as a
    :class:`LegalTimeExpression` (evaluated with the scope's calendar).

    Args:
        source: the CEL text.
        fields: the case fields.
        payload: the payload fields of the event, or None where there is no payload.
        expect: ``"bool"`` for a condition, the field type the result is assigned to, or
            None (child data, a parent signal: the receiving field decides).
        extra: further names the expression may use (``state`` in a parent signal).
        places: with `expect` decimal, the field's places its result is rounded to.

    Raises:
        InvalidInput: a syntax error, with the position CEL reports.
    """
    written = source
    source, relations = rewrite_relations(written)  # reads of other cases: hidden variables
    program = _compile(source)
    check_cost(source, _list_sizes(fields, payload))  # on a text CEL reads
    bound = set(_BOUND.findall(source))
    names = tuple(n for n in program.variables() if n not in bound)
    extra = frozenset(extra)
    # (every name CEL sees, a macro's variables too: a field its variable shadows is money)
    money = plan_money(
        source, program.variables(), fields, payload, extra=extra, expect=expect, places=places
    )
    if money.source != source:
        program = _compile(money.source)
    declared = _Declared(fields, payload, expect, extra)
    calls = any(name in LEGAL_TIME_FUNCTIONS for name in program.functions())
    kind: type[Expression]
    if money.problems:
        kind = _UnsoundExpression
    elif money.scale is not None:
        kind = _LegalTimeAmountExpression if calls else _AmountExpression
    else:
        kind = LegalTimeExpression if calls else Expression
    return kind(written, program, names, money, declared, relations)


def closest(name: str, known: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest known name, or ''."""
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


class ExpressionProblem(NamedTuple):
    """One problem of an expression: its words and, when known, its offset in the text."""

    message: str
    offset: int | None = None


def check_expression(expression: Expression) -> list[str]:
    """Check `expression` against the fields it was compiled with; the problems in words.

    See :func:`expression_problems`.
    """
    return [problem.message for problem in expression_problems(expression)]


def expression_problems(expression: Expression) -> list[ExpressionProblem]:
    """Check `expression` against the fields it was compiled with; return its problems.

    Unknown names (with the closest known one) are always found. Money that cannot be
    exact (money.py) is found at its offset. The type check is a dry run on a typical
    value of every declared field: an operation CEL does not define on these types
    (``proposed_fine > 'x'``), or a result of the wrong type, is reported; errors that
    depend on the values (a division by zero) are not.
    """
    declared = expression.declared
    fields, payload, expect = declared.fields, declared.payload, declared.expect
    problems: list[ExpressionProblem] = []
    hidden = samples(expression.relations)
    known = (
        set(fields)
        | {"today"}
        | declared.extra
        | set(hidden)
        | ({"payload"} if payload is not None else set())
    )
    for name in expression.names:
        if name not in known:
            problems.append(ExpressionProblem(f"unknown name {name!r}{closest(name, known)}"))
    if payload is not None:
        for name in sorted(expression.payload_names):
            if name not in payload:
                hint = closest(name, payload)
                problems.append(ExpressionProblem(f"unknown payload field {name!r}{hint}"))
    elif expression.payload_names or "payload" in expression.names:
        problems.append(ExpressionProblem("'payload' is not available here"))
    for problem in record_problems(expression.source, fields, payload):
        problems.append(ExpressionProblem(problem))
    if problems:
        return problems
    money = expression.money
    if money.problems:
        written = expression.source  # the offsets are the rewritten text's (relations.py)
        return [
            ExpressionProblem(p.message, original_offset(written, p.offset)) for p in money.problems
        ]
    variables: dict[str, Any] = {name: sample_value(f) for name, f in fields.items()}
    variables["today"] = sample_value(_TODAY)
    for name in declared.extra:
        variables.setdefault(name, "x")
    variables.update(hidden)
    if payload is not None:
        variables["payload"] = {name: sample_value(f) for name, f in payload.items()}
    context = {name: to_cel(value) for name, value in variables.items()}
    problems.extend(ExpressionProblem(p) for p in _period_literals(expression.source))
    try:
        if isinstance(expression, LegalTimeExpression):
            result = expression.execute_with(china(), context)
        else:
            result = expression._program.execute(context)
    except ArgumentError as error:
        detail = str(error).removeprefix(f"CEL expression {expression.source!r} failed: ")
        return [*problems, ExpressionProblem(f"does not type-check: {detail}")]
    except InvalidInput:
        return problems  # a count beyond the calendar, a bad period in a field: values
    except TypeError as error:
        detail = " ".join(str(error).split()).split(". CEL does not coerce")[0]
        return [
            *problems,
            ExpressionProblem(f"does not type-check on the declared fields: {detail}"),
        ]
    except RuntimeError as error:
        undefined = _UNDEFINED.search(str(error))
        if undefined is not None and undefined.group(1) not in _CEL_FUNCTIONS:
            name = undefined.group(1)
            functions = [*LEGAL_TIME_FUNCTIONS, *_CEL_FUNCTIONS]
            problem = f"unknown function {name!r}{closest(name, functions)}"
            return [*problems, ExpressionProblem(problem)]
        if undefined is not None:
            problem = (
                f"does not type-check on the declared fields: {undefined.group(1)}() is not "
                "defined for these argument types"
            )
            return [*problems, ExpressionProblem(problem)]
        return problems  # depends on the values, not on the types
    except (ValueError, ArithmeticError, IndexError, KeyError):
        return problems  # depends on the values, not on the types
    if money.scale is not None and money.unit == "decimal":
        result = to_decimal(result, money.scale, money.places)
        if expect not in (None, FieldType.DECIMAL, FieldType.LIST):
            words = _WORDS.get(str(expect), str(expect))
            return [*problems, ExpressionProblem(f"gives a decimal number, expected {words}")]
    elif money.scale is not None:
        result = to_amount(result, money.scale)
        if expect not in (None, FieldType.MONEY, FieldType.LIST):
            words = _WORDS.get(str(expect), str(expect))
            return [*problems, ExpressionProblem(f"gives an amount of money, expected {words}")]
    wrong = wrong_type(result, expect)
    if wrong:
        problems.append(ExpressionProblem(wrong))
    return problems


_TODAY = Field(id="today", zh="今日", en="today", type=FieldType.DATE)
_WORDS = {
    "bool": "true or false",
    "date": "a timestamp (a date)",
    "datetime": "a timestamp (a date)",
    "int": "a whole number",
    "str": "a string",
    "enum": "a string",
    "seed": "a string or a whole number (a sample's seed)",
}


_UNDEFINED = re.compile(r"Undefined variable or function: '([A-Za-z_]\w*)'")
#: CEL's standard functions (an undefined overload of one is a type error, not a typo).
_CEL_FUNCTIONS = frozenset(
    {
        "size", "int", "uint", "double", "string", "bytes", "bool", "timestamp", "duration",
        "type", "dyn", "has", "matches", "contains", "startsWith", "endsWith", "all",
        "exists", "exists_one", "map", "filter", "max", "min", "getFullYear", "getMonth",
        "getDayOfMonth", "getDate", "getDayOfWeek", "getDayOfYear", "getHours",
        "getMinutes", "getSeconds", "getMilliseconds",
    }
)  # fmt: skip
_PERIOD_LITERAL = re.compile(
    r"\b(due|before)\s*\(\s*[^,()]*(?:\([^()]*\))?[^,()]*,\s*(['\"])(.*?)\2"
    r"|\.\s*(due|before)\s*\(\s*(['\"])(.*?)\5"
)


def _period_literals(source: str) -> list[str]:
    """The period literals given to due() and before() that legaltime cannot parse."""
    problems: list[str] = []
    for match in _PERIOD_LITERAL.finditer(source):
        name = match.group(1) or match.group(4)
        text = match.group(3) if match.group(1) else match.group(6)
        try:
            Period.parse(text)
        except InvalidPeriod as error:
            problems.append(f"{name}(): {error}")
    return problems


def compile_condition(process: Process, source: str) -> Expression:
    """Compile a condition over `process`'s case fields (for scenarios and queries).

    Raises:
        InvalidInput: it does not compile, names an unknown field (with the closest known
            one), uses money where it cannot be exact, or does not give true or false.
    """
    expression = compile_expression(source, {f.id: f for f in process.fields}, expect="bool")
    problems = check_expression(expression)
    if problems:
        raise InvalidInput(f"CEL condition {source!r}: " + "; ".join(problems))
    return expression
