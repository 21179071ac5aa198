"""A case's journal does not depend on when tick ran: the law acts at the instant.

The simulator's cases of every built-in process (children and signals included) are
replayed through a real Engine on a SQLite file with tick run never, before every event,
or at random instants drawn by Hypothesis. Every case's journal must come out entry by
entry the same as the simulator's, and in non-decreasing business time: a deemed waiver
or an overdue mark is the same fact whether a sweep or the next event brought it about.
"""

from __future__ import annotations

import functools
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyflow.definition.catalog import discover
from policyflow.engine import Engine
from policyflow.sim import simulate
from policyflow.sim.record import CaseRecord
from policyflow.sim.results import SimulationResult

from .test_engine_parity import _assert_same_journals, _replay


@functools.cache
def _simulated(process_id: str) -> SimulationResult:
    return simulate(process_id, cases=12, seed=11, workers=1)


def _span(records: list[CaseRecord]) -> tuple[datetime, datetime]:
    times = [e.at for r in records for m in r.family() for e in m.journal]
    return min(times), max(times)


def _automatic(records: list[CaseRecord]) -> int:
    return sum(e.automatic for r in records for m in r.family() for e in m.journal)


@pytest.mark.parametrize("process_id", sorted(discover()))
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_the_journal_does_not_depend_on_when_tick_ran(process_id, data):
    """Tick never, before every event or at random instants: the same journals, in time order."""
    result = _simulated(process_id)
    chosen = data.draw(
        st.lists(st.sampled_from(result.records), min_size=1, max_size=3, unique_by=id),
        label="cases",
    )
    records = sorted(chosen, key=lambda r: r.index)
    if result.cohorts:  # cases that read their round: all of them, with the round first
        records = [*result.cohorts, *result.records]
    first, last = _span(records)
    span = int((last - first).total_seconds()) + 2 * 86_400
    policy = data.draw(st.sampled_from(["never", "each", "random"]), label="tick")
    ticks = []
    if policy == "random":
        offsets = data.draw(st.lists(st.integers(0, span), max_size=8), label="tick instants")
        # whole days too: most deadlines expire at midnight, where order matters most
        ticks = [first + timedelta(seconds=s) for s in offsets]
        ticks += [datetime.combine(t.date(), datetime.min.time()) for t in ticks[:3]]
    with (
        tempfile.TemporaryDirectory() as folder,
        Engine(f"sqlite:///{Path(folder) / 'cases.db'}") as engine,
    ):
        ids = _replay(engine, process_id, records, tick_before_each=policy == "each", ticks=ticks)
        _assert_same_journals(engine, ids, records, (policy, ticks))


def test_the_sample_has_deadlines_that_expire_by_themselves():
    """The invariance above is tested on cases where deadlines expire, not only on met ones."""
    with_expiries = [p for p in sorted(discover()) if _automatic(list(_simulated(p).records))]
    assert len(with_expiries) >= 12, with_expiries  # 14 of the 25 in 2026-12
