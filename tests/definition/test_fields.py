"""Declared fields → typed case data; bad data names the field and the expected type."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from policyflow.definition.fields import FieldSet, format_value
from policyflow.definition.model import Field
from policyflow.errors import InvalidCaseData


def field(**kw):
    return Field.model_validate({"zh": "字段", "en": "Field", **kw})


FIELDS = FieldSet(
    [
        field(id="party_type", type="enum", values=["citizen", "legal_person"]),
        field(id="fine", type="money", min=0),
        field(id="officers", type="int", min=2, max=20, default=2),
        field(id="is_minor", type="bool", default=False),
        field(id="served_on", type="date", required=False),
        field(id="filed_at", type="datetime", required=False),
        field(id="tags", type="list", items="str", default=[]),
        field(id="kinds", type="list", items="enum", values=["fine", "warning"], default=[]),
        field(id="note", type="str", required=False),
    ],
    "case data of 'test'",
)


@pytest.mark.parametrize(
    ("given", "typed"),
    [("12.340", "12.34"), ("12.3", "12.30"), (12, "12.00"), ("0.010", "0.01")],
)
def test_money_keeps_fen_written_with_more_places(given, typed):
    """Trailing zeros beyond the fen are no extra precision: the amount is kept to the fen."""
    fine = FIELDS.validate({"party_type": "citizen", "fine": given})["fine"]
    assert str(fine) == typed


@pytest.mark.parametrize("given", ["12.345", "12.341", "0.001"])
def test_money_refuses_a_part_of_a_fen(given):
    """A third decimal that is not zero is below the smallest unit (the fen)."""
    with pytest.raises(InvalidCaseData, match="more than 2 decimals"):
        FIELDS.validate({"party_type": "citizen", "fine": given})


def test_a_default_that_fails_its_own_field_is_refused_where_it_is_used():
    """Defaults are typed once; one that cannot be (the linter reports it) is not let through."""
    odd = FieldSet([field(id="officers", type="int", min=2, default=1)], "case data of 'odd'")
    with pytest.raises(InvalidCaseData, match="officers"):
        odd.validate({})
    assert odd.validate({"officers": 3}) == {"officers": 3}
    typed = FieldSet([field(id="fine", type="money", default="12.3")], "case data of 'typed'")
    assert str(typed.validate({})["fine"]) == "12.30"  # typed once, to the fen


def test_typed_values_and_defaults():
    """Money becomes Decimal yuan to the fen, dates are dates, defaults are filled in."""
    data = FIELDS.validate(
        {"party_type": "citizen", "fine": 10000, "served_on": "2023-09-28", "kinds": ["fine"]}
    )
    assert data["fine"] == Decimal("10000.00") and str(data["fine"]) == "10000.00"
    assert data["served_on"] == date(2023, 9, 28) and data["officers"] == 2
    assert data["kinds"] == ("fine",) and data["note"] is None and data["is_minor"] is False


def test_dump_and_validate_round_trip():
    """dump() is JSON-ready and validate() reads it back to the same values."""
    data = FIELDS.validate(
        {"party_type": "citizen", "fine": "0.10", "filed_at": "2023-09-28T10:30"}
    )
    dumped = FIELDS.dump(data)
    assert (
        dumped["fine"] == "0.10"
        and dumped["filed_at"] == "2023-09-28T10:30:00"
        and dumped["tags"] == []
    )
    assert FIELDS.validate(dumped) == data


@pytest.mark.parametrize(
    ("changes", "field_name", "expected"),
    [
        ({"fine": "12.345"}, "fine", "an amount of yuan with at most 2 decimals"),
        ({"fine": "abc"}, "fine", "an amount of yuan"),
        ({"fine": -1}, "fine", "an amount of yuan with at most 2 decimals (>= 0)"),
        ({"party_type": "company"}, "party_type", "one of 'citizen', 'legal_person'"),
        ({"officers": 1}, "officers", "a whole number (>= 2, <= 20)"),
        ({"officers": 21}, "officers", "a whole number (>= 2, <= 20)"),
        ({"served_on": "2023-02-30"}, "served_on", "a date (YYYY-MM-DD) or null"),
        ({"kinds": ["fine", "jail"]}, "kinds.1", "a list of values from 'fine', 'warning'"),
        ({"colour": "red"}, "colour", "a declared field"),
    ],
)
def test_bad_data_names_field_and_type(changes, field_name, expected):
    """InvalidCaseData: .field is the field, .expected the type in words."""
    with pytest.raises(InvalidCaseData) as caught:
        FIELDS.validate({"party_type": "citizen", "fine": 1, **changes})
    assert caught.value.field == field_name
    assert caught.value.expected.startswith(expected)
    assert f"field '{field_name}' expects {expected}" in str(caught.value)


def test_int_bounds_are_inclusive():
    """min/max include the number itself (以上 / 不超过)."""
    assert FIELDS.validate({"party_type": "citizen", "fine": 1, "officers": 2})["officers"] == 2
    assert FIELDS.validate({"party_type": "citizen", "fine": 1, "officers": 20})["officers"] == 20


def test_missing_required_field():
    """A required field without a value is named."""
    with pytest.raises(InvalidCaseData, match=r"field 'fine' expects .* got nothing"):
        FIELDS.validate({"party_type": "citizen"})


def test_aware_datetime_becomes_china_standard_time():
    """Business times are naive CST: an aware time is converted, then its zone dropped."""
    data = FIELDS.validate({"party_type": "citizen", "fine": 1, "filed_at": "2023-09-28T02:00:00Z"})
    assert data["filed_at"] == datetime(2023, 9, 28, 10, 0)


def test_format_value():
    """Money as ¥1,000,000.00, lists bracketed, null spelt out."""
    assert format_value(Decimal("1000000")) == "¥1,000,000.00"
    assert format_value(("a", "b")) == "[a, b]" and format_value(None) == "null"
    assert format_value(date(2023, 9, 28)) == "2023-09-28"


def _fresh():
    """A FieldSet of the same fields with nothing remembered yet."""
    return FieldSet(FIELDS.fields.values(), FIELDS.name)


@pytest.mark.parametrize(
    "sequence",
    [
        # equal values of other types are told apart: 1 is money, True is not
        [{"party_type": "citizen", "fine": 1}, {"party_type": "citizen", "fine": True}],
        [
            {"party_type": "citizen", "fine": 5, "is_minor": False},
            {"party_type": "citizen", "fine": 5, "is_minor": 0},
        ],
        # Decimal is never taken from the memo: -0 equals 0 but keeps its sign
        [
            {"party_type": "citizen", "fine": Decimal("0")},
            {"party_type": "citizen", "fine": Decimal("-0")},
        ],
        [
            {"party_type": "citizen", "fine": 5, "served_on": date(2023, 9, 28)},
            {"party_type": "citizen", "fine": 5, "served_on": "2023-09-28"},
        ],
    ],
)
def test_a_remembered_validation_gives_what_a_fresh_one_gives(sequence):
    """Validating the same data again answers from memory, exactly as validating anew."""
    remembering = _fresh()
    for data in sequence + sequence:
        try:
            expected = _fresh().validate(data)
        except InvalidCaseData as error:
            with pytest.raises(InvalidCaseData, match=re.escape(str(error))):
                remembering.validate(data)
            continue
        got = remembering.validate(data)
        assert {k: (type(v), str(v)) for k, v in got.items()} == {
            k: (type(v), str(v)) for k, v in expected.items()
        }


def test_a_remembered_validation_is_a_new_dict_each_time():
    """The caller may change what it gets without changing what is remembered."""
    fields = _fresh()
    data = {"party_type": "citizen", "officers": 3, "is_minor": True, "fine": 1}
    for _ in range(3):  # validated, then remembered, then remembered again
        got = fields.validate(data)
        assert got["officers"] == 3
        got["officers"] = 99
