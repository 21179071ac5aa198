"""A scenario checked against a real process; the enabled() shortcut changes nothing."""

from __future__ import annotations

import pytest

from policyflow.definition.catalog import discover, load
from policyflow.sim import compiled as compiled_module
from policyflow.sim import simulate
from policyflow.sim.facts import ProcessFacts


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


@pytest.mark.parametrize("process_id", sorted(discover()))
def test_every_built_in_process_simulates_with_its_default_scenario(process_id):
    """`policyflow simulate ID` with no file: valid data, and the cases move.

    Each case starts with data its process accepts, at least three cases in four leave
    their first state (a scenario may make a few fail a rule there, on purpose, but not
    most for want of a value it should have drawn), and some reach a final state.
    """
    result = simulate(process_id, cases=60, seed=5, workers=1)
    assert len(result) == 60
    initial = next(s.id for s in load(process_id).states if s.initial)
    stayed = [r.case_id for r in result.records if r.state == initial]
    assert len(stayed) <= 15, stayed
    assert any(r.status == "final" for r in result.records)


def test_a_childs_outcome_is_left_to_the_child():
    """The event a child signals on finishing is never chosen for the parent by the
    generic choice: each security_review_decided of a prior report is its review's
    outcome, sent as the review (hgr-security-review) ends (第三十七条)."""
    assert ProcessFacts.of(load("hgr-prior-report")).signalled_events == {"security_review_decided"}
    result = simulate("hgr-prior-report", cases=200, seed=2, workers=1)
    decided = 0
    for record in result.records:
        ends = {c.journal[-1].at: c.state for c in record.children if c.status == "final"}
        for entry in record.journal:
            if entry.event == "security_review_decided":
                decided += 1
                assert ends.get(entry.at) == entry.payload["outcome"], record.case_id
        # a review still running holds its parent in review
        if any(c.status != "final" for c in record.children):
            assert record.state == "in_security_review"
    assert decided > 10
