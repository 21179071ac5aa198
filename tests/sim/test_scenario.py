"""Scenario: validated with pydantic; a bad one names file, line and field in one line."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

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


def _generic_data(fields: str) -> list[dict[str, object]]:
    """Initial data the generic scenario draws for a one-state process with `fields`."""
    from datetime import datetime

    from policyflow.definition.loader import load_text
    from policyflow.runtime import compile_process
    from policyflow.sim.compiled import CompiledScenario
    from policyflow.sim.scenario import default_scenario

    process = load_text(
        "id: generic\ntitle: {zh: 通用, en: Generic}\n"
        f"fields:\n{fields}"
        "states:\n  - {id: open, zh: 开, en: Open, initial: true, final: true,"
        " basis: 科学技术部令第20号 第五十条}\n"
    )
    plan = CompiledScenario(compile_process(process), default_scenario(process))
    rng = random.Random(3)
    return [plan.initial_data(rng, datetime(2024, 3, 4, 10)) for _ in range(300)]


def test_generic_data_keep_within_each_fields_bounds():
    """A whole number or an amount drawn without a scenario lies within min..max (inclusive);
    fields with a default, and optional ones, are left to the runtime."""
    drawn = _generic_data(
        "  - {id: year, zh: 年, en: Year, type: int, min: 2024, max: 2100}\n"
        "  - {id: count, zh: 数, en: Count, type: int, max: -3}\n"
        "  - {id: plain, zh: 数, en: Plain, type: int}\n"
        "  - {id: fine, zh: 罚款, en: Fine, type: money, min: 5000.5, max: 9000}\n"
        "  - {id: small, zh: 罚款, en: Small, type: money, max: 2500.5}\n"
        "  - {id: big, zh: 罚款, en: Big, type: money, min: 1500000}\n"
        "  - {id: items, zh: 事项, en: Items, type: list, items: enum, values: [a, b]}\n"
        "  - {id: tags, zh: 标签, en: Tags, type: list, items: str}\n"
        "  - {id: level, zh: 级, en: Level, type: int, min: 1, default: 7}\n"
        "  - {id: note, zh: 注, en: Note, type: str, required: false}\n"
    )
    assert {d["year"] for d in drawn} == {2024}  # at the lower bound, not 0 below it
    assert {d["count"] for d in drawn} == {-3}  # at the upper bound, not 0 above it
    assert {d["plain"] for d in drawn} == {0}
    fines = [d["fine"] for d in drawn]  # ¥1,000..¥2,000,000 drawn, most above 9000
    assert all(Decimal("5000.5") <= f <= 9000 for f in fines) and max(fines) == 9000
    assert {d["small"] for d in drawn} <= {Decimal(1000), Decimal(2000), Decimal("2500.50")}
    assert Decimal("2500.50") in {d["small"] for d in drawn}
    big = [d["big"] for d in drawn]
    assert min(big) == 1500000 and max(big) > 1500000  # moved up to the bound, or drawn
    assert all(d["items"] == ["a", "b"] and d["tags"] == [] for d in drawn)
    assert all("level" not in d and "note" not in d for d in drawn)


def test_a_constant_may_be_a_list_of_records_each_case_getting_its_own():
    """A record list (members present at a meeting): every draw is a fresh copy."""
    members = [{"member_id": "M0", "category": "law", "external": True}]
    draw = Distribution(constant=members).sampler()
    first, second = draw(random.Random(1)), draw(random.Random(2))
    assert first == second == members
    first[0]["category"] = "ethics"
    assert second[0]["category"] == "law" and members[0]["category"] == "law"
