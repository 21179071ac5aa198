"""Delegation as data (委托书, 科学技术部令第20号 第七条): a grant of a role to a body, for
one case or all, honoured until its end date (inclusive), then refused citing its basis."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from policyflow import Actor, RoleRefused
from policyflow.engine import Engine
from policyflow.errors import InvalidInput, UnknownCase
from policyflow.runtime.delegation import Delegation

RECUSAL = "most-penalty.officer-recusal"
DATA = {"officer_id": "officer-7", "ground": "interest", "applicant": "party"}
DEPT = Actor("zhang.san", frozenset({"enforcement_dept"}))
BASIS = "委托书 2024-07号 (科学技术部令第20号 第七条)"
UNTIL = date(2024, 3, 6)


def _case(engine: Engine) -> str:
    return engine.start(RECUSAL, DATA, at=datetime(2024, 3, 4, 10), actor=DEPT).id


@pytest.mark.parametrize("day", [5, 6])  # below and at the end date: honoured
def test_a_grant_is_honoured_until_its_end_date_inclusive(sqlite_path, day):
    with Engine(sqlite_path, roles="required") as engine:
        case_id = _case(engine)
        engine.delegate(
            "entrusted.x", "enforcement_dept", case_id=case_id, until=UNTIL, basis=BASIS
        )
        acted = engine.fire(
            case_id, "review_started", at=datetime(2024, 3, day, 17), actor="entrusted.x"
        )
        assert acted.state == "dept_review"
        last = engine.history(case_id)[-1].entry
        assert (last.actor, last.role) == ("entrusted.x", "enforcement_dept")
        assert engine.verify(case_id) == 2


def test_an_expired_grant_is_refused_citing_its_basis_and_nothing_changes(sqlite_path):
    with Engine(sqlite_path, roles="required") as engine:
        case_id = _case(engine)
        engine.delegate(
            "entrusted.x", "enforcement_dept", case_id=case_id, until=UNTIL, basis=BASIS
        )
        with pytest.raises(RoleRefused) as refused:
            engine.fire(
                case_id,
                "review_started",
                at=datetime(2024, 3, 7, 9),
                actor=Actor("entrusted.x", frozenset({"entrusted_body"})),
            )
        assert "ended on 2024-03-06" in str(refused.value)
        assert refused.value.basis == BASIS and BASIS in str(refused.value)
        assert refused.value.exit_code == 3
        assert engine.get(case_id).version == 1


def test_a_grant_for_one_case_does_not_reach_another(sqlite_path):
    with Engine(sqlite_path) as engine:
        granted, other = _case(engine), _case(engine)
        engine.delegate(
            "entrusted.x", "enforcement_dept", case_id=granted, until=UNTIL, basis=BASIS
        )
        with pytest.raises(RoleRefused):
            engine.fire(
                other,
                "review_started",
                at=datetime(2024, 3, 5, 9),
                actor=Actor("entrusted.x", frozenset({"entrusted_body"})),
            )
        engine.delegate("entrusted.x", "enforcement_dept", until=UNTIL, basis=BASIS)  # all cases
        engine.fire(other, "review_started", at=datetime(2024, 3, 5, 9), actor="entrusted.x")
        assert engine.delegations(other) == [
            Delegation("entrusted.x", "enforcement_dept", None, UNTIL, BASIS)
        ]
        assert len(engine.delegations(granted)) == 2


def test_a_bad_grant_is_refused_and_nothing_is_stored(sqlite_path):
    with Engine(sqlite_path) as engine:
        case_id = _case(engine)
        with pytest.raises(InvalidInput, match="basis"):
            engine.delegate("x", "enforcement_dept", case_id=case_id, until=UNTIL, basis=" ")
        with pytest.raises(InvalidInput, match="until must be a date"):
            engine.delegate("x", "enforcement_dept", until=datetime(2024, 3, 6), basis=BASIS)
        with pytest.raises(UnknownCase):
            engine.delegate("x", "enforcement_dept", case_id="nope", until=UNTIL, basis=BASIS)
        with pytest.raises(InvalidInput, match="did you mean 'enforcement_dept'"):
            engine.delegate("x", "enforcement_dep", case_id=case_id, until=UNTIL, basis=BASIS)
        assert engine.delegations(case_id) == []
