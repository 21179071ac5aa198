"""Money inside CEL: exact decimal, checked and rewritten once, when an expression compiles.

Money is Decimal yuan with at most two decimals (fields.py). CEL has no decimal type, and a
binary double cannot hold 0.1 or 97,197.12: ``payload.extraction >= total * 0.3`` on doubles
refuses ¥97,197.12, exactly 30 % of ¥323,990.40, because 323990.4 × 0.3 is
97197.12000000001 in binary. So an amount enters CEL as a whole number of fen, an int64
(conversion.py; 13 integer digits and 2 decimals are 15 digits, far below 9.2 × 10^18),
and this module rewrites each expression that touches money so that the CEL engine
computes, in integers, exactly what the text says in decimal:

* a number written beside an amount is yuan, as written: ``proposed_fine >= 1000000`` runs
  as ``proposed_fine >= 100000000``; ``+``, ``-``, comparisons and the branches of ``? :``
  bring both sides to one scale;
* an amount times a decimal literal or a whole number (an int, or ``double()`` of one) is
  exact: ``total * 0.3`` runs as ``total * 3`` in units of 0.001 yuan, so
  ``payload.extraction >= total * 0.3`` runs as ``payload.extraction * 10 >= total * 3``;
* an amount leaves an expression (an assignment, child data, a parent signal) rounded half
  up to the fen (四舍五入), once, at the end: ¥323,990.45 × 0.03 = ¥9,719.7135 → ¥9,719.71.
  Nothing is rounded inside an expression: a comparison compares the exact values.

What cannot be exact is a type error, found when the process loads and reported at its line
and column: an amount beside a binary double (``total * (1.0 / 3.0)``), divided (``/``,
``%``: multiply by a rate instead), times another amount, added to an int (a count is not
yuan), given to a function (``double(fine)``, ``string(fine)``), or beside a value of
unknown type; and a money field assigned a double. A product must stay within int64: an
amount times a rate of many decimals can overflow, which CEL reports as an error (never as
a wrong amount).

A ``decimal`` field (a score: decimals.py) is exact the same way, in its own unit: it
enters CEL as a whole number at its places (85.50 at 2 places is 8550), numbers beside it
are points as written, times a rate or a whole number it is exact, and a decimal leaving an
expression for a decimal field is rounded half up once, to that field's places
(``0.5 * expert_score + 0.5 * site_score`` with 80.25 and 90.00 is 85.125 → 85.13). A
decimal plus or compared with a whole number is exact too (a score plus whole points). A
decimal never meets an amount in ``+``, ``-``, a comparison or a branch (points are not
yuan); an amount times a decimal (a rate held in a field) is an amount, exact, rounded to
the fen as it leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from policyflow.definition.celtype import (
    BOOL,
    DYN,
    ERROR,
    INT,
    ORDER,
    STRING,
    TIMESTAMP,
    CelType,
    is_money,
    literal_type,
    noun,
    of_field,
    plain,
    result_of,
    scale_of,
)
from policyflow.definition.exact_rewrite import EXACT_KINDS, Rewriter
from policyflow.definition.model import Field, FieldType
from policyflow.definition.syntax import (
    Binary,
    Call,
    CelSyntaxError,
    Choice,
    Index,
    ListOf,
    Literal,
    MapOf,
    Name,
    Node,
    Select,
    Unary,
    parse,
)

__all__ = ["MoneyPlan", "MoneyProblem", "plan_money"]


@dataclass(frozen=True, slots=True)
class MoneyProblem:
    """Money used where it cannot be exact, at `offset` in the expression's text."""

    offset: int
    message: str


@dataclass(frozen=True, slots=True)
class MoneyPlan:
    """How an expression runs with money as whole numbers.

    Attributes:
        source: the CEL to run (the text as written when no money needs rewriting).
        scale: the result is an amount in units of 10**-scale yuan (each element of a list
            when `is_list`); None when the result is not money.
        is_list: the result is a list of amounts.
        problems: where money cannot be exact; an expression with any is never run.
        unit: ``yuan`` (an amount) or ``decimal`` (a decimal field's number).
        places: the decimal places a decimal result is rounded to as it leaves (those of
            the decimal field it is assigned to); None: kept exact.
    """

    source: str
    scale: int | None = None
    is_list: bool = False
    problems: tuple[MoneyProblem, ...] = ()
    unit: str = "yuan"
    places: int | None = None


