"""simulate(): reproducible for a seed whatever the worker count; cases obey the rules."""

from __future__ import annotations

import gc
import tempfile
from datetime import date, timedelta

import pandas as pd
import pytest

from policyflow.errors import InvalidInput
from policyflow.sim import runner, simulate


def test_same_seed_gives_identical_tables(notice, scenario):
    """Two runs with the same seed give the same cases, deadlines and event log."""
    first = simulate(notice, scenario, cases=80, seed=5, workers=1)
    second = simulate(notice, scenario, cases=80, seed=5, workers=1)
    pd.testing.assert_frame_equal(first.cases(), second.cases())
    pd.testing.assert_frame_equal(first.deadlines(), second.deadlines())
    pd.testing.assert_frame_equal(first.event_log(), second.event_log())


def test_different_seeds_give_different_tables(notice, scenario):
    """Another seed draws other arrivals, data and choices."""
    first = simulate(notice, scenario, cases=80, seed=5, workers=1).cases()
    other = simulate(notice, scenario, cases=80, seed=6, workers=1).cases()
    assert not first.equals(other)
    assert list(first["arrived_at"]) != list(other["arrived_at"])


@pytest.mark.parametrize("workers", [2, 3])
def test_worker_count_does_not_change_the_result(notice, scenario, workers):
    """Several processes over several batches give exactly what one process gives.

    This process simulates too, beside one or two started ones, and the records come
    back in arrival order whoever simulated them.
    """
    alone = simulate(notice, scenario, cases=450, seed=9, workers=1)
    shared = simulate(notice, scenario, cases=450, seed=9, workers=workers)
    assert [r.journal for r in alone.records] == [r.journal for r in shared.records]
    pd.testing.assert_frame_equal(alone.cases(), shared.cases())


def test_a_finished_batch_leaves_no_cyclic_garbage():
    """Child cases are unlinked from their parents, so a batch is freed by reference counting.

    Otherwise the collector's first pass after a batch scans all of it (a twentieth of a
    large run's time, measured).
    """
    simulate("most-penalty", cases=5, seed=3, workers=1)  # loads the child processes
    gc.collect()
    gc.disable()
    try:
        result = simulate("most-penalty", cases=60, seed=3, workers=1)
        garbage = gc.collect()
    finally:
        gc.enable()
    assert sum(1 for record in result.records if record.children) > 10
    assert garbage == 0


def test_cases_follow_the_scenario_and_the_rules(notice, scenario):
    """Hearings only for parties with a hearing right (第四十一条); waivers fire by themselves."""
    result = simulate(notice, scenario, cases=300, seed=2, workers=1)
    assert len(result) == 300
    log = result.event_log()
    cases = result.cases().set_index("case_id")
    hearing_cases = set(log.loc[log["concept:name"] == "hearing_requested", "case:concept:name"])
    assert hearing_cases, "the scenario asks for hearings"
    for case_id in hearing_cases:
        fine = cases.loc[case_id, "data.proposed_fine"]
        threshold = 10_000 if cases.loc[case_id, "data.party_type"] == "citizen" else 1_000_000
        assert fine >= threshold
    waived = log[log["concept:name"] == "rights_window_closed"]
    assert len(waived) and waived["policyflow:automatic"].all()
    # a deemed waiver happens at the start of the day after the window's last day
    assert (waived["time:timestamp"].dt.hour == 0).all()
    assert set(cases["outcome"]) <= {"decided", "open"}
    assert (cases["outcome"] == "decided").sum() > 250


def test_arrivals_count_over_a_range_use_working_days_only(notice, scenario):
    """A count over a range spreads arrivals over its working days (none on 国庆节 2023)."""
    scenario["arrivals"] = {"count": 200, "start": "2023-09-25", "end": "2023-10-13"}
    result = simulate(notice, scenario, seed=1, workers=1)
    days = {r.arrived_at.date() for r in result.records}
    assert len(result) == 200
    assert min(days) >= date(2023, 9, 25) and max(days) <= date(2023, 10, 13)
    # 2023-09-29 .. 2023-10-06 are holidays; 2023-10-07 and 10-08 are make-up working days
    assert not days & {date(2023, 9, 29), date(2023, 10, 1), date(2023, 10, 6)}
    assert {date(2023, 10, 7), date(2023, 10, 8)} & days


