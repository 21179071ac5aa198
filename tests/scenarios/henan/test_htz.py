"""henan-htz: 河南省高新技术产业开发区培育创建实施方案（试行） (豫科〔2023〕123号), SC1–SC5.

The creation period, its extension window and the yearly ranking round, on a real engine.
"""

from __future__ import annotations

from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import EventNotAllowed, GuardFailed, TransitionRefused, UnknownCase

from .steps_ha import at, due, run

#: A zone meeting every condition of 二 (percentages in basis points).
ZONE: dict[str, Any] = {
    "zone_name": "示范开发区",
    "city": "洛阳市",
    "in_provincial_layout": True,
    "land_plan_compliant": True,
    "boundaries_clear": True,
    "blocks": 3,
    "ht_industry_plan": True,
    "rd_intensity_bp": 260,
    "local_rd_intensity_bp": 180,
    "has_innovation_carrier": True,
    "hte_sme_count": 60,
    "county_hte_sme_total": 100,
    "leading_industry_clear": True,
    "main_growth_bp": 900,
    "county_growth_bp": 650,
    "ht_va_growth_bp": 1200,
    "local_ht_va_growth_bp": 800,
    "local_mechanism": True,
}

MATERIALS = {"creation_application": True, "creation_plan": True, "supporting_materials": True}


def _in_city_review(engine: Engine, data: dict[str, Any] | None = None) -> str:
    case = engine.start("henan-htz", ZONE if data is None else data, at=at("2023-10-09", 9))
    run(engine, case.id, ("submitted_to_city", "2023-10-09", MATERIALS))
    return case.id


def _cultivating(engine: Engine, approved: str = "2024-01-01") -> str:
    case_id = _in_city_review(engine)
    state = run(
        engine,
        case_id,
        ("city_recommended", "2023-11-01"),
        ("review_favourable", "2023-12-01"),
        ("creation_approved", approved),
    )
    assert state == "cultivating"
    return case_id


def _named(engine: Engine) -> str:
    case_id = _cultivating(engine)
    state = run(
        engine,
        case_id,
        ("recognition_requested", "2025-03-03"),
        ("recognised", "2025-05-06"),
    )
    assert state == "provincial_htz"
    return case_id


def _rank(engine: Engine, year: int, scores: dict[str, int], day: str) -> str:
    """One year's ranking round over `scores` (zone case id → score), published on `day`."""
    round_case = engine.start("henan-htz.ranking", {"year": year}, at=at(day, 8))
    engine.fire(round_case.id, "evaluation_opened", at=at(day, 8))
    for zone_id, score in scores.items():
        engine.fire(
            zone_id,
            "statistics_reported",
            {"round_id": round_case.id, "score": score},
            at=at(day, 9),
        )
    engine.fire(
        round_case.id,
        "ranking_published",
        {"rectification_due": f"{int(day[:4]) + 0}-12-31"},
        at=at(day, 10),
    )
    return round_case.id


# --- creation: conditions of 二 and the procedure of 三 --------------------------------------


def test_sc1_recognised_within_the_period(engine: Engine) -> None:
    """SC1, 三(三), 四: approved 2024-01-01, the period ends 2027-01-01; met in 2026 ⇒ named."""
    case_id = _cultivating(engine)
    assert str(engine.get(case_id).data["period_end"]) == "2027-01-01"
    state = run(
        engine,
        case_id,
        ("recognition_requested", "2026-10-12"),
        ("recognised", "2026-12-15"),
    )
    assert state == "provincial_htz"
    assert str(engine.get(case_id).data["recognised_on"]) == "2026-12-15"