_MACROS = frozenset({"all", "exists", "exists_one", "filter", "map"})
#: The field types CEL holds as scaled whole numbers (money: fen; decimal: its places).
_SCALED = (FieldType.MONEY, FieldType.DECIMAL)
_EXACT = EXACT_KINDS
# Types CEL itself refuses beside an int (an amount in fen): left to its own type error.
_CEL_REFUSES = frozenset({"string", "bytes", "bool", "timestamp", "duration", "map", "list"})
# Types no amount ever equals (CEL's == gives false, != true, whatever the scale).
_UNEQUAL = frozenset({"null", "string", "bytes", "bool", "timestamp", "duration", "map"})
_WORDS = {
    "int": "a whole number",
    "uint": "an unsigned int",
    "string": "a string",
    "bytes": "bytes",
    "bool": "true or false",
    "null": "null",
    "timestamp": "a date",
    "duration": "a duration",
    "list": "a list",
    "map": "a map",
}


def plan_money(
    source: str,
    names: Iterable[str],
    fields: Mapping[str, Field],
    payload: Mapping[str, Field] | None = None,
    *,
    extra: Iterable[str] = (),
    expect: FieldType | str | None = None,
    places: int | None = None,
) -> MoneyPlan:
    """How `source` runs with money as whole numbers of fen, or why it cannot be exact.

    Args:
        source: the CEL text (already compiled by the cel package).
        names: the variables it reads.
        fields: the case fields.
        payload: the event's payload fields, or None where there is none.
        extra: further names it may read (strings, such as ``state``).
        expect: the field type its result is assigned to, ``"bool"``, or None.
        places: the places of the decimal field it is assigned to (with ``expect`` decimal).
    """
    money = {n for n, f in fields.items() if f.element_type in _SCALED}
    payload_money = payload is not None and any(f.element_type in _SCALED for f in payload.values())
    read = set(names)
    exact = expect in ("money", "decimal")
    if not read & money and not ("payload" in read and payload_money) and not exact:
        return MoneyPlan(source)
    try:
        root = parse(source)
    except CelSyntaxError as error:
        problem = MoneyProblem(error.offset, f"money cannot be checked in this expression: {error}")
        return MoneyPlan(source, problems=(problem,))
    typer = _Typer(source, fields, payload, frozenset(extra), payload_money)
    result = typer.visit(root)
    if exact:
        result = _assigned(typer, root, result, "yuan" if expect == "money" else "decimal")
    if typer.problems:
        return MoneyPlan(source, problems=tuple(typer.problems))
    text = typer.rewritten(root)
    kept = places if expect == "decimal" else None
    if result.kind == "money":
        return MoneyPlan(text, result.scale, unit=result.unit, places=kept)
    if result.kind == "list" and result.item is not None and result.item.kind == "money":
        item = result.item
        return MoneyPlan(text, item.scale, is_list=True, unit=item.unit, places=kept)
    return MoneyPlan(text)


def _assigned(typer: _Typer, root: Node, result: CelType, unit: str) -> CelType:
    """The type of a result assigned to a money (`unit` yuan) or decimal field."""
    field = "a money field takes an exact amount" if unit == "yuan" else "a decimal field takes"
    if result.kind == "number":
        typer.want(root, result.scale)
        return CelType("money", result.scale, unit=unit)
    if result.kind == "double":
        typer.fail(
            root,
            f"{typer.text(root)} is a binary double: {field} an exact number (compute it from "
            f"{'amounts' if unit == 'yuan' else 'decimals'}, decimal literals and whole numbers)",
        )
    elif result.kind == "money" and result.unit != unit:
        typer.fail(
            root,
            f"{typer.text(root)} is {noun(result)}: {field.removesuffix(' an exact amount')} "
            f"{'an amount of yuan' if unit == 'yuan' else 'a number, not an amount of yuan'}",
        )
    return result


