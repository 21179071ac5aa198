"""A scenario starts the cases its arrivals read: their cohort, or a lookup's target."""

from __future__ import annotations

import pytest
import yaml

from policyflow.definition.catalog import builtin_root
from policyflow.errors import InvalidInput
from policyflow.sim import simulate


def test_a_lookup_target_named_by_process_is_started_and_read() -> None:
    """henan-voucher's scenario starts the 2024 plan (a lookup's target, not its cohort) and
    the enterprises' years (its cohort): vouchers are issued only because both exist."""
    result = simulate("henan-voucher", cases=40, seed=1, workers=1)
    started = {record.case_id: record.process_id for record in result.cohorts}
    assert started["P2024"] == "henan-voucher.plan"
    assert started["L01"] == "henan-voucher.ledger"
    plan = next(record for record in result.cohorts if record.case_id == "P2024")
    assert [entry.event for entry in plan.journal][-1] == "plan_published"
    issued = [r for r in result.records if any(e.event == "voucher_issued" for e in r.journal)]
    assert issued, "no voucher could be issued: the plan or the years were not found"


def test_a_case_without_a_process_needs_a_cohort_process() -> None:
    """A process with no cohort cannot be given a case without naming the case's process."""
    scenario = {
        "process": "henan-voucher.plan",
        "arrivals": {"count": 1, "start": "2023-11-01"},
        "cohorts": [{"id": "X", "at": "2023-11-01", "data": {}}],
    }
    with pytest.raises(InvalidInput, match="declares no cohort"):
        simulate("henan-voucher.plan", scenario, seed=1, workers=1)


def test_a_signal_to_a_cohort_not_yet_started_is_refused_not_a_crash() -> None:
    """henan-htz with its 2024 ranking opened only in June 2025: a zone that reports its
    statistics to round R2024 before then signals a case that does not exist. The engine
    refuses the act (UnknownCase, "no case 'R2024'"); the simulator records the same
    refusal and goes on, where it used to stop with a KeyError."""
    scenario = yaml.safe_load((builtin_root() / "henan-htz.scenario.yaml").read_text("utf-8"))
    assert scenario["cohorts"][0]["id"] == "R2024"
    scenario["cohorts"][0]["at"] = "2025-06-02"
    result = simulate("henan-htz", scenario, cases=30, seed=1, workers=1)
    refused = [
        reason
        for record in result.records
        for _, event, reason in record.refused
        if event == "statistics_reported"
    ]
    assert refused and all(r == "UnknownCase: no case 'R2024' in the simulation" for r in refused)
