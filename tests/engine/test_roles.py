"""Roles on a real SQLite file: the engine passes the actor to the runtime, the journal
keeps the role, verify replays it; the modes come from the argument or POLICYFLOW_ROLES.

most-penalty.officer-recusal (科学技术部令第20号 第十三条): the enforcement department
reviews and gives its opinion, the head of MOST decides.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from policyflow import Actor, RoleRefused
from policyflow.engine import Engine
from policyflow.errors import InvalidInput, JournalTampered
from policyflow.runtime.replay import replay as replay_case

RECUSAL = "most-penalty.officer-recusal"
DATA = {"officer_id": "officer-7", "ground": "interest", "applicant": "party"}
DEPT = Actor("zhang.san", frozenset({"enforcement_dept"}))
HEAD = Actor("li.si", frozenset({"most_head"}))
TINY = Path(__file__).parent / "processes"


def _at(day: int) -> datetime:
    return datetime(2024, 3, day, 10)


def _to_decision(engine: Engine) -> str:
    case = engine.start(RECUSAL, DATA, at=_at(4), actor=DEPT)
    engine.fire(case.id, "review_started", at=_at(5), actor=DEPT)
    engine.fire(case.id, "opinion_submitted", at=_at(6), actor=DEPT)
    return case.id


def test_the_head_decides_the_department_is_refused_and_nothing_changes(sqlite_path):
    with Engine(sqlite_path, roles="required") as engine:
        case_id = _to_decision(engine)
        before = engine.history(case_id)
        with pytest.raises(RoleRefused) as refused:
            engine.fire(case_id, "recusal_granted", at=_at(7), actor=DEPT)
        message = str(refused.value)
        assert "most_head" in message and "recusal_granted" in message
        assert "科学技术部令第20号 第十三条" in message  # the article
        assert refused.value.exit_code == 3
        assert engine.history(case_id) == before
        assert engine.get(case_id).state == "head_decision_pending"
        decided = engine.fire(case_id, "recusal_granted", at=_at(7), actor=HEAD)
        assert decided.state == "recused"


def test_the_journal_carries_id_and_role_and_verify_replays_them(sqlite_path):
    with Engine(sqlite_path, roles="required") as engine:
        case_id = _to_decision(engine)
        engine.fire(case_id, "recusal_rejected", at=_at(7), actor=HEAD)
    with Engine(sqlite_path) as engine:  # read back from the file
        entries = [r.entry for r in engine.history(case_id)]
        assert [(e.actor, e.role) for e in entries] == [
            ("zhang.san", "enforcement_dept"),
            ("zhang.san", "enforcement_dept"),
            ("zhang.san", "enforcement_dept"),
            ("li.si", "most_head"),
        ]
        assert engine.verify() == 4


def test_a_journal_whose_role_may_not_take_its_transition_does_not_replay(sqlite_path):
    with Engine(sqlite_path) as engine:
        case_id = _to_decision(engine)
        engine.fire(case_id, "recusal_rejected", at=_at(7), actor=HEAD)
        entries = [r.entry for r in engine.history(case_id)]
        compiled = engine.get(case_id).compiled
    forged = [*entries[:-1], entries[-1]._replace(role="enforcement_dept")]
    assert replay_case(compiled, case_id, None, entries).state == "not_recused"
    with pytest.raises(JournalTampered, match="may be taken only by most_head"):
        replay_case(compiled, case_id, None, forged)


@pytest.mark.parametrize("actor", [None, "zhang.san", Actor("zhang.san", frozenset())])
def test_required_mode_refuses_an_act_and_a_start_without_a_role(sqlite_path, actor):
    with Engine(sqlite_path, roles="required") as engine:
        with pytest.raises(RoleRefused, match="roles are required"):
            engine.start(RECUSAL, DATA, at=_at(4), actor=actor)
        case = engine.start(RECUSAL, DATA, at=_at(4), actor=DEPT)
        with pytest.raises(RoleRefused, match="roles are required"):
            engine.fire(case.id, "review_started", at=_at(5), actor=actor)
        assert engine.get(case.id).version == 1


def test_check_mode_records_an_unidentified_actor_and_off_checks_nothing(sqlite_path):
    with Engine(sqlite_path) as engine:  # check, the default
        case = engine.start(RECUSAL, DATA, at=_at(4), actor="zhang.san")
        engine.fire(case.id, "review_started", at=_at(5), actor="zhang.san")
        assert [(r.entry.actor, r.entry.role) for r in engine.history(case.id)] == [
            ("zhang.san", None),
            ("zhang.san", None),
        ]
        with pytest.raises(RoleRefused):
            engine.fire(case.id, "opinion_submitted", at=_at(6), actor=HEAD)
    with Engine(sqlite_path, roles="off") as engine:
        engine.fire(case.id, "opinion_submitted", at=_at(6), actor=HEAD)
        assert engine.history(case.id)[-1].entry.role is None  # not a role it may act in


def test_the_mode_comes_from_the_environment_and_a_bad_one_is_refused(sqlite_path, monkeypatch):
    monkeypatch.setenv("POLICYFLOW_ROLES", "required")
    with Engine(sqlite_path) as engine:
        assert engine.roles == "required"
    with Engine(sqlite_path, roles="off") as engine:
        assert engine.roles == "off"  # the argument wins
    monkeypatch.setenv("POLICYFLOW_ROLES", "strict")
    with pytest.raises(InvalidInput, match="unknown roles mode 'strict'"):
        Engine(sqlite_path)


def test_expiries_are_taken_by_system_even_in_required_mode(sqlite_path):
    with Engine(sqlite_path, processes=TINY, roles="required") as engine:
        case = engine.start(
            "tiny-permit",
            {"applicant": "甲"},
            at=datetime(2023, 9, 28, 10),
            actor=Actor("clerk", frozenset({"system"})),
        )
        engine.tick(datetime(2023, 10, 20))
        automatic = [r.entry for r in engine.history(case.id) if r.entry.automatic]
        assert automatic and {(e.actor, e.role) for e in automatic} == {(None, "system")}
        assert engine.verify() > 0