@pytest.mark.parametrize(
    ("years", "end", "soft_fails"),
    [(2, "2026-01-01", False), (3, "2027-01-01", False), (4, "2028-01-01", True)],
)
def test_creation_period_three_years_in_principle(
    engine: Engine, years: int, end: str, soft_fails: bool
) -> None:
    """四: 培育创建期原则不超过三年 — longer only with a recorded reason."""
    case_id = _in_city_review(engine)
    run(engine, case_id, ("city_recommended", "2023-11-01"), ("review_favourable", "2023-12-01"))
    if soft_fails:
        with pytest.raises(GuardFailed, match="at_most_three_years"):
            run(engine, case_id, ("creation_approved", "2024-01-01", {"years": years}))
        engine.fire(
            case_id,
            "creation_approved",
            {"years": years},
            at=at("2024-01-01"),
            overrides={"at_most_three_years": "跨区域整合，一区多园"},
        )
    else:
        run(engine, case_id, ("creation_approved", "2024-01-01", {"years": years}))
    assert str(engine.get(case_id).data["period_end"]) == end


def test_missing_materials_are_refused(engine: Engine) -> None:
    """三(一): 创建申请、创建方案以及创建依据材料 — all three."""
    case = engine.start("henan-htz", ZONE, at=at("2023-10-09", 9))
    with pytest.raises(GuardFailed, match="materials_complete"):
        run(
            engine,
            case.id,
            ("submitted_to_city", "2023-10-09", MATERIALS | {"creation_plan": False}),
        )
    assert engine.get(case.id).state == "preparing"


@pytest.mark.parametrize(("blocks", "soft_fails"), [(2, False), (3, False), (4, True)])
def test_sc5_three_blocks_as_a_rule(engine: Engine, blocks: int, soft_fails: bool) -> None:
    """SC5, 二(一): 组成区块原则上不超过3个 — 4 blocks only with a reason, else not recommended."""
    case_id = _in_city_review(engine, ZONE | {"blocks": blocks})
    if not soft_fails:
        assert run(engine, case_id, ("city_recommended", "2023-11-01")) == "provincial_review"
        return
    with pytest.raises(GuardFailed, match="three_blocks"):
        run(engine, case_id, ("city_recommended", "2023-11-01"))
    assert engine.get(case_id).state == "city_review"
    assert run(engine, case_id, ("city_refused", "2023-11-02")) == "rejected"
    other = _in_city_review(engine, ZONE | {"blocks": blocks})
    engine.fire(
        other,
        "city_recommended",
        at=at("2023-11-01"),
        overrides={"three_blocks": "一区多园整体规划"},
    )
    assert engine.get(other).state == "provincial_review"


@pytest.mark.parametrize(
    ("incident", "ok"),
    [("2020-10-08", True), ("2020-10-09", False), ("2020-10-10", False), (None, True)],
)
def test_no_major_incident_in_three_years(engine: Engine, incident: str | None, ok: bool) -> None:
    """二(一): 近三年内 — applied 2023-10-09, an accident on 2020-10-09 is within them."""
    case_id = _in_city_review(engine, ZONE | {"last_major_incident_on": incident})
    if ok:
        assert run(engine, case_id, ("city_recommended", "2023-11-01")) == "provincial_review"
    else:
        with pytest.raises(GuardFailed, match="no_major_incident_3y"):
            run(engine, case_id, ("city_recommended", "2023-11-01"))


@pytest.mark.parametrize(
    ("data", "guard", "ok"),
    [
        ({"rd_intensity_bp": 181}, "rd_above_local", True),
        ({"rd_intensity_bp": 180}, "rd_above_local", False),
        ({"rd_intensity_bp": 179}, "rd_above_local", False),
        ({"hte_sme_count": 51}, "half_of_county_enterprises", True),
        ({"hte_sme_count": 50}, "half_of_county_enterprises", True),
        ({"hte_sme_count": 49}, "half_of_county_enterprises", False),
        ({"main_growth_bp": 651}, "growth_above_county", True),
        ({"main_growth_bp": 650}, "growth_above_county", False),
        ({"main_growth_bp": 649}, "growth_above_county", False),
        ({"ht_va_growth_bp": 801}, "ht_value_added_above_local", True),
        ({"ht_va_growth_bp": 800}, "ht_value_added_above_local", False),
        ({"ht_va_growth_bp": 799}, "ht_value_added_above_local", False),
        ({"has_innovation_carrier": False}, "innovation_carrier", False),
        ({"local_mechanism": False}, "local_support", False),
        ({"land_plan_compliant": False}, "land_fits_plan", False),
    ],
)
def test_creation_conditions(engine: Engine, data: dict[str, Any], guard: str, ok: bool) -> None:
    """二(二)-(四): 高于 excludes equal; 不低于 50 % includes it."""
    case_id = _in_city_review(engine, ZONE | data)
    if ok:
        assert run(engine, case_id, ("city_recommended", "2023-11-01")) == "provincial_review"
    else:
        with pytest.raises(GuardFailed, match=guard):
            run(engine, case_id, ("city_recommended", "2023-11-01"))
        assert engine.get(case_id).state == "city_review"


