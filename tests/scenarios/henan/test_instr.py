"""henan-instr (豫科〔2023〕2号): the open-sharing evaluation of research facilities and
instruments, on a real engine (SQLite). The spec's worked scenarios SC1–SC5 are tests
(named in their docstrings); every threshold is tried at, below and above.

Dates: the round of the year 2023 is noticed in January 2024 (第三条: the previous natural
year; 第九条第一项: at the start of the year). The instrument's month (第九条第二款) runs in
calendar months from the day it was put into use: from Sunday 2024-03-10 to 2024-04-10, so
it has passed at 2024-04-11 00:00. The year of rectification (第十二条) ordered on
2024-04-15 ends on 2025-04-15 and has passed at 2025-04-16 00:00.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import EventNotAllowed, GuardFailed
from policyflow.sim import simulate

from .steps_ha import at, due

ROUND = "henan-instr"
UNIT = "henan-instr.unit"
STANDING = "henan-instr.standing"
SEED = "2023年度现场核查"


def _unit_data(round_id: str, **given: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "round_id": round_id,
        "unit_id": "U0",
        "category": "university",
        "state_owned": True,
        "top_instrument_value": Decimal("800000"),
    }
    data.update(given)
    return data


def _round(engine: Engine, round_id: str = "R2023", **data: Any) -> str:
    engine.start(ROUND, {"year": 2023, **data}, at=at("2024-01-05"), case_id=round_id)
    engine.fire(round_id, "notice_published", at=at("2024-01-08"))
    return round_id


def _scored(
    engine: Engine, round_id: str, case_id: str, score: int, verdict: str = "pass", **data: Any
) -> str:
    """A unit of the round, in scope and evaluated on its materials."""
    engine.start(UNIT, _unit_data(round_id, **data), at=at("2024-01-10"), case_id=case_id)
    engine.fire(case_id, "scope_confirmed", at=at("2024-01-15"))
    engine.fire(
        case_id,
        "data_submitted",
        {"platform_connected": True, "iot_connected": True},
        at=at("2024-02-20"),
    )
    engine.fire(case_id, "formal_review_passed", at=at("2024-03-01"))
    engine.fire(case_id, "evaluated", {"score": score, "verdict": verdict}, at=at("2024-04-01"))
    return case_id


def _drawn(engine: Engine, ids: list[str]) -> set[str]:
    return {i for i in ids if engine.get(i).data["site_checked"]}


def _by_hand(seed: str, ids: list[str], size: int) -> list[str]:
    return sorted(ids, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())[:size]


def _draw(engine: Engine, round_id: str = "R2023", seed: str = SEED) -> None:
    engine.fire(round_id, "site_checks_drawn", {"draw_seed": seed}, at=at("2024-05-06"))


def _check_all(engine: Engine, ids: list[str]) -> None:
    """Each drawn unit checked on site, its score and verdict confirmed."""
    for case_id in _drawn(engine, ids):
        found = engine.get(case_id).data
        confirmed = {"data_verified": True, "score": found["score"], "verdict": found["verdict"]}
        engine.fire(case_id, "site_check_done", confirmed, at=at("2024-05-20"))


def _publish(engine: Engine, ids: list[str], round_id: str = "R2023") -> dict[str, str]:
    _check_all(engine, ids)
    engine.fire(round_id, "results_published", at=at("2024-06-03"))
    return {i: engine.get(i).data["grade"] for i in ids}


# --- scope: 第七条 (by duty) and 第八条 (by choice) -----------------------------------


def test_sc1_a_state_university_with_an_800k_instrument_takes_part_and_unsampled_is_qualified(
    engine,
):
    """SC1: a ¥800k mass spectrometer under state-owned management ⇒ mandatory; not drawn
    for a site check ⇒ 合格."""
    _round(engine)
    ids = [_scored(engine, "R2023", f"U{n:02}", 80) for n in range(1, 21)]
    ids.append(_scored(engine, "R2023", "SC1", 80))
    assert engine.get("SC1").data["participation"] == "mandatory"
    seed = "SC1-2023"
    assert "SC1" not in _by_hand(seed, ids, 2)  # 21 units: two drawn, not this one
    _draw(engine, seed=seed)
    assert engine.get("SC1").state == "scored"
    grades = _publish(engine, ids)
    # 21 universities: 20 % is 4.2, so 4 places; 21 tied at 80 all cross it: none excellent
    assert grades["SC1"] == "qualified"
    assert engine.get("SC1").state == "closed_qualified"
    assert engine.verify() > 0


@pytest.mark.parametrize(
    ("value", "ok"),
    [(Decimal("499999.99"), False), (Decimal("500000.00"), True), (Decimal("500000.01"), True)],
)
def test_a_state_owned_unit_must_take_part_from_500k_exactly(engine, value, ok):
    """第七条 "单台套价值在50万元及以上": ¥500,000.00 is in, a fen below is not."""
    _round(engine)
    engine.start(
        UNIT, _unit_data("R2023", top_instrument_value=value), at=at("2024-01-10"), case_id="A"
    )
    if ok:
        engine.fire("A", "scope_confirmed", at=at("2024-01-15"))
        assert engine.get("A").data["participation"] == "mandatory"
    else:
        with pytest.raises(GuardFailed, match="mandatory_scope"):
            engine.fire("A", "scope_confirmed", at=at("2024-01-15"))
        assert engine.get("A").state == "scoping"


def _voluntary(engine: Engine, **given: Any) -> str:
    data = {
        "state_owned": False,
        "category": "new_rdi",
        "top_instrument_value": Decimal("600000"),
        "platform_registered": True,
        "sharing_revenue": Decimal("1500000"),
        "users": 35,
        **given,
    }
    engine.start(UNIT, _unit_data("R2023", **data), at=at("2024-01-10"), case_id="V")
    return "V"


def test_sc2_a_private_new_rdi_with_35_users_takes_part_by_choice(engine):
    """SC2: ¥600k instrument, revenue ¥1.5 M, 35 users ⇒ voluntary_eligible via users."""
    _round(engine)
    unit = _voluntary(engine)
    engine.fire(unit, "scope_confirmed", at=at("2024-01-15"))
    assert engine.get(unit).data["participation"] == "voluntary"


def test_sc2_with_25_users_and_1_5m_it_may_not_take_part(engine):
    """SC2: the same unit with 25 users (and ¥1.5 M) is not eligible (第八条)."""
    _round(engine)
    unit = _voluntary(engine, users=25)
    with pytest.raises(GuardFailed, match="registered_and_sharing"):
        engine.fire(unit, "scope_confirmed", at=at("2024-01-15"))


@pytest.mark.parametrize(("users", "ok"), [(29, False), (30, True), (31, True)])
def test_thirty_users_or_more_is_inclusive(engine, users, ok):
    """第八条 "服务用户数量30家以上": 以上 includes 30 (spec A1)."""
    _round(engine)
    unit = _voluntary(engine, users=users, sharing_revenue=Decimal("0"))
    if ok:
        engine.fire(unit, "scope_confirmed", at=at("2024-01-15"))
    else:
        with pytest.raises(GuardFailed, match="registered_and_sharing"):
            engine.fire(unit, "scope_confirmed", at=at("2024-01-15"))


@pytest.mark.parametrize(
    ("revenue", "ok"),
    [(Decimal("1999999.99"), False), (Decimal("2000000.00"), True), (Decimal("2000000.01"), True)],
)
def test_two_million_of_sharing_revenue_or_more_is_inclusive(engine, revenue, ok):
    """第八条 "年度共享服务收入在200万元以上": exact money; ¥2,000,000.00 is in (A1)."""
    _round(engine)
    unit = _voluntary(engine, users=0, sharing_revenue=revenue)
    if ok:
        engine.fire(unit, "scope_confirmed", at=at("2024-01-15"))
    else:
        with pytest.raises(GuardFailed, match="registered_and_sharing"):
            engine.fire(unit, "scope_confirmed", at=at("2024-01-15"))


@pytest.mark.parametrize(
    ("given", "guard"),
    [
        ({"platform_registered": False}, "registered_and_sharing"),
        ({"top_instrument_value": Decimal("499999.99")}, "voluntary_scope"),
    ],
)
def test_a_voluntary_unit_must_be_registered_and_own_a_500k_instrument(engine, given, guard):
    _round(engine)
    unit = _voluntary(engine, **given)
    with pytest.raises(GuardFailed, match=guard):
        engine.fire(unit, "scope_confirmed", at=at("2024-01-15"))


def test_newly_bought_instruments_may_be_left_out_at_the_units_choice(engine):
    """第九条第二款 "当年度新购科研设施与仪器可不参加绩效评价": optional (Errata), recorded."""
    _round(engine)
    engine.start(UNIT, _unit_data("R2023"), at=at("2024-01-10"), case_id="N")
    engine.fire("N", "scope_confirmed", {"new_instruments_left_out": True}, at=at("2024-01-15"))
    assert engine.get("N").data["new_instruments_left_out"] is True
    engine.start(UNIT, _unit_data("R2023"), at=at("2024-01-10"), case_id="M")
    engine.fire("M", "scope_confirmed", at=at("2024-01-15"))
    assert engine.get("M").data["new_instruments_left_out"] is False


# --- the round: notice, draw, results -------------------------------------------------


@pytest.mark.parametrize(("year", "ok"), [(2022, False), (2023, True), (2024, False)])
def test_the_round_evaluates_the_previous_natural_year(engine, year, ok):
    """第三条: noticed in 2024, the round evaluates 2023 and no other year."""
    engine.start(ROUND, {"year": year}, at=at("2024-01-05"), case_id="R")
    if ok:
        assert engine.fire("R", "notice_published", at=at("2024-01-08")).state == "evaluating"
    else:
        with pytest.raises(GuardFailed, match="previous_natural_year"):
            engine.fire("R", "notice_published", at=at("2024-01-08"))


def test_a_notice_after_march_needs_a_recorded_reason(engine):
    """第九条第一项 "每年年初": read as by 31 March, a soft rule passed with a reason."""
    engine.start(ROUND, {"year": 2023}, at=at("2024-01-05"), case_id="R")
    assert engine.fire("R", "notice_published", at=at("2024-03-31")).state == "evaluating"
    engine.start(ROUND, {"year": 2023}, at=at("2024-01-05"), case_id="L")
    with pytest.raises(GuardFailed, match="start_of_year"):
        engine.fire("L", "notice_published", at=at("2024-04-01"))
    reason = {"start_of_year": "春节后统一部署"}
    late = engine.fire("L", "notice_published", at=at("2024-04-01"), overrides=reason)
    assert late.state == "evaluating"


def test_sc3_fifty_units_three_site_checks_at_most_ten_excellent(engine):
    """SC3: 50 participants ⇒ ≥ 3 site checks (5 % of 50 = 2.5 → 3) and ≤ 10 优秀."""
    _round(engine)
    ids = [_scored(engine, "R2023", f"U{n:02}", 50 + n) for n in range(50)]
    _draw(engine)
    assert _drawn(engine, ids) == set(_by_hand(SEED, ids, 3))
    grades = _publish(engine, ids)
    assert sum(g == "excellent" for g in grades.values()) == 10
    assert {i for i, g in grades.items() if g == "excellent"} == set(ids[40:])  # the top ten


@pytest.mark.parametrize(("units", "checks"), [(20, 1), (21, 2), (40, 2), (41, 3)])
def test_at_least_5_percent_are_checked_rounded_up(engine, units, checks):
    """第九条第四项 "数量不低于5％": a ceiling, counted exactly: 20→1, 21→2, 40→2, 41→3."""
    _round(engine)
    ids = [_scored(engine, "R2023", f"U{n:02}", 70) for n in range(units)]
    _draw(engine)
    assert _drawn(engine, ids) == set(_by_hand(SEED, ids, checks))
    assert {engine.get(i).state for i in _drawn(engine, ids)} == {"site_check"}


def test_last_years_excellent_units_are_spared_but_count_in_the_5_percent(engine):
    """第九条第四项 "原则上对上年度…优秀的管理单位不再进行现场核查"; spec A2: 5 % of all
    21 participants (2), drawn among the 19 others (whose own 5 % would be 1)."""
    _round(engine)
    spared = [_scored(engine, "R2023", f"E{n}", 90, excellent_last_year=True) for n in range(2)]
    others = [_scored(engine, "R2023", f"U{n:02}", 70) for n in range(19)]
    _draw(engine)
    assert _drawn(engine, spared + others) == set(_by_hand(SEED, others, 2))
    record = engine.history("R2023")[-1].entry.reads["sample:site_check_drawn"]
    assert (record["of"], record["at_least"], len(record["drawn"])) == (19, 2, 2)


def test_in_principle_the_round_may_check_last_years_excellent_units_too(engine):
    """原则上: a round that does not spare them draws from all of them."""
    _round(engine, spare_last_excellent=False)
    ids = [_scored(engine, "R2023", f"E{n:02}", 90, excellent_last_year=True) for n in range(21)]
    _draw(engine)
    assert _drawn(engine, ids) == set(_by_hand(SEED, ids, 2))


def test_the_seed_is_in_the_journal_and_the_draw_can_be_redone_from_it(engine):
    """The seed is the act's payload; the round's entry records the draw; verify is clean."""
    _round(engine)
    ids = [_scored(engine, "R2023", f"U{n:02}", 70) for n in range(41)]
    _draw(engine, seed="豫科〔2023〕2号-2024-05-06")
    entry = engine.history("R2023")[-1].entry
    assert entry.payload == {"draw_seed": "豫科〔2023〕2号-2024-05-06"}
    drawn = entry.reads["sample:site_check_drawn"]["drawn"]
    assert drawn == _by_hand("豫科〔2023〕2号-2024-05-06", ids, 3)
    assert engine.get("R2023").data["draw_seed"] == "豫科〔2023〕2号-2024-05-06"
    assert engine.verify() > 0


def test_another_seed_draws_other_units(engine):
    _round(engine, "R1")
    _round(engine, "R2")
    first = [_scored(engine, "R1", f"A{n:02}", 70) for n in range(41)]
    second = [_scored(engine, "R2", f"A{n:02}x", 70) for n in range(41)]
    _draw(engine, "R1", seed="a")
    _draw(engine, "R2", seed="b")
    assert _drawn(engine, first) == set(_by_hand("a", first, 3))
    assert _drawn(engine, second) == set(_by_hand("b", second, 3))
    # the same positions in two lists of 41: another seed draws other places
    assert sorted(first.index(i) for i in _drawn(engine, first)) != sorted(
        second.index(i) for i in _drawn(engine, second)
    )


def test_the_draw_waits_for_every_unit_to_be_evaluated(engine):
    """第九条第三项, 第四项: material evaluation first, then the site checks."""
    _round(engine)
    _scored(engine, "R2023", "U1", 70)
    engine.start(UNIT, _unit_data("R2023"), at=at("2024-01-10"), case_id="LATE")
    engine.fire("LATE", "scope_confirmed", at=at("2024-01-15"))
    with pytest.raises(GuardFailed, match="all_evaluated"):
        _draw(engine)
    assert engine.get("R2023").state == "evaluating"


def test_results_wait_for_every_site_check(engine):
    """第九条第五项: results on the materials and the site checks both."""
    _round(engine)
    ids = [_scored(engine, "R2023", f"U{n:02}", 70) for n in range(5)]
    _draw(engine)
    with pytest.raises(GuardFailed, match="site_checks_done"):
        engine.fire("R2023", "results_published", at=at("2024-06-03"))
    assert _publish(engine, ids)


def test_a_site_check_must_compare_and_verify_the_data(engine):
    _round(engine)
    ids = [_scored(engine, "R2023", f"U{n:02}", 70) for n in range(3)]
    _draw(engine)
    (drawn,) = _drawn(engine, ids)
    with pytest.raises(GuardFailed, match="data_verified"):
        engine.fire(
            drawn,
            "site_check_done",
            {"data_verified": False, "score": 70, "verdict": "pass"},
            at=at("2024-05-20"),
        )


# --- the ranking: 第十条 ---------------------------------------------------------------


def _forty(engine: Engine, scores: list[int]) -> dict[str, str]:
    _round(engine)
    ids = [_scored(engine, "R2023", f"U{n:02}", s) for n, s in enumerate(scores)]
    _draw(engine)
    return _publish(engine, ids)


def _excellent(grades: dict[str, str]) -> list[str]:
    return sorted(i for i, g in grades.items() if g == "excellent")


def test_forty_units_without_ties_give_exactly_eight_excellent(engine):
    """第十条 "优秀名额不超过…20%": 40 × 20 % = 8 (c.through × 5 ≤ ranked)."""
    grades = _forty(engine, list(range(100, 60, -1)))
    assert _excellent(grades) == [f"U{n:02}" for n in range(8)]


def test_a_tie_ending_at_the_cap_is_in_whole(engine):
    """Places 7 and 8 tied (through 8 = the cap): both excellent, 8 in all."""
    scores = [100, 99, 98, 97, 96, 95, 90, 90, *range(80, 48, -1)]
    assert len(_excellent(_forty(engine, scores))) == 8


def test_a_tie_crossing_the_cap_is_left_out_whole(engine):
    """Places 7, 8 and 9 tied (through 9 > 8): none of them, so 6 excellent, never 9."""
    scores = [100, 99, 98, 97, 96, 95, 90, 90, 90, *range(80, 49, -1)]
    grades = _forty(engine, scores)
    assert _excellent(grades) == [f"U{n:02}" for n in range(6)]
    assert {grades[f"U{n:02}"] for n in (6, 7, 8)} == {"qualified"}


def test_a_tie_just_below_the_cap_is_in(engine):
    """Places 6 and 7 tied (through 7 < 8), then one more at 8: 8 excellent."""
    scores = [100, 99, 98, 97, 96, 91, 91, 90, *range(80, 48, -1)]
    assert len(_excellent(_forty(engine, scores))) == 8


def test_each_category_is_ranked_and_capped_on_its_own(engine):
    """第十条 "按照高等院校、科研院所、企业等不同分类进行排名": 10 universities (2 places)
    and 5 institutes (1 place); an institute's high score takes no university's place."""
    _round(engine)
    unis = [_scored(engine, "R2023", f"A{n}", 90 - n) for n in range(10)]
    insts = [_scored(engine, "R2023", f"B{n}", 99 - n, category="institute") for n in range(5)]
    _draw(engine)
    grades = _publish(engine, unis + insts)
    assert _excellent(grades) == ["A0", "A1", "B0"]
    assert engine.get("B0").data["rank"] == 1 and engine.get("A0").data["rank"] == 1


def test_a_unit_judged_to_fail_is_unqualified_and_ranked_after_every_pass(engine):
    """A fail verdict is 不合格 whatever its score, and takes no place among the passes."""
    _round(engine)
    ids = [_scored(engine, "R2023", "F", 99, verdict="fail")]
    ids += [_scored(engine, "R2023", f"U{n}", 80 - n) for n in range(4)]
    _draw(engine)
    grades = _publish(engine, ids)
    assert grades["F"] == "unqualified" and engine.get("F").state == "closed_unqualified"
    assert engine.get("F").data["rank"] == 5
    assert _excellent(grades) == ["U0"]  # 5 units: one place


# --- standing: onboarding, rectification, sanctions, fraud ----------------------------


def _standing(engine: Engine, unit_id: str = "U0") -> str:
    engine.start(STANDING, {"unit_id": unit_id, "name": "某大学"}, at=at("2024-01-02"), case_id="S")
    return "S"


def _instrument(engine: Engine, value: str = "800000", since: str = "2024-03-10") -> str:
    engine.fire(
        "S",
        "instrument_in_use",
        {
            "instrument_id": "MS-1",
            "value": Decimal(value),
            "in_use_since": since,
            "fiscal_funded": True,
        },
        at=at("2024-03-11"),
    )
    (child,) = engine.children("S")
    return str(child.id)


@pytest.mark.parametrize(
    ("value", "ok"), [("499999.99", False), ("500000.00", True), ("500000.01", True)]
)
def test_the_one_month_duty_covers_instruments_of_500k_or_more(engine, value, ok):
    _standing(engine)
    if ok:
        _instrument(engine, value)
    else:
        with pytest.raises(GuardFailed, match="qualifying_instrument"):
            _instrument(engine, value)
        assert engine.children("S") == []


def test_an_instrument_applied_for_on_the_last_day_of_its_month_is_in_time(engine):
    """第九条第二款: in use 2024-03-10, applied for 2024-04-10: in time."""
    _standing(engine)
    child = _instrument(engine)
    assert due(engine, child, "onboarding").isoformat() == "2024-04-10"
    engine.tick(now=at("2024-04-10", 23))
    engine.fire(child, "onboarding_applied", at=at("2024-04-10", 23))
    engine.tick(now=at("2024-04-12"))
    assert engine.get(child).state == "onboarded"
    assert engine.get("S").data["instruments_missed"] == 0


def test_sc4_left_out_rectification_no_evaluation_then_unqualified_means_sanctions(engine):
    """SC4: commissioned 2024-03-10, not applied for by 2024-04-10 ⇒ 应入未入 ⇒ rectification
    (T10); the unit skips the 2025 evaluation; the 2026 evaluation is 不合格 ⇒ sanctioned."""
    _standing(engine)
    child = _instrument(engine)
    engine.tick(now=at("2024-04-10", 23))
    assert engine.get(child).state == "in_use"
    engine.tick(now=at("2024-04-11", 0))
    assert engine.get(child).state == "not_onboarded"
    assert engine.get("S").data["instruments_missed"] == 1
    engine.fire("S", "rectification_ordered", {"reason": "not_onboarded"}, at=at("2024-04-15"))
    assert engine.get("S").state == "rectification"
    assert due(engine, "S", "rectification_year").isoformat() == "2025-04-15"
    # the 2025 evaluation (of 2024): the unit takes no part while rectifying
    engine.start(ROUND, {"year": 2024}, at=at("2025-01-06"), case_id="R2024")
    engine.fire("R2024", "notice_published", at=at("2025-01-08"))
    engine.start(UNIT, _unit_data("R2024"), at=at("2025-01-10"), case_id="Y2024")
    with pytest.raises(GuardFailed, match="not_in_rectification"):
        engine.fire("Y2024", "scope_confirmed", at=at("2025-01-15"))
    engine.tick(now=at("2025-04-15", 23))
    assert engine.get("S").state == "rectification"
    engine.tick(now=at("2025-04-16", 0))
    assert engine.get("S").state == "awaiting_result"
    # the 2026 evaluation (of 2025) takes it in again; it is 不合格
    engine.start(ROUND, {"year": 2025}, at=at("2026-01-05"), case_id="R2025")
    engine.fire("R2025", "notice_published", at=at("2026-01-06"))
    engine.start(UNIT, _unit_data("R2025"), at=at("2026-01-07"), case_id="Y2025")
    assert engine.fire("Y2025", "scope_confirmed", at=at("2026-01-08")).state == "data_collection"
    with pytest.raises(GuardFailed, match="sanction_chosen"):
        engine.fire("S", "next_result_recorded", {"grade": "unqualified"}, at=at("2026-06-01"))
    engine.fire(
        "S",
        "next_result_recorded",
        {"grade": "unqualified", "new_purchases_stopped": True},
        at=at("2026-06-01"),
    )
    standing = engine.get("S")
    assert standing.state == "sanctioned"
    assert (standing.data["new_purchases_stopped"], standing.data["cut_purchase_funds"]) == (
        True,
        False,
    )
    assert engine.verify() > 0


def test_a_rectified_unit_that_passes_is_back_in_good_standing(engine):
    """T11: the first evaluation after the year is decisive (A3): 合格 ends it."""
    _standing(engine)
    engine.fire("S", "rectification_ordered", {"reason": "unqualified"}, at=at("2024-04-15"))
    engine.tick(now=at("2025-04-16", 0))
    engine.fire("S", "next_result_recorded", {"grade": "qualified"}, at=at("2026-06-01"))
    assert engine.get("S").state == "good_standing"


def test_leaving_instruments_out_needs_one_left_out(engine):
    """A rectification for 应入未入 needs an instrument not applied for in time."""
    _standing(engine)
    with pytest.raises(GuardFailed, match="left_out_found"):
        engine.fire("S", "rectification_ordered", {"reason": "not_onboarded"}, at=at("2024-04-15"))
    engine.fire(
        "S", "rectification_ordered", {"reason": "absent_without_reason"}, at=at("2024-04-15")
    )
    assert engine.get("S").data["rectification_reason"] == "absent_without_reason"


def test_a_unit_leaves_the_scope_only_in_good_standing(engine):
    """第二条: a unit no longer owning instruments is no management unit; not while rectifying."""
    _standing(engine)
    engine.fire("S", "rectification_ordered", {"reason": "unqualified"}, at=at("2024-04-15"))
    with pytest.raises(EventNotAllowed):
        engine.fire("S", "scope_left", at=at("2024-05-06"))
    engine.tick(now=at("2025-04-16", 0))
    engine.fire("S", "next_result_recorded", {"grade": "qualified"}, at=at("2026-06-01"))
    assert engine.fire("S", "scope_left", at=at("2026-06-02")).state == "out_of_scope"


def test_sc5_fraud_recovers_the_subsidy_and_records_it_for_integrity(engine):
    """SC5: fraud found in an 优秀 unit's machine hours ⇒ subsidy recovered, integrity record,
    notice (第十三条); its standing itself is unchanged."""
    _round(engine)
    ids = [_scored(engine, "R2023", "X", 99)] + [
        _scored(engine, "R2023", f"U{n}", 70 - n) for n in range(4)
    ]
    _draw(engine)
    assert _publish(engine, ids)["X"] == "excellent"
    _standing(engine, unit_id="U0")
    engine.fire(
        "S", "fraud_found", {"subsidy_recovered": Decimal("300000.00")}, at=at("2024-09-02")
    )
    standing = engine.get("S")
    assert standing.state == "good_standing"
    assert standing.data["subsidy_recovered"] == Decimal("300000.00")
    assert standing.data["integrity_recorded"] is True


def test_fraud_found_during_the_evaluation_grades_the_unit_unqualified(engine):
    """第十三条 [rec]: the text says recover, record, notify; the forced 不合格 is a reading."""
    _round(engine)
    engine.start(UNIT, _unit_data("R2023"), at=at("2024-01-10"), case_id="F")
    engine.fire("F", "scope_confirmed", at=at("2024-01-15"))
    engine.fire("F", "fraud_found", at=at("2024-02-01"))
    case = engine.get("F")
    assert (case.state, case.data["grade"], case.data["fraud_found"]) == (
        "closed_unqualified",
        "unqualified",
        True,
    )


def test_only_a_fiscal_instrument_may_be_transferred(engine):
    """第十二条第二款: instruments bought with fiscal funds may be transferred or reallocated."""
    _standing(engine)
    child = _instrument(engine)
    engine.fire(child, "onboarding_applied", at=at("2024-03-20"))
    assert engine.fire(child, "reallocated", at=at("2024-09-02")).state == "reallocated"


# --- the simulated round --------------------------------------------------------------


def test_a_simulated_round_of_200_draws_what_its_journal_says_and_keeps_the_cap():
    """The default scenario (200 units): the round's journal names the seed and the draw;
    redone by hand from the units as they stood, it is the same; each category's 优秀 stay
    within 20 %. (The engine draws the same: tests/sim/test_engine_parity.py.)"""
    result = simulate(UNIT, seed=3, workers=1)
    assert len(result.records) == 200
    (cohort,) = result.cohorts
    drawing = next(e for e in cohort.journal if e.event == "site_checks_drawn")
    record = drawing.reads["sample:site_check_drawn"]
    assert record["seed"] == drawing.payload["draw_seed"]

    def state_then(unit: Any) -> str:
        return [e for e in unit.journal if e.at < drawing.at][-1].to_state

    scored = [u for u in result.records if state_then(u) == "scored"]
    pool = [u.case_id for u in scored if not u.data["excellent_last_year"]]
    size = max(-(-len(pool) * 5 // 100), -(-len(scored) * 5 // 100))
    assert record["drawn"] == _by_hand(record["seed"], pool, size)
    checked = {
        u.case_id for u in result.records if any(e.event == "site_check_drawn" for e in u.journal)
    }
    assert checked == set(record["drawn"])
    grades: dict[str, list[str]] = {}
    for unit in result.records:
        for entry in unit.journal:
            if entry.event == "result_published":
                grades.setdefault(unit.data["category"], []).append(entry.payload["grade"])
    assert sum(len(g) for g in grades.values()) > 150  # graded, not stuck
    for category, given in grades.items():
        assert given.count("excellent") * 5 <= len(given), category
