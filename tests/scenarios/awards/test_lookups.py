"""Awards across cases: an organizer on the serious-dishonesty blacklist (第八条第二款第（三）项,
国科发奖〔2023〕225号 第三十二条) and a cycle of an award never reported (第九条)."""

from __future__ import annotations

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps import at, in_scope, listed, preparing, report


def _blacklist(engine: Engine, person: str, day: str = "2024-01-08") -> None:
    data = {"subject_id": person, "subject_kind": "candidate", "violation": "unfair_activity_art30"}
    case = engine.start("nomination-discipline", data, at=at(day, 8))
    engine.fire(case.id, "investigation_started", at=at(day, 9))
    payload = {"sanctions": ["disqualification", "ban", "blacklist"], "years": 3}
    engine.fire(case.id, "sanction_decided", payload, at=at(day, 10))


def test_an_organizer_on_the_blacklist_cannot_run_an_award(engine: Engine) -> None:
    """第八条第二款第（三）项: 未被列入科研诚信严重失信行为数据库 — ORG1 was entered in it."""
    _blacklist(engine, "ORG1")
    case_id = preparing(engine)
    with pytest.raises(GuardFailed, match="organizer_not_listed_dishonest") as refused:
        engine.fire(case_id, "award_reported", report(), at=at("2024-03-05"))
    assert "第八条第二款第（三）项" in str(refused.value)
    _blacklist(engine, "ORG2")  # another organisation's entry does not concern ORG1's award
    other = engine.start(
        "award-registration",
        {"award_id": "A2", "award_name": "Y", "organizer_id": "ORG3"},
        at=at("2024-03-04", 9),
    )
    engine.fire(other.id, "award_classified", in_scope(), at=at("2024-03-04"))
    engine.fire(other.id, "award_reported", report(), at=at("2024-03-05"))
    assert engine.get(other.id).state == "reported"


def _cycle(engine: Engine, award_id: str) -> str:
    case = engine.start(
        "award-cycle",
        {"award_id": award_id, "cycle_label": "2024", "award_quota": 5},
        at=at("2024-04-01", 9),
    )
    return case.id


OPENED = {"basic_info_disclosed": True, "mechanisms_published": True, "fee_charged": False}


def test_a_cycle_of_a_listed_award_opens(engine: Engine) -> None:
    """第九条: the award A1 was reported (and listed) before its first call."""
    listed(engine)
    case_id = _cycle(engine, "A1")
    engine.fire(case_id, "call_opened", OPENED, at=at("2024-04-01"))
    assert engine.get(case_id).state == "accepting"


def test_a_cycle_of_an_award_never_reported_needs_a_reason(engine: Engine) -> None:
    """第九条 及时书面报告, before the first call as a rule (spec A-36): a soft rule."""
    case_id = _cycle(engine, "A9")
    with pytest.raises(GuardFailed, match="award_reported"):
        engine.fire(case_id, "call_opened", OPENED, at=at("2024-04-01"))
    engine.fire(
        case_id,
        "call_opened",
        OPENED,
        at=at("2024-04-01"),
        overrides={"award_reported": "report filed on paper, not yet registered"},
    )
    assert engine.get(case_id).state == "accepting"