def test_review_and_approval_can_refuse(engine: Engine) -> None:
    """三(二)(三): an unfavourable opinion or no approval ends the application."""
    first = _in_city_review(engine)
    assert (
        run(
            engine, first, ("city_recommended", "2023-11-01"), ("review_unfavourable", "2023-12-01")
        )
        == "rejected"
    )
    second = _in_city_review(engine)
    state = run(
        engine,
        second,
        ("city_recommended", "2023-11-01"),
        ("review_favourable", "2023-12-01"),
        ("creation_refused", "2023-12-20"),
    )
    assert state == "rejected"


# --- the period, its extension and exit (四) ------------------------------------------------


def test_sc2_extension_then_exit(engine: Engine) -> None:
    """SC2, 四: asked 2026-09-15 ⇒ extended to 2028-01-01; still unmet ⇒ exit on 2028-01-02."""
    case_id = _cultivating(engine)
    assert run(engine, case_id, ("extension_requested", "2026-09-15")) == "extended"
    assert str(engine.get(case_id).data["period_end"]) == "2028-01-01"
    engine.tick(at("2028-01-01", 23))
    assert engine.get(case_id).state == "extended"
    engine.tick(at("2028-01-02", 0))
    assert engine.get(case_id).state == "exited"
    assert engine.history(case_id)[-1].entry.event == "extension_lapsed"


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        ("2026-05-01", False),  # SC3: eight months before the end
        ("2026-06-30", False),  # the day before the window opens
        ("2026-07-01", True),  # 期满前半年: six months before 2027-01-01
        ("2026-07-02", True),
        ("2027-01-01", True),  # the last day of the period
    ],
)
def test_sc3_extension_window(engine: Engine, day: str, ok: bool) -> None:
    """SC3, 四: 可于期满前半年内申请 — the window is [2026-07-01, 2027-01-01]."""
    case_id = _cultivating(engine)
    if ok:
        assert run(engine, case_id, ("extension_requested", day)) == "extended"
        return
    with pytest.raises(GuardFailed, match="within_last_half_year"):
        run(engine, case_id, ("extension_requested", day))
    assert engine.get(case_id).state == "cultivating"
    # refused, it may be asked again once the window opens
    assert run(engine, case_id, ("extension_requested", "2026-07-01")) == "extended"


def test_extension_after_the_end_is_too_late(engine: Engine) -> None:
    """四: the day after the period the zone has already left the programme (A2)."""
    case_id = _cultivating(engine)
    with pytest.raises(EventNotAllowed):
        run(engine, case_id, ("extension_requested", "2027-01-02"))
    engine.tick(at("2027-01-02", 0))
    assert engine.get(case_id).state == "exited"
    assert engine.history(case_id)[-1].entry.event == "period_lapsed"


def test_extension_only_once(engine: Engine) -> None:
    """四: 延长一年创建期 — once; in the extended year it cannot be asked for again."""
    case_id = _cultivating(engine)
    run(engine, case_id, ("extension_requested", "2026-09-15"))
    with pytest.raises(EventNotAllowed):
        run(engine, case_id, ("extension_requested", "2027-09-15"))


def test_recognised_in_the_extended_year(engine: Engine) -> None:
    """四: a zone meeting the requirements in its extended year is recognised."""
    case_id = _cultivating(engine)
    state = run(
        engine,
        case_id,
        ("extension_requested", "2026-09-15"),
        ("recognition_requested", "2027-09-01"),
        ("recognised", "2027-11-01"),
    )
    assert state == "provincial_htz"


