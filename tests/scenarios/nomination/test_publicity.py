"""nomination: publicity and objections (第十六条), submission (第十二条), defence (第二十五条)."""

from __future__ import annotations

from datetime import datetime

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps import at, open_round, unit_nomination, vetted


def _in_publicity(engine: Engine, ends_on: str = "2024-12-20") -> str:
    case_id = unit_nomination(engine, open_round(engine))
    engine.fire(case_id, "vetting_completed", vetted(ends_on), at=at("2024-12-10"))
    return case_id


def test_publicity_without_objection_clears_when_its_last_day_ends(engine: Engine) -> None:
    """第十六条: 经公示无异议 … 方可提名; the last day 2024-12-20 ends at 12-21 00:00."""
    case_id = _in_publicity(engine)
    engine.tick(at("2024-12-20", 23))
    assert engine.get(case_id).state == "publicity"
    engine.tick(datetime(2024, 12, 21))
    assert engine.get(case_id).state == "cleared"
    engine.fire(case_id, "nomination_submitted", at=at("2025-01-10", 17))
    assert engine.get(case_id).state == "submitted"


def test_an_objection_settled_in_time_without_effect_clears(engine: Engine) -> None:
    """第十六条: 虽有异议但在规定的时间内处理完毕且不影响提名."""
    case_id = _in_publicity(engine)
    engine.fire(case_id, "objection_lodged", at=at("2024-12-12"))
    engine.fire(case_id, "objection_resolved", at=at("2024-12-30"))
    assert engine.get(case_id).state == "cleared"


@pytest.mark.parametrize(
    ("tick", "state"), [("2025-01-11", "objection_handling"), ("2025-01-12", "abandoned")]
)
def test_an_objection_not_settled_in_30_days_ends_the_nomination(
    engine: Engine, tick: str, state: str
) -> None:
    """Lodged 2024-12-12; 30 days (the case's objection_days) end on 2025-01-11."""
    case_id = _in_publicity(engine)
    engine.fire(case_id, "objection_lodged", at=at("2024-12-12"))
    engine.tick(datetime.fromisoformat(tick))
    assert engine.get(case_id).state == state


def test_publicity_must_end_after_today_and_by_the_deadline(engine: Engine) -> None:
    """第十六条 before 第十二条: publicity ending after the deadline is refused."""
    case_id = unit_nomination(engine, open_round(engine))
    with pytest.raises(GuardFailed, match="publicity_period"):
        engine.fire(case_id, "vetting_completed", vetted("2025-01-11"), at=at("2024-12-10"))
    engine.fire(case_id, "vetting_completed", vetted("2025-01-10"), at=at("2024-12-10"))
    assert engine.get(case_id).state == "publicity"


def test_a_cleared_nomination_not_submitted_by_the_deadline_is_abandoned(engine: Engine) -> None:
    """第十二条: after 2025-01-10 nothing is submitted; the case ends at 01-11 00:00."""
    case_id = _in_publicity(engine)
    engine.tick(datetime(2025, 1, 11))
    assert engine.get(case_id).state == "abandoned"


@pytest.mark.parametrize(
    ("attendee", "reason", "ok"),
    [("unit_representative", False, True), ("lead_expert", False, False)],
)
def test_a_unit_sends_one_expert_representative_to_the_defence(
    engine: Engine, attendee: str, reason: bool, ok: bool
) -> None:
    """第二十五条: 提名单位委托1名专家代表参加答辩."""
    case_id = _in_publicity(engine)
    engine.tick(datetime(2024, 12, 21))
    engine.fire(case_id, "nomination_submitted", at=at("2025-01-06"))
    engine.fire(case_id, "evaluation_started", at=at("2025-03-03"))
    payload = {"attendee": attendee, "objective_reason": reason}
    if ok:
        engine.fire(case_id, "defence_held", payload, at=at("2025-05-12"))
        assert engine.get(case_id).data["defences"] == 1
    else:
        with pytest.raises(GuardFailed, match="who_attends"):
            engine.fire(case_id, "defence_held", payload, at=at("2025-05-12"))