class _Typer(Rewriter):
    """Types each node, notes the scale each operand of a money operation must run at."""

    def __init__(
        self,
        source: str,
        fields: Mapping[str, Field],
        payload: Mapping[str, Field] | None,
        extra: frozenset[str],
        payload_money: bool,
    ) -> None:
        super().__init__(source)
        self.fields = fields
        self.payload = payload
        self.extra = extra
        self.payload_money = payload_money
        self.bound: list[dict[str, CelType]] = []
        self.problems: list[MoneyProblem] = []

    # --- reporting ---

    def text(self, node: Node) -> str:
        """The node's text in backquotes, on one line."""
        return "`" + " ".join(self.source[node.start : node.end].split()) + "`"

    def fail(self, node: Node, message: str, offset: int | None = None) -> CelType:
        self.problems.append(MoneyProblem(node.start if offset is None else offset, message))
        return ERROR

    def _refuse(
        self, node: Node, kind: CelType, what: str, *, cel_refuses: bool = False
    ) -> CelType:
        """Report `node` (of `kind`) as an operand money cannot be exact with.

        With `cel_refuses` (an operator CEL does not define between an int and a string, a
        bool, a date …), such an operand is left to CEL's own type error.
        """
        text = self.text(node)
        if kind.kind == "double":
            return self.fail(
                node,
                f"{text} is a binary double, so {what} cannot be exact: write a rate as a "
                "decimal literal (amount * 0.3) and counts as whole numbers",
            )
        if kind.kind == "dyn":
            return self.fail(node, f"{text} has a type not known here, so {what} is not exact")
        if kind.kind == "money":
            return self.fail(node, f"{text} is {noun(kind)}: {what} has no exact meaning")
        if is_money(kind):
            return self.fail(
                node, f"{text} is a list of {noun(kind)[2:].lstrip()}s: {what} is not defined"
            )
        if cel_refuses and kind.kind in _CEL_REFUSES:
            return ERROR  # CEL refuses an int beside it too: the dry run reports it
        words = _WORDS.get(kind.kind, kind.kind)
        return self.fail(node, f"{text} is {words}: {what} is not defined")

    # --- typing ---

    def visit(self, node: Node) -> CelType:
        kind = self._visit(node)
        self.types[id(node)] = kind
        return kind

    def _visit(self, node: Node) -> CelType:
        if isinstance(node, Literal):
            return literal_type(node)
        if isinstance(node, Name):
            return self._name(node.name)
        if isinstance(node, Select):
            if self._is_payload(node.operand):
                return self._payload_field(node.field)
            operand = self.visit(node.operand)
            if is_money(operand):
                return self.fail(node, f"{self.text(node.operand)} is {noun(operand)}: no fields")
            return DYN
        if isinstance(node, Index):
            return self._index(node)
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, ListOf):
            return self._list(node)
        if isinstance(node, MapOf):
            for key, value in node.entries:
                self.visit(key)
                kind = self.visit(value)
                if is_money(kind):
                    return self.fail(value, f"{self.text(value)} is {noun(kind)}: not in a map")
            return CelType("map")
        if isinstance(node, Unary):
            operand = self.visit(node.operand)
            if node.op == "!":
                return BOOL
            return operand if operand.kind != "list" else DYN
        if isinstance(node, Binary):
            return self._binary(node)
        assert isinstance(node, Choice)
        return self._choice(node)

    def _name(self, name: str) -> CelType:
        for scope in reversed(self.bound):
            if name in scope:
                return scope[name]
        if name in self.fields:
            return of_field(self.fields[name])
        if name == "today":
            return TIMESTAMP
        if name == "payload":
            return CelType("map")
        return STRING if name in self.extra else DYN

    def _is_payload(self, node: Node) -> bool:
        return (
            isinstance(node, Name)
            and node.name == "payload"
            and not any("payload" in scope for scope in self.bound)
        )

    def _payload_field(self, name: str) -> CelType:
        if self.payload is None or name not in self.payload:
            return DYN
        return of_field(self.payload[name])

    def _index(self, node: Index) -> CelType:
        index = node.index
        if (
            self._is_payload(node.operand)
            and isinstance(index, Literal)
            and index.kind == "string"
            and index.text[0] in "'\""
            and "\\" not in index.text
        ):
            return self._payload_field(index.text.strip("'\""))
        operand = self.visit(node.operand)
        self.visit(index)
        if self._is_payload(node.operand) and self.payload_money:
            return self.fail(
                node,
                f"{self.text(node)}: read a payload amount by its name (payload.x); a "
                "computed key hides whether it is money",
            )
        if operand.kind == "list" and operand.item is not None:
            return operand.item
        return DYN

    def _call(self, node: Call) -> CelType:
        function = node.function
        if function == "has":
            return BOOL  # its argument is tested for presence, not read
        args = node.args
        if (
            function in _MACROS
            and node.target is not None
            and len(args) in (2, 3)
            and isinstance(args[0], Name)
        ):
            return self._macro(node, args[0].name)
        target = None if node.target is None else self.visit(node.target)
        kinds = [self.visit(arg) for arg in args]
        if any(k.kind == "error" for k in kinds) or (target is not None and target.kind == "error"):
            return ERROR
        operands = [(node.target, target)] if node.target is not None and target else []
        operands += list(zip(args, kinds, strict=True))
        for operand, kind in operands:
            if kind.kind == "money" or (is_money(kind) and function != "size"):
                assert operand is not None
                return self.fail(
                    operand,
                    f"{self.text(operand)} is {noun(kind)}: {function}() of it is not exact "
                    "(it is exact in comparisons, + and -, and times a rate or a whole number)",
                )
        if function == "double" and node.target is None and len(kinds) == 1:
            argument = kinds[0]
            if argument.kind == "int" or (argument.kind == "number" and argument.whole):
                return CelType("whole_double")
        return result_of(function)

    def _macro(self, node: Call, variable: str) -> CelType:
        assert node.target is not None
        target = self.visit(node.target)
        if target.kind == "list" and target.item is not None:
            item = target.item
        else:
            item = STRING if target.kind == "map" else DYN
        self.bound.append({variable: item})
        bodies = [self.visit(body) for body in node.args[1:]]
        self.bound.pop()
        if any(body.kind == "error" for body in bodies):
            return ERROR
        if node.function == "filter":
            return target
        if node.function == "map":
            body = bodies[-1]
            if body.kind == "number":
                return CelType("list", item=CelType("double") if not body.whole else INT)
            return CelType("list", item=body)
        return BOOL

    def _list(self, node: ListOf) -> CelType:
        kinds = [self.visit(item) for item in node.items]
        if any(k.kind == "error" for k in kinds):
            return ERROR
        if any(k.kind == "money" for k in kinds):
            scale = 0
            unit = next(k.unit for k in kinds if k.kind == "money")
            for item, kind in zip(node.items, kinds, strict=True):
                if kind.kind not in ("money", "number"):
                    return self._refuse(item, kind, "a list of amounts with it")
                if kind.kind == "money" and kind.unit != unit:
                    return self._mixed(item, kind, "in one list")
                scale = max(scale, kind.scale)
            for item in node.items:
                self.want(item, scale)
            return CelType("list", item=CelType("money", scale, unit=unit))
        if kinds and all(k == kinds[0] for k in kinds):
            return CelType("list", item=kinds[0])
        if kinds and all(k.kind == "number" for k in kinds):
            return CelType("list", item=CelType("number", max(k.scale for k in kinds)))
        return CelType("list", item=DYN)

    def _binary(self, node: Binary) -> CelType:
        left = self.visit(node.left)
        right = self.visit(node.right)
        if left.kind == "error" or right.kind == "error":
            return ERROR
        op = node.op
        if op in ("&&", "||"):
            return BOOL
        if is_money(left) or is_money(right):
            return self._money_binary(node, left, right)
        if op == "in" and isinstance(node.right, ListOf):
            return BOOL
        return plain(op, left, right)

    def _money_binary(self, node: Binary, left: CelType, right: CelType) -> CelType:
        op = node.op
        if op in ORDER:
            if op in ("==", "!=") and (left.kind in _UNEQUAL or right.kind in _UNEQUAL):
                return BOOL  # an amount equals no such value, whatever its scale
            for operand, kind in ((node.left, left), (node.right, right)):
                if kind.kind not in _EXACT:
                    return self._refuse(operand, kind, "comparing money with it", cel_refuses=True)
            if _mixed_units(left, right):
                return self._mixed(node.right, right, "compared")
            scale = max(scale_of(left), scale_of(right))
            self.want(node.left, scale)
            self.want(node.right, scale)
            return BOOL
        if op == "in":
            return self._money_in(node, left, right)
        if op in ("+", "-"):
            unit = left.unit if left.kind == "money" else right.unit
            for operand, kind in ((node.left, left), (node.right, right)):
                if kind.kind in ("int", "whole_double") and unit == "decimal":
                    continue  # whole points beside a score: exact at its scale
                if kind.kind in ("int", "whole_double"):
                    return self.fail(
                        operand,
                        f"{self.text(operand)} is a whole number, not an amount: write the "
                        "amount (fine + 100.00) or multiply a count by an amount (fine * n)",
                    )
                if kind.kind not in ("money", "number", "int", "whole_double"):
                    return self._refuse(operand, kind, f"money {op} it", cel_refuses=True)
            if _mixed_units(left, right):
                return self._mixed(node.right, right, f"joined by {op}")
            scale = max(scale_of(left), scale_of(right))
            self.want(node.left, scale)
            self.want(node.right, scale)
            return CelType("money", scale, unit=unit)
        if op == "*":
            if left.kind == "money" and right.kind == "money":
                if left.unit == right.unit == "yuan":
                    return self.fail(
                        node, f"{self.text(node)}: an amount times an amount has no meaning"
                    )
                # a rate (or weight) held in a decimal field: exact, in the other's unit
                unit = "yuan" if "yuan" in (left.unit, right.unit) else "decimal"
                return CelType("money", left.scale + right.scale, unit=unit)
            for operand, kind in ((node.left, left), (node.right, right)):
                if kind.kind == "list":
                    return self._refuse(operand, kind, "multiplying it", cel_refuses=True)
            amount, other, other_node = (
                (left, right, node.right) if left.kind == "money" else (right, left, node.left)
            )
            if other.kind not in _EXACT:
                return self._refuse(other_node, other, "money times it", cel_refuses=True)
            self.want(other_node, other.scale if other.kind == "number" else 0)
            scale = amount.scale + (other.scale if other.kind == "number" else 0)
            return CelType("money", scale, unit=amount.unit)
        what = "money" if left.unit == right.unit == "yuan" else "a decimal"
        return self.fail(
            node,
            f"{self.text(node)}: dividing {what} cannot be exact; multiply by a rate instead "
            "(amount * 0.3), or compare by multiplying the other side",
            node.at,
        )

    def _mixed(self, node: Node, kind: CelType, how: str) -> CelType:
        """Refuse an amount and a decimal number (points are not yuan) `how` together."""
        return self.fail(
            node,
            f"{self.text(node)} is {noun(kind)} and the other side "
            f"{'a decimal number' if kind.unit == 'yuan' else 'an amount'}: points and yuan "
            f"cannot be {how} (a decimal times an amount is an amount)",
        )

    def _money_in(self, node: Binary, left: CelType, right: CelType) -> CelType:
        if right.kind != "list" or left.kind not in ("money", "number"):
            return self._refuse(node.left, left, "`in` with money")
        item = right.item or DYN
        if _mixed_units(left, item):
            return self._mixed(node.right, right, "matched by `in`")
        if item.kind == "money" and isinstance(node.right, ListOf):
            scale = max(item.scale, left.scale)
            self.want(node.left, scale)
            for element in node.right.items:
                self.want(element, scale)
            return BOOL
        if item.kind == "money":
            if left.scale > item.scale:
                return self.fail(
                    node.left,
                    f"{self.text(node.left)} has fractions of a fen: `in` finds whole amounts",
                )
            self.want(node.left, item.scale)
            return BOOL
        if item.kind == "number" and left.kind == "money" and isinstance(node.right, ListOf):
            scale = max(item.scale, left.scale)
            self.want(node.left, scale)
            for element in node.right.items:
                self.want(element, scale)
            return BOOL
        return self._refuse(node.right, right, "`in` with money")

    def _choice(self, node: Choice) -> CelType:
        self.visit(node.condition)
        then = self.visit(node.then)
        otherwise = self.visit(node.otherwise)
        if then.kind == "error" or otherwise.kind == "error":
            return ERROR
        if is_money(then) or is_money(otherwise):
            branches = ((node.then, then), (node.otherwise, otherwise))
            for branch, kind in branches:
                if kind.kind not in ("money", "number", "null"):
                    return self._refuse(branch, kind, "`? :` with an amount in the other branch")
            if _mixed_units(then, otherwise):
                return self._mixed(node.otherwise, otherwise, "the two branches of `? :`")
            unit = then.unit if then.kind == "money" else otherwise.unit
            scale = max(kind.scale for _, kind in branches if kind.kind != "null")
            for branch, kind in branches:
                if kind.kind != "null":
                    self.want(branch, scale)
            return CelType("money", scale, unit=unit)
        if then.kind == otherwise.kind == "number":
            return CelType(
                "number", max(then.scale, otherwise.scale), then.whole and otherwise.whole
            )
        if then == otherwise or otherwise.kind == "null":
            return then
        return otherwise if then.kind == "null" else DYN


def _mixed_units(left: CelType, right: CelType) -> bool:
    """An amount beside a decimal number (or a list of the other)."""
    units = {k.unit for k in (left, right, left.item, right.item) if k and k.kind == "money"}
    return len(units) > 1