def test_refused_recognition_returns_to_the_running_period(engine: Engine) -> None:
    """四 (A3): a refusal returns the zone to its period, whose end does not move."""
    case_id = _cultivating(engine)
    state = run(
        engine,
        case_id,
        ("recognition_requested", "2026-11-02"),
        ("recognition_refused", "2027-02-01"),
    )
    assert state == "cultivating"
    engine.tick(at("2027-02-02"))
    assert engine.get(case_id).state == "exited"


# --- the yearly ranking round (四) -----------------------------------------------------------


def test_a_zone_enters_only_an_open_round(engine: Engine) -> None:
    """四 年度统计分析评价: scores are taken while the year's evaluation is open, not after."""
    zones = [_named(engine) for _ in range(3)]
    round_id = _rank(engine, 2025, {z: i for i, z in enumerate(zones)}, "2026-06-01")
    assert engine.get(round_id).data["zones_entered"] == 3
    late = _named(engine)
    with pytest.raises(TransitionRefused, match="is final"):
        engine.fire(
            late, "statistics_reported", {"round_id": round_id, "score": 90}, at=at("2026-06-02")
        )
    assert engine.get(late).data["ranking_round"] == ""
    planned = engine.start("henan-htz.ranking", {"year": 2026}, at=at("2027-03-01"))
    with pytest.raises(TransitionRefused, match="zone_entered"):
        engine.fire(
            late, "statistics_reported", {"round_id": planned.id, "score": 90}, at=at("2027-03-02")
        )


def test_a_zone_cannot_enter_a_round_that_does_not_exist(engine: Engine) -> None:
    """四: the score goes to a round the department opened; an unknown one changes nothing."""
    zone = _named(engine)
    with pytest.raises(UnknownCase, match="R-2025"):
        engine.fire(
            zone, "statistics_reported", {"round_id": "R-2025", "score": 60}, at=at("2026-01-05")
        )
    assert engine.get(zone).data["ranking_round"] == ""


def test_a_zone_being_delisted_is_not_ranked_again(engine: Engine) -> None:
    """四: after the third year the zone awaits withdrawal; next year's round leaves it out."""
    weak = _named(engine)
    others = [_named(engine) for _ in range(4)]
    for year in (2025, 2026, 2027):
        _rank(engine, year, _rotating(others, year) | {weak: 10}, f"{year + 1}-06-01")
    assert engine.get(weak).state == "delisting"
    # the third year starts no new rectification limit: the latest is the second year's
    assert str(due(engine, weak, "rectification_limit")) == "2027-12-31"
    _rank(engine, 2028, _rotating(others, 2028), "2029-06-01")
    assert engine.get(weak).data["last_ranked_year"] == 2027


def _rotating(zones: list[str], year: int) -> dict[str, int]:
    """Distinct scores of 50 and more, whose lowest zone changes from year to year."""
    return {z: 50 + (i + year) % len(zones) for i, z in enumerate(zones)}


def test_sc4_three_consecutive_years_in_last_two(engine: Engine) -> None:
    """SC4, 四 (errata T12/T14): last two in 2025, 2026, 2027 ⇒ withdrawal, then delisted."""
    weak = _named(engine)
    others = [_named(engine) for _ in range(4)]
    _rank(engine, 2025, _rotating(others, 2025) | {weak: 10}, "2026-06-01")
    case = engine.get(weak)
    assert case.state == "rectification"
    assert case.data["bottom2_streak"] == 1
    assert case.data["last_rank"] == 5
    _rank(engine, 2026, _rotating(others, 2026) | {weak: 10}, "2027-06-01")
    assert engine.get(weak).state == "rectification"
    assert engine.get(weak).data["bottom2_streak"] == 2
    _rank(engine, 2027, _rotating(others, 2027) | {weak: 10}, "2028-06-01")
    assert engine.get(weak).state == "delisting"
    assert run(engine, weak, ("delisting_decided", "2028-09-01")) == "delisted"


