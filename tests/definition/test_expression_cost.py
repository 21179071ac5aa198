"""The worst case of a CEL expression is counted before it runs, and bounded."""

from __future__ import annotations

import pytest

from policyflow.definition.expression_cost import CEL_MAX_STEPS, check_cost, worst_steps
from policyflow.definition.fields import LIST_MAX
from policyflow.definition.syntax import parse
from policyflow.errors import InvalidInput


@pytest.mark.parametrize(
    ("source", "steps"),
    [
        ("pages < 500", 3),  # a comparison: itself and its two operands
        ("x in tags", 3 + LIST_MAX),  # a search through a list of up to LIST_MAX
        ("x in ['a', 'b']", 5 + 2),  # a written list: its own length
        ("tags.exists(t, t == 'a')", 1 + LIST_MAX * (1 + 3)),
        ("['a', 'b'].all(c, c == 'a')", 3 + 2 * (1 + 3)),
        ("tags.filter(t, t == 'a').all(u, u == 'b')", 1 + LIST_MAX * 4 + LIST_MAX * 4),
    ],
)
def test_worst_steps_are_counted_exactly(source, steps):
    """One step a node; a comprehension's body once per item its list can hold."""
    assert worst_steps(parse(source)) == steps


def test_the_quorum_rule_of_a_meeting_is_well_within_the_bound():
    """第十四条 over a record list: seven categories × a list of members, one comprehension deep."""
    source = (
        "['science_peer', 'ethics', 'law', 'other', 'female', 'male', 'external']"
        ".all(c, present.exists(m, m.category == c))"
    )
    assert worst_steps(parse(source)) < CEL_MAX_STEPS
    check_cost(source)  # accepted


def test_one_comprehension_inside_another_over_lists_is_refused():
    """Two nested over data lists: 10,000 × 10,000 bodies, over the bound; nothing runs."""
    with pytest.raises(InvalidInput, match=r"more than the 1,000,000 allowed"):
        check_cost("tags.all(a, tags.exists(b, a == b))")


def test_the_bound_is_inclusive_at_its_number():
    """Exactly CEL_MAX_STEPS is accepted; one item more is refused."""

    def over(written: int) -> str:
        # 48 data lists and a written list of `written` items, each item a body of one step:
        # 48 names + 48 '+' + the list and its items, then 2 steps an item
        return (
            "(" + " + ".join(["tags"] * 48) + " + [" + ", ".join(["1"] * written) + "]).all(x, x)"
        )

    at = over(13_301)
    assert worst_steps(parse(at)) == 97 + 13_301 + 2 * (48 * LIST_MAX + 13_301) == CEL_MAX_STEPS
    check_cost(at)
    with pytest.raises(InvalidInput, match="1,000,003 steps"):
        check_cost(over(13_302))


def test_a_text_the_cost_parser_cannot_read_may_hold_one_comprehension_only():
    """Message construction is CEL the tree does not read: nesting is then refused outright."""
    check_cost("google.protobuf.Int64Value{value: 1}.value > 0 && tags.exists(t, t == 'a')")
    with pytest.raises(InvalidInput, match="steps"):
        check_cost(
            "google.protobuf.Int64Value{value: 1}.value > 0 && tags.all(a, tags.all(b, a == b))"
        )


def test_a_join_of_two_lists_is_accepted_once_both_declare_their_size():
    """Everyone present is a member in term: 100 × 100 bodies with max_items, refused without."""
    from policyflow.definition.expressions import compile_expression
    from policyflow.definition.model import Field

    def records(max_items: int | None) -> Field:
        return Field(
            id="people",
            zh="人员",
            en="People",
            type="list",
            items="record",
            max_items=max_items,
            fields=[Field(id="member_id", zh="编号", en="Id", type="str")],
        )

    join = "payload.people.all(m, people.exists(c, c.member_id == m.member_id))"
    small = records(100)
    compile_expression(join, {"people": small}, {"people": small}, expect="bool")
    with pytest.raises(InvalidInput, match="declare max_items"):
        compile_expression(join, {"people": records(None)}, {"people": small}, expect="bool")


def test_max_items_bounds_the_list_itself():
    """A list declaring max_items holds that many items and refuses one more."""
    from policyflow.definition.fields import FieldSet
    from policyflow.definition.model import Field
    from policyflow.errors import InvalidCaseData

    tags = Field(id="tags", zh="标签", en="Tags", type="list", items="str", max_items=3)
    fields = FieldSet([tags], "case data of 'test'")
    assert fields.validate({"tags": ["a", "b", "c"]})["tags"] == ("a", "b", "c")
    with pytest.raises(InvalidCaseData, match="tags"):
        fields.validate({"tags": ["a", "b", "c", "d"]})
    with pytest.raises(ValueError, match="only for a list"):
        Field(id="n", zh="数", en="N", type="int", max_items=3)
