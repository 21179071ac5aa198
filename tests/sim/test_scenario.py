"""Scenario: validated with pydantic; a bad one names file, line and field in one line."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from policyflow.errors import InvalidInput
from policyflow.sim.scenario import Distribution, Scenario


def _refused(text: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        Scenario.from_yaml("bad.scenario.yaml", text=text)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_good_scenario_loads_with_every_part():
    """Arrivals, data, payloads, branches and durations all load from YAML."""
    scenario = Scenario.from_yaml(
        "ok.yaml",
        text="""
process: permit
arrivals: {rate: 2.5, per: working_day, start: 2023-09-25, end: 2023-10-31}
data:
  party_type: {choice: {citizen: 3, legal_person: 1}}
  proposed_fine: {lognormal: [10, 1.5], max: 5000000, round: 2}
branches:
  review:
    - match: {party_type: citizen}
      weights: {approve: 0.8, wait: 0.2}
    - weights: {approve: 1}
durations:
  default: {unit: wd, integers: [1, 5]}
  events: {approve: {unit: d, triangular: [1, 3, 10]}}
""",
    )
    assert scenario.arrivals.rate == 2.5
    assert scenario.data["party_type"].kind == "choice"
    assert scenario.branches["review"][0].match == {"party_type": "citizen"}
    assert scenario.durations.events["approve"].unit == "d"
    assert scenario.durations.actors == {}


def test_a_scenario_can_be_built_in_python():
    """The same models validate a Python mapping, with the same one-line errors."""
    scenario = Scenario.from_data({"arrivals": {"count": 10}, "max_events": 50})
    assert scenario.arrivals.count == 10 and scenario.max_events == 50
    with pytest.raises(
        InvalidInput, match=r"^scenario: arrivals\.count: .*greater than or equal to 1"
    ):
        Scenario.from_data({"arrivals": {"count": 0}})


def test_each_error_names_line_column_and_field():
    """Every offending field is named at once, each with its file position."""
    message = _refused(
        "arrivals: {count: 10}\n"
        "data:\n"
        "  fine: {uniform: [5, 3]}\n"
        "durations:\n"
        "  events:\n"
        "    approve: {unit: week, constant: 3}\n"
    )
    assert "bad.scenario.yaml:3:3: data.fine: uniform: low 5.0 is above high 3.0" in message
    assert (
        "bad.scenario.yaml:6:15: durations.events.approve.unit: Input should be 'wd', 'd' or 'h'"
        in message
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arrivals: {count: 5, rate: 1}\n", "arrivals: give count or rate, not both"),
        (
            "arrivals: {start: 2023-10-09, end: 2023-10-08}\n",
            "end 2023-10-08 is before start 2023-10-09",
        ),
        ("arrivals: {hours: [17, 9]}\n", "hours must be [from, to) within 0..24"),
        (
            "data:\n  x: {constant: 1, uniform: [1, 2]}\n",
            "give exactly one of copy, constant, integers",
        ),
        ("data:\n  x: {}\n", "(found none)"),
        ("data:\n  x: {triangular: [1, 5, 3]}\n", "need low <= mode <= high"),
        ("data:\n  x: {choice: {a: 0, b: 0}}\n", "weights must be >= 0 and not all 0"),
        ("data:\n  x: {constant: {a: 1}}\n", "valid string, integer, number, boolean or list"),
        ("branches:\n  s:\n    - weights: {a: -1, b: 2}\n", "weights must be >= 0 (negative: a)"),
        ("branches:\n  s:\n    - weights: {a: 0}\n", "at least one event with a weight above 0"),
        ("horizon_days: 0\n", "horizon_days: Input should be greater than or equal to 1"),
        ("colour: blue\n", "colour: Extra inputs are not permitted"),
        (
            "data:\n  x: {constant: 1}\n  x: {constant: 2}\n",
            "bad.scenario.yaml:3:3: data.x: key given twice",
        ),
        ("data: [1\n", "malformed YAML"),
    ],
)
def test_bad_scenarios_are_refused_with_the_rule(text, expected):
    """Each fault is refused with a message that says which rule it breaks."""
    assert expected in _refused(text)


def test_a_missing_file_is_one_line():
    """A scenario file that does not exist is refused, not a traceback."""
    with pytest.raises(InvalidInput, match=r"cannot read scenario /nonexistent/x\.yaml"):
        Scenario.from_yaml("/nonexistent/x.yaml")


def test_integers_are_inclusive_and_clipping_and_rounding_apply():
    """integers [1, 5] gives each of 1..5 and nothing else; min/max clip; round rounds."""
    rng = random.Random(7)
    draw = Distribution(integers=(1, 5)).sampler()
    seen = Counter(draw(rng) for _ in range(5000))
    assert set(seen) == {1, 2, 3, 4, 5}
    assert all(800 < count < 1200 for count in seen.values())
    clipped = Distribution(normal=(0, 10), min=-1, max=1, round=0).sampler()
    values = {clipped(rng) for _ in range(2000)}
    assert values == {-1, 0, 1}


def test_choice_follows_its_weights_and_never_picks_weight_zero():
    """choice picks by weight (3:1 here) and never a value of weight 0."""
    rng = random.Random(11)
    draw = Distribution(choice={"citizen": 3, "legal_person": 1, "other_org": 0}).sampler()
    seen = Counter(draw(rng) for _ in range(8000))
    assert "other_org" not in seen
    assert 0.72 < seen["citizen"] / 8000 < 0.78
