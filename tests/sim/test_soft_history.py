"""The simulator with soft guards passed by its scenario, reopened decisions and returns.

The same cases replayed through a real Engine on a SQLite file write the same journals
(overrides included), and a reopened case counts as open until it is decided again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policyflow.definition.catalog import load
from policyflow.engine import Engine
from policyflow.errors import InvalidInput
from policyflow.sim import simulate

from .test_engine_parity import _assert_same_journals, _replay

ETHICS = Path(__file__).parents[1] / "fixtures" / "processes" / "ethics-review.yaml"
REASON = "rare expertise"


def _scenario(**changes: Any) -> dict[str, Any]:
    scenario: dict[str, Any] = {
        "arrivals": {"count": 40, "start": "2024-03-01", "end": "2024-04-30"},
        "data": {"age": {"integers": [55, 66]}, "members": {"constant": 5}},
        "payloads": {
            "decided": {"outcome": {"choice": {"approved": 0.5, "rejected": 0.5}}},
            "appeal_filed": {"grounds": {"choice": {"new facts": 0.8, "": 0.2}}},
        },
        "branches": {
            "submitted": [{"weights": {"review_started": 0.8, "change_reported": 0.2}}],
            "reviewing": [{"weights": {"decided": 0.7, "change_reported": 0.3}}],
            "decided": [{"match": {"outcome": "rejected"}, "weights": {"appeal_filed": 1}}],
            "appeal": [{"weights": {"appeal_dismissed": 0.6, "appeal_upheld": 0.4}}],
        },
        "durations": {"default": {"unit": "wd", "integers": [1, 4]}},
        "overrides": {"review_started": {"within_age_limit": REASON}},
        "horizon_days": 365,
    }
    scenario.update(changes)
    return scenario


@pytest.fixture(scope="module")
def result():
    return simulate(load(ETHICS), _scenario(), seed=7, workers=1)


def test_the_scenario_passes_the_soft_rule_for_older_members_only(result):
    passed = [
        (record.data["age"], entry.overrides)
        for record in result.records
        for entry in record.journal
        if entry.event == "review_started"
    ]
    assert passed and all(
        overrides == ((("within_age_limit", REASON),) if age > 60 else ())
        for age, overrides in passed
    )
    assert any(age > 60 for age, _ in passed) and any(age <= 60 for age, _ in passed)


def test_decisions_are_reopened_and_returned_to(result):
    events = [(e.from_state, e.event, e.to_state) for r in result.records for e in r.journal]
    assert ("decided", "appeal_filed", "appeal") in events
    assert ("appeal", "appeal_dismissed", "decided") in events
    assert ("change_review", "change_cleared", "reviewing") in events or (
        "change_review",
        "change_cleared",
        "submitted",
    ) in events


def test_a_reopened_case_is_open_until_decided_again(tmp_path):
    """Appeals that are never decided within the horizon: the case ends the run open."""
    scenario = _scenario(horizon_days=60)
    scenario["branches"]["appeal"] = [{"weights": {"wait": 1}}]
    run = simulate(load(ETHICS), scenario, seed=3, workers=1)
    for record in run.records:
        in_appeal = record.state == "appeal"
        assert record.status == ("open" if in_appeal else record.status)
        if record.state == "decided":
            assert record.status == "final"
    assert any(record.state == "appeal" and record.status == "open" for record in run.records)


def test_the_engine_writes_the_same_journals(tmp_path, result):
    with Engine(f"sqlite:///{tmp_path / 'parity.db'}") as engine:
        ids = _replay(engine, load(ETHICS), result.records)
        assert _assert_same_journals(engine, ids, result.records) == 40
        assert engine.verify() > 0


def test_an_override_of_a_hard_or_unknown_guard_is_refused_before_the_run():
    for overrides in (
        {"review_started": {"quorum_present": REASON}},
        {"review_started": {"no_such_guard": REASON}},
        {"review_started": {"within_age_limit": "  "}},
    ):
        with pytest.raises(InvalidInput, match=r"overrides\.review_started"):
            simulate(load(ETHICS), _scenario(overrides=overrides), cases=1, workers=1)
