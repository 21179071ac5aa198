"""CEL: compiled once, checked against the fields, exact money boundaries, nothing outside."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from policyflow.definition.expressions import (
    check_expression,
    compile_condition,
    compile_expression,
    from_cel,
)
from policyflow.definition.loader import load_text
from policyflow.definition.model import Field, FieldType
from policyflow.errors import InvalidInput

from .conftest import MINIMAL


def fields(**types):
    return {
        n: Field.model_validate(
            {
                "id": n,
                "zh": "字",
                "en": n,
                "type": t,
                **({"values": ["citizen", "legal_person"]} if t == "enum" else {}),
            }
        )
        for n, t in types.items()
    }


DECLARED = fields(party_type="enum", proposed_fine="money", fine="money", days="int")


@pytest.mark.parametrize(
    ("fine", "holds"),
    [("999999.99", False), ("1000000.00", True), ("1000000.01", True)],
)
@pytest.mark.parametrize("literal", ["1000000", "1000000.0", "1000000.00"])
def test_money_threshold_is_exact_at_the_boundary(fine, holds, literal):
    """科学技术部令第20号 第四十一条, 第六十五条第二款: 以上 includes ¥1,000,000.00 itself."""
    expression = compile_expression(
        f"party_type == 'legal_person' && proposed_fine >= {literal}", DECLARED
    )
    scope = {"party_type": "legal_person", "proposed_fine": Decimal(fine)}
    assert expression.evaluate(scope) is holds


def test_exceeding_is_strict():
    """超过 does not include the number."""
    expression = compile_expression("days > 30", DECLARED)
    assert [expression.evaluate({"days": d}) for d in (29, 30, 31)] == [False, False, True]


def test_memo_does_not_mix_values():
    """Memoised results belong to the values read: a new value is evaluated anew."""
    expression = compile_expression("fine >= 10000", DECLARED)
    assert expression.evaluate({"fine": Decimal("10000")}) is True
    assert expression.evaluate({"fine": Decimal("9999.99")}) is False
    assert expression.evaluate({"fine": Decimal("10000")}) is True


def test_dates_and_payload():
    """Dates are timestamps at 00:00; payload fields are read through `payload`."""
    served = fields(served_on="date")
    expression = compile_expression("payload.served_on + duration('86400s') <= today", {}, served)
    scope = {"payload": {"served_on": date(2023, 9, 28)}, "today": date(2023, 9, 29)}
    assert expression.evaluate(scope) is True
    scope["today"] = date(2023, 9, 28)
    assert expression.evaluate(scope) is False
    assert expression.payload_names == frozenset({"served_on"})
    assert compile_expression("payload.served_on", {}, served).value(
        {"payload": {"served_on": date(2023, 1, 2)}}
    ) == date(2023, 1, 2)


def test_from_cel_rounds_money_to_the_fen():
    """A double result assigned to money is rounded half up to the fen."""
    assert from_cel(0.29 * 100, FieldType.MONEY) == Decimal("29.00")
    assert from_cel(datetime.fromisoformat("2023-09-28T00:00:00+00:00"), FieldType.DATE) == date(
        2023, 9, 28
    )


def test_unknown_names_with_did_you_mean_and_macro_variables():
    """Unknown names are named with the closest field; macro-bound names are not unknown."""
    declared = fields(proposed_fine="money", party_type="enum", kinds="int")
    problems = check_expression(compile_expression("propsed_fine > 0", declared, expect="bool"))
    assert problems == ["unknown name 'propsed_fine' (did you mean 'proposed_fine'?)"]
    assert (
        check_expression(compile_expression("[1, 2].all(x, x > 0)", declared, expect="bool")) == []
    )
    problems = check_expression(
        compile_expression("payload.amont > 0", declared, {"amount": declared["proposed_fine"]})
    )
    assert problems == ["unknown payload field 'amont' (did you mean 'amount'?)"]


def test_type_check_by_dry_run():
    """An operation the declared types do not support, or a non-boolean guard, is reported."""
    declared = fields(proposed_fine="money", party_type="enum", days="int")
    (problem,) = check_expression(
        compile_expression("proposed_fine > 'x'", declared, expect="bool")
    )
    assert problem.startswith("does not type-check on the declared fields: No such overload")
    (problem,) = check_expression(
        compile_expression("proposed_fine + 1.0", declared, expect="bool")
    )
    assert problem == "gives an amount of money, expected true or false"
    (problem,) = check_expression(compile_expression("days * 1.5", declared, expect="bool"))
    assert problem.startswith("does not type-check on the declared fields: No such overload")


def test_syntax_error_and_no_escape():
    """A syntax error names the expression; nothing outside the case can be reached."""
    with pytest.raises(InvalidInput, match="CEL expression 'fine >' does not compile"):
        compile_expression("fine >", DECLARED)
    with pytest.raises(InvalidInput, match="failed"):
        compile_expression("__import__('os')", DECLARED).evaluate({})


def test_compile_condition_against_a_process():
    """compile_condition (for scenarios) checks names against the process's fields."""
    process = load_text(MINIMAL.read_text(encoding="utf-8"), "m.yaml")
    assert (
        compile_condition(process, "fine >= 1000000").evaluate({"fine": Decimal("1000000")}) is True
    )
    with pytest.raises(InvalidInput, match="did you mean 'fine'"):
        compile_condition(process, "fien > 0")
