"""Any `--data` text is case data or one InvalidInput: never another exception.

`read_data` parses what a user types after `--data`, then the process's fields validate it.
Hypothesis writes the text: JSON of every shape the fields could meet (nested, huge
numbers, wrong types, lone surrogates, records) and text that is not JSON at all.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyflow.cli.case import read_data
from policyflow.definition.fields import FieldSet
from policyflow.definition.model import Field
from policyflow.errors import InvalidInput

FIELDS = FieldSet(
    [
        Field(id="applicant", zh="申请人", en="Applicant", type="str"),
        Field(id="pages", zh="页数", en="Pages", type="int", required=False, min=0, max=1000),
        Field(id="amount", zh="金额", en="Amount", type="money", required=False),
        Field(id="urgent", zh="加急", en="Urgent", type="bool", required=False),
        Field(id="filed_on", zh="申请日", en="Filed on", type="date", required=False),
        Field(id="tags", zh="标签", en="Tags", type="list", items="str", required=False),
        Field(
            id="present",
            zh="到会委员",
            en="Members present",
            type="list",
            items="record",
            required=False,
            max_items=20,
            fields=[
                Field(id="member_id", zh="委员", en="Member", type="str"),
                Field(id="recused", zh="回避", en="Recused", type="bool", default=False),
            ],
        ),
    ],
    "case data of 'fuzz'",
)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["2023-02-30", "2024-02-29", "5000.00", "1e400", "3", "true", "\ud800x"]),
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(
            st.one_of(st.sampled_from(["member_id", "recused", "pages"]), st.text(max_size=8)),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=30,
)
CASE_DATA = st.dictionaries(
    st.sampled_from(
        ["applicant", "pages", "amount", "urgent", "filed_on", "tags", "present", "other"]
    ),
    JSONISH,
    max_size=7,
)


def _accepted_or_refused(text: str) -> None:
    try:
        data = read_data(text, what="case data")
        FIELDS.validate(data)
    except InvalidInput:
        pass  # one line, a clear message; InvalidCaseData is an InvalidInput


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CASE_DATA)
def test_any_json_object_is_case_data_or_one_input_error(data):
    """A JSON object of any shape and any values: typed data, or InvalidInput."""
    _accepted_or_refused(json.dumps(data))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), JSONISH.map(json.dumps)))
def test_any_text_is_case_data_or_one_input_error(text):
    """Text that is not JSON, or JSON that is not an object: InvalidInput."""
    _accepted_or_refused(text)


def test_a_valid_object_comes_back_typed():
    """The fuzz can fail: a good object is accepted, typed (the guard against a test that
    only ever sees refusals)."""
    data = read_data(
        '{"applicant": "甲", "pages": 3, "present": [{"member_id": "m1"}]}', what="case data"
    )
    typed = FIELDS.validate(data)
    assert typed["pages"] == 3 and typed["present"] == ({"member_id": "m1", "recused": False},)
