"""Fixtures of the simulator's tests: a small penalty-like process and a scenario for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policyflow.definition.loader import load_file
from policyflow.definition.model import Process

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def notice() -> Process:
    """tests/sim/fixtures/notice.yaml: statement window (deemed waiver) and a 90-day limit."""
    return load_file(FIXTURES / "notice.yaml")


@pytest.fixture
def scenario() -> dict[str, Any]:
    """A scenario that exercises hearings, deemed waivers, suspensions and late decisions."""
    return {
        "process": "notice",
        "arrivals": {"rate": 3, "start": "2023-09-18"},
        "data": {
            "party_type": {"choice": {"citizen": 1, "legal_person": 1}},
            "proposed_fine": {"uniform": [1000, 2000000], "round": 2},
        },
        "branches": {
            "rights_window_open": [
                {
                    "match": {"party_type": "citizen"},
                    "weights": {"hearing_requested": 0.5, "statement_received": 0.2, "wait": 0.3},
                },
                {"weights": {"hearing_requested": 0.3, "statement_received": 0.2, "wait": 0.5}},
            ],
        },
        "durations": {
            "default": {"unit": "wd", "integers": [0, 5]},
            "actors": {"party": {"unit": "wd", "integers": [1, 7]}},
            "events": {
                "decision_made": {"unit": "d", "integers": [20, 120]},
                "hearing_concluded": {"unit": "d", "triangular": [5, 10, 30]},
            },
        },
    }
