"""A seeded random sample's size and draw (runtime/signals.py): the size is the ceiling of
an exact decimal share (不少于 5 %), raised to ``at_least`` and capped by who is there; the
draw is the receivers with the smallest sha256("{seed}:{id}"), which anyone can redo."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from policyflow.definition.expressions import SEED, compile_expression
from policyflow.definition.model import FieldType
from policyflow.errors import InvalidInput
from policyflow.runtime.plans import SamplePlan
from policyflow.runtime.signals import draw, sample_size

FIVE = Decimal("0.05")


@pytest.mark.parametrize(
    ("eligible", "size"),
    [(0, 0), (1, 1), (19, 1), (20, 1), (21, 2), (40, 2), (41, 3), (50, 3), (60, 3), (61, 4)],
)
def test_five_percent_is_a_ceiling_counted_exactly(eligible, size):
    """20 × 5 % = 1 exactly (a float would give 1.0000000000000002 and draw 2); 21 → 2."""
    assert sample_size(FIVE, 0, eligible) == size


@pytest.mark.parametrize(("at_least", "size"), [(0, 1), (1, 1), (2, 2), (3, 3)])
def test_at_least_raises_a_small_sample(at_least, size):
    """Of 10, 5 % is 1; at_least 2 or 3 draws that many, 0 or 1 leaves 1."""
    assert sample_size(FIVE, at_least, 10) == size


def test_at_least_never_draws_more_than_there_are():
    assert sample_size(FIVE, 5, 3) == 3
    assert sample_size(Decimal("1"), 0, 7) == 7


def _plan(seed: str, at_least: int = 0) -> SamplePlan:
    return SamplePlan(FIVE, at_least, compile_expression(seed, {}, {}, expect=SEED))


ITEMS = [{"id": f"U{n:03}", "state": "scored"} for n in range(41)]


def test_the_draw_is_the_smallest_hashes_of_seed_and_id_in_that_order():
    """Redone by hand from the seed and the ids: the same three, in the same order."""
    drawn, record = draw(list(ITEMS), _plan("'2024-抽查'"), {}, "site_check_drawn")
    by_hand = sorted(
        (hashlib.sha256(f"2024-抽查:{item['id']}".encode()).hexdigest(), item["id"])
        for item in ITEMS
    )
    assert [item["id"] for item in drawn] == [i for _, i in by_hand[:3]]
    assert record == {
        "seed": "2024-抽查",
        "share": "0.05",
        "at_least": 0,
        "of": 41,
        "drawn": [i for _, i in by_hand[:3]],
    }


def test_the_draw_does_not_depend_on_the_order_the_receivers_come_in():
    forward, _ = draw(list(ITEMS), _plan("'s'"), {}, "e")
    backward, _ = draw(list(reversed(ITEMS)), _plan("'s'"), {}, "e")
    assert forward == backward


def test_another_seed_draws_another_sample():
    seeds = [f"'seed-{n}'" for n in range(5)]
    samples = {tuple(i["id"] for i in draw(list(ITEMS), _plan(s), {}, "e")[0]) for s in seeds}
    assert len(samples) == 5


def test_an_int_seed_draws_as_its_decimal_text():
    """Seed 2024 and seed '2024' hash the same text: the record says which was given."""
    as_int, record = draw(list(ITEMS), _plan("2024"), {}, "e")
    as_text, _ = draw(list(ITEMS), _plan("'2024'"), {}, "e")
    assert as_int == as_text and record["seed"] == 2024


def test_a_seed_that_is_null_is_refused_naming_the_signal():
    plan = SamplePlan(FIVE, 0, compile_expression("payload.s", {}, None, expect=SEED))
    with pytest.raises(InvalidInput, match=r"sample of signal 'site_check_drawn'.*NoneType"):
        draw(list(ITEMS), plan, {"payload": {}}, "site_check_drawn")


def test_at_least_may_be_cel_over_the_act():
    """A share of a wider population: ⌈5 % of 61⌉ = 4 of the 41 receivers, not 3."""
    at_least = compile_expression("(payload.all * 5 + 99) / 100", {}, None, expect=FieldType.INT)
    plan = SamplePlan(FIVE, at_least, compile_expression("'s'", {}, None, expect=SEED))
    drawn, record = draw(list(ITEMS), plan, {"payload": {"all": 61}}, "e")
    assert (len(drawn), record["at_least"]) == (4, 4)
    drawn, record = draw(list(ITEMS), plan, {"payload": {"all": 41}}, "e")
    assert (len(drawn), record["at_least"]) == (3, 3)


def test_an_at_least_that_gives_no_whole_number_is_refused():
    at_least = compile_expression("payload.all - 100", {}, None, expect=FieldType.INT)
    plan = SamplePlan(FIVE, at_least, compile_expression("'s'", {}, None, expect=SEED))
    with pytest.raises(InvalidInput, match=r"at_least .* gives -39, expected a whole number"):
        draw(list(ITEMS), plan, {"payload": {"all": 61}}, "e")