def test_sc4_a_good_year_resets_the_streak(engine: Engine) -> None:
    """SC4, 四: leaving the last two in 2026 ends the run; 2027 counts as a first year."""
    zone = _named(engine)
    others = [_named(engine) for _ in range(4)]
    _rank(engine, 2025, _rotating(others, 2025) | {zone: 10}, "2026-06-01")
    _rank(engine, 2026, _rotating(others, 2026) | {zone: 99}, "2027-06-01")
    case = engine.get(zone)
    assert (case.state, case.data["bottom2_streak"], case.data["recommend_national"]) == (
        "provincial_htz",
        0,
        True,
    )
    _rank(engine, 2027, _rotating(others, 2027) | {zone: 10}, "2028-06-01")
    _rank(engine, 2028, _rotating(others, 2028) | {zone: 10}, "2029-06-01")
    assert engine.get(zone).state == "rectification"
    assert engine.get(zone).data["bottom2_streak"] == 2


def test_a_year_without_ranking_breaks_the_run(engine: Engine) -> None:
    """四 连续三年 (A4): 2025, 2026 in the last two, no 2027 ranking, 2028 ⇒ a first year."""
    zone = _named(engine)
    others = [_named(engine) for _ in range(3)]
    scores = {z: 50 + i for i, z in enumerate(others)}
    _rank(engine, 2025, scores | {zone: 1}, "2026-06-01")
    _rank(engine, 2026, scores | {zone: 1}, "2027-06-01")
    _rank(engine, 2028, scores | {zone: 1}, "2029-06-01")
    assert engine.get(zone).state == "rectification"
    assert engine.get(zone).data["bottom2_streak"] == 1


def test_one_ranking_a_year(engine: Engine) -> None:
    """四 年度: a second ranking of the same year is refused whole."""
    zones = [_named(engine) for _ in range(3)]
    _rank(engine, 2025, {z: i for i, z in enumerate(zones)}, "2026-06-01")
    with pytest.raises(TransitionRefused, match="once_a_year"):
        _rank(engine, 2025, {z: i for i, z in enumerate(zones)}, "2026-07-01")
    assert all(engine.get(z).data["last_ranked_year"] == 2025 for z in zones)


def test_rectification_limit(engine: Engine) -> None:
    """四 责令限期整改: the notice's limit; unreported by then, the zone is overdue."""
    zones = [_named(engine) for _ in range(4)]
    _rank(engine, 2025, {z: i for i, z in enumerate(zones)}, "2026-06-01")
    late, prompt = zones[0], zones[1]
    run(engine, prompt, ("rectification_reported", "2026-12-31"))
    engine.tick(at("2027-01-01", 1))
    assert not engine.get(prompt).snapshot.overdue
    assert engine.get(late).snapshot.overdue


def _cap_round(engine: Engine, scores: list[int]) -> list[str]:
    """Forty named zones is slow to build: rank named zones with the given scores."""
    zones = [_named(engine) for _ in scores]
    _rank(engine, 2025, dict(zip(zones, scores, strict=True)), "2026-06-01")
    return [engine.get(z).state for z in zones]


@pytest.mark.parametrize(
    ("low", "criticised"),
    [
        ([10, 20], 2),  # two distinct last places: both named
        ([10, 10], 2),  # a tie for last place: both named (through 2)
        ([10, 20, 20], 1),  # a tie across the second place: left out whole
        ([10, 10, 10], 0),  # three tied at the bottom: no tie group fits in two
    ],
)
def test_last_two_never_more_than_two_on_ties(
    engine: Engine, low: list[int], criticised: int
) -> None:
    """四 后两位, tie rule: a tie group crossing the second place is left out whole.

    Forty zones in the round (the issue's cap test); the rest score 50 and more.
    """
    scores = low + [50 + i for i in range(40 - len(low))]
    states = _cap_round(engine, scores)
    assert states.count("rectification") == criticised
    assert states[: len(low)].count("rectification") == criticised
