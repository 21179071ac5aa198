"""Who may act, over every built-in process: each transition refuses a wrong role and
accepts its own, at the runtime, the one place the rule lives (policyflow.runtime.roles).

A case is put in each source state of each transition by constructing its snapshot (the
runtime judges the case as it stands); the role check comes before the payload and the
guards, so a wrong role is refused whatever they say, and the right one is never refused
for its role (a guard or the payload may still refuse it: then not as a RoleRefused).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import cache

import pytest

from policyflow.definition.catalog import discover, load
from policyflow.definition.model import SYSTEM_ROLE
from policyflow.errors import PolicyflowError, RoleRefused
from policyflow.runtime import Actor, CaseSnapshot, CompiledProcess, compile_process, transition
from policyflow.runtime.roles import role_mode

AT = datetime(2024, 3, 5, 10)
PROCESS_IDS = sorted(discover())


@cache
def _compiled(process_id: str) -> CompiledProcess:
    return compile_process(load(process_id))


def _case(compiled: CompiledProcess, state: str) -> CaseSnapshot:
    return CaseSnapshot("c1", compiled.id, compiled.version, state, {}, 2, AT, AT)


def _acts(process_id: str):
    """(source state, event, the roles any transition for them allows, their plans)."""
    compiled = _compiled(process_id)
    for (state, event), plans in compiled.table.items():
        yield state, event, plans


def _outcome(compiled, state, event, actor, mode="check"):
    try:
        return transition(
            compiled, _case(compiled, state), event, None, at=AT, actor=actor, roles=mode
        )
    except PolicyflowError as error:
        return error


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_every_transition_refuses_a_wrong_role_naming_role_and_article(process_id):
    compiled = _compiled(process_id)
    declared = [r.id for r in compiled.process.roles]
    checked = 0
    for state, event, plans in _acts(process_id):
        if any(not p.roles for p in plans):
            continue  # a transition naming no role is anyone's
        allowed = {r for p in plans for r in p.roles}
        wrong = next((r for r in declared if r not in allowed), "nobody_declared")
        refused = _outcome(compiled, state, event, Actor("x", frozenset({wrong})))
        assert isinstance(refused, RoleRefused), (state, event, refused)
        assert refused.exit_code == 3
        assert refused.required == ", ".join(dict.fromkeys(r for p in plans for r in p.roles))
        for plan in plans:
            assert plan.transition.id in str(refused)
            assert plan.basis in str(refused)  # the article of the transition refused
        assert f"in state {state!r}" in str(refused)
        checked += 1
    # a process whose transitions name no role (anyone may act) has nothing to refuse
    assert checked > 0 or not any(t.roles for t in compiled.process.transitions)


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_every_transition_accepts_its_own_roles(process_id):
    compiled = _compiled(process_id)
    for state, event, plans in _acts(process_id):
        for plan in plans:
            for role in plan.roles or ("anyone",):
                outcome = _outcome(compiled, state, event, Actor("x", frozenset({role})))
                assert not isinstance(outcome, RoleRefused), (state, event, role, outcome)
                if not isinstance(outcome, PolicyflowError) and outcome.entry.event == event:
                    # taken: by this plan or an earlier one the role also allows
                    assert outcome.entry.role in {role, None} | set(plan.roles)
                    assert outcome.entry.actor == "x"


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_required_mode_refuses_an_act_without_an_actor_with_a_role(process_id):
    compiled = _compiled(process_id)
    for state, event, _ in _acts(process_id):
        for actor in (None, "zhang.san", Actor("zhang.san", frozenset())):
            refused = _outcome(compiled, state, event, actor, "required")
            assert isinstance(refused, RoleRefused), (state, event, actor)
            assert "roles are required" in str(refused)


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_check_mode_takes_a_plain_actor_as_unidentified_and_off_checks_nothing(process_id):
    compiled = _compiled(process_id)
    for state, event, _ in _acts(process_id):
        for actor, mode in (("zhang.san", "check"), (Actor("x", frozenset({"no"})), "off")):
            outcome = _outcome(compiled, state, event, actor, mode)
            assert not isinstance(outcome, RoleRefused), (state, event, mode)
            if not isinstance(outcome, PolicyflowError):
                assert outcome.entry.role is None


def test_roles_are_the_same_across_processes_and_every_actor_is_declared():
    """The same role id means the same body, in the same words, in every built-in process."""
    words: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for process_id in PROCESS_IDS:
        process = load(process_id)
        ids = {r.id for r in process.roles} | {SYSTEM_ROLE}
        for role in process.roles:
            words[role.id].add((role.zh, role.en))
        for t in process.transitions:
            assert set(t.roles) <= ids, (process_id, t.id, t.roles)
    differing = {role: labels for role, labels in words.items() if len(labels) > 1}
    assert differing == {}


def _by_law(process_id: str) -> set[str]:
    """The events only the law sends: a deadline's expiry, a child case's signal."""
    process = load(process_id)
    events = {d.expiry_event for d in process.deadlines if d.expiry_event}
    for t in process.transitions:
        for child in t.start_child:
            final = load(child.process).on_final
            if final is not None and final.signal_parent is not None:
                events.add(final.signal_parent.event)
    return events


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_every_transition_names_its_actor_and_the_laws_own_acts_say_system(process_id):
    """No transition is anyone's; one only the law takes (an expiry, a child's signal) is
    taken as ``system`` and refuses every body (so no one can act in the law's place)."""
    process = load(process_id)
    by_law = _by_law(process_id)
    unnamed = [t.id for t in process.transitions if not t.roles]
    assert unnamed == []
    for t in process.transitions:
        if t.event in by_law:
            assert t.roles == (SYSTEM_ROLE,), (t.id, t.event, t.roles)
    compiled = _compiled(process_id)
    for (state, event), _plans in compiled.table.items():
        if event in by_law:
            for role in (r.id for r in process.roles if r.id != SYSTEM_ROLE):
                refused = _outcome(compiled, state, event, Actor("x", frozenset({role})))
                assert isinstance(refused, RoleRefused), (state, event, role)
                assert refused.required == SYSTEM_ROLE


def test_a_refused_role_changes_nothing_and_the_first_allowed_transition_is_taken():
    compiled = _compiled("most-penalty")
    state, event, plans = next(
        (s, e, p)
        for s, e, p in _acts("most-penalty")
        if p[0].roles and not p[0].guards and p[0].payload is None
    )
    case = _case(compiled, state)
    with pytest.raises(RoleRefused):
        transition(compiled, case, event, None, at=AT, actor=Actor("x", frozenset({"nobody"})))
    assert case == _case(compiled, state)
    role = plans[0].roles[0]
    step = transition(compiled, case, event, None, at=AT, actor=Actor("li.si", frozenset({role})))
    assert (step.entry.actor, step.entry.role) == ("li.si", role)
    assert step.snapshot.state == plans[0].target


@pytest.mark.parametrize("text", ["", None])
def test_an_absent_mode_is_check(text):
    assert role_mode(text) == "check"


@pytest.mark.parametrize("text", ["Required", "strict", "on", " check"])
def test_an_unknown_mode_is_refused_naming_the_modes(text):
    with pytest.raises(PolicyflowError, match="required, check, off"):
        role_mode(text)
