"""Bounds on case data and CEL, checked by the Python API as the command line checks them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policyflow.definition.expression_size import CEL_MAX_DEPTH, CEL_MAX_LENGTH, check_size
from policyflow.definition.fields import INT_MAX, INT_MIN, FieldSet
from policyflow.definition.model import Field
from policyflow.errors import InvalidCaseData, InvalidInput


def _field(**given: object) -> Field:
    return Field.model_validate({"zh": "字段", "en": "Field", "required": False, **given})


FIELDS = FieldSet(
    [
        _field(id="count", type="int"),
        _field(id="pages", type="int", min=0, max=1000),
        _field(id="amount", type="money"),
        _field(id="is_urgent", type="bool"),
        _field(id="note", type="str"),
        _field(id="tags", type="list", items="str"),
    ],
    "case data",
)


@pytest.mark.parametrize("value", [INT_MIN, 0, INT_MAX])
def test_int_within_int64_is_accepted(value):
    """The int64 bounds themselves are accepted."""
    assert FIELDS.validate({"count": value})["count"] == value


@pytest.mark.parametrize("value", [INT_MIN - 1, INT_MAX + 1, 2**64, 10**100])
def test_int_beyond_int64_is_refused_naming_the_field(value):
    """One past either bound is refused: it would break every later CEL evaluation."""
    with pytest.raises(InvalidCaseData, match="field 'count'") as caught:
        FIELDS.validate({"count": value})
    assert caught.value.field == "count"


@pytest.mark.parametrize("value", ["3", True, False, "3.0"])
def test_int_refuses_text_and_booleans(value):
    """No silent coercion: "3" and true are not numbers."""
    with pytest.raises(InvalidCaseData, match="field 'count' expects a whole number"):
        FIELDS.validate({"count": value})


def test_declared_bounds_hold_at_and_beyond():
    """0 and 1000 are in; -1 and 1001 are out."""
    assert FIELDS.validate({"pages": 0})["pages"] == 0
    assert FIELDS.validate({"pages": 1000})["pages"] == 1000
    for value in (-1, 1001):
        with pytest.raises(InvalidCaseData, match="field 'pages'"):
            FIELDS.validate({"pages": value})


def test_money_as_text_is_kept_and_a_boolean_is_refused():
    """ "5000.00" is an amount; true is not."""
    assert FIELDS.validate({"amount": "5000.00"})["amount"] == Decimal("5000.00")
    with pytest.raises(InvalidCaseData, match="field 'amount'"):
        FIELDS.validate({"amount": True})


@pytest.mark.parametrize("value", [1, "yes", "true"])
def test_bool_takes_only_true_or_false(value):
    """1 and "yes" are not booleans."""
    with pytest.raises(InvalidCaseData, match="field 'is_urgent'"):
        FIELDS.validate({"is_urgent": value})


def test_lone_surrogate_is_refused_and_the_message_prints():
    """The message escapes the surrogate, so it can be written to any terminal."""
    with pytest.raises(InvalidCaseData, match="field 'note'") as caught:
        FIELDS.validate({"note": "\ud800"})
    str(caught.value).encode("utf-8")


def test_text_and_list_lengths_are_bounded():
    """100,000 characters and 10,000 items are in; one more is out."""
    FIELDS.validate({"note": "x" * 100_000, "tags": ["t"] * 10_000})
    with pytest.raises(InvalidCaseData, match="at most 100000 characters"):
        FIELDS.validate({"note": "x" * 100_001})
    with pytest.raises(InvalidCaseData, match="at most 10000 items"):
        FIELDS.validate({"tags": ["t"] * 10_001})


def test_cel_length_at_the_bound_passes_and_one_more_is_refused():
    """4,000 characters are in; 4,001 are out."""
    check_size("1" * CEL_MAX_LENGTH)
    with pytest.raises(InvalidInput, match="longer than the 4,000 allowed"):
        check_size("1" * (CEL_MAX_LENGTH + 1))


@pytest.mark.parametrize(
    "deep",
    [
        "(" * (CEL_MAX_DEPTH + 1) + "1" + ")" * (CEL_MAX_DEPTH + 1),
        "!" * (CEL_MAX_DEPTH + 1) + "true",
        "- " * (CEL_MAX_DEPTH + 1) + "1",
        "true ? 1 : " * (CEL_MAX_DEPTH + 1) + "2",
    ],
)
def test_cel_nesting_beyond_the_bound_is_refused(deep):
    """Brackets, unary operators in a row and conditionals each count."""
    with pytest.raises(InvalidInput, match="more than 32 levels deep"):
        check_size(deep)


def test_cel_brackets_inside_strings_do_not_count():
    """Text in quotes is not nesting."""
    check_size("name == '" + "(" * 100 + "' && other == \"" + "[" * 100 + '"')
    check_size("(" * CEL_MAX_DEPTH + "1" + ")" * CEL_MAX_DEPTH)
