"""The built-in processes the simulator's parametrized tests run, one by one.

The simulator runs the population of one process and its child cases. A process whose
cohort is a case of another process (a nomination in its round, `cohort: {process:
nomination-round, ...}`) finds no cohort in that population: its first read of `cohort`
names a case the simulation never started. Such a process is marked xfail (strict, so the
mark goes the day the simulator can start cohort cases) until then; the engine's scenario
tests run it with its round (tests/scenarios/nomination/).
"""

from __future__ import annotations

from typing import Any

import pytest

from policyflow.definition.catalog import discover, load

_NO_COHORT_IN_POPULATION = pytest.mark.xfail(
    strict=True,
    reason="the simulator runs one process's population: its cohort's process is not in it",
)


def _cohort_elsewhere(process_id: str) -> bool:
    cohort = load(process_id).cohort
    return cohort is not None and cohort.process != process_id


def built_in_processes() -> list[Any]:
    """Every built-in process id, sorted; one with another process's cohort marked xfail."""
    return [
        pytest.param(p, marks=_NO_COHORT_IN_POPULATION) if _cohort_elsewhere(p) else p
        for p in sorted(discover())
    ]


def simulable_processes() -> list[str]:
    """The built-in process ids the simulator can run alone, sorted."""
    return [p for p in sorted(discover()) if not _cohort_elsewhere(p)]