@pytest.mark.parametrize(
    ("window", "start", "last"),
    [
        # the window of 2023-09-25..10-13 moved to begin on 2024-03-04: it ends 2024-03-22
        ({"start": "2023-09-25", "end": "2023-10-13"}, date(2024, 3, 4), date(2024, 3, 22)),
        # an end before the given start no longer leaves an empty window
        ({"start": "2023-09-25", "end": "2023-10-13"}, date(2023, 11, 1), date(2023, 11, 19)),
        # no start in the scenario: the window has no length to keep, its end stays
        ({"end": "2023-10-13"}, date(2023, 10, 9), date(2023, 10, 13)),
        # the scenario's own start: nothing moves
        ({"start": "2023-09-25", "end": "2023-10-13"}, date(2023, 9, 25), date(2023, 10, 13)),
    ],
)
def test_a_given_start_moves_the_arrival_window(notice, scenario, window, start, last):
    """simulate(start=...) moves the scenario's window there; its end moves by as many days."""
    scenario["arrivals"] = {"count": 120, **window}
    result = simulate(notice, scenario, seed=2, start=start, workers=1)
    days = [r.arrived_at.date() for r in result.records]
    assert min(days) >= start and max(days) <= last
    assert max(days) > last - timedelta(days=5)  # the window reaches its end, not only its start
    assert result.scenario.arrivals.start == start and result.scenario.arrivals.end == last


def test_bad_arguments_are_refused(notice, scenario):
    """A negative seed, a case count of 0 and a scenario naming unknown states are refused."""
    with pytest.raises(InvalidInput, match="invalid seed -1"):
        simulate(notice, scenario, seed=-1)
    with pytest.raises(InvalidInput, match="invalid case count 0"):
        simulate(notice, scenario, cases=0)
    scenario["branches"]["rights_window_opn"] = [{"weights": {"wait": 1}}]
    scenario["durations"]["events"]["decison_made"] = {"constant": 1}
    with pytest.raises(InvalidInput) as caught:
        simulate(notice, scenario, cases=1)
    message = str(caught.value)
    assert (
        "branches.rights_window_opn: unknown state 'rights_window_opn' "
        "(did you mean 'rights_window_open'?)" in message
    )
    assert (
        "durations.events.decison_made: unknown event 'decison_made' "
        "(did you mean 'decision_made'?)" in message
    )


def test_a_cel_condition_picks_the_branch(notice, scenario):
    """A branch rule with a CEL `when` applies only to the cases it holds for."""
    scenario["branches"]["rights_window_open"] = [
        {"when": "proposed_fine >= 1000000.0", "weights": {"hearing_requested": 1}},
        {"weights": {"wait": 1}},
    ]
    scenario["durations"]["actors"]["party"] = {"unit": "wd", "integers": [1, 3]}  # within 5 wd
    result = simulate(notice, scenario, cases=120, seed=4, workers=1)
    cases = result.cases().set_index("case_id")
    log = result.event_log()
    hearing_cases = set(log.loc[log["concept:name"] == "hearing_requested", "case:concept:name"])
    big = set(cases.index[cases["data.proposed_fine"] >= 1_000_000])
    assert hearing_cases == big


def test_a_bad_cel_condition_is_refused(notice, scenario):
    """A condition naming an unknown field is refused with the closest known one."""
    scenario["branches"]["rights_window_open"] = [
        {"when": "proposed_fin > 1.0", "weights": {"wait": 1}}
    ]
    with pytest.raises(
        InvalidInput, match=r"branches\.rights_window_open\.0\.when: .*proposed_fin"
    ):
        simulate(notice, scenario, cases=1)


def test_a_parallel_run_refuses_bad_data_and_leaves_no_files(
    notice, scenario, tmp_path, monkeypatch
):
    """A datum that fails the process's fields stops a parallel run with a clear error.

    The workers' record files live in a folder of the run, removed whatever happens.
    """
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    scenario["arrivals"] = {"rate": 40, "start": "2023-09-18"}
    scenario["data"]["party_type"] = {"choice": {"citizen": 1, "martian": 1}}
    with pytest.raises(InvalidInput, match=r"party_type.*martian"):
        simulate(notice, scenario, cases=3000, seed=1, workers=2)
    assert list(tmp_path.iterdir()) == []
    scenario["data"]["party_type"] = {"choice": {"citizen": 1}}
    assert len(simulate(notice, scenario, cases=3000, seed=1, workers=2)) == 3000
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("count", "depths"),
    [
        ((0, 3, 2), [1, 0, 0, 0, 0, 0]),  # room below the full collection: one deep sweep
        ((0, 3, 9), [0] * 6),  # a deep sweep would make the next collection a full one
        ((0, 7, 9), [0, 0]),  # and two shallow ones the room left below threshold 1
        ((0, 9, 9), []),
    ],
)
def test_sweeps_stay_below_the_collectors_own_thresholds(monkeypatch, count, depths):
    """A parallel run collects its records as they come, at 1/2, 3/4 … of the run.

    None of its collections may set off one over every record once the run is over.
    """
    monkeypatch.setattr(gc, "get_threshold", lambda: (700, 10, 10))
    monkeypatch.setattr(gc, "get_count", lambda: count)
    sweeps = runner._sweeps(6400)
    assert [depth for _, depth in sweeps] == depths
    assert [done for done, _ in sweeps] == [3200, 4800, 5600, 6000, 6200, 6300][: len(depths)]
