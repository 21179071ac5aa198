"""nomination-discipline and nomination-standing: 2 to 10 years (第二十八至三十二条)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps import at


def _investigating(engine: Engine, violation: str = "untrue_materials_art30") -> str:
    data = {"subject_id": "C9", "subject_kind": "candidate", "violation": violation}
    case = engine.start("nomination-discipline", data, at=at("2025-02-03", 9))
    engine.fire(case.id, "investigation_started", at=at("2025-02-03"))
    return case.id


@pytest.mark.parametrize(("years", "ok"), [(1, False), (2, True), (10, True), (11, False)])
def test_a_ban_runs_2_to_10_years(engine: Engine, years: int, ok: bool) -> None:
    """第三十一条: 2至10年内禁止参与国家科学技术奖励活动 — both ends included."""
    case_id = _investigating(engine)
    payload = {"sanctions": ["disqualification", "ban"], "years": years}
    if ok:
        engine.fire(case_id, "sanction_decided", payload, at=at("2025-04-07"))
        case = engine.get(case_id)
        assert case.data["ban_until"] == date(2025 + years, 4, 7)
    else:
        with pytest.raises(GuardFailed, match="two_to_ten_years") as refused:
            engine.fire(case_id, "sanction_decided", payload, at=at("2025-04-07"))
        assert "第三十一条" in str(refused.value)


def test_a_candidate_cannot_be_suspended_as_a_nominator(engine: Engine) -> None:
    """第三十一条 gives a candidate criticism, disqualification, a ban; not a suspension."""
    case_id = _investigating(engine)
    payload = {"sanctions": ["suspension"], "years": 3}
    with pytest.raises(GuardFailed, match="candidate_sanctions_art31"):
        engine.fire(case_id, "sanction_decided", payload, at=at("2025-04-07"))


def test_a_blacklist_entry_is_recorded_and_the_case_closes(engine: Engine) -> None:
    """第三十二条: 记入科研诚信严重失信行为数据库."""
    case_id = _investigating(engine)
    payload = {"sanctions": ["disqualification", "ban", "blacklist"], "years": 5}
    engine.fire(case_id, "sanction_decided", payload, at=at("2025-04-07"))
    engine.fire(case_id, "case_closed", at=at("2025-04-08"))
    case = engine.get(case_id)
    assert case.state == "closed" and case.data["blacklisted"] is True


def test_an_article_28_suspension_states_its_end(engine: Engine) -> None:
    """第二十八条: 一定期限内暂停 — the decision states the end, after today."""
    case_id = _investigating(engine, "materials_art15")
    with pytest.raises(GuardFailed, match="suspension_period_set"):
        engine.fire(case_id, "sanction_decided", {"sanctions": ["suspension"]}, at=at("2025-04-07"))
    payload = {"sanctions": ["criticism", "suspension"], "suspended_until": "2026-04-06"}
    engine.fire(case_id, "sanction_decided", payload, at=at("2025-04-07"))
    assert engine.get(case_id).data["ban_until"] == date(2026, 4, 6)


@pytest.mark.parametrize(
    ("until", "ok"),
    [("2027-04-06", False), ("2027-04-07", True), ("2035-04-07", True), ("2035-04-08", False)],
)
def test_an_article_27_suspension_of_standing_runs_2_to_10_years(
    engine: Engine, until: str, ok: bool
) -> None:
    """第二十九条: 暂停2至10年 — from 2025-04-07, 2027-04-07 to 2035-04-07."""
    case = engine.start(
        "nomination-standing",
        {"nominator_id": "E1", "nominator_kind": "expert"},
        at=at("2025-04-07", 9),
    )
    payload = {"ground": "discipline_art27", "suspended_until": until}
    if ok:
        engine.fire(case.id, "standing_suspended", payload, at=at("2025-04-07"))
        assert engine.get(case.id).state == "suspended"
    else:
        with pytest.raises(GuardFailed, match="two_to_ten_years"):
            engine.fire(case.id, "standing_suspended", payload, at=at("2025-04-07"))


def test_a_suspension_ends_by_itself_the_day_after_its_last_day(engine: Engine) -> None:
    """第二十八条: the standing comes back at 00:00 after the stated last day."""
    case = engine.start(
        "nomination-standing",
        {"nominator_id": "CAST", "nominator_kind": "organization"},
        at=at("2025-04-07", 9),
    )
    payload = {"ground": "materials_art15", "suspended_until": "2025-10-31"}
    engine.fire(case.id, "standing_suspended", payload, at=at("2025-04-07"))
    engine.tick(at("2025-10-31", 23))
    assert engine.get(case.id).state == "suspended"
    engine.tick(datetime(2025, 11, 1))
    assert engine.get(case.id).state == "eligible"
