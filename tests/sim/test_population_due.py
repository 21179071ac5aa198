"""The simulator's population index marks a lookup's hit due as the engine's store does.

With a reading instant (``until``), a case with an armed deadline expiring at or before
it is a hit whatever its state, marked due: the runtime brings it up to the instant and
judges the lookup's bounds on it then (tests/engine/test_read_catch_up.py for the store).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from policyflow.definition.catalog import load
from policyflow.runtime import compile_process
from policyflow.runtime.relations import LookupQuery
from policyflow.runtime.step import start
from policyflow.sim.population_index import PopulationIndex

PROCESSES = Path(__file__).parents[1] / "engine" / "processes"
STARTED = datetime(2023, 10, 9, 10)  # three working days: passed from 13 October 00:00


@pytest.mark.parametrize(
    ("until", "due"),
    [(datetime(2023, 10, 12, 23, 59), False), (datetime(2023, 10, 13), True)],
)
def test_a_due_case_is_a_hit_outside_the_state_bound(until, due):
    member = compile_process(load(PROCESSES / "rc" / "member.yaml", root=PROCESSES))
    index = PopulationIndex()
    index.put(member, start(member, "m", {"round_id": "g", "ref": "R"}, at=STARTED).snapshot)
    query = LookupQuery("rc.member", (("ref", ("R",)),), states=("lapsed",), until=until)
    found = [(hit.case_id, hit.state, hit.due) for hit in index.lookup(query)]
    assert found == ([("m", "waiting", True)] if due else [])
    assert index.lookup(query._replace(until=None)) == []


@pytest.mark.parametrize(
    ("until", "due"),
    [
        (datetime(2023, 10, 12, 23, 59), []),
        (datetime(2023, 10, 13), ["m"]),
        (datetime(2023, 10, 16), ["m"]),
    ],
)
def test_a_cohorts_due_members_are_found_by_its_id(until, due):
    """As the engine's store finds them: that cohort's members with a deadline due by then."""
    member = compile_process(load(PROCESSES / "rc" / "member.yaml", root=PROCESSES))
    index = PopulationIndex()
    assert not index.is_cohort("rc.group")  # no member yet: a round never asks
    for case_id, round_id in (("m", "g"), ("other", "h")):
        data = {"round_id": round_id, "ref": "R"}
        index.put(member, start(member, case_id, data, at=STARTED).snapshot)
    assert index.is_cohort("rc.group")
    assert not index.is_cohort("rc.member")
    assert [s.case_id for _, s in index.members_due("g", "rc.group", until)] == due
    assert list(index.members_due("g", "rc.member", until)) == []
