"""Simulation: many cases of a process on a virtual clock, in memory, through the runtime.

``simulate(process, scenario, cases=N, seed=S)`` runs a population of cases on the real
legal calendar and the real rules (every event goes through :mod:`policyflow.runtime`, as
in the engine) and returns a :class:`SimulationResult`: a per-case table, KPIs, an event
log with the XES column names, and plots. A :class:`Scenario` (YAML or Python) says when
cases arrive, which way branches go and how long steps take.
"""

from __future__ import annotations

from policyflow.sim.clock import EventQueue, VirtualClock
from policyflow.sim.compiled import CompiledScenario
from policyflow.sim.record import CaseRecord, DeadlineOutcome
from policyflow.sim.results import KPIs, SimulationResult
from policyflow.sim.runner import simulate
from policyflow.sim.scenario import (
    Arrivals,
    Branch,
    Distribution,
    Duration,
    Durations,
    Scenario,
    default_scenario,
)

__all__ = [
    "Arrivals",
    "Branch",
    "CaseRecord",
    "CompiledScenario",
    "DeadlineOutcome",
    "Distribution",
    "Duration",
    "Durations",
    "EventQueue",
    "KPIs",
    "Scenario",
    "SimulationResult",
    "VirtualClock",
    "default_scenario",
    "simulate",
]
