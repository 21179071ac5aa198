"""Decimal fields through the engine: journaled as decimal strings, replayed and verified.

tiny-score (tests/engine/decimal_processes) records an expert and a site score (payload
places 3, case fields places 2) and computes final = 0.5 × expert + 0.5 × site + bonus,
rounded half up once to the final score's 2 places; passing needs final ≥ 85.5.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from policyflow.engine import Engine
from policyflow.errors import GuardFailed, InvalidPayload

PROCESSES = Path(__file__).parent / "decimal_processes"
OPENED = datetime(2023, 3, 1, 9)
SCORED = datetime(2023, 3, 2, 9)
GRADED = datetime(2023, 3, 3, 9)


def _scored(engine: Engine, expert: str, site: str) -> str:
    case = engine.start("tiny-score", {"zone": "甲"}, at=OPENED)
    engine.fire(case.id, "scored", {"expert_score": expert, "site_score": site}, at=SCORED)
    return case.id


def test_the_final_score_is_exact_journaled_and_verifies(sqlite_path):
    """80.250 / 90.005: final 85.1275 → 85.13; the payload is journaled as written."""
    with Engine(sqlite_path, processes=PROCESSES) as engine:
        case_id = _scored(engine, "80.250", "90.005")
        data = engine.get(case_id).data
        assert (data["expert_score"], data["site_score"]) == (Decimal("80.25"), Decimal("90.01"))
        assert str(data["final_score"]) == "85.13"
        scored = engine.history(case_id)[-1].entry
        assert scored.payload == {"expert_score": "80.250", "site_score": "90.005"}
    with sqlite3.connect(sqlite_path) as connection:
        stored = [json.loads(row[0]) for row in connection.execute("SELECT data FROM cases")]
    connection.close()
    assert stored[0]["final_score"] == "85.13"  # a decimal string, like money
    with Engine(sqlite_path, processes=PROCESSES) as engine:
        assert engine.verify() >= 1  # the journal replays to the stored state
        assert str(engine.get(case_id).data["final_score"]) == "85.13"


@pytest.mark.parametrize(
    ("site", "final"),
    [("90.009", "85.00"), ("90.010", "85.01"), ("90.011", "85.01")],
)
def test_the_final_score_rounds_half_up_at_x_xx5(sqlite_path, site, final):
    with Engine(sqlite_path, processes=PROCESSES) as engine:
        case_id = _scored(engine, "80.000", site)
        assert str(engine.get(case_id).data["final_score"]) == final


@pytest.mark.parametrize(
    ("expert", "site", "passes"),
    [("81.000", "89.980", False), ("81.000", "90.000", True), ("81.000", "90.020", True)],
)
def test_the_guard_compares_with_85_5_exactly(sqlite_path, expert, site, passes):
    """85.49 is refused, 85.50 and 85.51 pass (final_score >= 85.5)."""
    with Engine(sqlite_path, processes=PROCESSES) as engine:
        case_id = _scored(engine, expert, site)
        if passes:
            assert engine.fire(case_id, "passed", at=GRADED).state == "good"
        else:
            with pytest.raises(GuardFailed, match=r"judged final_score = 85\.49"):
                engine.fire(case_id, "passed", at=GRADED)
            assert engine.get(case_id).state == "scored"


def test_a_score_with_too_many_places_is_refused_and_changes_nothing(sqlite_path):
    with Engine(sqlite_path, processes=PROCESSES) as engine:
        case = engine.start("tiny-score", {"zone": "乙"}, at=OPENED)
        with pytest.raises(InvalidPayload, match=r"expert_score.*more than 3 decimals"):
            engine.fire(
                case.id, "scored", {"expert_score": "80.2501", "site_score": "90"}, at=SCORED
            )
        assert engine.get(case.id).state == "open"
        assert len(engine.history(case.id)) == 1
