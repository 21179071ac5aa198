"""The quick closures agree with the CEL engine wherever they answer, and defer elsewhere."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import cel
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyflow.definition.expressions import compile_expression, to_cel
from policyflow.definition.model import Field
from policyflow.definition.quick import Unsupported, compile_quick

FINE = {"proposed_fine": Field(id="proposed_fine", zh="拟罚款", en="proposed fine", type="money")}

NAMES = ("a", "b", "c")

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([2**53, 2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from(["", "a", "b", "legal_person", "é"]),
    st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False),
    st.dates(min_value=date(2022, 1, 1), max_value=date(2024, 12, 31)),
    st.datetimes(min_value=datetime(2022, 1, 1), max_value=datetime(2024, 12, 31)),
    st.just((1, 2)),
)

literals = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.sampled_from(["0", "1", "1000000", "9007199254740993", "9223372036854775807"]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.sampled_from(["'a'", '"b"', "''", "'legal_person'", "true", "false", "null"]),
)

atoms = st.one_of(literals, st.sampled_from(NAMES), st.sampled_from(["payload.p", "payload.q"]))


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(
            inner,
            st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "&&", "||"]),
            inner,
        ).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        unary = st.tuples(st.sampled_from(["!", "-"]), inner).map(lambda t: f"{t[0]}({t[1]})")
        choice = st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})")
        return st.one_of(binary, unary, choice)

    return st.recursive(atoms, extend, max_leaves=6)


def _same(quick: Any, engine: Any) -> bool:
    if type(quick) is Decimal and type(engine) is int:
        return bool(quick == engine)  # an amount's fen: an integral Decimal in a closure
    if type(quick) is not type(engine):
        return False
    if isinstance(quick, float) and math.isnan(quick):
        return math.isnan(engine)
    return bool(quick == engine)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=_expressions(),
    scope=st.fixed_dictionaries({name: values for name in NAMES}),
    payload=st.one_of(st.none(), st.fixed_dictionaries({"p": values})),
)
def test_quick_agrees_with_cel_wherever_it_answers(
    source: str, scope: dict[str, Any], payload: dict[str, Any] | None
) -> None:
    closure = compile_quick(source)
    if closure is None:
        return
    variables = {**scope, "payload": payload}
    try:
        answer = closure(variables)
    except Unsupported:
        return
    context = {name: to_cel(value) for name, value in variables.items()}
    try:
        expected = cel.compile(source).execute(context)
    except Exception as error:
        pytest.fail(f"{source!r} on {variables!r}: quick gave {answer!r}, CEL raised {error}")
    assert _same(answer, expected), f"{source!r} on {variables!r}: {answer!r} != {expected!r}"


@pytest.mark.parametrize(
    "source",
    [
        "proposed_fine >= 1000000 && party_type == 'legal_person'",
        "'deemed'",
        "payload.is_recused && officers > 0 ? officers - 1 : officers",
        "statements_received > 0 ? 'none' : 'deemed'",
        "today > filed_on",
        "!(x == 1) || -y < 2.5",
    ],
)
def test_the_shapes_process_files_use_get_a_closure(source: str) -> None:
    assert compile_quick(source) is not None


@pytest.mark.parametrize(
    "source",
    [
        "size(items) > 1",  # a function call
        "x in [1, 2]",  # in and a list
        "x / 2",  # division: errors on zero
        "1u + x",  # uint
        "1e3",  # a double without a point
        "'a\\'b'",  # an escape
        "a < b < c",  # chained relations
        "x.y",  # a field of something other than the payload
        "int",  # a type name
        "items.all(i, i > 0)",  # a macro
        "x +",  # incomplete
    ],
)
def test_everything_else_is_left_to_cel(source: str) -> None:
    assert compile_quick(source) is None


def test_the_money_boundary_is_exact_through_the_closure() -> None:
    # 以上 includes the number: ¥1,000,000.00 passes, ¥999,999.99 does not.
    guard = compile_expression("proposed_fine >= 1000000", FINE)
    assert guard.evaluate({"proposed_fine": Decimal("1000000.00")}) is True
    assert guard.evaluate({"proposed_fine": Decimal("999999.99")}) is False
    assert guard.evaluate({"proposed_fine": Decimal("1000000.01")}) is True


def test_an_operand_the_closure_cannot_decide_gets_cels_own_error() -> None:
    from policyflow.errors import InvalidInput

    guard = compile_expression("proposed_fine >= 1000000", FINE)
    with pytest.raises(InvalidInput, match="No such overload"):
        guard.evaluate({"proposed_fine": None})


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1])
def test_an_int_beyond_64_bits_is_left_to_cel(value):
    """CEL holds such an int as a double: the closures do not answer for it."""
    for source in ("a", "a > 1", "a + 1"):
        closure = compile_quick(source)
        assert closure is not None
        with pytest.raises(Unsupported):
            closure({"a": value})
    assert compile_expression("a", {}).evaluate({"a": value}) == cel.compile("a").execute(
        {"a": value}
    )


@pytest.mark.parametrize("source", ["0 < -(c)", "c < 0", "c > 0.5", "c >= c", "-(c) <= 1"])
def test_an_order_with_nan_is_left_to_cel(source: str) -> None:
    """NaN is not ordered; CEL refuses to order it (found by the property above: quick gave
    False for ``0 < -(c)`` where CEL raised). The quick path answers only what CEL answers."""
    closure = compile_quick(source)
    assert closure is not None
    with pytest.raises(Unsupported):
        closure({"c": float("nan")})
    with pytest.raises(Exception, match=r"No such overload|not defined"):
        cel.compile(source).execute({"c": float("nan")})
