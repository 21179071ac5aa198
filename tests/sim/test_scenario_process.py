"""A scenario checked against a real process; the enabled() shortcut changes nothing."""

from __future__ import annotations

import pytest

from policyflow.sim import compiled as compiled_module
from policyflow.sim import simulate


def _always_ask_the_runtime(monkeypatch):
    """Make CompiledScenario ask the runtime's enabled() in every state, every time."""
    original = compiled_module.CompiledScenario.__init__

    def init(self, compiled, scenario):
        original(self, compiled, scenario)
        self._guarded = frozenset(
            (state, plan.event) for state, plans in compiled.by_state.items() for plan in plans
        )
        self._asks = frozenset(compiled.by_state)
        for rules in self._rules.values():
            for rule in rules:
                rule.asks = True

    monkeypatch.setattr(compiled_module.CompiledScenario, "__init__", init)


@pytest.mark.parametrize("which", ["notice", "most-penalty"])
def test_skipping_allowed_for_unguarded_events_gives_the_same_cases(
    which, notice, scenario, monkeypatch
):
    """Asking the runtime's enabled() at every choice gives exactly the same journals."""
    process, chosen = (notice, scenario) if which == "notice" else ("most-penalty", None)
    fast = simulate(process, chosen, cases=120, seed=8, workers=1)
    _always_ask_the_runtime(monkeypatch)
    slow = simulate(process, chosen, cases=120, seed=8, workers=1)
    assert [r.journal for r in fast.records] == [r.journal for r in slow.records]


def test_the_shipped_penalty_scenario_runs_cases_to_their_ends():
    """most-penalty's shipped scenario: cases reach final states, hearings happen, and
    deemed waivers fire by themselves (第三十九条, 第四十二条)."""
    result = simulate("most-penalty", cases=300, seed=3, workers=1)
    outcomes = result.cases()["outcome"].value_counts()
    assert outcomes.get("penalty_in_force", 0) > 100
    assert outcomes.get("closed_no_penalty", 0) > 0 and outcomes.get("not_filed", 0) > 0
    log = result.event_log()
    events = set(log["concept:name"])
    assert {"hearing_requested", "hearing_opened", "statement_window_expired"} <= events
    expired = log[log["concept:name"] == "statement_window_expired"]
    assert expired["policyflow:automatic"].all()
    # children (execution, publication) run as their own cases with their own process ids
    assert any(record.children for record in result.records)
    assert set(log["policyflow:process"]) > {"most-penalty"}
