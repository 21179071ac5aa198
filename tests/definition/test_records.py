"""Record lists (``type: list``, ``items: record``): declaration, validation, CEL and lint.

The example is a science and technology ethics review meeting (国科发监〔2023〕167号): the
members present, each with a category, a gender, whether external and whether recused.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml
from pydantic import ValidationError

from policyflow.definition.catalog import load
from policyflow.definition.conversion import from_cel, sample_value, to_cel
from policyflow.definition.expressions import check_expression, compile_expression
from policyflow.definition.fields import LIST_MAX, FieldSet, describe_type, format_value
from policyflow.definition.lint import lint_text
from policyflow.definition.loader import load_text
from policyflow.definition.model import Field, FieldType
from policyflow.definition.quick import compile_quick
from policyflow.definition.schema import process_schema
from policyflow.errors import InvalidCaseData

from .conftest import PERMIT

MEETING = Path(__file__).parents[1] / "fixtures" / "ethics_meeting.yaml"
CATEGORIES = ["science_peer", "ethics", "law", "other"]


def field(**kw):
    return Field.model_validate({"zh": "字段", "en": "Field", **kw})


def sub(**kw):
    return {"zh": "子字段", "en": "Sub-field", **kw}


PRESENT = field(
    id="present",
    type="list",
    items="record",
    fields=[
        sub(id="member_id", type="str"),
        sub(id="category", type="enum", values=CATEGORIES),
        sub(id="gender", type="enum", values=["female", "male"]),
        sub(id="external", type="bool"),
        sub(id="recused", type="bool", default=False),
        sub(id="joined", type="date", required=False),
        sub(id="arrived", type="datetime", required=False),
        sub(id="seat", type="int", min=1, max=30, required=False),
        sub(id="languages", type="list", items="str", default=[]),
    ],
)
FIELDS = FieldSet([PRESENT], "payload of 'meeting_opened'")


def member(number: int, category: str = "science_peer", **more):
    return {
        "member_id": f"M{number}",
        "category": category,
        "gender": "female",
        "external": False,
        **more,
    }


def members(count: int, **more):
    return [member(i, **more) for i in range(count)]


# --- declaration ---------------------------------------------------------------------------


def test_a_record_list_declares_its_sub_fields():
    assert PRESENT.is_record_list and PRESENT.element_type is FieldType.RECORD
    assert list(PRESENT.sub_fields)[:3] == ["member_id", "category", "gender"]
    assert describe_type(PRESENT).startswith("a list of records of member_id, category")
    assert not field(id="tags", type="list", items="str").is_record_list


@pytest.mark.parametrize(
    ("declared", "words"),
    [
        ({"type": "list", "items": "record"}, "needs 'fields'"),
        ({"type": "list", "items": "record", "fields": []}, "needs 'fields'"),
        ({"type": "list", "items": "str", "fields": [sub(id="a", type="int")]}, "only for a list"),
        ({"type": "str", "fields": [sub(id="a", type="int")]}, "only for a list of items: record"),
        (
            {"type": "record", "fields": [sub(id="a", type="int")]},
            "write type: list, items: record",
        ),
        (
            {
                "type": "list",
                "items": "record",
                "fields": [sub(id="a", type="int"), sub(id="a", type="str")],
            },
            "duplicate sub-field ids: a",
        ),
        (
            {
                "type": "list",
                "items": "record",
                "fields": [
                    sub(id="panel", type="list", items="record", fields=[sub(id="b", type="int")])
                ],
            },
            "sub-field 'panel' is a record list",
        ),
        (
            {"type": "list", "items": "record", "fields": [sub(id="fee", type="money")]},
            "sub-field 'fee' is money",
        ),
    ],
)
def test_a_bad_record_list_declaration_is_refused(declared, words):
    with pytest.raises(ValidationError, match=words):
        field(id="present", **declared)


def test_an_existing_process_keeps_its_version():
    """'fields' is an added key: a process without record lists hashes as before (c934acb)."""
    assert load(PERMIT, root=PERMIT.parent).version == "c546e32be8558a57"


def test_the_schema_accepts_a_record_list_and_refuses_an_unknown_sub_field_key():
    validator = jsonschema.Draft202012Validator(process_schema())
    data = json.loads(json.dumps(yaml.safe_load(MEETING.read_text(encoding="utf-8")), default=str))
    assert not [e.message for e in validator.iter_errors(data)]
    data["fields"][1]["fields"][0]["colour"] = "red"
    assert list(validator.iter_errors(data))


def test_the_meeting_fixture_lints_clean_and_round_trips_through_json():
    text = MEETING.read_text(encoding="utf-8")
    # clean but for the warnings that a transition names no actor (anyone may take it)
    assert [p for p in lint_text(text, MEETING.name) if p.code != "role"] == []
    process = load_text(text, MEETING, process_id="ethics-meeting")
    again = type(process).model_validate_json(process.model_dump_json())
    assert again == process and again.version == process.version
    assert process.find_field("present").sub_fields["recused"].default is False


# --- validation ----------------------------------------------------------------------------


def test_records_are_validated_into_typed_dicts_with_defaults():
    given = [member(1, joined="2023-12-01", seat=3), member(2, "law", recused=True)]
    [first, second] = FIELDS.validate({"present": given})["present"]
    assert first == {
        **member(1),
        "recused": False,  # the sub-field's default
        "joined": date(2023, 12, 1),
        "arrived": None,
        "seat": 3,
        "languages": (),
    }
    assert second["recused"] is True and second["joined"] is None and second["seat"] is None
    assert type(first) is dict


@pytest.mark.parametrize(
    ("bad", "path", "words"),
    [
        (member(9, "foo"), "present[3].category", "expects one of 'science_peer', 'ethics'"),
        (member(9, recused="yes"), "present[3].recused", "expects true or false, got 'yes'"),
        (member(9, recused=1), "present[3].recused", "expects true or false, got 1"),
        (member(9, seat="3"), "present[3].seat", "expects a whole number"),
        (member(9, seat=31), "present[3].seat", "less than or equal to 30"),
        (member(9, seat=True), "present[3].seat", "got True"),
        (member(9, joined="2023-13-01"), "present[3].joined", "expects a date"),
        (member(9, languages=["zh", 3]), "present[3].languages[1]", "got 3"),
        ({**member(9), "member_id": 7}, "present[3].member_id", "expects text, got 7"),
        (member(9, recusd=True), "present[3].recusd", "a sub-field of 'present' (member_id,"),
        ({"category": "law", "gender": "male", "external": True}, "present[3].member_id",
         "got nothing (the sub-field is required)"),
        ("M9", "present[3]", "expects a record of member_id, category"),
    ],
)  # fmt: skip
def test_a_bad_record_is_refused_naming_its_index_and_sub_field(bad, path, words):
    with pytest.raises(InvalidCaseData) as caught:
        FIELDS.validate({"present": [*members(3), bad]})
    assert caught.value.field == path
    assert f"field '{path}' " in str(caught.value) and words in str(caught.value)


def test_the_list_limit_holds_for_records():
    """10,000 records are accepted, 10,001 are not."""
    assert len(FIELDS.validate({"present": members(LIST_MAX)})["present"]) == LIST_MAX
    with pytest.raises(InvalidCaseData, match="at most 10000 items"):
        FIELDS.validate({"present": members(LIST_MAX + 1)})


def test_records_dump_to_json_objects_and_load_back():
    typed = FIELDS.validate({"present": [member(1, joined="2023-12-01")]})
    dumped = FIELDS.dump(typed)
    assert dumped == {"present": [{**member(1), "recused": False, "joined": "2023-12-01",
                                   "arrived": None, "seat": None, "languages": []}]}  # fmt: skip
    assert FIELDS.validate(dumped) == typed


def test_a_record_is_shown_as_its_keys_and_values():
    assert format_value({"member_id": "M1", "recused": False}) == "{member_id: M1, recused: false}"


# --- CEL -----------------------------------------------------------------------------------


def test_records_enter_cel_as_maps_with_dates_as_timestamps():
    given = member(1, joined="2023-12-01", arrived="2023-12-01T09:30")
    [record] = to_cel(FIELDS.validate({"present": [given]})["present"])
    assert record["arrived"] == datetime(2023, 12, 1, 9, 30, tzinfo=UTC)
    assert record["joined"] == datetime(2023, 12, 1, tzinfo=UTC)
    assert record["recused"] is False and record["languages"] == []
    # and back: a timestamp inside a record becomes the naive datetime the validator reads
    # (a business time is naive China Standard Time: no shift by the zone CEL labels it with)
    again = FIELDS.validate_one("present", from_cel([record], FieldType.RECORD))[0]
    assert again["joined"] == date(2023, 12, 1)
    assert again["arrived"] == datetime(2023, 12, 1, 9, 30)
    assert sample_value(PRESENT)[0]["category"] == "science_peer"


def condition(source: str, payload: bool = False):
    fields = {} if payload else {"present": PRESENT}
    return compile_expression(source, fields, {"present": PRESENT}, expect="bool")


QUORUM = "present.filter(m, !m.recused).size() >= 5"
COVERAGE = "['science_peer', 'ethics', 'law'].all(c, present.exists(m, m.category == c))"


@pytest.mark.parametrize(
    "source",
    [
        QUORUM,
        COVERAGE,
        "payload.present.exists(m, m.category == 'law' && m.external)",
        "present.exists(m, m.joined != null && m.joined > timestamp('2023-01-01T00:00:00Z'))",
        "present.map(m, m.member_id).size() == present.size()",
        "present.filter(m, m.recused).all(r, r.category != 'law')",
        "size(present) > 0 && present[0].gender == 'female'",
    ],
)
def test_expressions_over_records_type_check(source):
    assert check_expression(condition(source)) == []


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("present.filter(m, !m.recusd).size() >= 5",
         "unknown sub-field 'recusd' of the records of 'present' (did you mean 'recused'?)"),
        ("payload.present.exists(m, m.categroy == 'law')",
         "unknown sub-field 'categroy' of the records of 'payload.present' (did you mean"),
        ("present[0].sex == 'male'", "unknown sub-field 'sex' of the records of 'present' (it has"),
        ("present.filter(m, m.recused).exists(r, r.vote)", "unknown sub-field 'vote'"),
        ("present.exists(m, m.recused > 1)", "does not type-check"),
        ("present.exists(m, m.category)", "does not type-check"),
    ],
)  # fmt: skip
def test_a_bad_sub_field_reference_is_a_lint_error(source, words):
    problems = check_expression(condition(source))
    assert any(words in p for p in problems), problems


def test_a_macro_variable_over_something_else_is_not_read_as_a_record():
    """`c` ranges over strings, and a name bound again inside a macro is no longer a record."""
    source = "['law'].all(c, present.exists(m, m.category == c)) && [1].all(m, m > 0)"
    assert check_expression(condition(source)) == []


def test_expressions_over_records_evaluate_and_quick_hands_them_to_cel():
    data = FIELDS.validate(
        {"present": [*members(4), member(5, "ethics"), member(6, "law", recused=True)]}
    )
    assert compile_quick(QUORUM) is None and compile_quick(COVERAGE) is None
    # a closure that meets a record list hands it to CEL, which gives the answer
    assert compile_quick("present != null") is not None
    assert condition("present != null").evaluate(data) is True
    assert condition("payload.present != null").evaluate({"payload": data}) is True
    assert condition(QUORUM).evaluate(data) is True  # 5 of 6 not recused
    assert condition(COVERAGE).evaluate(data) is True
    sitting = COVERAGE.replace("m.category == c", "!m.recused && m.category == c")
    assert condition(sitting).evaluate(data) is False  # the only law member is recused
    fewer = FIELDS.validate({"present": [*members(3), member(5, "ethics", recused=True)]})
    assert condition(QUORUM).evaluate(fewer) is False
